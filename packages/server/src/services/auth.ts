import { createHash, randomBytes } from 'node:crypto';
import { type AuthResponse, codePointLength, isStorableText, ProtocolError, uuidv7 } from '@selftracker/core';
import { and, eq, isNull } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { AuthOptions, Clock, LimitOptions } from '../context.ts';
import type { Database } from '../db/database.ts';
import { refreshTokens, users } from '../db/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { ACCOUNT_DELETED, POKE_CHANNEL } from './push-persist.ts';
import { WindowCounter } from './rate-limit.ts';

const ISSUER = 'selftracker';
const ALG = 'HS256';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** One part of an address: no white space, specials or control characters (PostgreSQL refuses NUL). */
const EMAIL_PART = String.raw`[^\s@"(),:;<>\[\\\]\u0000-\u001f\u007f-\u009f]+`;
/**
 * A syntactically valid address (PROTOCOL.md Auth). A string, so the OpenAPI document states the same rule as a
 * JSON Schema pattern (`[` escaped in the class: Python's engine reads an unescaped one as a nested set).
 */
export const EMAIL_PATTERN = `^${EMAIL_PART}@${EMAIL_PART}\\.${EMAIL_PART}$`;
const EMAIL_RE = new RegExp(EMAIL_PATTERN, 'u');
export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export interface AuthService {
  signup(email: string, password: string, address: string): Promise<AuthResponse>;
  login(email: string, password: string, address: string): Promise<AuthResponse>;
  refresh(refreshToken: string, address: string): Promise<AuthResponse>;
  logout(refreshToken: string, address: string): Promise<void>;
  /**
   * `POST /v1/auth/password`: checks the current password (a wrong one counts as a failed login), stores the new
   * one and ends every sign-in of the user; answers a fresh token pair for the caller.
   */
  changePassword(userId: string, current: string, next: string, address: string): Promise<AuthResponse>;
  /**
   * `DELETE /v1/account`: checks the password, then removes the user with every row, tombstone, ledger entry,
   * token and counter in one transaction, and tells every instance (a NOTIFY) to close the user's streams.
   */
  deleteAccount(userId: string, password: string, address: string): Promise<void>;
  /** True while the user's account exists (a still-valid access token may outlive a deleted account). */
  exists(userId: string): Promise<boolean>;
  /** The user id of a valid access token; throws `unauthorized` otherwise. */
  verify(accessToken: string): Promise<string>;
  /** Like `verify`, with when the token expires (ms epoch). */
  session(accessToken: string): Promise<{ userId: string; expiresAt: number }>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

export function createAuthService(
  db: Database,
  clock: Clock,
  opts: AuthOptions,
  limits: LimitOptions,
): AuthService {
  if (opts.jwtSecret.byteLength < 32) throw new Error('jwtSecret must be at least 32 bytes');
  const accessTtl = Math.min(opts.accessTtlSeconds ?? 900, 3600);
  const refreshTtl = opts.refreshTtlMs ?? 60 * 24 * 3600 * 1000;
  const scryptN = opts.scryptN ?? 2 ** 15;
  const perAddress = new WindowCounter(db, clock, 'auth', 60_000, limits.authPerAddressPerMinute ?? 300);
  const failures = new WindowCounter(
    db,
    clock,
    'login',
    limits.loginWindowMs ?? 15 * 60_000,
    limits.loginFailures ?? 10,
  );
  // The HMAC key, imported once: given the raw bytes, jose would import them into a CryptoKey on every sign and
  // verify (a quarter of a millisecond of each authenticated request).
  const key = crypto.subtle.importKey(
    'raw',
    new Uint8Array(opts.jwtSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  key.catch(() => {}); // an unusable secret fails each sign and verify, as before
  // A real hash to verify against for unknown emails, so both answers take the same time.
  const dummyHash = hashPassword(randomBytes(16).toString('hex'), scryptN);

  /** A token pair; `family` continues a sign-in (a rotation), a new sign-in starts one. */
  const issue = async (
    userId: string,
    family = randomBytes(16).toString('base64url'),
  ): Promise<AuthResponse> => {
    const now = clock.now();
    const access = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + accessTtl)
      .sign(await key);
    const refresh = randomBytes(32).toString('base64url');
    await db.orm
      .insert(refreshTokens)
      .values({ tokenHash: sha256(refresh), userId, expiresAt: now + refreshTtl, createdAt: now, family });
    return { user_id: userId, access_token: access, refresh_token: refresh, expires_in: accessTtl };
  };

  const normalizeEmail = (email: string) => email.toLowerCase();

  const checkNewPassword = (password: string, field: string) => {
    const n = codePointLength(password);
    if (n < PASSWORD_MIN_LENGTH || n > PASSWORD_MAX_LENGTH)
      throw new ProtocolError('invalid_request', `${field}: must be 8..256 characters`);
  };

  /**
   * The user's email after checking `password` against the stored hash. A wrong password counts as a failed
   * login of that email (the same lockout: a stolen access token cannot guess the password faster than a login).
   */
  const confirmPassword = async (userId: string, password: string, address: string) => {
    await perAddress.take(address, 'too many auth requests from this address');
    const [user] = await db.orm.select().from(users).where(eq(users.id, userId)).limit(1);
    if (!user) throw new ProtocolError('unauthorized', 'account no longer exists');
    await failures.take(user.email, 'too many failed logins for this email');
    if (!(await verifyPassword(password, user.passwordHash)))
      throw new ProtocolError('invalid_credentials', 'wrong password');
    await failures.reset(user.email);
    return user.email;
  };

  return {
    async signup(email, password, address) {
      await perAddress.take(address, 'too many auth requests from this address');
      // A lone surrogate would be stored as U+FFFD, another address than the one given.
      if (codePointLength(email) > EMAIL_MAX_LENGTH || !email.isWellFormed() || !EMAIL_RE.test(email)) {
        throw new ProtocolError(
          'invalid_request',
          'email: must be a valid address of at most 254 characters',
        );
      }
      checkNewPassword(password, 'password');
      const id = uuidv7(clock.now());
      const passwordHash = await hashPassword(password, scryptN);
      const inserted = await db.orm
        .insert(users)
        .values({ id, email: normalizeEmail(email), passwordHash, createdAt: clock.now() })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      if (inserted.length === 0)
        throw new ProtocolError('email_taken', 'an account with this email already exists');
      return issue(id);
    },

    async login(email, password, address) {
      await perAddress.take(address, 'too many auth requests from this address');
      const key = normalizeEmail(email);
      // Count the attempt as a failure before the slow password check (a success resets it): checking
      // first and counting afterwards let concurrent guesses slip past the limit together.
      await failures.take(key, 'too many failed logins for this email');
      // Text the database cannot hold (NUL, a lone surrogate) is no account's email: not a query, which would fail.
      const [user] = isStorableText(key)
        ? await db.orm.select().from(users).where(eq(users.email, key)).limit(1)
        : [];
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
      if (!user || !ok) throw new ProtocolError('invalid_credentials', 'wrong email or password');
      await failures.reset(key);
      return issue(user.id);
    },

    async refresh(refreshToken, address) {
      await perAddress.take(address, 'too many auth requests from this address');
      const hash = sha256(refreshToken);
      const now = clock.now();
      // Rotation marks the token used (kept until it expires) in one statement: of two requests with one
      // token, exactly one rotates it; the other is a replay.
      const [row] = await db.orm
        .update(refreshTokens)
        .set({ rotatedAt: now })
        .where(and(eq(refreshTokens.tokenHash, hash), isNull(refreshTokens.rotatedAt)))
        .returning({
          userId: refreshTokens.userId,
          expiresAt: refreshTokens.expiresAt,
          family: refreshTokens.family,
        });
      if (row && row.expiresAt > now) return issue(row.userId, row.family);
      const [used] = await db.orm
        .select({ family: refreshTokens.family, rotatedAt: refreshTokens.rotatedAt })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hash));
      if (used?.rotatedAt != null) {
        // A token that was already exchanged: someone else may hold a copy. End the whole sign-in, the
        // thief's and the device's tokens alike; the device signs in again.
        await db.orm.delete(refreshTokens).where(eq(refreshTokens.family, used.family));
      }
      throw new ProtocolError('unauthorized', 'refresh token is invalid, expired or already used');
    },

    async logout(refreshToken, address) {
      await perAddress.take(address, 'too many auth requests from this address');
      // Signing out ends the sign-in: every token of the family, rotated ones included.
      const [row] = await db.orm
        .select({ family: refreshTokens.family })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, sha256(refreshToken)));
      if (row) await db.orm.delete(refreshTokens).where(eq(refreshTokens.family, row.family));
    },

    async changePassword(userId, current, next, address) {
      checkNewPassword(next, 'new_password');
      await confirmPassword(userId, current, address);
      const passwordHash = await hashPassword(next, scryptN);
      // The new hash and the end of every other sign-in in one transaction: no old refresh token survives it.
      const done = await db.transaction(async (tx) => {
        const [u] = await tx.query('UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING id', [
          userId,
          passwordHash,
        ]);
        if (!u) return false;
        await tx.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
        return true;
      });
      if (!done) throw new ProtocolError('unauthorized', 'account no longer exists');
      return issue(userId);
    },

    async deleteAccount(userId, password, address) {
      const email = await confirmPassword(userId, password, address);
      await db.transaction(async (tx) => {
        // The user's row lock first: a push in flight finishes before, and one after finds no account.
        const [u] = await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
        if (!u) throw new ProtocolError('unauthorized', 'account no longer exists');
        for (const t of ['projects', 'tasks', 'timers', 'op_ledger']) {
          await tx.query(`DELETE FROM "${t}" WHERE user_id = $1`, [userId]);
        }
        await tx.query('DELETE FROM rate_limits WHERE key = ANY($1::text[])', [
          [`push:${userId}`, `pull:${userId}`, `login:${email}`],
        ]);
        await tx.query('DELETE FROM users WHERE id = $1', [userId]); // refresh tokens go with it (cascade)
        await tx.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, `${userId} ${ACCOUNT_DELETED}`]);
      });
    },

    async exists(userId) {
      const rows = await db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
      return rows.length > 0;
    },

    async verify(accessToken) {
      return (await this.session(accessToken)).userId;
    },

    async session(accessToken) {
      try {
        const { payload } = await jwtVerify(accessToken, await key, {
          algorithms: [ALG],
          issuer: ISSUER,
          currentDate: new Date(clock.now()),
          // A token without an expiry would work forever: refuse it, even validly signed.
          requiredClaims: ['exp', 'sub'],
        });
        if (typeof payload.sub !== 'string' || !UUID_RE.test(payload.sub))
          throw new ProtocolError('unauthorized', 'token has no valid subject');
        return { userId: payload.sub, expiresAt: Number(payload.exp) * 1000 };
      } catch (e: unknown) {
        if (ProtocolError.is(e)) throw e;
        const reason =
          e instanceof joseErrors.JWTExpired ? 'access token expired' : 'access token is invalid';
        throw new ProtocolError('unauthorized', reason);
      }
    },
  };
}
