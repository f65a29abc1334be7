import { useDeleteTimer, useProjects, useTasks, useTimers } from '@selftracker/react';
import { formatDay, formatDuration, groupByDay, totalsByProject } from './format.ts';
import { rowsOf } from './rows.ts';
import { timerLabel } from './timer-panel.tsx';
import { useNow } from './use-now.ts';

/** Time history: entries grouped by day with day totals, and totals per project. */
export function TimerHistory() {
  const timers = rowsOf(useTimers({}).data);
  const tasks = rowsOf(useTasks({}).data);
  const projects = rowsOf(useProjects({}).data);
  const remove = useDeleteTimer();
  const now = useNow(
    timers.some((t) => t.stopped_at === null),
    1000,
  );
  const days = groupByDay(timers, now);
  const perProject = totalsByProject(timers, now);

  return (
    <section className="card history" aria-labelledby="history-heading">
      <h2 id="history-heading">Time</h2>
      {timers.length === 0 ? (
        <p className="muted">No time tracked yet. Start a timer above.</p>
      ) : (
        <>
          <h3>Per project</h3>
          <ul aria-label="Totals per project" className="totals">
            {perProject.map(({ projectId, total }) => {
              const p = projects.find((x) => x.id === projectId);
              return (
                <li key={projectId || 'none'}>
                  <span
                    className="swatch-dot"
                    style={{ background: p?.color ?? '#aab' }}
                    aria-hidden="true"
                  />
                  <span className="grow">{projectId ? (p?.name ?? '(deleted project)') : 'No project'}</span>
                  <span className="num">{formatDuration(total)}</span>
                </li>
              );
            })}
          </ul>
          {days.map((day) => (
            <div key={day.key} className="day">
              <h3>
                <span className="grow">{formatDay(day.key, now)}</span>
                <span className="num">{formatDuration(day.total)}</span>
              </h3>
              <ul aria-label={`Time entries ${day.key}`} className="entries">
                {day.items.map((t) => (
                  <li key={t.id}>
                    <span className="grow">
                      {timerLabel(t, tasks, projects)}
                      {t.note && <span className="muted"> — {t.note}</span>}
                      {!t.synced && <span className="tag warn">Not synced</span>}
                    </span>
                    <span className="muted small">
                      {new Date(t.started_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                      {' – '}
                      {t.stopped_at === null
                        ? 'now'
                        : new Date(t.stopped_at).toLocaleTimeString([], {
                            hour: '2-digit',
                            minute: '2-digit',
                          })}
                    </span>
                    <span className="num">{formatDuration((t.stopped_at ?? now) - t.started_at)}</span>
                    <button
                      type="button"
                      className="ghost danger small"
                      aria-label="Delete entry"
                      onClick={() => remove.mutate(t.id)}
                    >
                      ✕
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
