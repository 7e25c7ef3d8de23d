// Sign in: email and password, then a code from the authenticator when MFA is on.

import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";

import { describeError, problemKind } from "../api/problems";
import { ErrorMessage, Field } from "../components/Field";
import { navigate } from "../router";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

export const LAST_EMAIL = "azora.lastEmail";

export function SignIn() {
  const { api, reloadMe } = useSession();
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

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(email, password, needsCode ? code : undefined);
      window.sessionStorage.setItem(LAST_EMAIL, email);
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

  return (
    <section className="narrow">
      <PageHeading>Sign in</PageHeading>
      <form onSubmit={submit} noValidate={false}>
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          readOnly={needsCode}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          readOnly={needsCode}
        />
        {needsCode && (
          <div className="step">
            <p id="mfa-step">This account has two-factor authentication on.</p>
            <Field
              ref={codeInput}
              label="Code from your authenticator app"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              value={code}
              onChange={(e) => setCode(e.target.value.trim())}
              hint="Six digits; each code works once."
            />
          </div>
        )}
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {needsCode ? "Verify and sign in" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <a href="#/register">Create an account</a>
      </p>
      {/* Sign in with Google or GitHub (OIDC) goes here once the API offers it. */}
    </section>
  );
}
