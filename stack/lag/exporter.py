"""`azora lag-exporter`: samples every consumer group on an interval and judges it."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence

from azora import kafka
from azora.aio import keep_trying, sleep_or_stop
from azora.health.probes import NotYet, Probes
from azora.settings import Settings
from stack.lag.collector import LAST_POLL, POLL_ERRORS, POLL_SECONDS
from stack.lag.report import GroupReport, LagJudge
from stack.lag.sampling import LagSampler

log = logging.getLogger(__name__)


def group_pattern(settings: Settings) -> re.Pattern[str]:
    """Which groups to watch: AZORA_LAG_GROUPS, or every group of this deployment's prefix."""
    return re.compile(settings.lag_groups or f"^{re.escape(settings.topic_prefix)}")


def make_sampler(settings: Settings) -> LagSampler:
    """A sampler for this deployment's groups."""
    return LagSampler(
        settings.kafka_bootstrap_servers,
        group_pattern(settings),
        security=kafka.security_kwargs(settings),
    )


async def watch_lag(
    settings: Settings,
    stop: asyncio.Event,
    on_report: Callable[[Sequence[GroupReport]], None],
    *,
    probes: Probes | None = None,
) -> None:
    """Sample every `lag_poll_interval_s` until `stop`, handing each judged report on.

    `probes` hears a heartbeat per sample (/healthz) and whether the last one reached
    Kafka (/readyz).
    """
    probes = probes or Probes(settings.health_deadline_s)
    heartbeat = probes.heartbeat("lag sampling")
    last = _LastSample()
    probes.check("kafka", last.check)
    sampler = make_sampler(settings)

    async def not_yet() -> None:
        heartbeat.beat()
        await sampler.close()

    if await keep_trying(sampler.start, stop, "Kafka", on_failure=not_yet) is None:
        return
    judge = LagJudge(settings.lag_window, settings.topic_prefix)
    try:
        while not stop.is_set():
            heartbeat.beat()
            started = time.perf_counter()
            try:
                on_report(judge.observe(await sampler.sample()))
            except Exception as exc:
                # The broker may be restarting: say so in the metrics, try again next tick.
                POLL_ERRORS.inc()
                last.failed = exc
                log.warning("lag sample failed: %r", exc)
            else:
                LAST_POLL.set_to_current_time()
                last.failed = None
            POLL_SECONDS.observe(time.perf_counter() - started)
            await sleep_or_stop(settings.lag_poll_interval_s, stop)
    finally:
        await sampler.close()


class _LastSample:
    """Whether the last sample reached Kafka: the exporter's readiness."""

    def __init__(self) -> None:
        self.failed: BaseException | None = NotYet("no sample yet")

    async def check(self) -> str:
        if self.failed is not None:
            raise self.failed
        return "ok"
