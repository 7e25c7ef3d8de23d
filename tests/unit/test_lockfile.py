"""The lock (requirements/*.txt, written by `make lock`) and pyproject.toml agree.

pyproject.toml says what Azora accepts; the lock says what was tested and what `make venv`,
CI and the Dockerfile install. A dependency added, removed or re-ranged in pyproject.toml
without `make lock` fails here, offline, before any install would.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
REQUIREMENTS = REPO / "requirements"
MAKEFILE = REPO / "Makefile"
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")
# Which extras each lock file holds; every one also holds the `build` group.
LOCKS = {"runtime.txt": (), "tools.txt": ("parquet",), "dev.txt": ("dev",)}
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^ ;\\]+)(?: ; (?P<marker>.+?))? \\$"
)
FROM_PYPROJECT = re.compile(r"^azora \(pyproject\.toml(:[a-z]+)?\)$")


@dataclass
class Pin:
    """One `name==version` of a lock file, with what it was resolved for."""

    version: Version
    marker: str | None
    hashes: int = 0
    via: set[str] = field(default_factory=set)


@cache
def pyproject() -> dict[str, object]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def direct_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """What pyproject.toml asks for with these extras and the build group (recursively)."""
    project = pyproject()["project"]
    assert isinstance(project, dict)
    groups = pyproject()["dependency-groups"]
    assert isinstance(groups, dict)
    wanted = [Requirement(text) for text in project["dependencies"] + groups["build"]]
    pending = list(extras)
    while pending:
        for requirement in map(Requirement, project["optional-dependencies"][pending.pop()]):
            if canonicalize_name(requirement.name) == "azora":
                pending.extend(requirement.extras)
            else:
                wanted.append(requirement)
    return wanted


@cache
def lock(name: str) -> dict[str, list[Pin]]:
    """A lock file's pins by canonical name (a package may be pinned once per marker)."""
    pins: dict[str, list[Pin]] = {}
    current: Pin | None = None
    in_via = False
    for line in (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = Pin(Version(match["version"]), match["marker"])
            pins.setdefault(canonicalize_name(match["name"]), []).append(current)
            in_via = False
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            current.hashes += 1
        elif current is not None and line.startswith("    # via"):
            rest = line.removeprefix("    # via").strip()
            in_via = not rest
            if rest:
                current.via.add(rest)
        elif current is not None and in_via and line.startswith("    #   "):
            current.via.add(line.removeprefix("    #   ").strip())
        elif line and not line.startswith("#"):
            pytest.fail(f"{name}: a line this test cannot read: {line!r}")
    return pins


@pytest.mark.parametrize(("name", "extras"), LOCKS.items())
def test_every_requirement_of_pyproject_is_locked_within_its_range(
    name: str, extras: tuple[str, ...]
) -> None:
    pins = lock(name)

    for requirement in direct_requirements(extras):
        locked = pins.get(canonicalize_name(requirement.name))
        assert locked, f"{requirement} is not in requirements/{name}: run `make lock`"
        for pin in locked:
            assert requirement.specifier.contains(pin.version, prereleases=True), (
                f"requirements/{name} pins {requirement.name}=={pin.version}, outside "
                f"{requirement}: run `make lock`"
            )


@pytest.mark.parametrize(("name", "extras"), LOCKS.items())
def test_the_lock_holds_nothing_pyproject_no_longer_asks_for(
    name: str, extras: tuple[str, ...]
) -> None:
    asked = {canonicalize_name(r.name) for r in direct_requirements(extras)}

    attributed = {
        package
        for package, pins in lock(name).items()
        if any(FROM_PYPROJECT.match(via) for pin in pins for via in pin.via)
    }

    assert attributed == asked, f"requirements/{name} is stale: run `make lock`"


@pytest.mark.parametrize("name", ["runtime.txt", "tools.txt"])
def test_the_images_locks_pin_the_versions_make_and_ci_install(name: str) -> None:
    dev = lock("dev.txt")

    for package, pins in lock(name).items():
        assert package in dev, package
        assert {p.version for p in pins} <= {p.version for p in dev[package]}, package


def test_the_tools_lock_is_the_runtime_lock_plus_the_parquet_extra() -> None:
    added = set(lock("tools.txt")) - set(lock("runtime.txt"))

    assert "pyarrow" in added
    assert set(lock("runtime.txt")) <= set(lock("tools.txt"))
    assert "pyarrow" not in lock("runtime.txt")
    assert "pyarrow" not in {canonicalize_name(r.name) for r in direct_requirements(())}


@pytest.mark.parametrize("name", LOCKS)
def test_every_pin_carries_hashes_and_the_lock_serves_every_supported_python(name: str) -> None:
    header = (REQUIREMENTS / name).read_text(encoding="utf-8").splitlines()[1]

    assert all(pin.hashes for pins in lock(name).values() for pin in pins)
    # Resolved once for all of requires-python, not for the interpreter that ran uv.
    assert "--universal" in header
    assert "--generate-hashes" in header


def test_pyproject_declares_the_pythons_azora_is_tested_on() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)

    assert project["requires-python"] == ">=3.11,<3.14"
    for version in SUPPORTED_PYTHONS:
        assert f"Programming Language :: Python :: {version}" in project["classifiers"]


def test_every_range_stops_below_the_next_major_of_the_locked_version() -> None:
    dev = lock("dev.txt")

    for requirement in direct_requirements(("dev",)):
        (version,) = {pin.version for pin in dev[canonicalize_name(requirement.name)]}
        # 0.x packages break in minor releases: their "major" is the minor.
        breaking = (
            Version(f"{version.major + 1}") if version.major else Version(f"0.{version.minor + 1}")
        )
        caps = [Version(s.version) for s in requirement.specifier if s.operator == "<"]
        assert caps, f"{requirement} has no upper bound"
        assert min(caps) <= breaking, f"{requirement} admits {breaking}, which may break it"


def test_fastapi_and_starlette_are_held_to_the_tested_minor() -> None:
    for requirement in direct_requirements(()):
        if requirement.name in ("fastapi", "starlette"):
            (pin,) = lock("runtime.txt")[requirement.name]
            nxt = Version(f"{pin.version.major}.{pin.version.minor + 1}")
            assert not requirement.specifier.contains(nxt), requirement


def test_make_venv_installs_the_dev_lock_with_hashes_and_azora_without_resolving() -> None:
    makefile = MAKEFILE.read_text(encoding="utf-8")

    assert "LOCK      := requirements/dev.txt" in makefile
    assert "$(PY) -m pip install -q --require-hashes -r $(LOCK)" in makefile
    assert "$(PY) -m pip install -q --no-deps --no-build-isolation -e ." in makefile
