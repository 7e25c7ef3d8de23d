"""`azora lag-exporter`: samples every consumer group on an interval and judges it."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence

from azora import kafka
from azora.aio import keep_trying, sleep_or_stop
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
) -> None:
    """Sample every `lag_poll_interval_s` until `stop`, handing each judged report on."""
    sampler = make_sampler(settings)
    if await keep_trying(sampler.start, stop, "Kafka", on_failure=sampler.close) is None:
        return
    judge = LagJudge(settings.lag_window, settings.topic_prefix)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                on_report(judge.observe(await sampler.sample()))
            except Exception as exc:
                # The broker may be restarting: say so in the metrics, try again next tick.
                POLL_ERRORS.inc()
                log.warning("lag sample failed: %r", exc)
            else:
                LAST_POLL.set_to_current_time()
            POLL_SECONDS.observe(time.perf_counter() - started)
            await sleep_or_stop(settings.lag_poll_interval_s, stop)
    finally:
        await sampler.close()
