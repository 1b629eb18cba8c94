"""Do the Euro NCAP 2023 OpenSCENARIO files and the built-in 2026 grid agree where they overlap?

The 2023 files (Vector's, read by :mod:`sdvkit.ncap.openscenario`) and the 2026 grids
(:mod:`sdvkit.ncap.grids`, built by :mod:`sdvkit.ncap.builders`) describe many of the same test
points with different geometry: another VUT box, other start distances, other targets' boxes.
Run through the same vehicle, a shared point should come out the same: both avoid, or the impact
speeds lie within a tolerance. :func:`pair_with_grid` finds the shared points,
:func:`compare_with_grid` runs both sides in one :func:`~sdvkit.ncap.parallel.run_many` batch and
:func:`format_agreement_table` renders the rows as markdown.

**Matching.** A file run and a grid point are the same point when they have the same family
(grid name), criterion, lighting, VUT speed and target speed, and impact locations within
:attr:`Tolerances.impact_location_pct` once the file's convention is mapped to 2026's:

- rear-end (CCRs, CCRm, CCRb): the 2023 ``Overlap`` is the share of the VUT's width that
  overlaps the target, its sign the side (positive: the target sits to the left). The files
  place the target's centre ``sign(O)·(W_gvt/2 + W_vut/2 − |O|/100·W_vut)`` left of the VUT's
  centre line (0 at 100 %), and 2026's IL puts it ``IL/100·W_vut − W_vut/2`` left of it, so
  ``IL = 50 + 100·offset/W_vut`` (:func:`impact_location_from_overlap`, with the file's own
  ``Ego_width`` 1.815 m and ``GVT_width`` 1.712 m): 100 → 50, 75 → 72.2, 50 → 97.2, −75 → 27.8,
  −50 → 2.8, that is IL 50, 75, 100, 25 and 0;
- pedestrians and cyclists: the 2023 ``Overlap`` is already an impact location in 2026's sense
  (``W·O/100 − W/2`` from the side the VRU comes from; longitudinal VRUs ``W·(O − 50)/100`` left
  of the centre line), so IL = Overlap; files without one (CBNA, CBNAO, CBFA) name it in their
  ``Scenario_ID`` (``CBNA-50``);
- head-on (CCFhos): both cars drive their lane's centre: IL 50;
- CCFtap: no impact location (the grid's column is the target's speed).

A file run with no such grid point is :class:`Unpaired`, with the reason (no built-in grid for
its family, a speed or impact location the grid does not test, the grid tests the cell for
another criterion, CCRb's headway and deceleration differ).

**Agreement**, by the points' criterion: mitigation and avoidance compare the relative impact
speed (0 without impact; avoidance also needs the same outcome, impact or not), speed reduction
the VUT's speed reduction, FCW the true TTC at the warning (both silent also agrees). A run that
raised, or that ended at a collision with something other than its target (the runner scores
that as no impact), never agrees.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sdvkit.ncap.errors import ScenarioError
from sdvkit.ncap.grids import CCRB_PARAMETERS, GRID_NAMES, grid_points
from sdvkit.ncap.openscenario.expressions import Value
from sdvkit.ncap.openscenario.loader import ScenarioRun
from sdvkit.ncap.openscenario.parameters import Scope, declare_parameters
from sdvkit.ncap.openscenario.xmltree import parse_document
from sdvkit.ncap.parallel import Job, ProgressCallback, run_many
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scenario import Criterion, GridRange, TestPoint

__all__ = [
    "AgreementRow",
    "GridPair",
    "Tolerances",
    "Unpaired",
    "compare_results",
    "compare_with_grid",
    "file_impact_location_pct",
    "format_agreement_summary",
    "format_agreement_table",
    "format_unpaired",
    "impact_location_from_overlap",
    "pair_with_grid",
]

REAR_END_FAMILIES = ("CCRs", "CCRm", "CCRb")
HEAD_ON_FAMILIES = ("CCFhos",)
CENTRED_IMPACT_LOCATION_PCT = 50.0
FILE_VUT_WIDTH_M = 1.815
"""The 2023 files' ``Ego_width``, used where a file does not declare one."""
FILE_TARGET_WIDTH_M = 1.712
"""The 2023 files' ``GVT_width`` (the Global Vehicle Target), used where a file does not declare one."""
ENDED_BY_OTHER_COLLISION = "ended: collision"
"""The runner's note on a run that ended at a collision with something other than its target."""
_SCENARIO_ID_LOCATION = re.compile(r"-(\d+(?:\.\d+)?)$")
_SPEED_TOLERANCE_KPH = 1e-6


