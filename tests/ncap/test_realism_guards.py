"""The NCAP bench's realism guards, each shown on the real stack.

- A vehicle function sees the world only through sensing: the manifests of the real functions do
  not touch ground truth, a function extended to read it is refused, one that reads it without
  declaring it is refused by the broker, and no function module imports the simulation.
- Brake dead time and the friction limit come from the plant, not from AEB.
- Sensor noise is seeded: the same seed gives the same run, another seed another one.
- CPNCO: the child behind the parked cars is detected only once it can be seen.
"""

from __future__ import annotations

import ast
import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from sdvkit.ncap.builders import build_scenario, false_positive_points
from sdvkit.ncap.grids import grid_points
from sdvkit.ncap.results import PointResult
from sdvkit.ncap.runner import AEB_ACTIVE_MPS2, default_vehicle, run_point
from sdvkit.ncap.scenario import ScenarioSetup, TestPoint
from sdvkit.ncap.stack import vehicle_stack
from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.runtime.errors import ManifestError
from sdvkit.runtime.manifest import GROUND_TRUTH_PATHS, touches
from sdvkit.safety.acc import AdaptiveCruiseApp
from sdvkit.safety.aeb import EmergencyBrakingApp
from sdvkit.safety.arbitration import ArbitrationApp
from sdvkit.safety.dms import DriverMonitoringApp
from sdvkit.safety.driver_model import VirtualDriverFace, long_distraction
from sdvkit.safety.elk import EmergencyLaneKeepingApp
from sdvkit.safety.fcw import ForwardCollisionWarningApp
from sdvkit.safety.ldw import LaneDepartureWarningApp
from sdvkit.safety.lka import LaneKeepingAssistApp
from sdvkit.safety.perception import PERCEPTION_RATE_HZ, PERCEPTION_READS, read_perception
from sdvkit.sensing.specs import default_suite
from sdvkit.signals.errors import AccessDeniedError
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2
from sdvkit.world.collision import OrientedBox
from sdvkit.world.scene import World

SAFETY = Path(__file__).resolve().parents[2] / "src" / "sdvkit" / "safety"
GROUND_TRUTH = "Vehicle.Sdvkit.GroundTruth"
PLANT_SIDE_MODULES = {"driver_model.py": "the virtual driver's face, a PLANT app (the driver camera's input)"}
SIMULATION_PACKAGES = (
    "sdvkit.world",
    "sdvkit.sensing",
    "sdvkit.vehicle",
    "sdvkit.ncap",
    "sdvkit.safety.driver_model",
)

FUNCTIONS: dict[str, Callable[[], VehicleApp]] = {
    "AEB": EmergencyBrakingApp,
    "FCW": ForwardCollisionWarningApp,
    "ACC": AdaptiveCruiseApp,
    "LDW": LaneDepartureWarningApp,
    "LKA": LaneKeepingAssistApp,
    "ELK": EmergencyLaneKeepingApp,
    "DMS": DriverMonitoringApp,
    "arbitration": ArbitrationApp,
}


def _point(grid: str, label: str) -> TestPoint:
    return next(point for point in grid_points((grid,)) if point.label == label)


def _touches_ground_truth(manifest: Manifest) -> list[str]:
    return [
        path
        for path in (*manifest.read_paths, *manifest.writes)
        for protected in GROUND_TRUTH_PATHS
        if touches(path, protected)
    ]


# -- functions see the world only through sensing ------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_real_functions_are_functions_that_never_touch_ground_truth(name: str) -> None:
    manifest = FUNCTIONS[name]().manifest
    assert manifest.role is AppRole.FUNCTION
    assert _touches_ground_truth(manifest) == []
    assert manifest.read_paths or manifest.writes  # a real manifest, not the empty default


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_function_extended_to_read_ground_truth_is_refused(name: str) -> None:
    factory = FUNCTIONS[name]
    base = factory().manifest
    # Where the refusal happens: building the manifest. A subclass that declares it in its class
    # body fails at class definition ...
    with pytest.raises(ManifestError, match="ground truth"):

        class PeekingClassBody(factory):  # type: ignore[valid-type, misc]
            manifest = Manifest(reads=(*base.reads, GROUND_TRUTH), writes=base.writes)

    # ... the functions here build theirs in __init__, so an extended one fails at instantiation.
    class PeekingInit(factory):  # type: ignore[valid-type, misc]
        manifest: Manifest

        def __init__(self) -> None:
            super().__init__()
            self.manifest = Manifest(reads=(*self.manifest.reads, GROUND_TRUTH), writes=self.manifest.writes)

    with pytest.raises(ManifestError, match=GROUND_TRUTH):
        PeekingInit()
    with pytest.raises(ManifestError, match="writes"):
        Manifest(reads=base.reads, writes=(*base.writes, "Vehicle.Sdvkit.Simulation.RoadFriction"))
    # The same reads are fine for the plant's side: the refusal is about the role.
    assert Manifest(reads=(*base.reads, GROUND_TRUTH), writes=base.writes, role=AppRole.PLANT)


