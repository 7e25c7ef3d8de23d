/**
 * Token refresh: a session holds the access and refresh tokens, and `withTokenRefresh` wraps a
 * fetch so that every call carries the access token and an expired one is renewed once, with
 * a single refresh shared by every call that needed it.
 *
 * One refresh at a time matters: the ingress rotates refresh tokens and treats a token
 * presented twice as stolen (it revokes the whole session), so two calls refreshing in
 * parallel with the same token would sign the user out.
 */

import type { components } from "./generated/schema.js";

/** What login and refresh answer. */
export type Tokens = components["schemas"]["Tokens"];

/** The tokens a session holds; `expiresAt` is the access token's expiry (ms since the epoch). */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface TokenSessionOptions {
  /** Tokens kept from before (say, in the browser's storage). */
  tokens?: StoredTokens | null;
  /** Called with the new tokens after login and every refresh, and with null when the session ends. */
  onChange?: (tokens: StoredTokens | null) => void;
  /** The clock, in ms since the epoch (tests move it). */
  now?: () => number;
}

/** The caller's tokens, kept up to date by login, refresh and logout. */
export class TokenSession {
  private current: StoredTokens | null;
  private readonly onChange: ((tokens: StoredTokens | null) => void) | undefined;
  readonly now: () => number;

  constructor(options: TokenSessionOptions = {}) {
    this.current = options.tokens ?? null;
    this.onChange = options.onChange;
    this.now = options.now ?? Date.now;
  }

  get tokens(): StoredTokens | null {
    return this.current;
  }

  get accessToken(): string | null {
    return this.current?.accessToken ?? null;
  }

  /** Keep the tokens login or refresh answered. */
  remember(tokens: Tokens): StoredTokens {
    const stored = {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: this.now() + tokens.expires_in * 1000,
    };
    this.current = stored;
    this.onChange?.(stored);
    return stored;
  }

  /** Take tokens kept elsewhere (say, read back from the browser's storage). */
  restore(tokens: StoredTokens): void {
    this.current = tokens;
    this.onChange?.(tokens);
  }

  /** Forget the tokens (logout, or a refresh the server refused). */
  clear(): void {
    if (this.current === null) return;
    this.current = null;
    this.onChange?.(null);
  }

  /** Whether the access token expires within `skewMs`. */
  expiresWithin(skewMs: number): boolean {
    return this.current !== null && this.current.expiresAt - skewMs <= this.now();
  }
}

/** The fetch openapi-fetch calls: one Request in, one Response out. */
export type FetchLike = (request: Request) => Promise<Response>;

/** Trades a refresh token for new tokens, or answers null when the server refuses it. */
export type Refresher = (refreshToken: string) => Promise<Tokens | null>;

export interface TokenRefreshOptions {
  /** Renew this long before the access token expires (default 30 s). */
  refreshSkewMs?: number;
}

// These take no access token: they are how one gets tokens (or ends them).
const TOKENLESS = /\/v1\/auth\/(register|login|refresh|logout)$/;

/**
 * `fetch` with the session's access token on every call, renewed before it expires and
 * once more when a call answers 401; a refresh the server refuses ends the session
 * (`session.tokens` becomes null, and the 401 reaches the caller).
 */
export function withTokenRefresh(
  fetch: FetchLike,
  session: TokenSession,
  refresh: Refresher,
  options: TokenRefreshOptions = {},
): FetchLike {
  const skewMs = options.refreshSkewMs ?? 30_000;
  let refreshing: Promise<boolean> | null = null;

  // One refresh in flight at a time; every caller that needs one waits for the same.
  function renew(): Promise<boolean> {
    refreshing ??= (async () => {
      const tokens = session.tokens;
      if (tokens === null) return false;
      try {
        const renewed = await refresh(tokens.refreshToken);
        if (renewed === null) {
          session.clear();
          return false;
        }
        session.remember(renewed);
        return true;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function authorised(request: Request): Request {
    const token = session.accessToken;
    if (token === null) return request;
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${token}`);
    return new Request(request, { headers });
  }

  return async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (TOKENLESS.test(path) || request.headers.has("Authorization") || session.tokens === null) {
      return fetch(request);
    }
    if (session.expiresWithin(skewMs)) await renew();
    // Kept before sending: a body can be read only once, and the retry needs it again.
    const spare = request.clone();
    const sentWith = session.accessToken;
    const answer = await fetch(authorised(request));
    if (answer.status !== 401 || session.tokens === null) return answer;
    // Another call may have renewed the token while this one was out: use theirs.
    const renewed = session.accessToken !== sentWith || (await renew());
    if (!renewed) return answer;
    await answer.body?.cancel();
    return fetch(authorised(spare));
  };
}
