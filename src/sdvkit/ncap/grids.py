"""The Euro NCAP 2026 crash-avoidance test grids, as data.

Each grid is a :class:`GridSpec`: blocks of cells (VUT and target speeds × one column variable:
impact location, target speed, side or lateral velocity) in the standard or the extended range,
and the points its scenario is worth in each range. The cells and budgets are those of Euro
NCAP's rating calculator (``euroncap-rating-2026``: its ``ca_template.xlsx`` prediction sheets,
``data_model.EXTENDED_RANGE_CELLS``, ``matrix_processing.CELL_REMOVAL_MAP`` and the "Scenario
Scores" sheet), written out here as our own tables.

Impact location (IL, percent of the VUT's width) follows the protocol's definition as Vector's
OpenSCENARIO encoding applies it: the target's centre lies ``IL/100·W − W/2`` from the VUT's
centre line, measured from the side the target comes from. For longitudinal targets that is the
right (near) side, so IL 0 is the VUT's right edge, 50 its centre, 100 its left edge; a crossing
VRU from the near side (the right) is hit IL % of the width in from the right edge, one from the
far side (the left) IL % in from the left edge. :func:`impact_offset_m` gives the offset.

Each point's ``max_points`` is its scenario's budget for the point's range divided over the
number of points in that range (CCCscp's budget over both sides, CPNA's over day and night).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sdvkit.ncap.errors import ScenarioError, UnknownGridError
from sdvkit.ncap.scenario import Criterion, GridRange, Lighting, TestPoint

DAY = (Lighting.DAY,)
DAY_AND_NIGHT = (Lighting.DAY, Lighting.NIGHT)
STANDARD = GridRange.STANDARD
EXTENDED = GridRange.EXTENDED

IMPACT_LOCATION = "impact_location_pct"
TARGET_SPEED = "target_speed_kph"
LATERAL_VELOCITY = "lateral_velocity_mps"
SIDE = "side"


@dataclass(frozen=True, kw_only=True, slots=True)
class GridBlock:
    """Cells of one range: every (VUT, target) speed row × every column value × every lighting.

    ``columns`` holds the values of the grid's column variable; with ``TARGET_SPEED`` as the
    column the rows carry the VUT speed only (their target speed is ignored).
    """

    range: GridRange
    speeds_kph: tuple[tuple[float, float], ...]
    columns: tuple[float | str, ...]
    criterion: Criterion | None = None
    """None: the grid's criterion."""
    lightings: tuple[Lighting, ...] = DAY
    parameters: tuple[tuple[str, float | str], ...] = ()
    sides: tuple[str, ...] = ()
    """For grids run from both sides (CCCscp near/far, LKA left/right): one cell per side."""


@dataclass(frozen=True, kw_only=True, slots=True)
class GridSpec:
    """One grid: its name, how it is judged, its budgets and its cells."""

    name: str
    title: str
    criterion: Criterion
    column: str
    standard_points: float
    extended_points: float
    blocks: tuple[GridBlock, ...]
    frontal: bool = True
    """Part of Frontal Collisions (the rating gate zeroes it); False for lane departure."""


def _block(
    grid_range: GridRange,
    speeds_kph: tuple[tuple[float, float], ...],
    columns: tuple[float | str, ...],
    *,
    criterion: Criterion | None = None,
    lightings: tuple[Lighting, ...] = DAY,
    parameters: tuple[tuple[str, float | str], ...] = (),
    sides: tuple[str, ...] = (),
) -> GridBlock:
    return GridBlock(
        range=grid_range,
        speeds_kph=speeds_kph,
        columns=columns,
        criterion=criterion,
        lightings=lightings,
        parameters=parameters,
        sides=sides,
    )


def _rows(vut_kph: Iterable[float], target_kph: float | Sequence[float]) -> tuple[tuple[float, float], ...]:
    speeds = tuple(vut_kph)
    targets = (target_kph,) * len(speeds) if isinstance(target_kph, (int, float)) else tuple(target_kph)
    return tuple((float(v), float(t)) for v, t in zip(speeds, targets, strict=True))


def _same(vut_kph: Iterable[float]) -> tuple[tuple[float, float], ...]:
    return tuple((float(v), float(v)) for v in vut_kph)


