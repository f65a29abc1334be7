import type { TaskStatus } from '@selftracker/core';

/** The rows the screens work with: the entity registry's fields plus `id` and `synced`. */
export interface Task {
  id: string;
  title: string;
  description: string | null;
  status: TaskStatus;
  project_id: string | null;
  due_at: number | null;
  created_at: number;
  updated_at: number;
  synced: boolean;
}

export interface Project {
  id: string;
  name: string;
  color: string | null;
  archived: boolean;
  created_at: number;
  updated_at: number;
  synced: boolean;
}

export interface Timer {
  id: string;
  task_id: string | null;
  project_id: string | null;
  note: string | null;
  started_at: number;
  stopped_at: number | null;
  created_at: number;
  updated_at: number;
  synced: boolean;
}

export const STATUS_LABELS: Record<TaskStatus, string> = {
  todo: 'To do',
  'in-progress': 'In progress',
  done: 'Done',
};

export const PROJECT_COLORS = ['#2f5d8a', '#2e7d5b', '#b5651d', '#8e3b8e', '#c0392b', '#5d6d7e'] as const;

/** Rows from the hooks carry registry values typed loosely; the screens read them through these views. */
// One empty list, not a new one per render: memoized rows keep their props equal while data loads.
const NONE: readonly never[] = Object.freeze([]);
export const asTasks = (rows: readonly object[] | undefined): Task[] => (rows ?? NONE) as Task[];
export const asProjects = (rows: readonly object[] | undefined): Project[] => (rows ?? NONE) as Project[];
export const asTimers = (rows: readonly object[] | undefined): Timer[] => (rows ?? NONE) as Timer[];

/** A readable message from anything thrown (ClientError messages are written for people). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
