"""Keyed records land where Kafka's own clients would put them."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import DefaultPartitioner

from azora.partitioner import murmur2, partition_for

# The cases of Kafka's own UtilsTest.testMurmur2 (the Java client's hash, as signed ints).
JAVA_CLIENT_CASES = [
    (b"21", -973932308),
    (b"foobar", -790332482),
    (b"a-little-bit-long-string", -985981536),
    (b"a-little-bit-longer-string", -1486304829),
    (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    (b"abc", 479470107),
]


@pytest.mark.parametrize(("key", "signed"), JAVA_CLIENT_CASES)
def test_the_hash_is_the_java_clients(key: bytes, signed: int) -> None:
    assert murmur2(key) == signed % 2**32


def test_every_key_goes_to_the_partition_aiokafkas_default_partitioner_picks() -> None:
    chooser = random.Random(9)
    partitions = list(range(12))
    for _ in range(5000):
        key = chooser.randbytes(chooser.randrange(0, 80))
        count = chooser.choice([1, 3, 6, 12])
        expected = DefaultPartitioner()(key, partitions[:count], partitions[:count])
        assert partition_for(key, partitions[:count], partitions[:count]) == expected


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert {partition_for(None, [0, 1, 2], [2]) for _ in range(50)} == {2}
    assert partition_for(None, [0, 1, 2], []) in {0, 1, 2}
