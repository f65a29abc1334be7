import {
  isOptimisticId,
  type Project,
  useCreateProject,
  useProjects,
  useTasks,
  useUpdateProject,
} from '@selftracker/react';
import { type FormEvent, useMemo, useState } from 'react';
import { PROJECT_COLORS } from './labels.ts';
import { archivedIds, openCounts } from './project-tasks.ts';
import { rowsOf } from './rows.ts';
import { useHiddenRows, useUndoToast } from './undo-toast.tsx';

/**
 * The projects sidebar: add, pick as the task filter, rename, colour, archive, delete (undoably: undo-toast.tsx).
 * Each project, and "All projects", shows how many open tasks it has; names wrap rather than being cut off.
 */
export function ProjectList({
  selected,
  onSelect,
}: {
  selected: string;
  onSelect: (projectId: string) => void;
}) {
  const [showArchived, setShowArchived] = useState(false);
  const isHidden = useHiddenRows();
  const projects = rowsOf(useProjects(showArchived ? {} : { archived: false }).data).filter(
    (p) => !isHidden('projects', p.id),
  );
  // All projects (archived ones too) and every task: the same queries the timer panel reads, so one cache.
  const every = rowsOf(useProjects({}).data);
  const tasks = rowsOf(useTasks({}).data);
  const counts = useMemo(
    () => openCounts(tasks, archivedIds(every), (id) => isHidden('tasks', id)),
    [tasks, every, isHidden],
  );
  const create = useCreateProject();
  const [name, setName] = useState('');

  const add = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    const color = PROJECT_COLORS[projects.length % PROJECT_COLORS.length] ?? null;
    create.mutate({ name: n, color }, { onSuccess: () => setName('') });
  };

  return (
    <section className="card projects" aria-labelledby="projects-heading">
      <h2 id="projects-heading">Projects</h2>
      <form onSubmit={add} className="add-row">
        <input
          aria-label="New project"
          placeholder="New project…"
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={!name.trim()}>
          Add project
        </button>
      </form>
      <ul aria-label="Projects" className="project-items">
        <li>
          <button
            type="button"
            className={`project-pick${selected === '' ? ' selected' : ''}`}
            aria-pressed={selected === ''}
            onClick={() => onSelect('')}
          >
            <span className="project-name">All projects</span>
            <OpenCount n={counts.all} />
          </button>
        </li>
        {projects.map((p) => (
          <ProjectItem
            key={p.id}
            project={p}
            open={counts.byProject.get(p.id) ?? 0}
            selected={selected === p.id}
            onSelect={() => onSelect(p.id)}
            onDeleted={() => {
              if (selected === p.id) onSelect('');
            }}
          />
        ))}
      </ul>
      <label className="check">
        <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
        Show archived
      </label>
    </section>
  );
}

/** A count of open tasks: the number shown, ", 3 open" for screen readers (the button reads "Work, 3 open"). */
function OpenCount({ n }: { n: number }) {
  return (
    <span className="count" title={`${n} open ${n === 1 ? 'task' : 'tasks'}`}>
      <span aria-hidden="true">{n}</span>
      <span className="visually-hidden">, {n} open</span>
    </span>
  );
}

function ProjectItem({
  project,
  open,
  selected,
  onSelect,
  onDeleted,
}: {
  project: Project;
  /** Its open tasks. */
  open: number;
  selected: boolean;
  onSelect: () => void;
  onDeleted: () => void;
}) {
  const update = useUpdateProject();
  const undo = useUndoToast();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  // Shown under a stand-in id until its create lands: a change to it now would find no row.
  const arriving = isOptimisticId(project.id);

  const save = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (n && n !== project.name) update.mutate({ id: project.id, patch: { name: n } });
    setEditing(false);
  };

  return (
    <li className={`project-item${project.archived ? ' archived' : ''}`}>
      <input
        type="color"
        className="swatch"
        aria-label={`Colour of ${project.name}`}
        disabled={arriving}
        value={project.color ?? '#5d6d7e'}
        onChange={(e) => update.mutate({ id: project.id, patch: { color: e.target.value } })}
      />
      {editing ? (
        <form onSubmit={save} className="grow">
          <input
            aria-label="Project name"
            value={name}
            maxLength={200}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this project
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onBlur={save}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setName(project.name);
                setEditing(false);
              }
            }}
          />
        </form>
      ) : (
        <button
          type="button"
          className={`project-pick grow${selected ? ' selected' : ''}`}
          aria-pressed={selected}
          title={project.name}
          onClick={onSelect}
        >
          <span className="project-name">{project.name}</span>
          {project.archived && <span className="tag">archived</span>}
          {!project.synced && <span className="tag warn">Not synced</span>}
          <OpenCount n={open} />
        </button>
      )}
      <details className="menu">
        <summary aria-label={`Actions for ${project.name}`}>⋯</summary>
        <div className="menu-body">
          <button
            type="button"
            disabled={arriving}
            onClick={() => {
              setName(project.name);
              setEditing(true);
            }}
          >
            Rename
          </button>
          <button
            type="button"
            disabled={arriving}
            onClick={() => update.mutate({ id: project.id, patch: { archived: !project.archived } })}
          >
            {project.archived ? 'Unarchive' : 'Archive'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={arriving}
            onClick={() => {
              onDeleted();
              undo.deleteLater({ entity: 'projects', id: project.id }, `Project '${project.name}' deleted`);
            }}
            title="Its tasks stay, without a project"
          >
            Delete project
          </button>
        </div>
      </details>
    </li>
  );
}
