"""The base of every contract model, and the rule that lets an enum grow inside a topic."""

from __future__ import annotations

from typing import Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

# The validation context events are decoded with (`azora.messages.decode`): a reader, as
# opposed to code building an event to publish.
READING: Final = {"azora.reading": True}
# Marks an enum in the JSON Schema as one that may gain values inside its topic.
EXTENSIBLE_MARK: Final = "x-extensible-enum"


class ContractModel(BaseModel):
    """A command or event payload (or a part of one): immutable, and strict when written."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_when_written(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    try:
        return handler(value)
    except ValidationError:
        # A value a newer producer added: a reader keeps it as text rather than refusing
        # the event; a writer may only use the values it knows.
        if (
            isinstance(value, str)
            and info.context is not None
            and info.context.get("azora.reading")
        ):
            return value
        raise


# For an enum whose readers only record its value (a ledger entry's reason): written
# strictly, read tolerantly, so adding a value is compatible both ways (see
# `schemas.compatibility`). Readers that branch on such a value must treat unknown ones.
Extensible = (
    WrapValidator(_known_when_written),
    Field(json_schema_extra={EXTENSIBLE_MARK: True}),
)
