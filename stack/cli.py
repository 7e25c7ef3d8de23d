"""The `azora` command: run the stack or one role of it, and manage topics and the schema.

Commands import what they use when they run: `azora lag` or `azora replay` should not pay
for loading every service (the OpenAI and Stripe SDKs, Alembic) before doing anything.
"""

from __future__ import annotations

import asyncio
import getpass
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer

from azora.aio import stop_on_signals
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

    configure_logging()
    try:
        counts = supervisor.parse_instances(instances or [])
    except supervisor.InstancesError as exc:
        raise typer.BadParameter(str(exc), param_hint="--instances") from exc
    ingress_args = ["--port", str(port)] if port else []
    children = supervisor.plan(ingress_args, counts, Settings().metrics_port_base)
    supervisor.Supervisor(children).run()


def main() -> None:
    """Entry point of the `azora` command."""
    app()
