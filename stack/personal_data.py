"""`azora personal-data`: the operators' side of the vault (users' personal-data keys).

`rotate USER_ID` gives a user a new key version (new writes seal with it; what older
versions sealed still opens). `rewrap` wraps every stored key with the current master key
after the master key was changed (`AZORA_PERSONAL_DATA_KEY` the new one,
`AZORA_PERSONAL_DATA_PREVIOUS_KEY` the old one); once it reports nothing left under the
old key, the previous one can be dropped from the deployment.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import typer

from azora.settings import Settings

personal_data_app = typer.Typer(
    help="Users' personal-data keys: rotate one, or rewrap all after a master-key change.",
    no_args_is_help=True,
)


@personal_data_app.command("rotate")
def rotate_command(
    user_id: Annotated[uuid.UUID, typer.Argument(help="The user whose key gets a new version")],
) -> None:
    """Give a user a new key version; exits 1 when the user was erased."""
    from azora.personal.vault import UserErased
    from stack.composition import personal_vault

    async def main() -> int:
        vault = personal_vault(Settings())
        try:
            if not await vault.has_key(user_id):
                # Rotating makes a version: a mistyped id must not get a key of its own.
                raise UserErased(f"user {user_id} has no key to rotate (unknown, or erased)")
            return await vault.rotate(user_id)
        finally:
            await vault.close()

    try:
        version = asyncio.run(main())
    except UserErased as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"user {user_id}: new writes seal with key version {version}")


@personal_data_app.command("rewrap")
def rewrap_command(
    batch: Annotated[int, typer.Option(help="Keys read per round trip", min=1, max=10_000)] = 500,
) -> None:
    """Wrap every stored key with the current master key (safe to run again)."""
    from azora.personal.vault import Rewrapped
    from stack.composition import personal_vault

    async def main() -> Rewrapped:
        vault = personal_vault(Settings())
        try:
            return await vault.rewrap_all(batch)
        finally:
            await vault.close()

    report = asyncio.run(main())
    typer.echo(
        f"rewrapped {report.rewrapped} keys; {report.current} were already under the current "
        "master key"
    )
    if report.unopenable:
        typer.echo(
            f"{report.unopenable} keys open with neither the current nor the previous master "
            "key: left as they are (was another key in use before?)",
            err=True,
        )
        raise typer.Exit(1)
