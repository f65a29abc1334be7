import { type Project, useCreateTask } from '@selftracker/react';
import { type KeyboardEvent, useMemo, useState } from 'react';
import { fromDayNumber, localNoon } from './calendar-date.ts';
import { messageOf } from './labels.ts';
import { type ListContext, newTask, previewParts, shownIn } from './new-task.ts';
import { parseQuickAdd } from './quick-add.ts';

/**
 * The "New task" input with quick-add (quick-add.ts): while typing, the "Quick add preview" status says what
 * Enter will create; Enter creates it. A task the list will not show (another view or filter) is announced
 * there too, so it never seems lost.
 */
export function QuickAddInput({
  projects,
  context,
  today,
}: {
  projects: readonly Project[];
  context: ListContext;
  /** Today's local day number. */
  today: number;
}) {
  const create = useCreateTask();
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const date = useMemo(() => fromDayNumber(today), [today]);
  // Archived projects are not offered: `#Old` for one stays in the title and is reported.
  const choices = useMemo(() => projects.filter((p) => !p.archived), [projects]);
  const parsed = useMemo(
    () => parseQuickAdd(text, localNoon(date), { projects: choices }),
    [text, date, choices],
  );
  const task = newTask(parsed, context, date);
  const parts = text.trim() ? previewParts(parsed, task, choices, date) : [];

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    e.preventDefault();
    if (!task.title) return; // the preview says "Needs a title"
    setText('');
    setNote(shownIn(task, context, date) ? '' : `Added “${task.title}”; this view or filter hides it.`);
    create.mutate(task);
  };

  return (
    <>
      <input
        className="new-task"
        aria-label="New task"
        placeholder="New task… e.g. Buy milk tomorrow #Project (Enter to add)"
        value={text}
        maxLength={500}
        onChange={(e) => {
          setText(e.target.value);
          setNote('');
        }}
        onKeyDown={onKeyDown}
      />
      <p role="status" aria-label="Quick add preview" className="quick-preview">
        {parts.length > 0
          ? parts.map((part, i) => (
              <span key={part} className={i === parts.length - 1 ? 'title-part' : 'part'}>
                {i > 0 ? ' · ' : ''}
                {part}
              </span>
            ))
          : note}
      </p>
      {create.error && (
        <p role="alert" className="error">
          {messageOf(create.error)}
        </p>
      )}
    </>
  );
}
