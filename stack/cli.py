"""The `azora` command: run the stack or one role of it, and manage topics and the schema.

Commands import what they use when they run: `azora lag` or `azora replay` should not pay
for loading every service (the OpenAI and Stripe SDKs, Alembic) before doing anything.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from azora.aio import stop_on_signals
from azora.runtime import die_with_parent
from azora.settings import Settings
from stack.dlq import dlq_app
from stack.lag.cli import lag, lag_exporter
from stack.process import configure_logging, serve_metrics
from stack.rebuild.cli import projections_app
from stack.replay.cli import replay_app

app = typer.Typer(help="Azora: an event-driven learning platform on Kafka.", no_args_is_help=True)
topics_app = typer.Typer(help="Topics of the catalogue on the broker.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(projections_app, name="projections")
app.add_typer(replay_app, name="replay")
app.add_typer(dlq_app, name="dlq")
app.command("lag-exporter")(lag_exporter)
app.command("lag")(lag)

ROLES = ("identity", "learning", "wallet", "payments", "tutor", "projections")


@app.command()
def ingress(
    host: Annotated[str | None, typer.Option(help="Address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port (AZORA_INGRESS_PORT)")] = None,
) -> None:
    """Serve the HTTP ingress."""
    import uvicorn

    from azora import tracing
    from stack import composition

    configure_logging()
    settings = Settings()
    composition.start_tracing(settings, "ingress")
    try:
        uvicorn.run(
            composition.ingress_app(settings),
            host=host or settings.ingress_host,
            port=port or settings.ingress_port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
            # Who the client is behind a proxy is the ingress's own rule
            # (AZORA_TRUSTED_PROXIES): uvicorn's would trust loopback's headers by default.
            proxy_headers=False,
        )
    finally:
        tracing.shutdown()


@app.command()
def consume(role: Annotated[str, typer.Argument(help=f"One of: {', '.join(ROLES)}")]) -> None:
    """Run a consuming service's consumer groups until SIGTERM."""
    from azora import tracing
    from stack import composition

    configure_logging()
    settings = Settings()
    if role not in composition.ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    selected = composition.services_for(settings, role)

    serve_metrics(settings)
    composition.start_tracing(settings, role)

    async def main() -> None:
        await composition.run_services(settings, selected, stop_on_signals())

    try:
        asyncio.run(main())
    finally:
        tracing.shutdown()


@app.command()
def relay() -> None:
    """Publish the outbox to Kafka until SIGTERM."""
    from azora import tracing
    from stack import composition

    configure_logging()
    settings = Settings()

    serve_metrics(settings)
    composition.start_tracing(settings, "relay")

    async def main() -> None:
        await composition.run_relay(settings, stop_on_signals())

    try:
        asyncio.run(main())
    finally:
        tracing.shutdown()


@app.command("migrate")
def migrate_command() -> None:
    """Apply database migrations (Alembic) up to the newest."""
    from azora import migrate

    configure_logging()
    migrate.upgrade(Settings().database_url)
    typer.echo("database schema is up to date")


@app.command("openapi")
def openapi_command(
    output: Annotated[
        Path | None, typer.Option(help="Write it to this file instead of standard output")
    ] = None,
) -> None:
    """Print the ingress's OpenAPI document (built in memory: no server needed)."""
    from stack.openapi import as_text, document

    text = as_text(document())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


@topics_app.command("apply")
def topics_apply(
    replication_factor: Annotated[int, typer.Option(help="Replicas per partition")] = 1,
) -> None:
    """Create or update every catalogue topic (idempotent)."""
    from azora import kafka
    from stack import composition

    settings = Settings()
    changes = asyncio.run(
        kafka.apply_topics(settings, composition.names(settings), replication_factor)
    )
    for change in changes:
        typer.echo(change)
    typer.echo(f"topics are up to date ({len(changes)} change(s))")


@topics_app.command("list")
def topics_list() -> None:
    """Show the catalogue's topics and their partitions on the broker."""
    from azora import kafka
    from stack import composition

    settings = Settings()
    on_broker = asyncio.run(kafka.list_topics(settings))
    for topic in composition.names(settings).all_physical():
        partitions = on_broker.get(topic)
        typer.echo(f"{topic:45} {partitions if partitions is not None else 'MISSING'}")


@app.command("grant-role")
def grant_role(
    user_id: Annotated[str, typer.Argument(help="The user's id")],
    role: Annotated[str, typer.Argument(help="instructor or admin")],
) -> None:
    """Give a user a role: publishes `user.role_granted` (it takes effect at their next login)."""
    from schemas.learning import UserRoleGranted
    from stack import composition

    settings = Settings()
    try:
        granted = UserRoleGranted(
            user_id=uuid.UUID(user_id),
            role=role,
            granted_by=f"cli:{getpass.getuser()}",
            granted_at=datetime.now(UTC),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    asyncio.run(composition.publish(settings, granted, actor=granted.granted_by))
    typer.echo(f"granted {role} to {user_id}")


@app.command()
def run(
    port: Annotated[int | None, typer.Option(help="Ingress port (AZORA_INGRESS_PORT)")] = None,
) -> None:
    """Run everything: the ingress, every consumer and the relay, restarting any that dies."""
    configure_logging()
    log = logging.getLogger("azora.run")
    children = {
        "ingress": ["ingress", *(["--port", str(port)] if port else [])],
        **{role: ["consume", role] for role in ROLES},
        "relay": ["relay"],
        "lag-exporter": ["lag-exporter"],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # The ingress serves /metrics itself; every other child on a port of its own.
    ports = {name: Settings().metrics_port_base + n for n, name in enumerate(children)}
    ports.pop("ingress")
    for name, args in children.items():
        processes[name] = _child(args, ports.get(name))
    log.info("started %s", ", ".join(f"{n} (pid {p.pid})" for n, p in processes.items()))
    log.info("metrics: %s", ", ".join(f"{n} :{p}/metrics" for n, p in ports.items()))
    while not stopping:
        time.sleep(0.5)
        for name, process in processes.items():
            if process.poll() is not None and not stopping:
                log.warning("%s exited with %s; restarting", name, process.returncode)
                time.sleep(1.0)
                processes[name] = _child(children[name], ports.get(name))
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    log.info("stopped")


def _child(args: list[str], metrics_port: int | None = None) -> subprocess.Popen[bytes]:
    # Children go down with `azora run`, even when it is SIGKILLed.
    env = dict(os.environ)
    if metrics_port is not None:
        env["AZORA_METRICS_PORT"] = str(metrics_port)
    return subprocess.Popen(
        [sys.executable, "-m", "stack", *args], preexec_fn=die_with_parent, env=env
    )


def main() -> None:
    """Entry point of the `azora` command."""
    app()
