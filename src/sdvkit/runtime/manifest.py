"""What an app reads and writes: its manifest, which the broker enforces.

A manifest lists the signals an app reads and the signals it writes. Paths are
leaf paths or branch paths (a branch covers every signal below it). A read is
either a plain path (event-driven: no rate is expected) or an :class:`Input`
that declares the rate its provider publishes at, so the app can tell when the
input went stale, as cereal's services declare theirs::

    manifest = Manifest(
        reads=(Input(path="Vehicle.Speed", rate_hz=100.0), "Vehicle.Cabin.Door"),
        writes=("Vehicle.ADAS.EBA.BrakeDemand",),
    )

Every app has a role. A ``FUNCTION`` (the default: every vehicle function) sees the
world only as a real car would, through its sensors' outputs; a manifest of a
function that reads or writes ground truth (:data:`GROUND_TRUTH_PATHS`: the true
positions of other road users, the true road friction) is refused. The plant
(``PLANT``) and test equipment (``TEST_BENCH``: driving robots, scenario runners,
a display's ground-truth overlay) may use them.

The runner turns the manifest into the app's broker permissions
(:meth:`Manifest.permissions`): reads become ``read:<path>`` scopes, writes
become ``provide:<path>`` and ``actuate:<path>`` scopes (both imply read). An
operation outside them is refused by the broker with ``AccessDeniedError``.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from enum import StrEnum

from sdvkit.runtime.clock import NS_PER_S
from sdvkit.runtime.errors import ManifestError
from sdvkit.signals.access import Action, Permissions, Scope, ScopeError, parse_scope
from sdvkit.signals.catalogue import Catalogue

GROUND_TRUTH_PATHS = (
    "Vehicle.Sdvkit.GroundTruth",
    "Vehicle.Sdvkit.Simulation.RoadFriction",
)
"""What only the simulation knows: a vehicle function may neither read nor write these."""


class AppRole(StrEnum):
    """What an app is, which decides whether it may touch ground truth."""

    FUNCTION = "function"
    """A vehicle function: sees the world only through sensors (Vehicle.ADAS.Perception)."""
    PLANT = "plant"
    """Part of the simulated vehicle, its world or its sensors."""
    TEST_BENCH = "test-bench"
    """Test equipment: a driving robot, a scenario runner, a display of the simulation's truth."""


def _segments_match(pattern: str, segment: str) -> bool:
    return pattern == segment or ("*" in pattern and fnmatch.fnmatchcase(segment, pattern))


def touches(path: str, protected: str) -> bool:
    """True when ``path`` (a leaf, a branch or a pattern) covers ``protected`` or lies inside it."""
    mine, theirs = path.split("."), protected.split(".")
    return all(_segments_match(a, b) for a, b in zip(mine, theirs, strict=False))


DEFAULT_MAX_AGE_PERIODS = 2.5
"""An input with no explicit max age is stale once it is this many periods old."""


def _check_path(path: object, role: str) -> str:
    if not isinstance(path, str):
        raise ManifestError(f"a {role} path must be a string, got {path!r}")
    try:
        parse_scope(f"read:{path}")
    except ScopeError as error:
        raise ManifestError(f"invalid {role} path {path!r}: use a dotted VSS path") from error
    return path


