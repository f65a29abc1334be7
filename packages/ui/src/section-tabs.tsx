import { type KeyboardEvent, useRef } from 'react';

export type Section = 'tasks' | 'projects' | 'time';
const SECTIONS: readonly { id: Section; label: string; icon: string }[] = [
  { id: 'tasks', label: 'Tasks', icon: '☑' },
  { id: 'projects', label: 'Projects', icon: '▤' },
  { id: 'time', label: 'Time', icon: '◷' },
];

/**
 * The phone layout's bottom tab bar (shown below 700 px by the stylesheet): Tasks, Projects and Time, one section
 * at a time. A tablist with the ARIA tabs keyboard pattern: the selected tab is the one Tab stop, arrows, Home and
 * End move between tabs and select.
 */
export function SectionTabs({ selected, onSelect }: { selected: Section; onSelect: (s: Section) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent) => {
    const at = SECTIONS.findIndex((s) => s.id === selected);
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % SECTIONS.length
        : e.key === 'ArrowLeft'
          ? (at + SECTIONS.length - 1) % SECTIONS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? SECTIONS.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    onSelect(SECTIONS[to]!.id);
    refs.current[to]?.focus();
  };
  return (
    <div className="section-tabs" role="tablist" aria-label="Sections" onKeyDown={onKeyDown}>
      {SECTIONS.map((s, i) => (
        <button
          key={s.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${s.id}`}
          aria-selected={selected === s.id}
          aria-controls={`section-${s.id}`}
          tabIndex={selected === s.id ? 0 : -1}
          className="section-tab"
          onClick={() => onSelect(s.id)}
        >
          <span className="section-icon" aria-hidden="true">
            {s.icon}
          </span>
          {s.label}
        </button>
      ))}
    </div>
  );
}