def _vut(vut_kph: Iterable[float]) -> tuple[tuple[float, float], ...]:
    return tuple((float(v), 0.0) for v in vut_kph)


IL_CAR_STANDARD = (0.0, 25.0, 50.0, 75.0, 100.0)
IL_CAR_EXTENDED = (-25.0, 125.0)
CCRM_ROWS = _rows(
    (30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130), (20, 20, 20, 20, 20, 20, 30, 40, 50, 60, 70)
)
CCFHOS_ROWS = _rows((30, 40, 50, 60, 70, 80), (50, 50, 50, 70, 70, 70))
CCFHOS_FAST_ROWS = _rows((90, 100), (90, 100))
ELK_LATERAL = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
VRU_SPEEDS = (10, 20, 30, 40, 50, 60)
CCRB_PARAMETERS = (("headway_s", 1.0), ("target_decel_mps2", 4.0), ("target_end_speed_kph", 2.0))
CCRB_ROWS = _same((30, 40, 50, 60, 70, 80))
CCRB_FAST_ROWS = _same((90, 100, 110, 120, 130))
CPLA_FCW_ROWS = _rows((50, 60, 70, 80), 5)
CBLA_AEB_ROWS = _rows((20, 30, 40, 50, 60), 15)
CBLA_FCW_ROWS = _rows((50, 60, 70, 80), 20)
ELK_ON_LATERAL = (0.3, 0.4, 0.5, 0.6)
ELK_OVU_EXTENDED_ROWS = _rows((50, 60, 80, 90, 100, 110, 120, 130), (60, 70, 90, 100, 110, 120, 130, 140))
FCW = Criterion.FCW
AS_FCW: tuple[tuple[str, float | str], ...] = (("function", "FCW"),)
AS_AEB: tuple[tuple[str, float | str], ...] = (("function", "AEB"),)
BOTH_SIDES = ("near", "far")

