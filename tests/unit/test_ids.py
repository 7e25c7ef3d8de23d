"""Random ids drawn from a buffer of the kernel's randomness are still random UUIDs."""

from __future__ import annotations

import os
import uuid

from azora.ids import random_uuid


def test_random_ids_are_version_4_uuids_and_never_repeat() -> None:
    ids = [random_uuid() for _ in range(20_000)]  # several refills of the buffer
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_hand_out_its_parents_next_ids() -> None:
    random_uuid()  # the buffer holds unread bytes the child would otherwise repeat
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writer, random_uuid().bytes)
        os._exit(0)
    os.waitpid(child, 0)
    from_child = uuid.UUID(bytes=os.read(reader, 16))
    os.close(reader)
    os.close(writer)
    assert random_uuid() != from_child
