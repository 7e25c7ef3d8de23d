"""Physical topic names: the catalogue's logical names under this deployment's prefix."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.catalogue import CATALOGUE, TopicSpec


@dataclass(frozen=True)
class TopicNames:
    """Maps catalogue topics to the names used on the broker, and back."""

    prefix: str = ""

    def physical(self, spec: TopicSpec) -> str:
        """The broker-side name of `spec`'s topic."""
        return self.prefix + spec.name

    def dlq(self, spec: TopicSpec) -> str:
        """The broker-side name of `spec`'s dead-letter topic."""
        return self.prefix + spec.dlq

    def group(self, service: str) -> str:
        """The consumer group a service joins: prefixed too, so two deployments (or two
        test worlds) on one broker never share a group."""
        return self.prefix + service

    def all_physical(self) -> list[str]:
        """Every topic and dead-letter topic of the catalogue, as the broker names them."""
        names = []
        for spec in CATALOGUE:
            names += [self.physical(spec), self.dlq(spec)]
        return names
