// Sign in: email and password, or a provider (OpenID Connect), then a code from the
// authenticator when MFA is on.

import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";

import { exchange, type Provider, providers, returnedCode, returnUrl, startUrl } from "../api/oidc";
import { describeError, problemKind } from "../api/problems";
import { CodeField } from "../components/CodeField";
import { CurrentPasswordField } from "../components/CurrentPasswordField";
import { ErrorMessage, Field } from "../components/Field";
import { navigate } from "../router";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

export const LAST_EMAIL = "azora.lastEmail";

export function SignIn() {
  const { api, config, reloadMe } = useSession();
  // Back from a provider: the one-time code is in this page's query.
  const [returned] = useState(() => returnedCode(window.location.search));
  const [offered, setOffered] = useState<Provider[]>([]);
  const [email, setEmail] = useState(() => window.sessionStorage.getItem(LAST_EMAIL) ?? "");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);

  // The code field, once it appears, is where the person's attention goes next.
  useEffect(() => {
    if (needsCode) codeInput.current?.focus();
  }, [needsCode]);

  useEffect(() => {
    providers(api)
      .then(setOffered)
      .catch(() => setOffered([])); // no buttons: the password form still works
  }, [api]);

  useEffect(() => {
    if (returned) void signIn(() => exchange(api, returned.code));
    // Once, for the code this page was opened with.
  }, []);

  async function signIn(attempt: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await attempt();
      if (returned) {
        // The code is spent: take it out of the address (and the history).
        window.history.replaceState(null, "", window.location.pathname);
      } else {
        window.sessionStorage.setItem(LAST_EMAIL, email);
      }
      await reloadMe();
      navigate({ name: "courses", query: "" });
    } catch (failure) {
      if (problemKind(failure) === "mfa_required") {
        setNeedsCode(true);
      } else {
        setError(describeError(failure));
        if (problemKind(failure) === "mfa_invalid") setCode("");
      }
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const totp = needsCode ? code : undefined;
    void signIn(() =>
      returned ? exchange(api, returned.code, totp) : api.login(email, password, totp),
    );
  }

  return (
    <section className="narrow">
      <PageHeading>Sign in</PageHeading>
      {returned && (
        <p role="status">
          {busy ? "Signing you in" : "Signed in"} with {returned.provider}…
        </p>
      )}
      <form onSubmit={submit} noValidate={false}>
        {!returned && (
          <>
            <Field
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              readOnly={needsCode}
            />
            <CurrentPasswordField value={password} onChange={setPassword} readOnly={needsCode} />
          </>
        )}
        {needsCode && (
          <div className="step">
            <p id="mfa-step">This account has two-factor authentication on.</p>
            <CodeField
              ref={codeInput}
              value={code}
              onChange={setCode}
              hint="Six digits; each code works once."
            />
          </div>
        )}
        <ErrorMessage error={error} />
        {(!returned || needsCode) && (
          <button type="submit" disabled={busy}>
            {needsCode ? "Verify and sign in" : "Sign in"}
          </button>
        )}
      </form>
      {!returned && offered.length > 0 && (
        <ul className="providers" aria-label="Or sign in with">
          {offered.map((provider) => (
            <li key={provider.name}>
              {/* A navigation, not a fetch: the provider's pages take over the window. */}
              <a
                className="button secondary"
                href={startUrl(
                  config.apiBase || window.location.origin,
                  provider,
                  returnUrl(window.location),
                )}
              >
                Sign in with {provider.display_name}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p>
        New here? <a href="#/register">Create an account</a>
      </p>
    </section>
  );
}
