// The one place the portal speaks HTTP: bearer tokens with refresh, Idempotency-Key on
// commands (the same key on every retry, so a retry never acts twice), problem documents
// as errors, and waiting on a command's outcome. Pages call `endpoints.ts`, never fetch.

import type { Accepted, CommandStatus, ProblemDocument, Tokens } from "./types";

/** An answer that was not 2xx, with its problem document when the API sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDocument | null;

  constructor(status: number, problem: ProblemDocument | null, fallback: string) {
    super(describeProblem(problem) ?? fallback);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** The problem's kind: "/problems/mfa_required" → "mfa_required". */
  get kind(): string | null {
    return this.problem?.type.split("/").pop() ?? null;
  }
}

/** "Title: detail (field: message; …)", the way a person should read a problem. */
export function describeProblem(problem: ProblemDocument | null): string | null {
  if (!problem) return null;
  let text = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
  const fields = (problem.errors ?? []).map(
    (e) => `${e.loc.filter((part) => part !== "body").join(".")}: ${e.msg}`,
  );
  if (fields.length > 0) text += ` (${fields.join("; ")})`;
  return text;
}

/** Where the tokens live: the tab's session storage, so a reload keeps you signed in. */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export function sessionTokenStore(storage: Storage, key = "azora.tokens"): TokenStore {
  return {
    get() {
      const raw = storage.getItem(key);
      return raw ? (JSON.parse(raw) as Tokens) : null;
    },
    set(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify(tokens));
      else storage.removeItem(key);
    },
  };
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Send the access token (refreshing it once when the API says it expired). */
  auth?: boolean;
  /** A command: carry an Idempotency-Key and retry transient failures with it. */
  command?: boolean;
  signal?: AbortSignal;
}

type Fetch = typeof fetch;

// Transient answers a command is retried on (with its key): the broker or the database
// briefly away, or a throttle that says when to come back.
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const COMMAND_ATTEMPTS = 3;
const MAX_RETRY_DELAY_MS = 5_000;
// The longest hold the API grants to `GET /v1/commands/{id}?wait=`.
const COMMAND_WAIT_S = 25;

export class Http {
  private refreshing: Promise<boolean> | null = null;

  constructor(
    readonly base: string,
    private readonly tokens: TokenStore,
    private readonly fetcher: Fetch = (input, init) => fetch(input, init),
    private readonly onSignedOut: () => void = () => {},
  ) {}

  get signedIn(): boolean {
    return this.tokens.get() !== null;
  }

  setTokens(tokens: Tokens | null): void {
    this.tokens.set(tokens);
  }

  refreshToken(): string | null {
    return this.tokens.get()?.refresh_token ?? null;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const key = options.command ? newIdempotencyKey() : undefined;
    const attempts = options.command ? COMMAND_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, options, key);
      } catch (error) {
        const delay = attempt < attempts ? retryDelay(error, attempt) : null;
        if (delay === null) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  /** A command's outcome: held by the API until it settles, asked again while pending. */
  async waitForCommand(
    accepted: Accepted,
    onUpdate: (status: CommandStatus) => void = () => {},
    signal?: AbortSignal,
  ): Promise<CommandStatus> {
    let unknown = 0;
    for (;;) {
      signal?.throwIfAborted();
      let status: CommandStatus;
      try {
        status = await this.request<CommandStatus>("GET", accepted.status_url, {
          query: { wait: COMMAND_WAIT_S },
          signal,
        });
      } catch (error) {
        // Not recorded even after a full wait: the projections are behind; ask twice more.
        if (error instanceof ApiError && error.status === 404 && ++unknown < 3) continue;
        throw error;
      }
      onUpdate(status);
      if (status.status !== "pending") return status;
    }
  }

  private async once<T>(
    method: string,
    path: string,
    options: RequestOptions,
    idempotencyKey: string | undefined,
  ): Promise<T> {
    const send = () =>
      this.fetcher(this.url(path, options.query), this.init(method, options, idempotencyKey));
    let answer = await send();
    if (answer.status === 401 && options.auth && (await this.refresh())) {
      answer = await send();
    }
    if (answer.status === 401 && options.auth) {
      this.tokens.set(null);
      this.onSignedOut();
    }
    if (!answer.ok) throw await errorOf(answer);
    if (answer.status === 204) return undefined as T;
    return (await answer.json()) as T;
  }

  private url(path: string, query: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== "") params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.base}${path}${search ? `?${search}` : ""}`;
  }

  private init(method: string, options: RequestOptions, idempotencyKey?: string): RequestInit {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const tokens = this.tokens.get();
    if (options.auth && tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
    return {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    };
  }

  /** Trade the refresh token for new tokens, once however many requests ask at a time. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<boolean> {
    const refreshToken = this.refreshToken();
    if (!refreshToken) return false;
    const answer = await this.fetcher(`${this.base}/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    if (!answer.ok) return false;
    this.tokens.set((await answer.json()) as Tokens);
    return true;
  }
}

async function errorOf(answer: Response): Promise<ApiError> {
  let problem: ProblemDocument | null = null;
  try {
    const body: unknown = await answer.json();
    if (body && typeof body === "object" && "title" in body) problem = body as ProblemDocument;
  } catch {
    // Not JSON (a proxy's error page): the status says what there is to say.
  }
  const error = new ApiError(answer.status, problem, `HTTP ${answer.status}`);
  const retryAfter = Number(answer.headers.get("Retry-After"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfters.set(error, retryAfter);
  return error;
}

const retryAfters = new WeakMap<ApiError, number>();

/** How long to wait before retrying a command after `error`, or null: do not retry. */
export function retryDelay(error: unknown, attempt: number): number | null {
  if (error instanceof DOMException && error.name === "AbortError") return null;
  if (error instanceof ApiError) {
    if (!RETRIED_STATUSES.has(error.status)) return null;
    const told = retryAfters.get(error);
    if (told !== undefined) return told * 1000 > MAX_RETRY_DELAY_MS ? null : told * 1000;
  } else if (!(error instanceof TypeError)) {
    return null; // fetch rejects with a TypeError when the network fails; nothing else retries
  }
  return Math.min(250 * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

/** A random UUID (v4). `crypto.randomUUID` exists only on secure origins (https,
 * localhost); `getRandomValues` everywhere, so a portal on a plain-http host works too. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
