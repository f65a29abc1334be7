import { createHash, randomBytes } from 'node:crypto';
import { type AuthResponse, codePointLength, ProtocolError, uuidv7 } from '@selftracker/core';
import { and, eq, isNull } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { AuthOptions, Clock, LimitOptions } from '../context.ts';
import type { Database } from '../db/database.ts';
import { refreshTokens, users } from '../db/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { WindowCounter } from './rate-limit.ts';

const ISSUER = 'selftracker';
const ALG = 'HS256';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_RE = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]+$/u;

export interface AuthService {
  signup(email: string, password: string, address: string): Promise<AuthResponse>;
  login(email: string, password: string, address: string): Promise<AuthResponse>;
  refresh(refreshToken: string, address: string): Promise<AuthResponse>;
  logout(refreshToken: string, address: string): Promise<void>;
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
      .sign(opts.jwtSecret);
    const refresh = randomBytes(32).toString('base64url');
    await db.orm
      .insert(refreshTokens)
      .values({ tokenHash: sha256(refresh), userId, expiresAt: now + refreshTtl, createdAt: now, family });
    return { user_id: userId, access_token: access, refresh_token: refresh, expires_in: accessTtl };
  };

  const normalizeEmail = (email: string) => email.toLowerCase();

  return {
    async signup(email, password, address) {
      await perAddress.take(address, 'too many auth requests from this address');
      if (email.length > 254 || !EMAIL_RE.test(email)) {
        throw new ProtocolError(
          'invalid_request',
          'email: must be a valid address of at most 254 characters',
        );
      }
      const n = codePointLength(password);
      if (n < 8 || n > 256) throw new ProtocolError('invalid_request', 'password: must be 8..256 characters');
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
      const [user] = await db.orm.select().from(users).where(eq(users.email, key)).limit(1);
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

    async verify(accessToken) {
      return (await this.session(accessToken)).userId;
    },

    async session(accessToken) {
      try {
        const { payload } = await jwtVerify(accessToken, opts.jwtSecret, {
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
