// The client against a running stack (AZORA_BASE_URL); tests/e2e/test_typescript_client.py starts one.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";

import { AzoraError, CommandWaitTimeout, createAzoraClient, type FetchLike, TokenSession } from "../src/index.js";

const baseUrl = process.env.AZORA_BASE_URL;
const PASSWORD = "correct horse battery staple";
const anEmail = () => `ts-${randomUUID().slice(0, 12)}@example.org`;

async function aSignedInClient(fetch?: FetchLike) {
  const azora = createAzoraClient({ baseUrl: baseUrl!, fetch });
  const email = anEmail();
  const accepted = await azora.register({ email, password: PASSWORD, display_name: "Ada" });
  assert.equal((await azora.waitForCommand(accepted)).status, "succeeded");
  await azora.login({ email, password: PASSWORD });
  return { azora, email, userId: accepted.user_id };
}

/** The problem a refresh is refused with, refreshing until refused: sessions are projected
 * asynchronously (milliseconds), so the server learns of a rotation or a logout just after. */
async function refusedRefresh(refreshToken: string): Promise<AzoraError> {
  const bystander = createAzoraClient({ baseUrl: baseUrl! });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await bystander.refreshTokens(refreshToken);
    } catch (error) {
      if (error instanceof AzoraError && error.status === 401) return error;
      throw error;
    }
    assert.ok(Date.now() < deadline, "the refresh token was never refused");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the TypeScript client against the stack", { skip: baseUrl ? false : "AZORA_BASE_URL is not set" }, () => {
  test("registers, waits for the account, signs in and reads the profile", async () => {
    const { azora, email, userId } = await aSignedInClient();
    const me = await azora.getMe();
    assert.equal(me.email, email);
    assert.equal(me.user_id, userId);
  });

  test("a command whose answer was lost is retried with the same key and runs once", async () => {
    let registrations = 0;
    // Delivers the first registration, then loses its answer, as a dropped connection would.
    const lossy: FetchLike = async (request) => {
      const answer = await globalThis.fetch(request);
      if (new URL(request.url).pathname === "/v1/auth/register" && ++registrations === 1) {
        throw new TypeError("fetch failed: the answer was lost");
      }
      return answer;
    };
    const azora = createAzoraClient({ baseUrl: baseUrl!, fetch: lossy });
    const email = anEmail();
    const key = randomUUID();
    const accepted = await azora.register({ email, password: PASSWORD, display_name: "Ada" }, { idempotencyKey: key });
    assert.equal(registrations, 2);
    assert.equal((await azora.waitForCommand(accepted)).status, "succeeded");
    const again = await azora.register({ email, password: PASSWORD, display_name: "Ada" }, { idempotencyKey: key });
    assert.equal(again.command_id, accepted.command_id);
    assert.equal((await azora.waitForCommand(again)).status, "succeeded");
  });

  test("a rejected command settles with its reason", async () => {
    const { azora } = await aSignedInClient();
    const { userId: someoneElse } = await aSignedInClient();
    const accepted = await azora.transfer({ to_user_id: someoneElse, amount_minor: 100, currency: "EUR" });
    const seen: string[] = [];
    const settled = await azora.waitForCommand(accepted, { onStatus: (s) => seen.push(s.status) });
    assert.equal(settled.status, "rejected");
    assert.match(settled.reason ?? "", /insufficient funds/);
    assert.equal(seen.at(-1), "rejected");
  });

  test("an expired access token is refreshed once and the call goes through", async () => {
    let refreshes = 0;
    const counting: FetchLike = (request) => {
      if (new URL(request.url).pathname === "/v1/auth/refresh") refreshes++;
      return globalThis.fetch(request);
    };
    const { azora, email } = await aSignedInClient(counting);
    const before = azora.session.tokens!;
    // The access token as the server sees it once expired: refused with 401.
    azora.session.restore({ ...before, accessToken: `${before.accessToken}x` });
    const answers = await Promise.all([azora.getMe(), azora.getWallet(), azora.listEnrollments()]);
    assert.equal(answers[0].email, email);
    assert.equal(refreshes, 1);
    assert.notEqual(azora.session.tokens!.refreshToken, before.refreshToken);
  });

  test("a refresh token used twice ends the session", async () => {
    const { azora } = await aSignedInClient();
    const first = azora.session.tokens!.refreshToken;
    await azora.refreshTokens();
    assert.equal((await refusedRefresh(first)).kind, "refresh_token_reused");
    assert.equal((await refusedRefresh(azora.session.tokens!.refreshToken)).kind, "session_revoked");
  });

  test("logout forgets the tokens and the server refuses the old refresh token", async () => {
    const session = new TokenSession();
    const azora = createAzoraClient({ baseUrl: baseUrl!, session });
    const email = anEmail();
    await azora.waitForCommand(await azora.register({ email, password: PASSWORD, display_name: "Ada" }));
    await azora.login({ email, password: PASSWORD });
    const refreshToken = session.tokens!.refreshToken;
    await azora.logout();
    assert.equal(session.tokens, null);
    assert.equal((await refusedRefresh(refreshToken)).kind, "session_revoked");
  });

  test("errors arrive as problem documents", async () => {
    const azora = createAzoraClient({ baseUrl: baseUrl! });
    await assert.rejects(azora.login({ email: anEmail(), password: "not the password" }), (error: unknown) => {
      assert.ok(error instanceof AzoraError);
      assert.equal(error.status, 401);
      assert.equal(error.kind, "invalid_credentials");
      assert.equal(error.problem?.title, "Invalid credentials");
      return true;
    });
    await assert.rejects(
      azora.register({ email: "not an address", password: PASSWORD, display_name: "Ada" }),
      (error: unknown) => {
        assert.ok(error instanceof AzoraError);
        assert.equal(error.status, 422);
        assert.equal(error.problem?.type, "/problems/validation_error");
        assert.ok(error.problem?.errors?.some((e) => e.loc.includes("email")));
        return true;
      },
    );
    await assert.rejects(azora.getMe(), (error: unknown) => error instanceof AzoraError && error.status === 401);
  });

  test("waiting on a command that never comes gives up at the deadline", async () => {
    const azora = createAzoraClient({ baseUrl: baseUrl! });
    await assert.rejects(azora.waitForCommand(randomUUID(), { timeoutMs: 1500, holdSeconds: 1 }), CommandWaitTimeout);
  });

  test("asks the tutor, starts MFA and is refused the admin's dead letters", async () => {
    const { azora } = await aSignedInClient();
    const asked = await azora.askTutor({ question: "What is a consumer group?" });
    assert.equal((await azora.waitForCommand(asked)).status, "succeeded");
    assert.ok((await azora.getTutorQuestion(asked.question_id)).answer);
    const setup = await azora.setUpMfa();
    assert.match(setup.otpauth_uri, /^otpauth:\/\/totp\//);
    await assert.rejects(azora.listDeadLetters(), (error: unknown) => error instanceof AzoraError && error.kind === "forbidden");
  });

  test("lists courses and reads the service's health", async () => {
    const azora = createAzoraClient({ baseUrl: baseUrl! });
    assert.deepEqual(await azora.checkLiveness(), { status: "ok" });
    const page = await azora.listCourses({ limit: 5 });
    assert.ok(Array.isArray(page.items));
    assert.match(await azora.getMetrics(), /# TYPE/);
  });
});
