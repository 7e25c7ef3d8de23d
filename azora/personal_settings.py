"""The settings of personal-data protection (`azora.personal`), composed into `Settings`."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from azora.personal.keys import MasterKey


class PersonalDataSettings(BaseSettings):
    """The master key users' personal-data keys are wrapped with.

    `AZORA_PERSONAL_DATA_KEY`, 32+ characters, from the deployment's secret store (`make
    run` generates a development one). `Settings` refuses it blank, weak, or published in
    the source, like every secret. Losing it loses every user's personal data. To change it,
    give the new one here and the old one as `AZORA_PERSONAL_DATA_PREVIOUS_KEY`, run `azora
    personal-data rewrap`, then drop the previous one (docs/security.md).
    """

    personal_data_key: SecretStr | None = None
    # During a rotation of the master key: the one it replaces, which still unwraps the keys
    # `azora personal-data rewrap` has not wrapped again yet.
    personal_data_previous_key: SecretStr | None = None

    def master_key(self) -> MasterKey:
        """The master key (with the previous one, during a rotation); a clear error when
        it is not set."""
        if self.personal_data_key is None:
            raise MissingPersonalDataKey(
                "AZORA_PERSONAL_DATA_KEY must be set (`make run` generates development "
                "secrets into the state dir; production takes them from its secret store)"
            )
        previous = self.personal_data_previous_key
        return MasterKey(
            self.personal_data_key.get_secret_value(),
            previous.get_secret_value() if previous else None,
        )


class MissingPersonalDataKey(RuntimeError):
    """A process that reads or writes personal data was started without the master key."""
