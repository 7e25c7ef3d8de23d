"""The settings of personal-data protection (`azora.personal`), composed into `Settings`."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings


class PersonalDataSettings(BaseSettings):
    """The master key users' personal-data keys are wrapped with.

    `AZORA_PERSONAL_DATA_KEY`, 32+ characters, from the deployment's secret store (`make
    run` generates a development one). `Settings` refuses it blank, weak, or published in
    the source, like every secret. Losing it loses every user's personal data; changing it
    needs every stored key re-wrapped (not automated yet: docs/security.md).
    """

    personal_data_key: SecretStr | None = None
