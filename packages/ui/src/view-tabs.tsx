import { type KeyboardEvent, useRef } from 'react';
import { TASK_VIEWS, type TaskView, VIEW_LABELS } from './task-views.ts';

/** The id of a view's tab, for the panel's `aria-labelledby`. */
export const viewTabId = (prefix: string, view: TaskView) => `${prefix}-tab-${view}`;

/**
 * The views of the task list as tabs (WAI-ARIA tabs pattern): Today, Upcoming, Overdue, All tasks. Arrow keys,
 * Home and End move between them and select (selecting is only a filter, so it follows focus).
 */
export function ViewTabs({
  view,
  onChange,
  idPrefix,
  panelId,
}: {
  view: TaskView;
  onChange: (view: TaskView) => void;
  idPrefix: string;
  panelId: string;
}) {
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TASK_VIEWS.indexOf(view);
    const n = TASK_VIEWS.length;
    const keys: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 };
    const to = Object.hasOwn(keys, e.key) ? keys[e.key] : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const next = TASK_VIEWS[to % n]!;
    onChange(next);
    tabs.current[to % n]?.focus();
  };
  return (
    <div role="tablist" aria-label="Views" className="view-tabs" onKeyDown={onKeyDown}>
      {TASK_VIEWS.map((v, i) => (
        <button
          key={v}
          ref={(el) => {
            tabs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={viewTabId(idPrefix, v)}
          aria-selected={v === view}
          aria-controls={panelId}
          tabIndex={v === view ? 0 : -1}
          className="view-tab"
          onClick={() => onChange(v)}
        >
          {VIEW_LABELS[v]}
        </button>
      ))}
    </div>
  );
}
