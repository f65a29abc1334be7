/**
 * expo-sqlite reports SQLite failures differently per platform: native says `Error code 19: UNIQUE constraint
 * failed: …` (iOS) or `… (code 2067 SQLITE_CONSTRAINT_UNIQUE)` (Android); the web worker passes wa-sqlite's
 * message text only. This recovers the result code (a number or a `SQLITE_*` name) from any of them.
 */
export function sqliteCodeOf(e: unknown): string | number | undefined {
  const message =
    e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  const name = /\bSQLITE_[A-Z_]+/.exec(message);
  if (name) return name[0];
  const num = /\b(?:error )?code:? ?(\d+)/i.exec(message);
  if (num) return Number(num[1]);
  if (/constraint failed/i.test(message)) return 'SQLITE_CONSTRAINT';
  if (/database is locked|database table is locked/i.test(message)) return 'SQLITE_BUSY';
  return undefined;
}
