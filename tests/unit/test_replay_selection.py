"""Which topics an export reads, what the CLI accepts, and what the summary says."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE
from stack.cli import app
from stack.replay.export import Summary
from stack.replay.selection import select_topics

NAMES = TopicNames("acme.")


def test_catalogue_names_get_the_deployment_prefix() -> None:
    chosen = select_topics(NAMES, logical=["payment.succeeded", "user.registered"])
    assert chosen == ["acme.payment.succeeded", "acme.user.registered"]


def test_dead_letters_come_with_their_topics_when_asked() -> None:
    chosen = select_topics(NAMES, logical=["payment.succeeded"], include_dlq=True)
    assert chosen == ["acme.payment.succeeded", "acme.payment.succeeded.dlq"]


def test_all_is_every_catalogue_topic_once() -> None:
    chosen = select_topics(NAMES, every=True, logical=["payment.succeeded"])
    assert len(chosen) == len(CATALOGUE)
    assert len(select_topics(NAMES, every=True, include_dlq=True)) == 2 * len(CATALOGUE)


def test_raw_topics_are_taken_as_the_broker_names_them() -> None:
    assert select_topics(NAMES, raw=["legacy.orders"]) == ["legacy.orders"]


def test_a_name_outside_the_catalogue_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="--raw-topic"):
        select_topics(NAMES, logical=["payment.succeded"])


def test_an_export_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="--topic, --raw-topic or --all"):
        select_topics(NAMES)


def test_the_summary_counts_everything_an_export_did() -> None:
    line = Summary(written=2000, skipped=10, undecodable=3, partitions=6, seconds=0.5).line()
    assert line == (
        "exported 2,000 events (10 skipped by filters, 3 undecodable written as _raw) "
        "from 6 partitions in 0.50 s: 4,000 events/s"
    )


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["-t", "user.registered", "-o", "out.txt"], "--format"),
        (["-t", "user.registered", "-o", "-", "--format", "parquet"], "only jsonl"),
        (["-t", "user.registered", "-o", "-", "--from", "yesterday"], "not a window bound"),
        (["-t", "user.registered", "-o", "-", "--where", "currency"], "payload field"),
    ],
)
def test_the_cli_refuses_what_it_cannot_do_before_connecting(
    arguments: list[str], complaint: str
) -> None:
    result = CliRunner().invoke(app, ["replay", "export", *arguments])
    assert result.exit_code == 2
    assert complaint in " ".join(result.output.replace("│", " ").split())
