#!/usr/bin/env bash
# Development secrets for `make run` and `make test`: random, made once per state dir and
# never written in the source (every process refuses a secret the source has published).
# Prints the file's path; the Makefile exports its values unless the caller set them.
set -euo pipefail
state="${AZORA_STATE_DIR:-.azora}"
file="$state/dev-secrets.env"
if [ ! -s "$file" ]; then
  mkdir -p "$state"
  umask 077
  tmp=$(mktemp "$state/.dev-secrets.XXXXXX")
  python3 - >"$tmp" <<'PY'
import secrets

print(f"AZORA_SECRET_KEY={secrets.token_urlsafe(48)}")
print(f"AZORA_STRIPE_WEBHOOK_SECRET=whsec_{secrets.token_urlsafe(32)}")
print(f"AZORA_PAYMENT_SEALING_KEY={secrets.token_urlsafe(48)}")
print(f"AZORA_PERSONAL_DATA_KEY={secrets.token_urlsafe(48)}")
PY
  mv "$tmp" "$file"
fi
# A state dir made by an older release lacks the keys added since: add each one missing.
for key in AZORA_PAYMENT_SEALING_KEY AZORA_PERSONAL_DATA_KEY; do
  if ! grep -q "^$key=" "$file"; then
    (umask 077 && printf '%s=%s\n' "$key" "$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" >>"$file")
  fi
done
echo "$file"
