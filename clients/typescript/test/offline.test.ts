// The hand-written layer on its own, over fake fetches: no server needed.

import assert from "node:assert/strict";
import { test } from "node:test";

import { AzoraError, TokenSession, waitForCommand, withIdempotentRetries, withTokenRefresh } from "../src/index.js";

const tokens = (n: number) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "bearer" as const, expires_in: 900 });

test("a retried command is sent again with the same Idempotency-Key", async () => {
  const keys: string[] = [];
  const answer = await withIdempotentRetries(
    async (key) => {
      keys.push(key);
      if (keys.length === 1) throw new TypeError("fetch failed");
      if (keys.length === 2) throw new AzoraError(503, null, new Response(null, { status: 503, headers: { "Retry-After": "0" } }));
      return "accepted";
    },
    { retries: 2 },
  );
  assert.equal(answer, "accepted");
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 1);
});

test("a command refused for what it says is not retried", async () => {
  let attempts = 0;
  const refused = withIdempotentRetries(async () => {
    attempts++;
    throw new AzoraError(422, null, null);
  });
  await assert.rejects(refused, (error: unknown) => error instanceof AzoraError && error.status === 422);
  assert.equal(attempts, 1);
});

test("calls that all find the access token expired share one refresh", async () => {
  const session = new TokenSession();
  session.remember(tokens(1));
  let refreshes = 0;
  const server = async (request: Request) =>
    new Response(null, { status: request.headers.get("Authorization") === "Bearer access-2" ? 200 : 401 });
  const signed = withTokenRefresh(server, session, async (refreshToken) => {
    assert.equal(refreshToken, "refresh-1");
    refreshes++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return tokens(2);
  });
  const answers = await Promise.all([1, 2, 3].map(() => signed(new Request("http://azora.test/v1/me"))));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  assert.equal(refreshes, 1);
  assert.equal(session.accessToken, "access-2");
});

test("a token about to expire is renewed before the call", async () => {
  let clock = 0;
  const session = new TokenSession({ now: () => clock });
  session.remember(tokens(1));
  clock = 890_000; // 10 s before the 900 s token expires: inside the 30 s margin
  const sentWith: (string | null)[] = [];
  const signed = withTokenRefresh(
    async (request) => {
      sentWith.push(request.headers.get("Authorization"));
      return new Response(null, { status: 200 });
    },
    session,
    async () => tokens(2),
  );
  await signed(new Request("http://azora.test/v1/wallet"));
  assert.deepEqual(sentWith, ["Bearer access-2"]);
});

test("a refused refresh ends the session and hands back the 401", async () => {
  const changes: unknown[] = [];
  const session = new TokenSession({ onChange: (t) => changes.push(t) });
  session.remember(tokens(1));
  const signed = withTokenRefresh(async () => new Response(null, { status: 401 }), session, async () => null);
  const answer = await signed(new Request("http://azora.test/v1/me"));
  assert.equal(answer.status, 401);
  assert.equal(session.tokens, null);
  assert.equal(changes.at(-1), null);
});

test("sign-in calls carry no access token and never trigger a refresh", async () => {
  const session = new TokenSession();
  session.remember(tokens(1));
  let refreshed = false;
  const signed = withTokenRefresh(
    async (request) => {
      assert.equal(request.headers.get("Authorization"), null);
      return new Response(null, { status: 401 });
    },
    session,
    async () => {
      refreshed = true;
      return tokens(2);
    },
  );
  assert.equal((await signed(new Request("http://azora.test/v1/auth/login", { method: "POST" }))).status, 401);
  assert.equal(refreshed, false);
});

test("waiting reads until the command settles, reporting each status", async () => {
  const reads = [null, { command_id: "c", status: "pending" as const, links: {} }, { command_id: "c", status: "rejected" as const, reason: "insufficient funds", links: {} }];
  const seen: string[] = [];
  const settled = await waitForCommand(async () => reads.shift() ?? null, "c", { onStatus: (s) => seen.push(s.status) });
  assert.equal(settled.status, "rejected");
  assert.equal(settled.reason, "insufficient funds");
  assert.deepEqual(seen, ["pending", "rejected"]);
});
