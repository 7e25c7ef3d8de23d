"""The `azora` command: run the stack or one role of it, and manage topics and the schema.

Commands import what they use when they run: `azora lag` or `azora replay` should not pay
for loading every service (the OpenAI and Stripe SDKs, Alembic) before doing anything.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from azora import databases
from azora.aio import stop_on_signals
from azora.runtime import run_service
from azora.settings import Settings
from stack.dlq import dlq_app
from stack.lag.cli import lag, lag_exporter
from stack.personal_data import personal_data_app
from stack.process import configure_logging, serve_metrics, serving_probes
from stack.rebuild.cli import projections_app
from stack.replay.cli import replay_app

app = typer.Typer(help="Azora: an event-driven learning platform on Kafka.", no_args_is_help=True)
topics_app = typer.Typer(help="Topics of the catalogue on the broker.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(projections_app, name="projections")
app.add_typer(replay_app, name="replay")
app.add_typer(dlq_app, name="dlq")
app.add_typer(personal_data_app, name="personal-data")
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

    settings = Settings()
    configure_logging(settings, "ingress")
    composition.start_tracing(settings, "ingress")
    try:
        uvicorn.run(
            composition.ingress_app(settings),
            host=host or settings.ingress_host,
            port=port or settings.ingress_port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            # uvicorn's own logging setup and access log are off: its lines go through
            # Azora's (azora/logs.py), and the ingress logs each request itself when
            # AZORA_LOG_ACCESS is set, by route template rather than raw path and client.
            log_config=None,
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

    settings = Settings()
    configure_logging(settings, role)
    if role not in composition.ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    selected = composition.services_for(settings, role)

    serve_metrics(settings)
    composition.start_tracing(settings, role)

    async def main() -> None:
        from azora.health.probes import Probes
        from stack import workers

        probes = Probes(settings.health_deadline_s)
        async with serving_probes(settings, probes):
            await workers.run_services(settings, selected, stop_on_signals(), probes=probes)

    try:
        run_service(main())
    finally:
        tracing.shutdown()


@app.command()
def relay() -> None:
    """Publish the outbox of every database to Kafka until SIGTERM (a relay per database)."""
    from azora import tracing
    from stack import composition

    settings = Settings()
    configure_logging(settings, "relay")

    serve_metrics(settings)
    composition.start_tracing(settings, "relay")

    async def main() -> None:
        from azora.health.probes import Probes
        from stack import workers

        probes = Probes(settings.health_deadline_s)
        async with serving_probes(settings, probes):
            await workers.run_relay(settings, stop_on_signals(), probes=probes)

    try:
        run_service(main())
    finally:
        tracing.shutdown()


@app.command("migrate")
def migrate_command(
    service: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this service's database and schema (repeatable): "
            + ", ".join(databases.SERVICES)
        ),
    ] = None,
) -> None:
    """Create or update the schemas in every service's database (Alembic), up to the newest.

    Each database gets the consume loop's schema and the schemas of the services using it.
    """
    from azora import migrate

    settings = Settings()
    configure_logging(settings, "migrate")
    owners = service or list(databases.SERVICES)
    unknown = [owner for owner in owners if owner not in databases.SERVICES]
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(unknown)}: choose from {', '.join(databases.SERVICES)} "
            "(the ingress keeps no schema: it reads the projections' database)"
        )
    for url, sharing in databases.by_database(settings, owners).items():
        schemas = databases.schemas_of(sharing)
        migrate.upgrade(url, schemas)
        typer.echo(f"{databases.where(url)}: azora, {', '.join(schemas)} up to date")


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
    replication_factor: Annotated[
        int | None,
        typer.Option(help="Replicas per partition [default: 3 on 3+ brokers, else 1]"),
    ] = None,
    min_insync_replicas: Annotated[
        int | None,
        typer.Option(
            help="Replicas that must have a write before it is acknowledged "
            "[default: a majority from 3 replicas up (2 of 3), else 1]"
        ),
    ] = None,
) -> None:
    """Create or update every catalogue topic (idempotent)."""
    from azora import topic_setup
    from azora.replication import ReplicationError
    from stack import composition

    settings = Settings()
    try:
        applied = asyncio.run(
            topic_setup.apply_topics(
                settings, composition.names(settings), replication_factor, min_insync_replicas
            )
        )
    except ReplicationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    except topic_setup.TopicSetupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for change in applied.changes:
        typer.echo(change)
    for warning in applied.warnings:
        typer.echo(f"warning: {warning}", err=True)
    replication = applied.replication
    typer.echo(
        f"topics are up to date ({len(applied.changes)} change(s); {replication.factor} "
        f"replica(s), min.insync.replicas {replication.min_insync})"
    )


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
    instances: Annotated[
        list[str] | None,
        typer.Option(
            envvar="AZORA_RUN_INSTANCES",
            help="Processes of a consumer role or the relay: ROLE=N, or N for every consumer "
            "role (repeatable; AZORA_RUN_INSTANCES='2 relay=2'). A role's instances share its "
            "consumer group and split its partitions.",
        ),
    ] = None,
) -> None:
    """Run everything: the ingress, every consumer and the relay, restarting any that dies."""
    from stack import supervisor

    settings = Settings()
    configure_logging(settings, "run")
    try:
        counts = supervisor.parse_instances(instances or [])
    except supervisor.InstancesError as exc:
        raise typer.BadParameter(str(exc), param_hint="--instances") from exc
    ingress_args = ["--port", str(port)] if port else []
    children = supervisor.plan(
        ingress_args, counts, settings.metrics_port_base, settings.health_port_base
    )
    supervisor.Supervisor(children).run()


def main() -> None:
    """Entry point of the `azora` command."""
    app()
