"""A user's login secrets sealed by identity for the ingress's read side alone.

Identity keeps each account's password hash and active TOTP secret in its own schema; the
ingress checks logins against them without reading that schema: identity seals both, as
one JSON value, with a key of its own purpose (`azora.crypto.CREDENTIALS`, derived from the
deployment's secret) and the user id bound in as associated data, and publishes the result
on `user.credentials_set`. The users projection stores it as it came; only the ingress
opens it, so a copy moved onto another user's row does not open, and neither the log nor
the read model holds a hash or a secret in clear.
"""

from __future__ import annotations

import binascii
import json
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from azora.crypto import SecretBox

FORMAT = "c1."


class CredentialsSealError(ValueError):
    """A sealed value that does not open: another user's, another deployment's, or broken."""


@dataclass(frozen=True)
class LoginSecrets:
    """What a login checks: the password hash (None for an account a provider created)
    and the active TOTP secret (None while MFA is off)."""

    password_hash: str | None
    totp_secret: str | None


def seal_credentials(box: SecretBox, user_id: uuid.UUID, secrets: LoginSecrets) -> str:
    """`secrets` sealed for the ingress alone, bound to `user_id`."""
    clear = json.dumps({"password_hash": secrets.password_hash, "totp": secrets.totp_secret})
    return FORMAT + box.seal(clear, bound_to=str(user_id))


def open_credentials(box: SecretBox, user_id: uuid.UUID, sealed: str) -> LoginSecrets:
    """The secrets `seal_credentials` sealed for `user_id` (CredentialsSealError if not)."""
    if not sealed.startswith(FORMAT):
        raise CredentialsSealError("not a sealed credentials value")
    try:
        clear = json.loads(box.open(sealed[len(FORMAT) :], bound_to=str(user_id)))
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise CredentialsSealError("the sealed credentials do not open for this user") from exc
    return LoginSecrets(password_hash=clear["password_hash"], totp_secret=clear["totp"])
