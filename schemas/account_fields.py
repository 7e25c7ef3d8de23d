"""What the account topics share: an account's fields, its personal section, and how long
a command carrying a secret is kept (`schemas.registration`, `schemas.credentials`,
`schemas.oidc`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from schemas.base import ContractModel
from schemas.topic import DAY_MS

# Commands that carry a secret (sealed) are kept a day: long enough for identity to read
# them after an outage, short enough that the sealed copy does not outlive its use.
SECRET_COMMAND_RETENTION_MS = DAY_MS

# One spelling per mailbox, so uniqueness and keying agree ("A@x.io" == "a@x.io"). Events
# check the shape only (in pydantic-core, fast); the ingress checks addresses in full.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
DisplayName = Annotated[str, Field(min_length=1, max_length=100)]
Role = Annotated[str, Field(pattern=r"^(student|instructor|admin)$")]


class AccountDetails(ContractModel):
    """The personal section of an account's facts: sealed whole with the user's key
    (`schemas.sealed`), or, in a registration command, for identity alone."""

    email: Email
    display_name: DisplayName


# HMAC-SHA256 (hex) of a value under a key derived from the deployment's secret
# (`azora.crypto.SecretBox.digest`): equal values meet in one partition, and the key of a
# record names nobody.
RoutingKey = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# `AccountDetails` as JSON, sealed for identity alone (`azora.crypto.REGISTRATION`), bound
# to the user id: base64url of nonce + ciphertext + tag.
SealedForIdentity = Annotated[str, Field(min_length=40, max_length=2000)]
