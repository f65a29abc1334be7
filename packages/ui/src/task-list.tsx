import { isSearch } from '@selftracker/client';
import { TASK_STATUSES, type TaskStatus } from '@selftracker/core';
import {
  type Project,
  type Task,
  type TaskFilter,
  useProjects,
  useStartTimer,
  useTaskSearch,
  useUpdateTask,
} from '@selftracker/react';
import {
  type RefObject,
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import { STATUS_LABELS } from './labels.ts';
import { archivedIds, tasksShown } from './project-tasks.ts';
import { QuickAddInput } from './quick-add-input.tsx';
import { rowsOf } from './rows.ts';
import { SearchInput } from './search-input.tsx';
import { useTaskKeys } from './task-keys.ts';
import { type TaskActions, TaskRow } from './task-row.tsx';
import { arrangeTasks, type TaskView, VIEW_EMPTY } from './task-views.ts';
import { useHiddenRows, useUndoToast } from './undo-toast.tsx';
import { useToday } from './use-now.ts';
import { ViewTabs, viewTabId } from './view-tabs.tsx';

export type StatusFilter = TaskStatus | '';

const NO_TASKS: readonly Task[] = Object.freeze([]);

/**
 * Tasks: the views (Today, Upcoming, Overdue, All tasks), filters by status and project, the "New task" input
 * with quick-add and the list named "Tasks": open tasks by due date, then the done ones, which the
 * "Completed (n)" button under the list folds away (with the Done filter on, they are the list itself). Done
 * rows stay in the one list `Tasks`, as the accessible contract has it; shown until folded, and the choice is
 * remembered on this device. The "Search" field narrows the list to the tasks whose title or description has
 * the words typed (full-text, offline; best matches first), within the view and filters. Under "All projects" the
 * archived projects' tasks are left out. Deleting or completing a task offers Undo (undo-toast.tsx); the keys of
 * task-keys.ts select rows and act on the selected one.
 */
/** Rows in the first frame of a long list, and how many more each following frame adds. */
const FIRST_SLICE = 60;
const NEXT_SLICE = 60;

/**
 * How many rows to render: a long list's first appearance is built over several frames (the first ones at once,
 * then a slice per frame) so that no frame blocks input for long; once the whole list has been shown, every row
 * renders at once (a new task appears in the same frame).
 */
function useFirstRenderInSlices(total: number): number {
  const [count, setCount] = useState(FIRST_SLICE);
  const [whole, setWhole] = useState(false);
  useEffect(() => {
    if (whole) return;
    if (count >= total) {
      // An empty list is not yet "shown": the rows usually arrive a moment after the first render.
      if (total > 0) setWhole(true);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setCount((c) => c + NEXT_SLICE), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [count, total, whole]);
  return whole ? total : Math.min(count, total);
}

export function TaskList({
  projectFilter,
  onProjectFilter,
}: {
  projectFilter: string;
  onProjectFilter: (id: string) => void;
}) {
  const [status, setStatus] = useState<StatusFilter>('');
  const [view, setView] = useState<TaskView>('all');
  const today = useToday();
  const filter: TaskFilter = {
    ...(status ? { status: [status] } : {}),
    ...(projectFilter ? { projectId: projectFilter } : {}),
  };
  const [search, setSearch] = useState('');
  // Searched as typed, each keystroke a local query; the deferred text keeps the field responsive.
  const searching = useDeferredValue(search);
  const ranked = isSearch(searching);
  // A big change of the list (thousands of rows arriving in a sync) renders in the background, in slices,
  // so typing and the sync engine on this thread never wait for it.
  const found = useDeferredValue(rowsOf(useTaskSearch(searching, filter).data));
  const isHidden = useHiddenRows();
  const allProjects = rowsOf(useProjects({}).data);
  const projects = useMemo(() => {
    const live = allProjects.filter((p) => !isHidden('projects', p.id));
    return live.length === allProjects.length ? allProjects : live;
  }, [allProjects, isHidden]);
  const tasks = useMemo(
    () => tasksShown(found, projectFilter, archivedIds(projects), (id) => isHidden('tasks', id)),
    [found, projectFilter, projects, isHidden],
  );
  const { open, done } = useMemo(
    () => arrangeTasks(tasks, view, today, { ranked }),
    [tasks, view, today, ranked],
  );
  const [main, folded] = status === 'done' ? [done, NO_TASKS] : [open, done];
  const [showDone, setShowDone] = useStoredFlag(SHOW_DONE_KEY, true);
  const section = useRef<HTMLElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const shown = useMemo(() => (showDone ? [...main, ...folded] : main), [showDone, main, folded]);
  const selection = useTaskKeys(list, shown);
  const actions = useTaskActions(useFocusFollowing(section, main, folded), selection.leaving);
  const rendered = useFirstRenderInSlices(main.length + folded.length);
  const ids = useId();
  const panelId = `${ids}-panel`;
  const listId = `${ids}-list`;

  return (
    <section className="card tasks" aria-labelledby="tasks-heading" ref={section}>
      <div className="section-head">
        <h2 id="tasks-heading">Tasks</h2>
        <SearchInput value={search} onChange={setSearch} />
        <Filters
          status={status}
          onStatus={setStatus}
          projectFilter={projectFilter}
          onProjectFilter={onProjectFilter}
          projects={projects}
        />
      </div>
      <ViewTabs view={view} onChange={setView} idPrefix={ids} panelId={panelId} />
      <div role="tabpanel" id={panelId} aria-labelledby={viewTabId(ids, view)}>
        <QuickAddInput
          projects={projects}
          context={{ view, status, projectId: projectFilter, search: searching }}
          today={today}
        />
        <ul aria-label="Tasks" id={listId} className="task-items" ref={list} onFocus={selection.onFocus}>
          {/* One array, so a row keeps its element (and the focus) as it moves between open and done. */}
          {[...main, ...folded].slice(0, rendered).map((t, i) => (
            <TaskRow
              key={t.id}
              task={t}
              projects={projects}
              actions={actions}
              today={today}
              hidden={i >= main.length && !showDone}
              firstDone={i === main.length && i > 0}
              selected={selection.selected === t.id}
            />
          ))}
        </ul>
        {main.length === 0 && (
          <p className="muted empty">{emptyText(view, ranked ? searching.trim() : '', folded.length > 0)}</p>
        )}
        {folded.length > 0 && (
          <button
            type="button"
            className="ghost completed-toggle"
            aria-expanded={showDone}
            aria-controls={listId}
            onClick={() => setShowDone(!showDone)}
          >
            <span aria-hidden="true" className="chevron">
              {showDone ? '▾' : '▸'}
            </span>
            Completed ({folded.length})
          </button>
        )}
      </div>
    </section>
  );
}

/** What the list says when it shows no open task: nothing matches the search, all done, or the view is empty. */
function emptyText(view: TaskView, search: string, someDone: boolean): string {
  if (search) return someDone ? `No open tasks match “${search}”` : `No tasks match “${search}”`;
  return someDone ? 'All done here.' : VIEW_EMPTY[view];
}

function Filters({
  status,
  onStatus,
  projectFilter,
  onProjectFilter,
  projects,
}: {
  status: StatusFilter;
  onStatus: (s: StatusFilter) => void;
  projectFilter: string;
  onProjectFilter: (id: string) => void;
  projects: readonly Project[];
}) {
  const statusId = useId();
  const projectId = useId();
  return (
    <div className="filters">
      <label htmlFor={statusId}>Status</label>
      <select id={statusId} value={status} onChange={(e) => onStatus(e.target.value as StatusFilter)}>
        <option value="">All</option>
        {TASK_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      <label htmlFor={projectId}>Project</label>
      <select id={projectId} value={projectFilter} onChange={(e) => onProjectFilter(e.target.value)}>
        <option value="">All projects</option>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </div>
  );
}

const SHOW_DONE_KEY = 'selftracker.showCompleted';

/** A yes/no setting of this device (localStorage when there is one), `initial` until set. */
function useStoredFlag(key: string, initial: boolean): [boolean, (v: boolean) => void] {
  const [value, setValue] = useState(() => {
    const stored = globalThis.localStorage?.getItem(key);
    return stored === null || stored === undefined ? initial : stored === '1';
  });
  const set = useCallback(
    (v: boolean) => {
      setValue(v);
      globalThis.localStorage?.setItem(key, v ? '1' : '0');
    },
    [key],
  );
  return [value, set];
}

/**
 * The row actions, made once for the whole list. `onStatus` runs as a task changes its status (the focus follows
 * its row), `leaving` before a deleted row goes. Completing a task offers Undo, which sets the status it had back;
 * a delete waits for its toast to end (deferred-deletes.ts says why), and Undo shows the row again.
 */
function useTaskActions(onStatus: (id: string) => void, leaving: (task: Task) => void): TaskActions {
  const undo = useUndoToast();
  // The mutation functions are stable, so rows get the same actions object on every render.
  const { mutateAsync: updateAsync } = useUpdateTask();
  const { mutate: startMutate } = useStartTimer();
  return useMemo<TaskActions>(
    () => ({
      // mutateAsync: each call settles its own promise (mutate's callbacks only fire for the latest call).
      setStatus: (task, status) => {
        onStatus(task.id);
        const written = updateAsync({ id: task.id, patch: { status } });
        const before = task.status;
        if (status === 'done' && before !== 'done') {
          written.then(
            () =>
              undo.offer({
                message: `Task '${task.title}' completed`,
                undo: async () => {
                  onStatus(task.id);
                  await updateAsync({ id: task.id, patch: { status: before } });
                },
              }),
            () => {}, // the row shows the failure (its checkbox goes back)
          );
        }
        return written;
      },
      remove: (task) => {
        leaving(task);
        undo.deleteLater({ entity: 'tasks', id: task.id }, `Task '${task.title}' deleted`, () =>
          onStatus(task.id),
        );
      },
      startTimer: (task) => startMutate({ task_id: task.id, project_id: task.project_id }),
    }),
    [updateAsync, startMutate, onStatus, leaving, undo],
  );
}

/**
 * Keeps the keyboard focus with a task that moves between the open list and "Completed" as it is checked or
 * unchecked: its row is a new element there, and the old one took the focus with it. The focus goes to the
 * row's checkbox, or to the "Completed (n)" button while that list is folded.
 */
function useFocusFollowing(
  section: RefObject<HTMLElement | null>,
  ...lists: readonly (readonly Task[])[]
): (id: string) => void {
  const moving = useRef<string | null>(null);
  // Runs whenever a list changes, to find the moved row.
  useEffect(() => {
    const id = moving.current;
    const root = section.current;
    if (id === null || !root) return;
    const active = document.activeElement;
    const row = root.querySelector<HTMLElement>(`[data-task-id="${id}"]`);
    // Still in place (the list has not changed yet), or the user went elsewhere meanwhile.
    if (active && active !== document.body) {
      if (!row?.contains(active)) moving.current = null;
      return;
    }
    moving.current = null;
    if (!row) return;
    const target = row.hidden
      ? root.querySelector<HTMLElement>('.completed-toggle')
      : row.querySelector<HTMLElement>('input[type="checkbox"]');
    target?.focus();
  }, [section, ...lists]);
  return useRef((id: string) => {
    moving.current = id;
  }).current;
}
