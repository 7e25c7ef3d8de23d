"""A section of an event's personal fields, sealed with the user's personal-data key.

An event that outlives its use and names a person (an email, a name, text they wrote)
carries those fields as one sealed section: the JSON of a small section model (say
`TutorQuestionText`), AES-256-GCM with the user's data key (`azora.personal`), as text
`pd1.<key version>.<base64url>`. Ids, amounts and times stay in clear beside it, so every
reader can route, count and settle without the key; only a reader that needs the words
opens the section. Erasing the user destroys the key, and every copy of the section, in
every topic and every export, stops opening (crypto-shredding).
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

SEALED_PATTERN: Final = r"^pd1\.[1-9][0-9]{0,8}\.[A-Za-z0-9_-]+={0,2}$"
# The largest section (a 100,000-character answer, every character 4 bytes in UTF-8, plus
# its JSON) sealed and in base64: a bound, not a budget.
MAX_SEALED_CHARS: Final = 600_000

# Where a model keeps its sealed section, and whose key sealed it (a convention every model
# with a section follows, so tools open sections without knowing each model).
SECTION_FIELD: Final = "personal"
OWNER_FIELD: Final = "user_id"

SealedPersonal = Annotated[
    str, Field(min_length=40, max_length=MAX_SEALED_CHARS, pattern=SEALED_PATTERN)
]