def test_the_bench_stack_runs_its_functions_as_functions() -> None:
    """Every app ``vehicle_stack`` builds from :mod:`sdvkit.safety` (all of them: a false-positive
    point runs lane support, ACC switched on and a distracted driver add ACC and driver
    monitoring) is a FUNCTION that does not touch ground truth, except the driver's face, which
    is the plant's."""
    setup = build_scenario(false_positive_points()[0])
    setup.acc_set_speed_kph = 50.0
    setup.driver_distracted = True
    apps = vehicle_stack(setup, seed=0)
    from_safety = [app for app in apps if type(app).__module__.startswith("sdvkit.safety.")]
    kinds = {type(app) for app in from_safety}
    assert {EmergencyBrakingApp, ForwardCollisionWarningApp, AdaptiveCruiseApp, DriverMonitoringApp} <= kinds
    assert {LaneKeepingAssistApp, EmergencyLaneKeepingApp, ArbitrationApp, VirtualDriverFace} <= kinds
    for app in from_safety:
        if isinstance(app, VirtualDriverFace):
            assert app.manifest.role is AppRole.PLANT
            continue
        assert app.manifest.role is AppRole.FUNCTION, app.name
        assert _touches_ground_truth(app.manifest) == [], app.name


class _UndeclaredPeek(EmergencyBrakingApp):
    """AEB that reads the simulation's truth without declaring it in its manifest."""

    def step(self) -> None:
        self.get(f"{GROUND_TRUTH}.ObjectCount")
        super().step()


def _peeking_stack(setup: ScenarioSetup, *, seed: int) -> list[VehicleApp]:
    return [
        _UndeclaredPeek() if isinstance(app, EmergencyBrakingApp) else app
        for app in vehicle_stack(setup, seed=seed)
    ]


def test_the_broker_refuses_a_function_that_reads_ground_truth_without_declaring_it() -> None:
    point = _point("CCRs", "CCRs 20 km/h IL 50")
    run_point(point)  # the sensing app publishes the truth in this very stack
    with pytest.raises(AccessDeniedError, match=GROUND_TRUTH):
        run_point(point, stack=_peeking_stack)


