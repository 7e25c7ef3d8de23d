"""The progress bar on stderr: offsets read of the window's total, events per second, ETA."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Events per second over rich's recent samples."""

    def render(self, task: Task) -> Text:
        """The current rate, or a dash before there is one."""
        speed = task.finished_speed or task.speed
        shown = "- ev/s" if speed is None else f"{speed:,.0f} ev/s"
        return Text(shown, style="progress.data.speed")


class ExportProgress:
    """A bar over the window's offsets; a no-op when `enabled` is false (--quiet)."""

    def __init__(self, total: int, *, enabled: bool, console: Console | None = None) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
                # stdout may be the export itself (-o -): rich must not capture it.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self._progress.add_task("export", total=total)

    def update(self, completed: int) -> None:
        """Move the bar to `completed` offsets."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=completed)

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
