// Two-factor authentication: set it up (a QR code and the secret as text), verify a
// code to turn it on (recovery codes shown once), or turn it off.

import { describeError } from "../api/problems";
import { useState } from "react";
import type { FormEvent } from "react";

import type { AzoraApi } from "../api/endpoints";
import type { MfaSetup } from "../api/types";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { CodeField } from "../components/CodeField";
import { CurrentPasswordField } from "../components/CurrentPasswordField";
import { ErrorMessage } from "../components/Field";
import { QrCode } from "../components/QrCode";
import { pollUntil } from "../load";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

/** Wait (a while at most) until the profile's read model shows MFA as `enabled`. */
async function profileShows(api: AzoraApi, enabled: boolean): Promise<void> {
  const signal = AbortSignal.timeout(20_000);
  await pollUntil(
    () => api.me(),
    (me) => me.mfa_enabled === enabled,
    signal,
  ).catch(() => {});
}

export function Security() {
  const { me } = useSession();
  if (!me) return <p role="status">Loading your profile…</p>;
  return (
    <section>
      <PageHeading>Account and security</PageHeading>
      <dl className="profile">
        <dt>Name</dt>
        <dd>{me.display_name}</dd>
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Account id</dt>
        <dd>
          <code>{me.user_id}</code>
        </dd>
        <dt>Two-factor authentication</dt>
        <dd data-testid="mfa-state">{me.mfa_enabled ? "On" : "Off"}</dd>
      </dl>
      <SetUp replacing={me.mfa_enabled} />
      {me.mfa_enabled && <TurnOff />}
    </section>
  );
}

function SetUp({ replacing }: { replacing: boolean }) {
  const { api, reloadMe } = useSession();
  const command = useCommand<Awaited<ReturnType<typeof api.mfaVerify>>>();
  const [password, setPassword] = useState("");
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function start(event: FormEvent) {
    event.preventDefault();
    setError(null);
    command.reset();
    try {
      setSetup(await api.mfaSetup(replacing ? password : undefined));
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  async function verify(event: FormEvent) {
    event.preventDefault();
    const settled = await command.run(() => api.mfaVerify(code, replacing ? password : undefined));
    if (settled.phase === "succeeded") {
      setSetup(null);
      await profileShows(api, true);
      await reloadMe();
    }
  }

  const codes = command.state.phase === "succeeded" ? command.state.accepted?.recovery_codes : null;
  return (
    <section className="panel" aria-labelledby="setup-heading">
      <h2 id="setup-heading">
        {replacing ? "Replace your authenticator" : "Set up two-factor authentication"}
      </h2>
      {!setup && (
        <form onSubmit={start}>
          {replacing && (
            <CurrentPasswordField
              label="Current password"
              value={password}
              onChange={setPassword}
            />
          )}
          <button type="submit">
            {replacing ? "Start over with a new authenticator" : "Set up"}
          </button>
        </form>
      )}
      {setup && (
        <form onSubmit={verify}>
          <p>Scan this code with an authenticator app, or type the secret into it.</p>
          <QrCode text={setup.otpauth_uri} label="QR code to add Azora to an authenticator app" />
          <p>
            Secret: <code data-testid="mfa-secret">{setup.secret}</code>
          </p>
          <CodeField value={code} onChange={setCode} />
          <button type="submit" disabled={command.busy}>
            Turn on
          </button>
        </form>
      )}
      <ErrorMessage error={error} />
      <CommandStatus label="Two-factor authentication" state={command.state} />
      {codes && (
        <div className="callout" role="region" aria-label="Recovery codes">
          <p>
            <strong>Recovery codes.</strong> Each works once in place of a code; they are shown only
            now, so store them somewhere safe.
          </p>
          <ul className="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function TurnOff() {
  const { api, reloadMe } = useSession();
  const command = useCommand();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const settled = await command.run(() => api.mfaDisable(password, code));
    if (settled.phase === "succeeded") {
      await profileShows(api, false);
      await reloadMe();
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-labelledby="off-heading">
      <h2 id="off-heading">Turn two-factor authentication off</h2>
      <CurrentPasswordField value={password} onChange={setPassword} />
      <CodeField label="Current code" value={code} onChange={setCode} />
      <button type="submit" className="danger" disabled={command.busy}>
        Turn off
      </button>
      <CommandStatus label="Turning off" state={command.state} />
    </form>
  );
}
