import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LimitOptions, parseTrustProxy, type TrustProxy } from '@selftracker/server';

/** Everything the runnable takes from the environment, parsed once, with clear errors. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  jwtSecret: Uint8Array;
  logLevel: string;
  webDir: string | undefined;
  /** `SELFTRACKER_CORS_ORIGINS`: comma-separated origins allowed to call the API; unset keeps the default. */
  corsOrigins: string[] | undefined;
  /** `SELFTRACKER_TRUST_PROXY`: proxy hops or proxy addresses/CIDRs whose `X-Forwarded-For` names the client. */
  trustProxy: TrustProxy;
  /** Per-user and per-address limits from `SELFTRACKER_*` variables; unset ones keep the server's defaults. */
  limits: LimitOptions;
}

/** Limit variables and the `LimitOptions` field each sets. */
const LIMIT_VARS = {
  SELFTRACKER_PUSHES_PER_MINUTE: 'pushesPerUserPerMinute',
  SELFTRACKER_PULLS_PER_MINUTE: 'pullsPerUserPerMinute',
  SELFTRACKER_ROWS_PER_USER: 'rowsPerUser',
  SELFTRACKER_AUTH_PER_MINUTE: 'authPerAddressPerMinute',
} as const satisfies Record<string, keyof LimitOptions>;

function parseLimits(env: NodeJS.ProcessEnv): LimitOptions {
  const limits: LimitOptions = {};
  for (const [name, field] of Object.entries(LIMIT_VARS)) {
    const v = env[name]?.trim();
    if (!v) continue;
    if (!/^[1-9]\d{0,11}$/.test(v)) throw new Error(`${name} must be a positive whole number, got ${v}`);
    limits[field] = Number(v);
  }
  return limits;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const dataDir = resolve(env.SELFTRACKER_DATA_DIR ?? './.selftracker');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    jwtSecret: loadSecret(env.SELFTRACKER_JWT_SECRET, dataDir),
    logLevel: env.LOG_LEVEL ?? 'info',
    webDir: env.SELFTRACKER_WEB_DIR,
    corsOrigins: parseOrigins(env.SELFTRACKER_CORS_ORIGINS),
    trustProxy: parseTrustProxy(env.SELFTRACKER_TRUST_PROXY),
    limits: parseLimits(env),
  };
}

/** The JWT signing secret: from the environment, or generated once and kept (0600) in the data directory. */
function loadSecret(fromEnv: string | undefined, dataDir: string): Uint8Array {
  if (fromEnv) {
    if (Buffer.byteLength(fromEnv) < 32) throw new Error('SELFTRACKER_JWT_SECRET must be at least 32 bytes');
    return new TextEncoder().encode(fromEnv);
  }
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file))
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

/** `a, b` → the origins, each checked to be `scheme://host[:port]` (`*` is refused: tokens are per-origin). */
export function parseOrigins(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((raw) => {
    const o = raw.trim().replace(/\/$/, '');
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o))
      throw new Error(
        `SELFTRACKER_CORS_ORIGINS: "${raw.trim()}" is not an origin like https://app.example.com`,
      );
    return o;
  });
}
