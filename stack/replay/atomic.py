"""Files that appear whole or not at all: written beside the destination, renamed at the end."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


class AtomicOutput:
    """A temporary file next to the destination, and any scratch files the writer needs.

    Next to the destination (not in /tmp) so the final `os.replace` is a rename within one
    file system, which is atomic: readers see the old file or the whole new one.
    """

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        self._stem = f".{destination.name}.{uuid.uuid4().hex[:8]}"
        # A device or a pipe (/dev/null, a FIFO a reader waits on) gets the finished bytes
        # copied in: renaming a file over it would replace the device itself, and Parquet
        # cannot be written to something it cannot seek in.
        self.streaming = destination.exists() and not destination.is_file()
        self._scratch_dir = Path(tempfile.gettempdir()) if self.streaming else destination.parent
        self.path = self._scratch_dir / f"{self._stem}.partial"
        self._scratch: list[Path] = []

    def scratch(self, suffix: str) -> Path:
        """A path for a working file; it is removed at the end, whatever happens."""
        path = self._scratch_dir / f"{self._stem}.{suffix}"
        self._scratch.append(path)
        return path

    def commit(self) -> None:
        """Make the finished temporary file durable and put it in the destination's place."""
        if self.streaming:
            with open(self.path, "rb") as written, open(self.destination, "wb") as stream:
                shutil.copyfileobj(written, stream, 1024 * 1024)
            self.path.unlink()
            return
        with open(self.path, "rb") as written:
            os.fsync(written.fileno())
        os.replace(self.path, self.destination)

    def discard(self) -> None:
        """Remove the temporary file (an unfinished export leaves nothing behind)."""
        self.path.unlink(missing_ok=True)

    def clean_scratch(self) -> None:
        """Remove every scratch file."""
        for path in self._scratch:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(destination: Path) -> Iterator[AtomicOutput]:
    """Yield where to write; the destination appears only if the block finishes.

    BaseException on purpose: Ctrl-C (KeyboardInterrupt) and a cancelled task
    (CancelledError, which SIGTERM becomes in the CLI) must not leave half a file.
    """
    if not destination.parent.is_dir():
        raise FileNotFoundError(f"no such directory: {destination.parent}")
    if destination.is_dir():
        raise IsADirectoryError(f"{destination} is a directory; give a file name")
    output = AtomicOutput(destination)
    try:
        yield output
        output.commit()
    except BaseException:
        output.discard()
        raise
    finally:
        output.clean_scratch()