def _imported_modules(tree: ast.Module, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if called in ("import_module", "__import__"):
                found.add(f"<dynamic import at line {node.lineno}>")
    return found


def test_no_function_module_imports_the_simulation() -> None:
    """A static check: the function modules of :mod:`sdvkit.safety` import neither the world, the
    sensors, the vehicle model, the bench nor the driver model, and import nothing dynamically."""
    checked: list[str] = []
    for source in sorted(SAFETY.glob("*.py")):
        if source.name in PLANT_SIDE_MODULES:
            continue
        imported = _imported_modules(ast.parse(source.read_text(), str(source)), "sdvkit.safety")
        forbidden = sorted(
            module
            for module in imported
            if module.startswith("<dynamic")
            or any(module == package or module.startswith(f"{package}.") for package in SIMULATION_PACKAGES)
        )
        assert forbidden == [], f"{source.name} imports {forbidden}"
        checked.append(source.stem)
    assert {"aeb", "fcw", "acc", "lka", "elk", "ldw", "dms", "arbitration", "perception"} <= set(checked)
    face = VirtualDriverFace(long_distraction(0.0, 1.0))
    assert face.manifest.role is AppRole.PLANT  # why driver_model.py is left out


def test_the_static_check_catches_a_simulation_import() -> None:
    tree = ast.parse("from ..world.scene import World\nimport importlib\nimportlib.import_module('x')\n")
    imported = _imported_modules(tree, "sdvkit.safety")
    assert "sdvkit.world.scene" in imported
    assert any(module.startswith("<dynamic") for module in imported)


# -- brakes and friction are the plant's ------------------------------------------------------------

BRAKE_ONSET_MPS2 = 1.0
"""Deceleration that only the brakes give (the road load at these speeds is about 0.1 m/s²)."""
ROAD_LOAD_ALLOWANCE_MPS2 = 0.25
"""Drag and rolling resistance add to the tyres' µ·g; at 40 km/h they are about 0.1 m/s²."""


def _aeb_run(mu: float, *, dead_time_s: float | None = None) -> PointResult:
    point = _point("CCRs", "CCRs 40 km/h IL 50")
    setup = build_scenario(point)
    setup.road_friction = mu
    vehicle = default_vehicle()
    if dead_time_s is not None:
        vehicle = dataclasses.replace(
            vehicle, brakes=dataclasses.replace(vehicle.brakes, dead_time_s=dead_time_s)
        )
    return run_point(point, setup, record_hz=100.0, vehicle=vehicle)


def _brake_lag_s(result: PointResult) -> float:
    """From AEB's first request to the first deceleration only the brakes can give."""
    trace = result.trace
    request = next(i for i, demand in enumerate(trace.aeb_brake_demand_mps2) if demand > AEB_ACTIVE_MPS2)
    onset = next(i for i in range(request, len(trace)) if -trace.vut_acceleration_mps2[i] > BRAKE_ONSET_MPS2)
    return trace.time_s[onset] - trace.time_s[request]


def test_the_friction_limit_is_the_plants_and_makes_the_same_aeb_worse() -> None:
    dry, low = _aeb_run(1.0), _aeb_run(0.3)
    for mu, result in ((1.0, dry), (0.3, low)):
        achieved = max(-a for a in result.trace.vut_acceleration_mps2)
        assert achieved <= mu * STANDARD_GRAVITY_MPS2 + ROAD_LOAD_ALLOWANCE_MPS2, (mu, achieved)
    low_limit = 0.3 * STANDARD_GRAVITY_MPS2
    # On the low-µ road AEB asked for more than the tyres give, and got the tyres' limit ...
    assert max(low.trace.aeb_brake_demand_mps2) > low_limit + 1.0
    assert max(-a for a in low.trace.vut_acceleration_mps2) > 0.85 * low_limit
    # ... while on the dry road the same AEB braked harder than that limit.
    assert max(-a for a in dry.trace.vut_acceleration_mps2) > low_limit + 0.5
    # AEB holds no friction of its own: the same parameters do worse where the road is slippery.
    assert dry.impact_speed_kph < low.impact_speed_kph or (not dry.impact and low.impact)
    assert not dry.impact
    assert low.impact


def test_the_brake_dead_time_is_the_plants() -> None:
    plant_dead_time_s = default_vehicle().brakes.dead_time_s
    normal, slow = _aeb_run(1.0), _aeb_run(1.0, dead_time_s=plant_dead_time_s + 0.2)
    assert _brake_lag_s(normal) >= plant_dead_time_s
    assert _brake_lag_s(slow) >= plant_dead_time_s + 0.2
    # The lag follows the plant's dead time one for one (AEB's own parameters are the same) ...
    assert _brake_lag_s(slow) - _brake_lag_s(normal) == pytest.approx(0.2, abs=0.015)
    # ... and the later brakes stop the VUT closer to the target.
    assert normal.trace.gap_m[-1] is not None
    assert slow.trace.gap_m[-1] is not None
    assert slow.trace.gap_m[-1] < normal.trace.gap_m[-1] - 1.0


# -- seeded sensor noise -------------------------------------------------------------------------


class _PerceptionLog(VehicleApp):
    """A function's view of every perception cycle: each track's position."""

    name = "perception log"
    manifest = Manifest(reads=PERCEPTION_READS)

    def __init__(self) -> None:
        super().__init__(step_period_s=1.0 / PERCEPTION_RATE_HZ)
        self.frames: list[tuple[tuple[float, float], ...]] = []

    def step(self) -> None:
        seen = read_perception(self)
        self.frames.append(tuple((track.longitudinal_m, track.lateral_m) for track in seen.objects))


def _logged_run(point: TestPoint, seed: int) -> tuple[PointResult, list[tuple[tuple[float, float], ...]]]:
    logs: list[_PerceptionLog] = []

    def stack(setup: ScenarioSetup, *, seed: int) -> list[VehicleApp]:
        logs.append(_PerceptionLog())
        return [*vehicle_stack(setup, seed=seed), logs[-1]]

    return run_point(point, seed=seed, stack=stack), logs[0].frames


def test_sensor_noise_is_seeded() -> None:
    point = _point("CPNA", "CPNA 30/5 km/h IL 50 day")
    first, first_frames = _logged_run(point, 0)
    again, again_frames = _logged_run(point, 0)
    assert sum(1 for frame in first_frames if frame) > 20  # the target was tracked
    assert again.trace == first.trace
    assert again.to_json() == first.to_json()
    assert again_frames == first_frames
    others = [_logged_run(point, seed) for seed in (1, 2)]
    for _, frames in others:
        assert frames != first_frames  # the noise itself differs ...
    assert any(result.trace != first.trace for result, _ in others)  # ... and so does the run


# -- CPNCO: detection starts when the child can be seen ---------------------------------------------

FRONT_SENSORS = tuple(spec for spec in default_suite() if spec.name in ("FrontRadar", "FrontCamera"))
DETECTION_WITHIN_S = 0.5


def _segment_crosses(box: OrientedBox, start: tuple[float, float], end: tuple[float, float]) -> bool:
    """Whether the segment passes through the box (clipped in the box's frame)."""
    c, s = math.cos(box.heading_rad), math.sin(box.heading_rad)
    (ax, ay), (bx, by) = (
        ((x - box.x_m) * c + (y - box.y_m) * s, -(x - box.x_m) * s + (y - box.y_m) * c)
        for x, y in (start, end)
    )
    low, high = 0.0, 1.0
    for origin, step, half in ((ax, bx - ax, box.length_m / 2.0), (ay, by - ay, box.width_m / 2.0)):
        if abs(step) < 1e-12:
            if abs(origin) > half:
                return False
            continue
        enter, leave = sorted(((-half - origin) / step, (half - origin) / step))
        low, high = max(low, enter), min(high, leave)
        if low > high:
            return False
    return True


def _outline(box: OrientedBox, per_edge: int = 6) -> list[tuple[float, float]]:
    corners = box.corners()
    points = [(box.x_m, box.y_m)]
    for index, (ax, ay) in enumerate(corners):
        bx, by = corners[(index + 1) % 4]
        points.extend((ax + (bx - ax) * k / per_edge, ay + (by - ay) * k / per_edge) for k in range(per_edge))
    return points


def _child_visible(world: World, child: str, parked: list[str]) -> bool:
    """From the ground truth: is any part of the child in a front sensor's field of view with a
    clear line of sight past the parked cars? (2-D: the parked cars, 1.5 m tall, are taller than
    the sensors, 0.5 m and 1.3 m, and the child, 1.15 m.)"""
    ego = world.ego
    assert ego is not None
    c, s = math.cos(ego.heading_rad), math.sin(ego.heading_rad)
    bumper = (ego.x_m + ego.length_m / 2.0 * c, ego.y_m + ego.length_m / 2.0 * s)
    cars = [world.box(car) for car in parked]
    for spec in FRONT_SENSORS:
        mount = spec.mounting
        sensor = (bumper[0] + mount.x_m * c - mount.y_m * s, bumper[1] + mount.x_m * s + mount.y_m * c)
        half_angle = max(lobe.half_angle_rad for lobe in spec.lobes)
        for point in _outline(world.box(child)):
            bearing = math.atan2(point[1] - sensor[1], point[0] - sensor[0]) - ego.heading_rad - mount.yaw_rad
            if abs(math.remainder(bearing, math.tau)) > half_angle:
                continue
            if not any(_segment_crosses(car, sensor, point) for car in cars):
                return True
    return False


class _VisibilityProbe(VehicleApp):
    """Test equipment: every tick, whether the child can be seen (from the world's truth)."""

    name = "visibility probe"
    manifest = Manifest(role=AppRole.TEST_BENCH)

    def __init__(self, world: World, child: str, parked: list[str]) -> None:
        super().__init__(step_period_s=0.01)
        self.world, self.child, self.parked = world, child, parked
        self.samples: list[tuple[float, bool]] = []

    def step(self) -> None:
        self.samples.append((self.now_s, _child_visible(self.world, self.child, self.parked)))


def test_the_segment_check_sees_and_misses() -> None:
    car = OrientedBox(x_m=0.0, y_m=0.0, heading_rad=0.3, length_m=4.0, width_m=2.0)
    assert _segment_crosses(car, (-5.0, 0.0), (5.0, 0.0))
    assert not _segment_crosses(car, (-5.0, 3.0), (5.0, 3.0))
    assert not _segment_crosses(car, (-5.0, 0.0), (-3.0, 0.0))  # stops short of it


@pytest.mark.parametrize("label", ["CPNCO 20/5 km/h IL 50 day", "CPNCO 50/5 km/h IL 50 day"])
def test_cpnco_detection_starts_only_once_the_child_emerges(label: str) -> None:
    point = _point("CPNCO", label)
    setup = build_scenario(point)
    assert setup.target_id is not None
    child = setup.target_id
    parked = [actor for actor in setup.world.actor_ids if actor != child]
    assert len(parked) == 2
    probes: list[_VisibilityProbe] = []

    def stack(setup: ScenarioSetup, *, seed: int) -> list[VehicleApp]:
        probes.append(_VisibilityProbe(setup.world, child, parked))
        return [*vehicle_stack(setup, seed=seed), probes[-1]]

    result = run_point(point, setup, stack=stack)
    samples = probes[0].samples
    assert not samples[0][1], "the child must start hidden behind the parked cars"
    emerges_s = next(time_s for time_s, visible in samples if visible)
    assert emerges_s > 1.0
    trace = result.trace
    assert not any(
        detected
        for time_s, detected in zip(trace.time_s, trace.target_detected, strict=True)
        if time_s < emerges_s
    )
    first_detection_s = next(
        time_s for time_s, detected in zip(trace.time_s, trace.target_detected, strict=True) if detected
    )
    assert first_detection_s <= emerges_s + DETECTION_WITHIN_S
