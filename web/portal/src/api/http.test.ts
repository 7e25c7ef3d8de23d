import { describe, expect, it } from "vitest";

import { ApiError, Http, retryDelay, type TokenStore } from "./http";
import type { Accepted, Tokens } from "./types";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake API: answers each request with the next scripted answer, and records it. */
function fakeApi(answers: Array<(sent: Sent) => Response>) {
  const sent: Sent[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: Sent = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    sent.push(request);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return next(request);
  };
  return { sent, fetcher: fetcher as typeof fetch };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function memoryStore(tokens: Tokens | null = null): TokenStore & { value: Tokens | null } {
  const store = {
    value: tokens,
    get: () => store.value,
    set: (next: Tokens | null) => {
      store.value = next;
    },
  };
  return store;
}

const TOKENS: Tokens = {
  access_token: "a1",
  refresh_token: "r1",
  token_type: "bearer",
  expires_in: 900,
};
const ACCEPTED: Accepted = { command_id: "c1", status_url: "/v1/commands/c1" };
const unavailable = () =>
  json(503, { type: "/problems/unavailable", title: "Unavailable", status: 503 });

describe("a command", () => {
  it("carries the same Idempotency-Key on each retry after a transient failure", async () => {
    const api = fakeApi([unavailable, () => json(202, ACCEPTED)]);
    const http = new Http("http://api.test", memoryStore(TOKENS), api.fetcher);

    await http.request("POST", "/v1/wallet/transfers", { body: {}, auth: true, command: true });

    const [first, second] = api.sent;
    expect(first?.headers["Idempotency-Key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers["Idempotency-Key"]).toBe(first?.headers["Idempotency-Key"]);
  });

  it("is not retried when the API refuses it for good", async () => {
    const api = fakeApi([
      () =>
        json(422, {
          type: "/problems/validation_error",
          title: "The request is not valid",
          status: 422,
        }),
    ]);
    const http = new Http("", memoryStore(TOKENS), api.fetcher);

    await expect(http.request("POST", "/v1/enrollments", { command: true })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(api.sent).toHaveLength(1);
  });

  it("is followed until it settles, however many holds it takes", async () => {
    const pending = { command_id: "c1", status: "pending", reason: null };
    const rejected = { command_id: "c1", status: "rejected", reason: "insufficient funds" };
    const api = fakeApi([
      () => json(200, pending),
      () => json(200, pending),
      () => json(200, rejected),
    ]);
    const http = new Http("", memoryStore(), api.fetcher);
    const seen: string[] = [];

    const status = await http.waitForCommand(ACCEPTED, (s) => seen.push(s.status));

    expect(status.reason).toBe("insufficient funds");
    expect(seen).toEqual(["pending", "pending", "rejected"]);
    expect(api.sent[0]?.url).toBe("/v1/commands/c1?wait=25");
  });
});

describe("an expired access token", () => {
  it("is refreshed once and the request sent again with the new one", async () => {
    const store = memoryStore(TOKENS);
    const fresh = { ...TOKENS, access_token: "a2", refresh_token: "r2" };
    const api = fakeApi([
      () => json(401, { type: "/problems/invalid_token", title: "Invalid token", status: 401 }),
      (sent) => {
        expect(sent.body).toEqual({ refresh_token: "r1" });
        return json(200, fresh);
      },
      () => json(200, { user_id: "u1" }),
    ]);
    const http = new Http("", store, api.fetcher);

    await http.request("GET", "/v1/me", { auth: true });

    expect(api.sent[2]?.headers.Authorization).toBe("Bearer a2");
    expect(store.value?.refresh_token).toBe("r2");
  });

  it("signs the person out when the refresh is refused too", async () => {
    const store = memoryStore(TOKENS);
    let signedOut = false;
    const invalid = () =>
      json(401, { type: "/problems/invalid_token", title: "Invalid token", status: 401 });
    const api = fakeApi([invalid, invalid]);
    const http = new Http("", store, api.fetcher, () => {
      signedOut = true;
    });

    await expect(http.request("GET", "/v1/me", { auth: true })).rejects.toThrow("Invalid token");
    expect(store.value).toBeNull();
    expect(signedOut).toBe(true);
  });
});

describe("a problem document", () => {
  it("reads as its title, detail and the fields it names", async () => {
    const api = fakeApi([
      () =>
        json(422, {
          type: "/problems/validation_error",
          title: "The request is not valid",
          status: 422,
          detail: "1 field(s) failed validation",
          errors: [{ loc: ["body", "amount_minor"], msg: "must be greater than 0" }],
        }),
    ]);
    const http = new Http("", memoryStore(), api.fetcher);

    const error = await http.request("POST", "/v1/payments").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("validation_error");
    expect((error as ApiError).message).toBe(
      "The request is not valid: 1 field(s) failed validation (amount_minor: must be greater than 0)",
    );
  });
});

describe("retry delays", () => {
  it("follow Retry-After when it is short, and give up when it is long", async () => {
    const short = fakeApi([
      () => json(429, { title: "Slow down", type: "/p/t", status: 429 }, { "Retry-After": "2" }),
    ]);
    const long = fakeApi([
      () => json(429, { title: "Slow down", type: "/p/t", status: 429 }, { "Retry-After": "60" }),
    ]);
    const shortError = await new Http("", memoryStore(), short.fetcher)
      .request("GET", "/x")
      .catch((e: unknown) => e);
    const longError = await new Http("", memoryStore(), long.fetcher)
      .request("GET", "/x")
      .catch((e: unknown) => e);

    expect(retryDelay(shortError, 1)).toBe(2000);
    expect(retryDelay(longError, 1)).toBeNull();
    expect(retryDelay(new TypeError("Failed to fetch"), 2)).toBe(500);
    expect(retryDelay(new Error("a bug"), 1)).toBeNull();
  });
});
