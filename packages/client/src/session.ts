import type { AuthResponse } from '@selftracker/core';
import { ClientError } from './errors.ts';
import type { TokenStore } from './token-store.ts';
import { errorFromResponse, type HttpMethod, type HttpResult, type Transport } from './transport.ts';

/** The signed-in session's requests, refreshing the access token on 401; tokens live in a `TokenStore`. */
export class Session {
  constructor(
    private readonly tokens: TokenStore,
    private readonly transport: Transport,
  ) {}

  /**
   * An authenticated request: refreshes the access token once on 401, then asks the user to sign in. A 401
   * `invalid_credentials` (a wrong password on an account request) is the answer itself, not a token problem.
   */
  async authed<T>(method: HttpMethod, path: string, body?: unknown): Promise<HttpResult<T>> {
    const token = (await this.tokens.load()).access_token;
    if (!token) throw new ClientError('unauthorized', 'not signed in');
    let r = await this.transport.request<T>(method, path, { body, token });
    if (r.status === 401 && !isWrongPassword(r)) {
      const fresh = await this.refresh();
      r = await this.transport.request<T>(method, path, { body, token: fresh });
      if (r.status === 401)
        throw new ClientError('unauthorized', 'the server no longer accepts this session: sign in again');
    }
    return r;
  }

  #refreshing: Promise<string> | undefined;

  /**
   * Exchanges the refresh token for a new pair. One exchange at a time: presenting a token twice counts as a
   * replay on the server and ends the whole sign-in (PROTOCOL.md Auth).
   */
  refresh(): Promise<string> {
    this.#refreshing ??= this.#exchange().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #exchange(): Promise<string> {
    const { refresh_token } = await this.tokens.load();
    if (!refresh_token) throw new ClientError('unauthorized', 'not signed in');
    const r = await this.transport.request<AuthResponse>('POST', '/v1/auth/refresh', {
      body: { refresh_token },
    });
    if (r.status === 401) {
      await this.tokens.save({ access_token: null, refresh_token: null });
      throw new ClientError('unauthorized', 'your session has expired: sign in again');
    }
    if (r.status !== 200) throw errorFromResponse(r);
    await this.tokens.save({ access_token: r.body.access_token, refresh_token: r.body.refresh_token });
    return r.body.access_token;
  }
}

const isWrongPassword = (r: HttpResult): boolean =>
  (r.body as { error?: { code?: string } } | null)?.error?.code === 'invalid_credentials';
