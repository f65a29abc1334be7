import {
  isOptimisticId,
  type Project,
  type Task,
  type Timer,
  useEngine,
  useProjects,
  useTasks,
  useTimers,
} from '@selftracker/react';
import { useMemo, useState } from 'react';
import { calendarDateOf, daysBetween } from './calendar-date.ts';
import { buildTimeFile, downloadFile } from './data-transfer.ts';
import { formatDate } from './due-format.ts';
import { formatClock, formatDay, formatDuration, isoDuration, timerDuration } from './format.ts';
import { HoursChart } from './hours-chart.tsx';
import { messageOf } from './labels.ts';
import { rowsOf } from './rows.ts';
import { TimeEntryEditor } from './time-entry-editor.tsx';
import { type DayRange, describeRange, presetRange, rangeFileStem, rangeSpan } from './time-range.ts';
import { TimeRangePicker } from './time-range-picker.tsx';
import { type DaySummary, summarizeRange } from './time-summary.ts';
import { timerLabel } from './timer-panel.tsx';
import { useHiddenRows, useUndoToast } from './undo-toast.tsx';
import { useNow, useToday } from './use-now.ts';

/**
 * The time section: a range of days (default this week), its hours per day as a chart, totals per project,
 * the entries of the range (each with Edit and Delete entry), "Add time entry" and "Export CSV" of the range.
 * Entries belong to the day they started on (time-summary.ts), so every total is the sum of what it lists.
 */
export function TimerHistory() {
  const today = useToday();
  const [choice, setChoice] = useState<DayRange | null>(null);
  const range = useMemo(
    () => (choice?.preset === 'custom' ? choice : presetRange(choice?.preset ?? 'this-week', today)),
    [choice, today],
  );
  const span = rangeSpan(range);
  // Timers overlapping the range; the summary keeps those that started in it.
  // An entry whose delete waits for the undo toast is gone from the list and every total at once.
  const isHidden = useHiddenRows();
  const timers = rowsOf(useTimers({ from: span.from, to: span.to }).data).filter(
    (t) => !isHidden('timers', t.id),
  );
  const tasks = rowsOf(useTasks({}).data);
  const projects = rowsOf(useProjects({}).data);
  const now = useNow(
    timers.some((t) => t.stopped_at === null),
    1000,
  );
  const summary = summarizeRange(timers, range, now);
  const label = describeRange(range);
  const [adding, setAdding] = useState(false);

  return (
    <section className="card history" aria-labelledby="history-heading">
      <div className="history-head">
        <h2 id="history-heading">Time</h2>
        <span className="num">
          <span className="visually-hidden">Total </span>
          <time dateTime={isoDuration(summary.total)}>{formatDuration(summary.total)}</time>
        </span>
      </div>
      <TimeRangePicker range={range} today={today} onChange={setChoice} />
      <p className="muted small range-label">{label}</p>
      <div className="row history-actions">
        <button type="button" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
          Add time entry
        </button>
        <ExportButton span={span} stem={rangeFileStem(range)} />
      </div>
      {adding && <TimeEntryEditor tasks={tasks} projects={projects} onClose={() => setAdding(false)} />}
      <HoursChart days={summary.days} label={label} />
      <h3>Per project</h3>
      {summary.entries.length === 0 ? (
        <p className="muted">No time tracked in this range. Start a timer above or add an entry.</p>
      ) : (
        <ProjectTotals totals={summary.perProject} projects={projects} />
      )}
      <h3>Entries</h3>
      <EntryList days={summary.days} tasks={tasks} projects={projects} now={now} />
    </section>
  );
}

function ProjectTotals({
  totals,
  projects,
}: {
  totals: readonly { projectId: string; total: number }[];
  projects: readonly Project[];
}) {
  return (
    <ul aria-label="Totals per project" className="totals">
      {totals.map(({ projectId, total }) => {
        const p = projects.find((x) => x.id === projectId);
        return (
          <li key={projectId || 'none'}>
            <span className="swatch-dot" style={{ background: p?.color ?? '#aab' }} aria-hidden="true" />
            <span className="grow">{projectId ? (p?.name ?? '(deleted project)') : 'No project'}</span>
            <time className="num" dateTime={isoDuration(total)}>
              {formatDuration(total)}
            </time>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * One list `Time entries`, newest first; the first entry of each day opens with the day and its total (the sum
 * of that day's entries below it).
 */
function EntryList({
  days,
  tasks,
  projects,
  now,
}: {
  days: readonly DaySummary<Timer>[];
  tasks: readonly Task[];
  projects: readonly Project[];
  now: number;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const undo = useUndoToast();
  const shown = [...days].reverse().filter((d) => d.entries.length > 0);
  return (
    <ul aria-label="Time entries" className="entries">
      {shown.flatMap((day) =>
        day.entries.map((t, i) => (
          <li key={t.id} className={i === 0 ? 'day-start' : undefined}>
            {i === 0 && (
              <div className="day-head">
                <strong className="grow">{formatDay(day.key, now)}</strong>
                <time className="num" dateTime={isoDuration(day.total)}>
                  {formatDuration(day.total)}
                </time>
              </div>
            )}
            <div className="entry">
              <span className="grow">
                {timerLabel(t, tasks, projects)}
                {t.note && <span className="muted"> — {t.note}</span>}
                {!t.synced && <span className="tag warn">Not synced</span>}
                <span className="muted small entry-times">{entryTimes(t)}</span>
              </span>
              <time className="num" dateTime={isoDuration(timerDuration(t, now))}>
                {formatDuration(timerDuration(t, now))}
              </time>
              <button
                type="button"
                className="ghost small"
                aria-expanded={editing === t.id}
                disabled={isOptimisticId(t.id)}
                onClick={() => setEditing(editing === t.id ? null : t.id)}
              >
                Edit
              </button>
              <button
                type="button"
                className="ghost danger small"
                aria-label="Delete entry"
                disabled={isOptimisticId(t.id)}
                onClick={() =>
                  undo.deleteLater(
                    { entity: 'timers', id: t.id },
                    `Time entry '${timerLabel(t, tasks, projects)}' deleted`,
                  )
                }
              >
                ✕
              </button>
            </div>
            {editing === t.id && (
              <TimeEntryEditor timer={t} tasks={tasks} projects={projects} onClose={() => setEditing(null)} />
            )}
          </li>
        )),
      )}
    </ul>
  );
}

/** "09:00 – 10:30", "23:00 – 01:15 (Thu, Mar 6)" when it ends on a later day, "09:00 – now" while running. */
function entryTimes(t: Timer): string {
  if (t.stopped_at === null) return `${formatClock(t.started_at)} – now`;
  const later = daysBetween(calendarDateOf(t.started_at), calendarDateOf(t.stopped_at));
  const end = formatClock(t.stopped_at);
  return `${formatClock(t.started_at)} – ${later > 0 ? `${end} (${formatDate(calendarDateOf(t.stopped_at), 'medium')})` : end}`;
}

/** "Export CSV": the entries of the range as a CSV download, then what it wrote (or why not). */
function ExportButton({ span, stem }: { span: { from: number; to: number }; stem: string }) {
  const engine = useEngine();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const file = await buildTimeFile(engine, span, stem);
      downloadFile(file);
      setOutcome({ ok: true, text: `Exported ${file.summary} to ${file.name}.` });
    } catch (e: unknown) {
      setOutcome({ ok: false, text: `Could not export: ${messageOf(e)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => void run()}>
        Export CSV
      </button>
      <span role="status" className={outcome?.ok === false ? 'error small' : 'muted small'}>
        {outcome?.text}
      </span>
    </>
  );
}
