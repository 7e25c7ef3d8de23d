"""`azora lag`: the lag exporter's view as a terminal table, coloured by status."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from stack.lag.report import GroupReport
from stack.lag.status import Status

COLOURS = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.STALL: "magenta",
    Status.STOP: "red",
    Status.ERR: "bold red",
}


def seconds(value: float | None) -> str:
    """A time lag as people read it: 0s, 4.2s, 3m05s, 2h07m."""
    if value is None:
        return "?"
    if value < 60:
        return f"{value:.1f}s" if value else "0s"
    minutes, secs = divmod(int(value), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def lag_table(reports: Sequence[GroupReport], *, partitions: bool = False) -> Table:
    """One row per group (and per partition with `partitions`)."""
    table = Table(title="Consumer lag", title_justify="left")
    for column in ("group", "status", "members", "topic", "partition"):
        table.add_column(column)
    for column in ("committed", "end", "lag", "time lag"):
        table.add_column(column, justify="right")
    for report in reports:
        name = report.group + (" (replay)" if report.replay else "")
        table.add_row(
            name,
            _status(report.status),
            str(report.members),
            f"{len({p.lag.topic for p in report.partitions})} topic(s)",
            f"{len(report.partitions)}",
            "",
            "",
            f"{report.total_lag:,}",
            seconds(report.max_lag_seconds),
            style="bold" if partitions else None,
        )
        if not partitions:
            continue
        for p in report.partitions:
            table.add_row(
                "",
                _status(p.status),
                "",
                p.lag.topic,
                str(p.lag.partition),
                f"{p.lag.committed:,}",
                f"{p.lag.end:,}",
                f"{p.lag.lag:,}",
                seconds(p.lag.lag_seconds),
            )
    return table


def _status(status: Status) -> Text:
    return Text(status.name, style=COLOURS[status])
