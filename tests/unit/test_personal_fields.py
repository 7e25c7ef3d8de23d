"""The contract's list of personal fields covers every catalogue model, and only real fields."""

from __future__ import annotations

import typing
from collections.abc import Iterator

from pydantic import BaseModel

from schemas.catalogue import CATALOGUE
from schemas.personal import NOT_PERSONAL, PERSONAL, looks_personal

MODELS = {spec.model for spec in CATALOGUE}


def nested_models(annotation: object) -> Iterator[type[BaseModel]]:
    """The models an annotation holds: itself, or inside tuples, unions, Optional..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from nested_models(argument)


def field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every field of `model` as a dotted path, nested models' fields included."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        for inner in nested_models(field.annotation):
            yield from field_paths(inner, f"{path}.")


def looks_personal_at(path: str) -> bool:
    return looks_personal(path.rsplit(".", 1)[-1])


def test_every_field_that_looks_personal_is_declared_personal_or_not() -> None:
    undecided = [
        f"{model.__name__}.{path}"
        for model in MODELS
        for path in field_paths(model)
        if looks_personal_at(path)
        and path not in PERSONAL.get(model, frozenset())
        and path not in NOT_PERSONAL.get(model, frozenset())
    ]
    assert undecided == [], (
        "declare these in schemas/personal.py as PERSONAL or NOT_PERSONAL: "
        + ", ".join(sorted(undecided))
    )


def test_the_check_would_catch_a_new_email_field() -> None:
    class WithNewField(BaseModel):
        user_id: str
        billing_email: str
        shipping_address: dict[str, str]

    assert [p for p in field_paths(WithNewField) if looks_personal_at(p)] == [
        "billing_email",
        "shipping_address",
    ]


def test_every_declared_field_exists_in_a_catalogue_model() -> None:
    for declared in (PERSONAL, NOT_PERSONAL):
        for model, paths in declared.items():
            assert model in MODELS, f"{model.__name__} is on no catalogue topic"
            assert paths <= set(field_paths(model)), f"{model.__name__}: {paths}"


def test_no_field_is_declared_both_personal_and_not() -> None:
    for model, paths in PERSONAL.items():
        assert not paths & NOT_PERSONAL.get(model, frozenset()), model.__name__


def test_emails_names_and_what_users_wrote_are_personal() -> None:
    personal = {f"{m.__name__}.{p}" for m, paths in PERSONAL.items() for p in paths}
    assert {
        "UserRegisteredV2.email",
        "UserRegisteredV2.display_name",
        "UserRegistrationRequestedV2.email",
        "UserOidcSignInRequested.email",
        "TutorAsked.question",
        "TutorAnswered.answer",
        "LearningPathRequested.goals",
        "LearningPathGenerated.steps.title",
    } <= personal
