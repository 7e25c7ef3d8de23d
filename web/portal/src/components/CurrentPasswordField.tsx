// The account's current password, as sign-in and the two-factor settings ask for it (the
// browser's password manager fills it in).

import { Field } from "./Field";

interface CurrentPasswordFieldProps {
  value: string;
  onChange: (password: string) => void;
  label?: string;
  readOnly?: boolean;
}

export function CurrentPasswordField({
  value,
  onChange,
  label = "Password",
  readOnly,
}: CurrentPasswordFieldProps) {
  return (
    <Field
      label={label}
      type="password"
      autoComplete="current-password"
      required
      value={value}
      onChange={(e) => onChange(e.target.value)}
      readOnly={readOnly}
    />
  );
}