GRIDS: tuple[GridSpec, ...] = (
    GridSpec(
        name="CCRs",
        title="Car-to-car rear, stationary target (AEB 10-50 km/h; FCW 60-80 km/h)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.2,
        extended_points=0.15,
        blocks=(
            _block(STANDARD, _vut((10, 20, 30, 40, 50)), IL_CAR_STANDARD),
            _block(STANDARD, _vut((60, 70, 80)), IL_CAR_STANDARD, criterion=FCW, parameters=AS_FCW),
            _block(EXTENDED, _vut((10, 20, 30, 40, 50)), IL_CAR_EXTENDED),
            _block(EXTENDED, _vut((60, 70, 80)), IL_CAR_EXTENDED, criterion=FCW, parameters=AS_FCW),
        ),
    ),
    GridSpec(
        name="CCRm",
        title="Car-to-car rear, moving target",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=2.4,
        extended_points=0.3,
        blocks=(_block(STANDARD, CCRM_ROWS, IL_CAR_STANDARD), _block(EXTENDED, CCRM_ROWS, IL_CAR_EXTENDED)),
    ),
    GridSpec(
        name="CCRb",
        title="Car-to-car rear, braking target (headway 1.0 s, 4 m/s² to 2 km/h)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.6,
        extended_points=0.2,
        blocks=(
            _block(STANDARD, CCRB_ROWS, IL_CAR_STANDARD, parameters=CCRB_PARAMETERS),
            _block(EXTENDED, CCRB_ROWS, IL_CAR_EXTENDED, parameters=CCRB_PARAMETERS),
            _block(
                EXTENDED, CCRB_FAST_ROWS, (*IL_CAR_EXTENDED, *IL_CAR_STANDARD), parameters=CCRB_PARAMETERS
            ),
        ),
    ),
    GridSpec(
        name="CCFhos",
        title="Car-to-car front, head-on straight (oncoming target in the VUT's lane)",
        criterion=Criterion.SPEED_REDUCTION,
        column=IMPACT_LOCATION,
        standard_points=2.0,
        extended_points=0.25,
        blocks=(
            _block(STANDARD, CCFHOS_ROWS, (25.0, 50.0, 75.0)),
            _block(EXTENDED, (*CCFHOS_ROWS, *CCFHOS_FAST_ROWS), (100.0,)),
            _block(EXTENDED, CCFHOS_FAST_ROWS, (25.0, 50.0, 75.0)),
        ),
    ),
    GridSpec(
        name="CCFtap",
        title="Car-to-car front, VUT turning left across the path of an oncoming target",
        criterion=Criterion.AVOIDANCE,
        column=TARGET_SPEED,
        standard_points=4.0,
        extended_points=0.5,
        blocks=(
            _block(STANDARD, _vut((10, 15, 20)), (30.0, 45.0, 60.0)),
            _block(EXTENDED, _vut((10, 15, 20, 25)), (80.0,)),
            _block(EXTENDED, _vut((25,)), (30.0, 45.0, 60.0)),
        ),
    ),
    GridSpec(
        name="CCCscp",
        title="Car-to-car crossing, straight crossing paths (target from the near or far side)",
        criterion=Criterion.AVOIDANCE,
        column=TARGET_SPEED,
        standard_points=6.0,
        extended_points=0.75,
        blocks=(
            _block(STANDARD, _vut((20, 30, 40, 50, 60)), (20.0, 30.0, 40.0, 50.0, 60.0), sides=BOTH_SIDES),
            _block(EXTENDED, _vut((20, 30)), (70.0, 80.0), sides=BOTH_SIDES),
            _block(EXTENDED, _vut((70, 80)), (20.0, 30.0), sides=BOTH_SIDES),
        ),
    ),
    GridSpec(
        name="CPNA",
        title="Car-to-pedestrian near side adult, 5 km/h (day and night)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.0,
        extended_points=0.125,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 5), (25.0, 50.0, 75.0), lightings=DAY_AND_NIGHT),
            _block(EXTENDED, _rows(VRU_SPEEDS, 5), (10.0, 90.0), lightings=DAY_AND_NIGHT),
        ),
    ),
    GridSpec(
        name="CPFA",
        title="Car-to-pedestrian far side adult, 8 km/h (day and night)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.0,
        extended_points=0.125,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 8), (50.0,), lightings=DAY_AND_NIGHT),
            _block(EXTENDED, _rows(VRU_SPEEDS, 8), (10.0, 25.0, 75.0, 90.0), lightings=DAY_AND_NIGHT),
        ),
    ),
    GridSpec(
        name="CPNCO",
        title="Car-to-pedestrian near side child, obstructed by parked cars, 5 km/h (day and night)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=2.0,
        extended_points=0.25,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 5), (50.0,), lightings=DAY_AND_NIGHT),
            _block(EXTENDED, _rows(VRU_SPEEDS, 5), (25.0, 75.0), lightings=DAY_AND_NIGHT),
        ),
    ),
    GridSpec(
        name="CPLA",
        title="Car-to-pedestrian longitudinal adult, 5 km/h (AEB 10-60 km/h; FCW 50-80 km/h)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=2.0,
        extended_points=0.25,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 5), (50.0,), lightings=DAY_AND_NIGHT, parameters=AS_AEB),
            _block(
                STANDARD, CPLA_FCW_ROWS, (25.0,), criterion=FCW, lightings=DAY_AND_NIGHT, parameters=AS_FCW
            ),
            _block(
                EXTENDED, _rows(VRU_SPEEDS, 5), (10.0, 25.0, 75.0), lightings=DAY_AND_NIGHT, parameters=AS_AEB
            ),
            _block(
                EXTENDED,
                CPLA_FCW_ROWS,
                (10.0, 50.0, 75.0),
                criterion=FCW,
                lightings=DAY_AND_NIGHT,
                parameters=AS_FCW,
            ),
        ),
    ),
    GridSpec(
        name="CBNA",
        title="Car-to-bicyclist near side adult, 15 km/h",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.0,
        extended_points=0.125,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 15), (50.0, 75.0)),
            _block(EXTENDED, _rows(VRU_SPEEDS, 15), (10.0, 25.0, 90.0)),
        ),
    ),
    GridSpec(
        name="CBNAO",
        title="Car-to-bicyclist near side adult, obstructed by a parked car, 10 km/h",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=2.0,
        extended_points=0.25,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 10), (50.0, 75.0)),
            _block(EXTENDED, _rows(VRU_SPEEDS, 10), (10.0, 25.0, 90.0)),
        ),
    ),
    GridSpec(
        name="CBFA",
        title="Car-to-bicyclist far side adult, 20 km/h",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=1.0,
        extended_points=0.125,
        blocks=(
            _block(STANDARD, _rows(VRU_SPEEDS, 20), (25.0, 50.0)),
            _block(EXTENDED, _rows(VRU_SPEEDS, 20), (10.0, 75.0, 90.0)),
        ),
    ),
    GridSpec(
        name="CBLA",
        title="Car-to-bicyclist longitudinal adult (AEB 20-60 km/h at 15 km/h; FCW 50-80 km/h at 20 km/h)",
        criterion=Criterion.MITIGATION,
        column=IMPACT_LOCATION,
        standard_points=2.0,
        extended_points=0.25,
        blocks=(
            _block(STANDARD, CBLA_AEB_ROWS, (50.0,), parameters=AS_AEB),
            _block(STANDARD, CBLA_FCW_ROWS, (25.0,), criterion=FCW, parameters=AS_FCW),
            _block(EXTENDED, CBLA_AEB_ROWS, (10.0, 25.0, 75.0), parameters=AS_AEB),
            _block(EXTENDED, CBLA_FCW_ROWS, (10.0, 50.0, 75.0), criterion=FCW, parameters=AS_FCW),
        ),
    ),
    GridSpec(
        name="ELK RE",
        title="Emergency lane keeping, road edge (unmarked road, drift to the right edge)",
        criterion=Criterion.ROAD_EDGE,
        column=LATERAL_VELOCITY,
        standard_points=4.0,
        extended_points=0.5,
        frontal=False,
        blocks=(
            _block(STANDARD, _vut((70, 80, 90)), ELK_LATERAL[:5]),
            _block(EXTENDED, _vut((70, 80, 90)), ELK_LATERAL[5:]),
            _block(EXTENDED, _vut((50, 60, 100)), ELK_LATERAL),
        ),
    ),
    GridSpec(
        name="CC ELK On",
        title="Emergency lane keeping, car-to-car oncoming (drift over the centre line)",
        criterion=Criterion.NO_IMPACT,
        column=LATERAL_VELOCITY,
        standard_points=2.0,
        extended_points=0.25,
        frontal=False,
        blocks=(
            _block(STANDARD, _same((70,)), ELK_ON_LATERAL),
            _block(EXTENDED, _same((50, 60, 80, 90, 100)), ELK_ON_LATERAL),
        ),
    ),
    GridSpec(
        name="CC ELK OvU",
        title="Emergency lane keeping, car-to-car overtaking, unintentional (drift into the passing car)",
        criterion=Criterion.NO_IMPACT,
        column=LATERAL_VELOCITY,
        standard_points=1.0,
        extended_points=0.125,
        frontal=False,
        blocks=(
            _block(STANDARD, _rows((70,), 80), ELK_ON_LATERAL),
            _block(EXTENDED, _rows((70,), 80), (0.2, 0.7)),
            _block(EXTENDED, ELK_OVU_EXTENDED_ROWS, ELK_LATERAL),
        ),
    ),
    GridSpec(
        name="LKA dashed",
        title="Lane keeping assist, dashed line (the driver-state-link lane support test; no CA points)",
        criterion=Criterion.LANE_LINE,
        column=LATERAL_VELOCITY,
        standard_points=0.0,
        extended_points=0.0,
        frontal=False,
        blocks=(_block(STANDARD, _vut((72,)), (0.2, 0.3, 0.4, 0.5), sides=("left", "right")),),
    ),
)
"""Every grid, in the order the bench runs and reports them."""

