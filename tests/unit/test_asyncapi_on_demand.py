"""The ingress builds its AsyncAPI document when first asked for it, not at start.

FastStream (which describes the topics) and the document are about 11 MiB of an ingress
process's resident memory; most processes never serve the document.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from azora.settings import Settings
from producers.ingress import asyncapi as asyncapi_module
from schemas.catalogue import CATALOGUE
from stack import composition
from tests.support.secrets import (
    random_sealing_key,
    random_secret_key,
    random_webhook_secret,
)

BUILD_THE_APP = """
import sys
from azora.settings import Settings
from stack import composition

composition.ingress_app(Settings())
print("faststream" in sys.modules)
"""


def test_the_document_is_built_on_the_first_request_and_then_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[dict[str, Any]] = []

    def document(*_: object) -> dict[str, Any]:
        built.append({"asyncapi": "3.0.0"})
        return built[-1]

    monkeypatch.setattr(asyncapi_module, "asyncapi_document", document)
    settings = Settings()
    served = composition.asyncapi(settings, composition.names(settings))

    assert built == []
    first, second = served(), served()
    assert len(built) == 1
    assert first is second is built[0]


def test_the_real_document_describes_every_topic_of_the_catalogue() -> None:
    settings = Settings()
    names = composition.names(settings)

    document = composition.asyncapi(settings, names)()

    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {names.physical(spec) for spec in CATALOGUE}


def test_building_the_ingress_app_does_not_load_faststream() -> None:
    env = {
        **os.environ,
        "AZORA_SECRET_KEY": random_secret_key(),
        "AZORA_STRIPE_WEBHOOK_SECRET": random_webhook_secret(),
        "AZORA_PAYMENT_SEALING_KEY": random_sealing_key(),
        "AZORA_PERSONAL_DATA_KEY": random_secret_key(),
    }

    shown = subprocess.run(
        [sys.executable, "-c", BUILD_THE_APP],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert shown.stdout.strip() == "False"
