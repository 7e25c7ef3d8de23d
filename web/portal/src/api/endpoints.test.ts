import { AzoraError, TokenSession } from "@azora/client";
import { describe, expect, it } from "vitest";

import { AzoraApi } from "./endpoints";
import { describeProblem } from "./problems";
import { storedSession } from "./session";

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

/** A fake API behind the real client: each request gets the next scripted answer. */
function fakeApi(answers: Array<(sent: Sent) => Response>) {
  const sent: Sent[] = [];
  const fetch = async (request: Request) => {
    const text = await request.text();
    const seen = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    sent.push(seen);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected ${seen.method} ${seen.url}`);
    return next(seen);
  };
  return { sent, fetch };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

const ACCEPTED = { command_id: "c1", status_url: "/v1/commands/c1" };
const signedIn = () =>
  new TokenSession({
    tokens: { accessToken: "a1", refreshToken: "r1", expiresAt: Date.now() + 600_000 },
  });

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe("a command sent from the portal", () => {
  it("carries an Idempotency-Key, the same on its retry after the API was unavailable", async () => {
    const api = fakeApi([
      () => json(503, { type: "/problems/unavailable", title: "Unavailable", status: 503 }),
      () => json(202, { ...ACCEPTED, transfer_id: "t1" }),
    ]);
    const azora = new AzoraApi("http://api.test", signedIn(), api.fetch);

    await azora.transfer("00000000-0000-4000-8000-000000000001", 500, "EUR");

    const [first, second] = api.sent;
    expect(first?.headers.get("Idempotency-Key")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second?.headers.get("Idempotency-Key")).toBe(first?.headers.get("Idempotency-Key"));
    expect(first?.headers.get("Authorization")).toBe("Bearer a1");
  });

  it("is followed through each pending hold until it settles", async () => {
    const pending = { command_id: "c1", status: "pending", reason: null, links: {} };
    const rejected = { ...pending, status: "rejected", reason: "insufficient funds" };
    const api = fakeApi([() => json(200, pending), () => json(200, rejected)]);
    const azora = new AzoraApi("http://api.test", signedIn(), api.fetch);
    const seen: string[] = [];

    const outcome = await azora.waitForCommand(ACCEPTED, (status) => seen.push(status.status));

    expect(outcome.reason).toBe("insufficient funds");
    expect(seen).toEqual(["pending", "rejected"]);
    expect(new URL(api.sent[0]!.url).searchParams.get("wait")).toBe("25");
  });
});

describe("the development payment control", () => {
  it("posts the outcome for the payment with the session's token", async () => {
    const api = fakeApi([() => json(200, { received: true, published: true })]);
    const azora = new AzoraApi("http://api.test", signedIn(), api.fetch);

    await azora.devSettle("p1", "payment_failed");

    expect(api.sent[0]?.url).toBe("http://api.test/v1/dev/payments/p1/settle");
    expect(api.sent[0]?.body).toEqual({ outcome: "payment_failed" });
    expect(api.sent[0]?.headers.get("Authorization")).toBe("Bearer a1");
  });

  it("throws the API's problem when it is refused", async () => {
    const problem = { type: "/problems/not_found", title: "Payment not found", status: 404 };
    const api = fakeApi([() => json(404, problem)]);
    const azora = new AzoraApi("http://api.test", signedIn(), api.fetch);

    const error = await azora.devSettle("p1", "succeeded").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AzoraError);
    expect((error as AzoraError).kind).toBe("not_found");
  });
});

describe("the session", () => {
  it("survives a reload in the tab's storage, and ends when a refresh is refused", async () => {
    const storage = memoryStorage();
    let ended = 0;
    const tokens = {
      access_token: "a1",
      refresh_token: "r1",
      token_type: "bearer",
      expires_in: 900,
    };
    const login = fakeApi([() => json(200, tokens)]);
    await new AzoraApi(
      "http://api.test",
      storedSession(storage, () => ended++),
      login.fetch,
    ).login("a@b.c", "pw");
    const reloaded = storedSession(storage, () => ended++);
    expect(reloaded.tokens?.accessToken).toBe("a1");

    const invalid = { type: "/problems/invalid_token", title: "Invalid token", status: 401 };
    const api = fakeApi([() => json(401, invalid), () => json(401, invalid)]);
    await expect(new AzoraApi("http://api.test", reloaded, api.fetch).me()).rejects.toBeInstanceOf(
      AzoraError,
    );

    expect(api.sent[1]?.url).toBe("http://api.test/v1/auth/refresh");
    expect(storage.getItem("azora.tokens")).toBeNull();
    expect(ended).toBe(1);
  });
});

describe("a problem document", () => {
  it("reads as its title, detail and the fields it names", () => {
    expect(
      describeProblem({
        type: "/problems/validation_error",
        title: "The request is not valid",
        status: 422,
        detail: "1 field(s) failed validation",
        errors: [{ loc: ["body", "amount_minor"], msg: "must be greater than 0" }],
      }),
    ).toBe(
      "The request is not valid: 1 field(s) failed validation (amount_minor: must be greater than 0)",
    );
  });
});
