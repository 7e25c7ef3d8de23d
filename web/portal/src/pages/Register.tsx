// Create an account: a command that the identity service settles (an email already in
// use is rejected with the reason).

import { useState } from "react";
import type { FormEvent } from "react";

import type { Accepted } from "../api/types";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { Field } from "../components/Field";
import { useApi } from "../session";
import { LAST_EMAIL } from "./SignIn";
import { PageHeading } from "../components/PageHeading";

export function Register() {
  const api = useApi();
  const command = useCommand<Accepted>();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await command.run(() => api.register(email, password, name));
    if (done.phase === "succeeded") window.sessionStorage.setItem(LAST_EMAIL, email);
  }

  return (
    <section className="narrow">
      <PageHeading>Create an account</PageHeading>
      <form onSubmit={submit}>
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={256}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint="10 or more characters, not a common password, and not your email's name."
        />
        <Field
          label="Display name"
          autoComplete="nickname"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={command.busy}>
          Create account
        </button>
      </form>
      <CommandStatus label="Registration" state={command.state} />
      {command.state.phase === "succeeded" && (
        <p>
          Your account is ready. <a href="#/sign-in">Sign in</a>
        </p>
      )}
    </section>
  );
}
