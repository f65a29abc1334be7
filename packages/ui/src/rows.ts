// One empty list, not a new one per render: memoized rows keep their props equal while data loads.
const NONE: readonly never[] = Object.freeze([]);

/** A query's rows, or the one shared empty list while it loads. */
export const rowsOf = <T>(rows: readonly T[] | undefined): readonly T[] => rows ?? NONE;