@dataclass(frozen=True, kw_only=True, slots=True)
class Input:
    """A read that arrives at a known rate, so its freshness can be checked.

    ``max_age_s`` defaults to :data:`DEFAULT_MAX_AGE_PERIODS` periods: one
    missed update is tolerated, two are not.
    """

    path: str
    rate_hz: float
    max_age_s: float | None = None

    def __post_init__(self) -> None:
        _check_path(self.path, "input")
        if isinstance(self.rate_hz, bool) or not (math.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise ManifestError(f"input {self.path}: rate_hz must be a positive number, not {self.rate_hz!r}")
        if self.max_age_s is not None and not (math.isfinite(self.max_age_s) and self.max_age_s > 0):
            raise ManifestError(
                f"input {self.path}: max_age_s must be a positive number of seconds, not {self.max_age_s!r}"
            )

    @property
    def period_s(self) -> float:
        """The time between two updates of this input."""
        return 1.0 / self.rate_hz

    @property
    def stale_after_s(self) -> float:
        """An update older than this is stale."""
        if self.max_age_s is not None:
            return self.max_age_s
        return DEFAULT_MAX_AGE_PERIODS * self.period_s

    @property
    def stale_after_ns(self) -> int:
        return round(self.stale_after_s * NS_PER_S)


@dataclass(frozen=True, kw_only=True, slots=True)
class Manifest:
    """The signals an app reads and writes. A plain string read is event-driven (no rate)."""

    reads: tuple[Input | str, ...] = ()
    writes: tuple[str, ...] = ()
    role: AppRole = AppRole.FUNCTION

    def __post_init__(self) -> None:
        # Accept any iterable at run time (a list from a config file), store tuples.
        object.__setattr__(self, "reads", tuple(self.reads))
        object.__setattr__(self, "writes", tuple(self.writes))
        seen_reads: set[str] = set()
        for read in self.reads:
            path = read.path if isinstance(read, Input) else _check_path(read, "read")
            if path in seen_reads:
                raise ManifestError(f"{path} is declared twice in reads")
            seen_reads.add(path)
        seen_writes: set[str] = set()
        for path in self.writes:
            _check_path(path, "write")
            if path in seen_writes:
                raise ManifestError(f"{path} is declared twice in writes")
            seen_writes.add(path)
        if self.role is AppRole.FUNCTION:
            self._refuse_ground_truth()

    def _refuse_ground_truth(self) -> None:
        for verb, paths in (("reads", self.read_paths), ("writes", self.writes)):
            for path in paths:
                for protected in GROUND_TRUTH_PATHS:
                    if touches(path, protected):
                        raise ManifestError(
                            f"a vehicle function {verb} {path}, which is or holds ground truth "
                            f"({protected}): functions see the world only through their sensors "
                            "(Vehicle.ADAS.Perception); only the plant and test equipment may use it"
                        )

    @property
    def read_paths(self) -> tuple[str, ...]:
        """Every declared read, rated or not, in declaration order."""
        return tuple(read.path if isinstance(read, Input) else read for read in self.reads)

    @property
    def rated_inputs(self) -> tuple[Input, ...]:
        """The reads that declare a rate, in declaration order."""
        return tuple(read for read in self.reads if isinstance(read, Input))

    def permissions(self) -> Permissions:
        """The broker permissions this manifest grants: nothing more."""
        scopes = [Scope(action=Action.READ, path=path) for path in self.read_paths]
        for path in self.writes:
            scopes.append(Scope(action=Action.PROVIDE, path=path))
            scopes.append(Scope(action=Action.ACTUATE, path=path))
        return Permissions(scopes, description=" ".join(str(scope) for scope in scopes) or "(nothing)")

    def check_against(self, catalogue: Catalogue) -> None:
        """Raise ManifestError if a path is not in ``catalogue`` or a rated input is not a leaf."""
        problems: list[str] = []
        for path in (*self.read_paths, *self.writes):
            if "*" not in path and path not in catalogue:
                problems.append(f"{path} is not in the catalogue")
        for item in self.rated_inputs:
            spec = catalogue.get(item.path)
            if spec is not None and not spec.is_leaf:
                problems.append(
                    f"input {item.path} declares a rate but is a branch: a rate belongs to one signal, "
                    "so declare each leaf, or read the branch as a plain (event-driven) path"
                )
            elif "*" in item.path:
                problems.append(f"input {item.path} declares a rate but is a pattern: declare each leaf")
        if problems:
            raise ManifestError("; ".join(dict.fromkeys(problems)))
