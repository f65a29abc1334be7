/** Time source, injected so tests can fake it. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** A pino-compatible structured logger (only the methods the server uses). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface AuthOptions {
  /** HS256 secret for access tokens (at least 32 bytes). */
  jwtSecret: Uint8Array;
  /** Access token lifetime in seconds (at most 3600; default 900). */
  accessTtlSeconds?: number;
  /** Refresh token lifetime in ms (default 60 days). */
  refreshTtlMs?: number;
  /** scrypt cost N (default 2^15 = 32 MiB per hash). Tests may lower it. */
  scryptN?: number;
}

export interface LimitOptions {
  /** Auth requests per address per minute (default 300; PROTOCOL.md wants at least 60). */
  authPerAddressPerMinute?: number;
  /** Failed logins per email within the window before every login is refused (default 10). */
  loginFailures?: number;
  loginWindowMs?: number;
  /** Pushes per user per minute (default 600). */
  pushesPerUserPerMinute?: number;
  /** Pulls and checksums per user per minute (default 600). */
  pullsPerUserPerMinute?: number;
  /** Rows per user, tombstones included (default 1,000,000): a push whose creates would pass it gets `429`. */
  rowsPerUser?: number;
}

export interface SyncOptions {
  /** Tombstones and ledger entries are kept at least this long (default 90 days). */
  horizonMs?: number;
  /** SSE comment interval (default 25 s). */
  keepAliveMs?: number;
  /** Open event streams per user; a new one past it closes that user's oldest (default 10). */
  maxStreamsPerUser?: number;
  /** How long a request body may take to arrive before `408 request_timeout` (default 30 s). */
  bodyTimeoutMs?: number;
  /** How long `/v1/ready` waits for the database's `select 1` before answering 503 (default 2 s). */
  readyTimeoutMs?: number;
  /**
   * A push writes its ledger entries and new rows with COPY above this many (default 32), with one INSERT at or
   * below it: a COPY costs two round trips (the server accepts it before the data goes).
   */
  copyAbove?: number;
}
