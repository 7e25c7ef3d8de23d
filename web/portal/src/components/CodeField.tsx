// The six-digit code from an authenticator app (TOTP), as every two-factor form asks for it:
// a numeric keyboard, the browser's one-time-code autofill, and no stray spaces.

import type { ReactNode, Ref } from "react";

import { Field } from "./Field";

interface CodeFieldProps {
  value: string;
  onChange: (code: string) => void;
  label?: string;
  hint?: ReactNode;
  ref?: Ref<HTMLInputElement>;
}

export function CodeField({
  value,
  onChange,
  label = "Code from your authenticator app",
  hint,
  ref,
}: CodeFieldProps) {
  return (
    <Field
      ref={ref}
      label={label}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      required
      value={value}
      onChange={(e) => onChange(e.target.value.trim())}
      hint={hint}
    />
  );
}
