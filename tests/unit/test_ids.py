"""Ids made the cheap way are the ids Python's uuid module makes."""

from __future__ import annotations

import copy
import os
import pickle
import random
import uuid

from azora.ids import name_uuid, random_uuid


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


def test_a_name_based_id_is_exactly_uuid5_of_the_same_namespace_and_name() -> None:
    chooser = random.Random(5)
    for _ in range(5000):
        namespace = uuid.UUID(int=chooser.getrandbits(128))
        length = chooser.randrange(0, 40)
        name = "".join(chr(chooser.randrange(32, 0x3000)) for _ in range(length))
        made, expected = name_uuid(namespace, name), uuid.uuid5(namespace, name)
        assert made == expected
        assert (str(made), hash(made), made.version) == (str(expected), hash(expected), 5)


def test_cheaply_made_ids_behave_like_any_uuid() -> None:
    for made in (random_uuid(), name_uuid(uuid.NAMESPACE_URL, "azora")):
        assert made.is_safe is uuid.SafeUUID.unknown
        assert pickle.loads(pickle.dumps(made)) == made
        assert copy.deepcopy(made) == made
        assert uuid.UUID(str(made)) == made
