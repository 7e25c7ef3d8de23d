import { AzoraError, TokenSession } from "@azora/client";
import { describe, expect, it } from "vitest";

import { AzoraApi } from "./endpoints";
import { exchange, providers, returnedCode, returnUrl, startUrl } from "./oidc";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function apiAnswering(...answers: Response[]) {
  const sent: Request[] = [];
  const fetch = async (request: Request) => {
    sent.push(request.clone());
    const next = answers.shift();
    if (!next) throw new Error(`unexpected ${request.method} ${request.url}`);
    return next;
  };
  return { sent, api: new AzoraApi("http://api.test", new TokenSession(), fetch) };
}

const GOOGLE = { name: "google", display_name: "Google", start_url: "/v1/auth/oidc/google/start" };

describe("sign-in with a provider", () => {
  it("offers the providers the API lists, and none when it has no provider sign-in", async () => {
    const listed = apiAnswering(json(200, { providers: [GOOGLE] }));
    const absent = apiAnswering(
      json(404, { type: "/problems/not_found", title: "Not Found", status: 404 }),
    );

    expect(await providers(listed.api)).toEqual([GOOGLE]);
    expect(await providers(absent.api)).toEqual([]);
  });

  it("sends the browser to the provider's start with this page to come back to", () => {
    const back = returnUrl({ origin: "http://127.0.0.1:8000", pathname: "/portal/" });

    expect(startUrl("http://127.0.0.1:8000", GOOGLE, back)).toBe(
      "http://127.0.0.1:8000/v1/auth/oidc/google/start?return_to=http%3A%2F%2F127.0.0.1%3A8000%2Fportal%2F",
    );
  });

  it("reads the one-time code the round-trip came back with", () => {
    expect(returnedCode("?oidc_code=abc&provider=google")).toEqual({
      code: "abc",
      provider: "google",
    });
    expect(returnedCode("?provider=google")).toBeNull();
    expect(returnedCode("")).toBeNull();
  });

  it("trades the code for tokens, asking again while identity has not decided", async () => {
    const pending = { type: "/problems/sign_in_pending", title: "Sign-in pending", status: 409 };
    const tokens = { access_token: "a", refresh_token: "r", token_type: "bearer", expires_in: 900 };
    const { api, sent } = apiAnswering(
      json(409, pending, { "Retry-After": "0" }),
      json(200, tokens),
    );

    await exchange(api, "abc");

    expect(api.signedIn).toBe(true);
    expect(sent).toHaveLength(2);
    expect(await sent[1]!.json()).toEqual({ code: "abc" });
  });

  it("says when the account needs its authenticator's code too", async () => {
    const mfa = { type: "/problems/mfa_required", title: "MFA code required", status: 401 };
    const { api } = apiAnswering(json(401, mfa));

    const error = await exchange(api, "abc").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AzoraError);
    expect((error as AzoraError).kind).toBe("mfa_required");
  });
});
