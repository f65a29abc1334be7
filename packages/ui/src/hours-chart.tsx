import { formatDate } from './due-format.ts';
import { formatDuration } from './format.ts';
import type { DaySummary } from './time-summary.ts';

const H = 3_600_000;
const WIDTH = 320;
const HEIGHT = 120;
const TOP = 14;
const BOTTOM = 18;

/** The top of the scale: whole hours, at least 1, at or above the longest day. */
const scaleTop = (max: number) => Math.max(1, Math.ceil(max / H));

/**
 * Hours per day of a range as an inline SVG bar chart (one bar per day, at most 31), named for assistive
 * technology as an image with a summary, and with the same numbers as a table for those who want them read.
 */
export function HoursChart({ days, label }: { days: readonly DaySummary<unknown>[]; label: string }) {
  const top = scaleTop(Math.max(0, ...days.map((d) => d.total)));
  const slot = WIDTH / Math.max(1, days.length);
  const bar = Math.max(2, slot * 0.7);
  const plot = HEIGHT - TOP - BOTTOM;
  const busiest = days.reduce<DaySummary<unknown> | null>(
    (b, d) => (d.total > (b?.total ?? 0) ? d : b),
    null,
  );
  const summary = `Hours per day, ${label}: ${busiest ? `longest ${formatDate(busiest.date, 'medium')} with ${formatDuration(busiest.total)}` : 'no entries'}.`;
  const labelEvery = days.length <= 7 ? 1 : days.length <= 16 ? 2 : 7;
  return (
    <figure className="hours-chart">
      <svg role="img" aria-label={summary} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%">
        <line className="axis" x1={0} x2={WIDTH} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} />
        <text className="scale" x={0} y={TOP - 4}>
          {top} h
        </text>
        <line className="grid" x1={0} x2={WIDTH} y1={TOP} y2={TOP} />
        {days.map((d, i) => {
          const h = (d.total / (top * H)) * plot;
          const x = i * slot + (slot - bar) / 2;
          return (
            <g key={d.key}>
              <rect className="bar" x={x} y={HEIGHT - BOTTOM - h} width={bar} height={h}>
                <title>{`${formatDate(d.date, 'medium')}: ${formatDuration(d.total)}`}</title>
              </rect>
              {i % labelEvery === 0 && (
                <text className="day-label" x={i * slot + slot / 2} y={HEIGHT - 5} textAnchor="middle">
                  {days.length <= 7 ? formatDate(d.date, 'weekday') : String(d.date.day)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>Hours per day, {label}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.key}>
              <th scope="row">{formatDate(d.date, 'medium')}</th>
              <td>{formatDuration(d.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
