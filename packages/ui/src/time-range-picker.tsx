import { useEffect, useId, useState } from 'react';
import { isoDate } from './calendar-date.ts';
import { customRange, type DayRange, PRESET_LABELS, presetRange, type RangePreset } from './time-range.ts';

const PRESETS = Object.keys(PRESET_LABELS) as Exclude<RangePreset, 'custom'>[];

/**
 * Picks the range of days the time section shows: "This week", "Last week", "This month" (pressed when
 * chosen), or custom "From" and "To" dates (applied when both are valid; otherwise an alert says why).
 */
export function TimeRangePicker({
  range,
  today,
  onChange,
}: {
  range: DayRange;
  /** Today's local day number: what the presets are relative to. */
  today: number;
  onChange: (r: DayRange) => void;
}) {
  const [from, setFrom] = useState(isoDate(range.from));
  const [to, setTo] = useState(isoDate(range.to));
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  // The inputs follow a preset chosen, or the day changing under one.
  useEffect(() => {
    setFrom(isoDate(range.from));
    setTo(isoDate(range.to));
  }, [range]);

  const custom = (f: string, t: string) => {
    setFrom(f);
    setTo(t);
    const r = customRange(f, t);
    if ('error' in r) {
      setError(r.error);
      return;
    }
    setError(null);
    onChange(r);
  };

  return (
    <div className="range-picker">
      <fieldset className="presets">
        <legend className="visually-hidden">Range</legend>
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            className="ghost small"
            aria-pressed={range.preset === p}
            onClick={() => {
              setError(null);
              onChange(presetRange(p, today));
            }}
          >
            {PRESET_LABELS[p]}
          </button>
        ))}
      </fieldset>
      <div className="range-dates">
        <span className="range-field">
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="date"
            className="range-date-input"
            value={from}
            aria-invalid={error !== null}
            onChange={(e) => custom(e.target.value, to)}
          />
        </span>
        <span className="range-field">
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="date"
            className="range-date-input"
            value={to}
            aria-invalid={error !== null}
            onChange={(e) => custom(from, e.target.value)}
          />
        </span>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
