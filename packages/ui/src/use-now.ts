import { useEffect, useState } from 'react';
import { calendarDateOf, dayNumber } from './calendar-date.ts';

/** The current time, re-rendered every `everyMs` while `active` (for ticking timers). */
export function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs]);
  return now;
}

/**
 * Today's local day number (see `dayNumber`), re-rendering when the day changes: checked every minute and
 * when the window comes back, so a device that slept past midnight shows "Today" for the right day.
 */
export function useToday(): number {
  const [today, setToday] = useState(() => dayNumber(calendarDateOf(Date.now())));
  useEffect(() => {
    const check = () => setToday(dayNumber(calendarDateOf(Date.now())));
    const t = setInterval(check, 60_000);
    document.addEventListener('visibilitychange', check);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', check);
    };
  }, []);
  return today;
}