GRID_NAMES: tuple[str, ...] = tuple(grid.name for grid in GRIDS)
_BY_NAME = {grid.name: grid for grid in GRIDS}
_BY_FOLDED = {grid.name.casefold(): grid for grid in GRIDS}

GATE_CCRS_MAX_SPEED_KPH = 20.0
"""The rating gate: every standard CCRs point up to this VUT speed must be green ..."""
GATE_CPNA_SPEED_KPH = 10.0
GATE_CPNA_IMPACT_LOCATION_PCT = 75.0
"""... and CPNA IL 75 at 10 km/h, day and night; otherwise Frontal Collisions scores 0."""


def grid_spec(name: str) -> GridSpec:
    """A grid by name (case-insensitive); :class:`UnknownGridError` lists the known names."""
    grid = _BY_NAME.get(name) or _BY_FOLDED.get(name.strip().casefold())
    if grid is None:
        raise UnknownGridError(f"unknown grid {name!r}; known grids: {', '.join(GRID_NAMES)}")
    return grid


def impact_offset_m(impact_location_pct: float, vut_width_m: float, *, from_left: bool = False) -> float:
    """Where the target's centre meets the VUT: lateral offset from the VUT's centre line,
    positive to the left. IL counts from the right edge (``from_left``: from the left edge, for
    a target crossing from the far side)."""
    offset = impact_location_pct / 100.0 * vut_width_m - vut_width_m / 2.0
    return -offset if from_left else offset


