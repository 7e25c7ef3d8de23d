// Sign-in with an OpenID Connect provider (Google, GitHub…), as the API documents it
// (docs/api.md, "Sign-in with a provider"): list the providers, send the browser to one,
// and exchange the one-time code it comes back with for tokens. An API without provider
// sign-in answers 404 to the list: then there are no buttons.

import { AzoraError, type Schemas } from "@azora/client";

import type { AzoraApi } from "./endpoints";

/** A provider a person can sign in with: a button's label and where it goes. */
export type Provider = Schemas["SignInProvider"];

/** The code and provider a finished round-trip put in the return URL's query. */
export interface Returned {
  code: string;
  provider: string;
}

// The code may not be ready at once (identity decides it): the API says when to ask again.
const PENDING_TRIES = 5;
const MAX_WAIT_MS = 5_000;

export async function providers(api: AzoraApi): Promise<Provider[]> {
  try {
    return (await api.client.listSignInProviders()).providers;
  } catch (error) {
    if (error instanceof AzoraError && error.status === 404) return [];
    throw error;
  }
}

/** Where the button sends the browser: the provider's start, then back to `returnTo`. */
export function startUrl(apiBase: string, provider: Provider, returnTo: string): string {
  const joiner = provider.start_url.includes("?") ? "&" : "?";
  return `${apiBase}${provider.start_url}${joiner}return_to=${encodeURIComponent(returnTo)}`;
}

/** The page the provider's round-trip returns to: this page, without query or fragment. */
export function returnUrl(location: Pick<Location, "origin" | "pathname">): string {
  return `${location.origin}${location.pathname}`;
}

export function returnedCode(search: string): Returned | null {
  const query = new URLSearchParams(search);
  const code = query.get("oidc_code");
  const provider = query.get("provider");
  return code && provider ? { code, provider } : null;
}

/** Trade the one-time code for tokens (kept in the session); `totpCode` when MFA is on. */
export async function exchange(api: AzoraApi, code: string, totpCode?: string): Promise<void> {
  const body: Schemas["ProviderCodeRequest"] = totpCode ? { code, totp_code: totpCode } : { code };
  for (let tried = 1; ; tried++) {
    try {
      await api.client.exchangeProviderCode(body); // keeps the tokens in the session
      return;
    } catch (error) {
      const pending = error instanceof AzoraError && error.kind === "sign_in_pending";
      if (!pending || tried >= PENDING_TRIES) throw error;
      const wait = Math.min((error.retryAfterSeconds ?? 1) * 1000, MAX_WAIT_MS);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
