/**
 * Which tasks a project choice shows, and how many open tasks each project has (pure; unit-tested in
 * project-tasks.test.ts). An archived project's tasks are out of "All projects" (they are put away with it) and
 * stay listed when that project itself is picked.
 */

interface ProjectLike {
  readonly id: string;
  readonly archived: boolean;
}
interface TaskLike {
  readonly id: string;
  readonly status: string;
  readonly project_id: string | null;
}

/** The ids of the archived projects among `projects`. */
export const archivedIds = (projects: readonly ProjectLike[]): ReadonlySet<string> =>
  new Set(projects.filter((p) => p.archived).map((p) => p.id));

/**
 * The tasks shown for the picked project (`''`: All projects, which leaves out the archived projects' tasks),
 * without the ones `hidden` (a delete waiting for its undo toast to end).
 */
export function tasksShown<T extends TaskLike>(
  tasks: readonly T[],
  picked: string,
  archived: ReadonlySet<string>,
  hidden: (id: string) => boolean = () => false,
): readonly T[] {
  const out = tasks.filter(
    (t) => !hidden(t.id) && (picked !== '' || t.project_id === null || !archived.has(t.project_id)),
  );
  return out.length === tasks.length ? tasks : out;
}

/** Open (not done) tasks per project id, and `all`: the open ones "All projects" shows. */
export interface OpenCounts {
  readonly all: number;
  readonly byProject: ReadonlyMap<string, number>;
}

export function openCounts(
  tasks: readonly TaskLike[],
  archived: ReadonlySet<string>,
  hidden: (id: string) => boolean = () => false,
): OpenCounts {
  let all = 0;
  const byProject = new Map<string, number>();
  for (const t of tasks) {
    if (t.status === 'done' || hidden(t.id)) continue;
    if (t.project_id === null) {
      all++;
      continue;
    }
    byProject.set(t.project_id, (byProject.get(t.project_id) ?? 0) + 1);
    if (!archived.has(t.project_id)) all++;
  }
  return { all, byProject };
}
