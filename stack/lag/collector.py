"""The lag exporter's Prometheus series, written from the latest report at scrape time.

A custom collector rather than labelled gauges: a group or partition that disappears
disappears from /metrics too, instead of repeating its last value for ever.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stack.lag import names
from stack.lag.report import GroupReport
from stack.lag.status import Status

POLL_SECONDS = Histogram(names.POLL_SECONDS, "Time to sample every consumer group once.")
POLL_ERRORS = Counter(names.POLL_ERRORS, "Samples that failed (the broker did not answer).")
LAST_POLL = Gauge(names.LAST_POLL, "When the last successful sample was taken (Unix time).")


class LagCollector(Collector):
    """Serves the latest reports as gauges."""

    def __init__(self) -> None:
        self._reports: Sequence[GroupReport] = ()

    def update(self, reports: Sequence[GroupReport]) -> None:
        self._reports = tuple(reports)

    def collect(self) -> Iterator[Metric]:
        reports = self._reports
        part = list(names.PARTITION_LABELS)
        grp = list(names.GROUP_LABELS)
        committed = GaugeMetricFamily(
            names.COMMITTED_OFFSET, "The group's committed offset.", labels=part
        )
        end = GaugeMetricFamily(names.END_OFFSET, "The partition's log-end offset.", labels=part)
        lag = GaugeMetricFamily(
            names.LAG_MESSAGES, "Messages between committed and log-end offset.", labels=part
        )
        seconds = GaugeMetricFamily(
            names.LAG_SECONDS,
            "Age of the oldest message the group has not consumed (0 without lag).",
            labels=part,
        )
        p_status = GaugeMetricFamily(
            names.PARTITION_STATUS,
            "Burrow-style partition status: 1 for the current one (OK WARN STALL STOP ERR).",
            labels=[*part, "status"],
        )
        total = GaugeMetricFamily(
            names.GROUP_TOTAL_LAG, "Messages the group has yet to consume.", labels=grp
        )
        max_seconds = GaugeMetricFamily(
            names.GROUP_MAX_LAG_SECONDS, "The group's largest time lag.", labels=grp
        )
        members = GaugeMetricFamily(names.GROUP_MEMBERS, "Active members of the group.", labels=grp)
        g_status = GaugeMetricFamily(
            names.GROUP_STATUS,
            "The group's status (its worst partition's): 1 for the current one.",
            labels=[*grp, "status"],
        )
        code = GaugeMetricFamily(
            names.GROUP_STATUS_CODE,
            "The group's status as a number: 0 OK, 1 WARN, 2 STALL, 3 STOP, 4 ERR.",
            labels=grp,
        )
        for report in reports:
            replay = "true" if report.replay else "false"
            group_labels = [report.group, replay]
            for p in report.partitions:
                labels = [report.group, p.lag.topic, str(p.lag.partition), replay]
                committed.add_metric(labels, p.lag.committed)
                end.add_metric(labels, p.lag.end)
                lag.add_metric(labels, p.lag.lag)
                if p.lag.lag_seconds is not None:
                    seconds.add_metric(labels, p.lag.lag_seconds)
                for status in Status:
                    p_status.add_metric([*labels, status.name], float(status is p.status))
            total.add_metric(group_labels, report.total_lag)
            max_seconds.add_metric(group_labels, report.max_lag_seconds)
            members.add_metric(group_labels, report.members)
            for status in Status:
                g_status.add_metric([*group_labels, status.name], float(status is report.status))
            code.add_metric(group_labels, int(report.status))
        yield from (committed, end, lag, seconds, p_status, total, max_seconds, members)
        yield from (g_status, code)
