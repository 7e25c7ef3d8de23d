"""A second Postgres cluster, started from the system's binaries as the repo's own one is.

The e2e stack keeps some services' databases there, as a deployment with a database per
service keeps them on servers of their own. `infra/postgres/postgres.sh` starts it (as
the `postgres` user when run as root), in a state dir and on a port of its own.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "infra" / "postgres" / "postgres.sh"
# The repo's own cluster listens on 54329 (AZORA_PG_PORT); this one beside it by default.
DEFAULT_PORT = 54330


def second_cluster_port() -> int:
    """AZORA_SECOND_PG_PORT, else the port beside the repo's own cluster."""
    return int(os.environ.get("AZORA_SECOND_PG_PORT", DEFAULT_PORT))


@contextlib.contextmanager
def second_cluster(port: int) -> Iterator[str]:
    """Start the second cluster on `port` (unless it runs); yield its admin URL; stop it
    afterwards if it was started here."""
    # Absolute, as `make clean` names it (the script keys a fallback location on the path).
    state = Path(os.path.abspath(os.environ.get("AZORA_STATE_DIR", REPO / ".azora")))
    state /= "second-postgres"
    env = {**os.environ, "AZORA_STATE_DIR": str(state), "AZORA_PG_PORT": str(port)}
    running = _script("status", env).returncode == 0
    if not running:
        started = _script("start", env)
        if started.returncode != 0:
            raise RuntimeError(f"the second Postgres did not start:\n{started.stderr}")
    try:
        yield f"postgresql://azora@127.0.0.1:{port}/azora"
    finally:
        if not running:
            _script("stop", env)


async def answers(url: str) -> bool:
    """Whether a server answers at `url`."""
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def _script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=180
    )