@dataclass(frozen=True, kw_only=True, slots=True)
class Tolerances:
    """How close a file run and a grid point must be to count as one point, and to agree."""

    impact_location_pct: float = 5.0
    """Mapped 2023 impact location against the grid's (percentage points of the VUT's width)."""
    impact_speed_kph: float = 5.0
    speed_reduction_kph: float = 5.0
    fcw_ttc_s: float = 0.3
    ccrb_headway_m: float = 1.0
    """CCRb: the file's target headway against the grid's (its headway time × the VUT speed)."""
    ccrb_deceleration_mps2: float = 0.1

    def __post_init__(self) -> None:
        for name in (
            "impact_location_pct",
            "impact_speed_kph",
            "speed_reduction_kph",
            "fcw_ttc_s",
            "ccrb_headway_m",
            "ccrb_deceleration_mps2",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not (math.isfinite(value) and value >= 0.0):
                raise ScenarioError(f"Tolerances: {name} must be a finite number >= 0, not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class GridPair:
    """A file run and the grid point it shares."""

    run: ScenarioRun
    point: TestPoint
    file_impact_location_pct: float | None
    """The file run's impact location in 2026's convention (None where the grid has none)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Unpaired:
    """A file run the grid does not test, and why."""

    run: ScenarioRun
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AgreementRow:
    """One shared point: both results, what was compared, and whether they agree."""

    pair: GridPair
    file_result: PointResult
    grid_result: PointResult
    measure: str
    """What was compared: "impact speed km/h", "speed reduction km/h" or "FCW TTC s"."""
    file_value: float | None
    grid_value: float | None
    tolerance: float
    agrees: bool
    note: str = ""
    """Why they disagree beyond the figures (an error, a different outcome), else ""."""

    @property
    def family(self) -> str:
        return self.pair.point.grid

    @property
    def difference(self) -> float | None:
        """File less grid (None where either has no value)."""
        if self.file_value is None or self.grid_value is None:
            return None
        return self.file_value - self.grid_value

    @property
    def same_colour(self) -> bool:
        return self.file_result.colour == self.grid_result.colour


def impact_location_from_overlap(overlap_pct: float, *, vut_width_m: float, target_width_m: float) -> float:
    """A 2023 rear-end ``Overlap`` (percent of the VUT's width overlapping the target; negative:
    on the VUT's right) as a 2026 impact location (percent of the VUT's width from its right
    edge to the target's centre)."""
    if isinstance(overlap_pct, bool) or not (math.isfinite(overlap_pct) and 0.0 < abs(overlap_pct) <= 100.0):
        raise ScenarioError(f"overlap must be within [-100, 0) or (0, 100] percent, not {overlap_pct!r}")
    for name, width in (("vut_width_m", vut_width_m), ("target_width_m", target_width_m)):
        if not (math.isfinite(width) and width > 0.0):
            raise ScenarioError(f"{name} must be > 0, not {width!r}")
    if abs(overlap_pct) == 100.0:
        offset_m = 0.0  # full overlap: the files centre the target
    else:
        offset_m = math.copysign(
            target_width_m / 2.0 + vut_width_m / 2.0 - abs(overlap_pct) / 100.0 * vut_width_m, overlap_pct
        )
    return 50.0 + 100.0 * offset_m / vut_width_m


def _file_parameters(run: ScenarioRun) -> dict[str, Value]:
    """Every parameter of the run's scenario, with the run's values applied."""
    root = parse_document(run.scenario)
    scope = declare_parameters(
        root.child("ParameterDeclarations"), Scope(), dict(run.parameters), where=str(run.source)
    )
    return scope.values


def _number(value: Value | None) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def file_impact_location_pct(run: ScenarioRun) -> float | None:
    """The impact location of a 2023 file run in 2026's convention (see the module docstring);
    None where the file names none (CCFtap, CPTA, CCFhol, CMFtap)."""
    family = run.point.grid
    if family in HEAD_ON_FAMILIES:
        return CENTRED_IMPACT_LOCATION_PCT
    values = _file_parameters(run)
    overlap = _number(values.get("Overlap"))
    if family in REAR_END_FAMILIES:
        if overlap is None:
            return None
        return impact_location_from_overlap(
            overlap,
            vut_width_m=_number(values.get("Ego_width")) or FILE_VUT_WIDTH_M,
            target_width_m=_number(values.get("GVT_width")) or FILE_TARGET_WIDTH_M,
        )
    if overlap is not None:
        return overlap
    found = _SCENARIO_ID_LOCATION.search(str(values.get("Scenario_ID", "")))
    return float(found.group(1)) if found else None


def _same_speed(first: float, second: float) -> bool:
    return math.isclose(first, second, abs_tol=_SPEED_TOLERANCE_KPH)


def _ccrb_difference(run: ScenarioRun, point: TestPoint, tolerances: Tolerances) -> str:
    """Why a file's CCRb run is not the grid's CCRb point ("" where it is)."""
    values = _file_parameters(run)
    headway_m = _number(values.get("GVT_headway"))
    deceleration = _number(values.get("GVT_deceleration"))
    grid = dict(point.parameters)
    grid_headway_m = (
        float(grid.get("headway_s", dict(CCRB_PARAMETERS)["headway_s"])) * point.vut_speed_kph / 3.6
    )
    grid_deceleration = float(grid.get("target_decel_mps2", dict(CCRB_PARAMETERS)["target_decel_mps2"]))
    if (
        headway_m is not None
        and deceleration is not None
        and abs(headway_m - grid_headway_m) <= tolerances.ccrb_headway_m
        and abs(deceleration - grid_deceleration) <= tolerances.ccrb_deceleration_mps2
    ):
        return ""
    return (
        f"the file's target brakes at {deceleration:g} m/s² from {headway_m:g} m; the grid's at "
        f"{grid_deceleration:g} m/s² from {grid_headway_m:.1f} m (1.0 s)"
    )


def pair_with_grid(
    runs: Sequence[ScenarioRun], *, tolerances: Tolerances | None = None
) -> tuple[list[GridPair], list[Unpaired]]:
    """The file runs the built-in grids (standard and extended) also test, each with its grid
    point, and the others with the reason; both in the order of ``runs``."""
    tolerances = tolerances if tolerances is not None else Tolerances()
    points = grid_points(ranges=(GridRange.STANDARD, GridRange.EXTENDED))
    pairs: list[GridPair] = []
    unpaired: list[Unpaired] = []
    for run in runs:
        file_point = run.point
        if file_point.grid not in GRID_NAMES:
            unpaired.append(Unpaired(run=run, reason=f"no built-in grid for {file_point.grid}"))
            continue
        location = file_impact_location_pct(run)
        same_speeds = [
            point
            for point in points
            if point.grid == file_point.grid
            and point.lighting is file_point.lighting
            and _same_speed(point.vut_speed_kph, file_point.vut_speed_kph)
            and _same_speed(point.target_speed_kph, file_point.target_speed_kph)
        ]
        candidates = [
            point
            for point in same_speeds
            if _same_location(point.impact_location_pct, location, tolerances.impact_location_pct)
        ]
        same_criterion = [point for point in candidates if point.criterion is file_point.criterion]
        if not same_criterion:
            unpaired.append(
                Unpaired(run=run, reason=_why_unpaired(file_point, location, same_speeds, candidates))
            )
            continue
        point = same_criterion[0]
        if point.grid == "CCRb":
            difference = _ccrb_difference(run, point, tolerances)
            if difference:
                unpaired.append(Unpaired(run=run, reason=difference))
                continue
        pairs.append(GridPair(run=run, point=point, file_impact_location_pct=location))
    return pairs, unpaired


def _same_location(grid_pct: float | None, file_pct: float | None, tolerance_pct: float) -> bool:
    if grid_pct is None or file_pct is None:
        return grid_pct is None and file_pct is None
    return abs(grid_pct - file_pct) <= tolerance_pct


def _why_unpaired(
    file_point: TestPoint, location: float | None, same_speeds: list[TestPoint], candidates: list[TestPoint]
) -> str:
    if candidates:
        criteria = ", ".join(sorted({point.criterion.value for point in candidates}))
        return (
            f"the grid tests these cells for {criteria}; the file runs them for {file_point.criterion.value}"
        )
    if not same_speeds:
        return f"the {file_point.grid} grid has no row at these speeds"
    where = "without an impact location" if location is None else f"at IL {location:.0f}"
    return f"the {file_point.grid} grid has no point {where} at these speeds"


def _errored(result: PointResult) -> bool:
    return any(note.startswith("error:") for note in result.notes)


def compare_results(
    pair: GridPair, file_result: PointResult, grid_result: PointResult, tolerances: Tolerances | None = None
) -> AgreementRow:
    """The row of one shared point from its two results (see the module docstring)."""
    tolerances = tolerances if tolerances is not None else Tolerances()
    criterion = pair.point.criterion
    note = ""
    file_value: float | None
    grid_value: float | None
    if criterion is Criterion.FCW:
        measure, tolerance = "FCW TTC s", tolerances.fcw_ttc_s
        file_value, grid_value = file_result.fcw_ttc_s, grid_result.fcw_ttc_s
    elif criterion is Criterion.SPEED_REDUCTION:
        measure, tolerance = "speed reduction km/h", tolerances.speed_reduction_kph
        file_value, grid_value = file_result.speed_reduction_kph, grid_result.speed_reduction_kph
    else:
        measure, tolerance = "impact speed km/h", tolerances.impact_speed_kph
        file_value = file_result.impact_speed_kph if file_result.impact else 0.0
        grid_value = grid_result.impact_speed_kph if grid_result.impact else 0.0
    if file_value is None or grid_value is None:
        agrees = file_value is None and grid_value is None
        if not agrees:
            note = "only one run warned"
    else:
        agrees = abs(file_value - grid_value) <= tolerance + 1e-9
    if criterion is Criterion.AVOIDANCE and file_result.impact != grid_result.impact:
        agrees, note = False, "only one run avoided the impact"
    for side, result in (("file", file_result), ("grid", grid_result)):
        if ENDED_BY_OTHER_COLLISION in result.notes:
            hit = next((text for text in result.notes if text.startswith("the VUT hit ")), "")
            agrees, note = False, f"the {side} run ended at a collision not with its target ({hit})"
        if _errored(result):
            agrees, note = False, f"the {side} run raised: {result.notes[0]}"
    return AgreementRow(
        pair=pair,
        file_result=file_result,
        grid_result=grid_result,
        measure=measure,
        file_value=file_value,
        grid_value=grid_value,
        tolerance=tolerance,
        agrees=agrees,
        note=note,
    )


def compare_with_grid(
    runs: Sequence[ScenarioRun],
    *,
    workers: int | None = None,
    tolerances: Tolerances | None = None,
    seed: int = 0,
    on_result: ProgressCallback | None = None,
) -> list[AgreementRow]:
    """Run every file run the grid shares and its grid point (each grid point once) in one batch
    of ``workers`` processes, and compare them; rows in the order of ``runs``."""
    tolerances = tolerances if tolerances is not None else Tolerances()
    pairs, _ = pair_with_grid(runs, tolerances=tolerances)
    grid_jobs = list(dict.fromkeys(pair.point for pair in pairs))
    jobs: list[Job] = [pair.run for pair in pairs]
    jobs.extend(grid_jobs)
    results = run_many(jobs, workers=workers, seed=seed, on_result=on_result)
    by_point = dict(zip(grid_jobs, results[len(pairs) :], strict=True))
    return [
        compare_results(pair, file_result, by_point[pair.point], tolerances)
        for pair, file_result in zip(pairs, results[: len(pairs)], strict=True)
    ]


def _figure(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _file_name(run: ScenarioRun) -> str:
    return Path(run.source).name


def format_agreement_table(rows: Sequence[AgreementRow]) -> str:
    """One markdown row per shared point: the file run, the grid point, the impact locations,
    what was compared, both figures, the true TTC at each run's first FCW warning (a figure
    beside the verdict: most shared points are avoided on both sides), the colours and the
    verdict."""
    lines = [
        "| Family | File run | Grid point | IL file → grid | Compared | File | Grid | FCW TTC s file / grid "
        "| Colours | Agrees |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        pair = row.pair
        digits = 2 if row.measure.endswith(" s") else 1
        grid_location = pair.point.impact_location_pct
        location = (
            "-"
            if pair.file_impact_location_pct is None or grid_location is None
            else f"{pair.file_impact_location_pct:.1f} → {grid_location:g}"
        )
        colours = f"{row.file_result.colour} / {row.grid_result.colour}"
        verdict = "yes" if row.agrees else "**no**" + (f" ({row.note})" if row.note else "")
        figures = f"{_figure(row.file_value, digits)} | {_figure(row.grid_value, digits)}"
        warnings = f"{_figure(row.file_result.fcw_ttc_s, 2)} / {_figure(row.grid_result.fcw_ttc_s, 2)}"
        lines.append(
            f"| {row.family} | {pair.run.point.label} | {pair.point.label} | {location} | {row.measure} "
            f"| {figures} | {warnings} | {colours} | {verdict} |"
        )
    return "\n".join(lines)


def format_agreement_summary(rows: Sequence[AgreementRow]) -> str:
    """Per family (in the order met): shared points, how many agree, how many have the same
    colour, how many both runs avoided, and the largest difference of the FCW warning's TTC
    where both warned; then the totals, as a markdown table."""
    families: dict[str, list[AgreementRow]] = {}
    for row in rows:
        families.setdefault(row.family, []).append(row)
    lines = [
        "| Family | Shared points | Agree | Same colour | Both avoided | Largest FCW TTC difference s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for family, members in families.items():
        lines.append(_summary_line(family, members))
    lines.append(_summary_line("**all**", list(rows)))
    return "\n".join(lines)


def _summary_line(name: str, rows: Sequence[AgreementRow]) -> str:
    agree = sum(row.agrees for row in rows)
    same = sum(row.same_colour for row in rows)
    avoided = sum(not row.file_result.impact and not row.grid_result.impact for row in rows)
    differences = [
        abs(row.file_result.fcw_ttc_s - row.grid_result.fcw_ttc_s)
        for row in rows
        if row.file_result.fcw_ttc_s is not None and row.grid_result.fcw_ttc_s is not None
    ]
    largest = f"{max(differences):.2f}" if differences else "-"
    return f"| {name} | {len(rows)} | {agree} | {same} | {avoided} | {largest} |"


def format_unpaired(unpaired: Sequence[Unpaired], *, name: Callable[[ScenarioRun], str] = _file_name) -> str:
    """The file runs the grid does not test, grouped by file and reason (with their VUT speeds),
    as a markdown table."""
    groups: dict[tuple[str, str], list[float]] = {}
    for entry in unpaired:
        groups.setdefault((name(entry.run), entry.reason), []).append(entry.run.point.vut_speed_kph)
    lines = ["| File | Runs | VUT km/h | Why not compared |", "| --- | ---: | --- | --- |"]
    for (file, reason), speeds in groups.items():
        shown = ", ".join(f"{speed:g}" for speed in sorted(set(speeds)))
        lines.append(f"| `{file}` | {len(speeds)} | {shown} | {reason} |")
    return "\n".join(lines)