def _number(value: float) -> str:
    return f"{value:g}"


def _label(grid: GridSpec, vut: float, target: float, column: float | str, block: GridBlock) -> str:
    if grid.column == TARGET_SPEED:
        speeds = f"{_number(vut)}/{_number(float(column))} km/h"
    elif target == 0.0:
        speeds = f"{_number(vut)} km/h"
    else:
        speeds = f"{_number(vut)}/{_number(target)} km/h"
    parts = [grid.name, speeds]
    if grid.column == IMPACT_LOCATION:
        parts.append(f"IL {_number(float(column))}")
    elif grid.column == LATERAL_VELOCITY:
        parts.append(f"{_number(float(column))} m/s")
    function = dict(block.parameters).get("function")
    if function is not None and grid.name in ("CPLA", "CBLA"):
        parts.append(str(function))
    return " ".join(parts)


def _block_points(grid: GridSpec, block: GridBlock, max_points: float) -> list[TestPoint]:
    points: list[TestPoint] = []
    for vut, target in block.speeds_kph:
        for column in block.columns:
            for side in block.sides or (None,):
                for lighting in block.lightings:
                    parameters = list(block.parameters)
                    target_speed = target
                    impact_location: float | None = None
                    if grid.column == IMPACT_LOCATION:
                        impact_location = float(column)
                    elif grid.column == TARGET_SPEED:
                        target_speed = float(column)
                    elif grid.column == LATERAL_VELOCITY:
                        parameters.append((LATERAL_VELOCITY, float(column)))
                    label = _label(grid, vut, target, column, block)
                    if side is not None:
                        parameters.append((SIDE, side))
                        label += f" {side} side" if grid.name == "CCCscp" else f" {side}"
                    if len(grid.blocks[0].lightings) > 1:
                        label += f" {lighting.value}"
                    points.append(
                        TestPoint(
                            grid=grid.name,
                            range=block.range,
                            label=label,
                            vut_speed_kph=vut,
                            target_speed_kph=target_speed,
                            impact_location_pct=impact_location,
                            criterion=block.criterion or grid.criterion,
                            max_points=max_points,
                            lighting=lighting,
                            parameters=tuple(parameters),
                        )
                    )
    return points


def _count(grid: GridSpec, grid_range: GridRange) -> int:
    return sum(
        len(block.speeds_kph) * len(block.columns) * len(block.sides or (None,)) * len(block.lightings)
        for block in grid.blocks
        if block.range is grid_range
    )


def grid_points(
    names: Sequence[str] | None = None,
    *,
    ranges: Sequence[GridRange] = (GridRange.STANDARD, GridRange.EXTENDED),
) -> list[TestPoint]:
    """The test points of the named grids (all by default) in the given ranges, grid by grid.

    An unknown name raises :class:`UnknownGridError`, which lists the known names; a range that
    is not standard or extended raises :class:`ScenarioError`.
    """
    for grid_range in ranges:
        if GridRange(grid_range) not in (GridRange.STANDARD, GridRange.EXTENDED):
            raise ScenarioError(f"grids have standard and extended points only, not {grid_range!r}")
    wanted = {GridRange(grid_range) for grid_range in ranges}
    grids = GRIDS if names is None else tuple(dict.fromkeys(grid_spec(name) for name in names))
    points: list[TestPoint] = []
    for grid in grids:
        budgets = {STANDARD: grid.standard_points, EXTENDED: grid.extended_points}
        for grid_range in (STANDARD, EXTENDED):
            if grid_range not in wanted:
                continue
            count = _count(grid, grid_range)
            per_point = budgets[grid_range] / count if count else 0.0
            for block in grid.blocks:
                if block.range is grid_range:
                    points.extend(_block_points(grid, block, per_point))
    return points
