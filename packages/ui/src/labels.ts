import type { TaskStatus } from '@selftracker/core';

/** What people read for each task status. */
export const STATUS_LABELS: Record<TaskStatus, string> = {
  todo: 'To do',
  'in-progress': 'In progress',
  done: 'Done',
};

export const PROJECT_COLORS = ['#2f5d8a', '#2e7d5b', '#b5651d', '#8e3b8e', '#c0392b', '#5d6d7e'] as const;

/** A readable message from anything thrown (ClientError messages are written for people). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
