"""The range-prediction app: the plant's energy, odometer, speed and ambient in; the range out.

:class:`RangePredictionApp` samples its four rated inputs once a second, feeds them to the pure
:class:`~sdvkit.energy.range_model.RangePredictor`, and publishes ``Vehicle.Powertrain.Range``
(UINT32 metres) and ``Vehicle.Powertrain.EnergyUse.RecentAverageConsumption`` (kWh/100 km). It
publishes nothing while an input is stale, and says so: ``status`` turns ``STALE``, ``stale``
names the inputs, and a warning is logged once per stale spell. ``set_route()`` gives it the road
ahead; ``clear_route()`` takes it away.

The published range moves by the distance driven plus at most 10 m and 0.1 % of itself per
second (``RangeAppSpec``), so a driver never sees it jump; the first value, and the first after
the route changes, are published as predicted.

:func:`drive_to_empty` scores the app against the simulated plant: it drives cycles, repeated,
from a full pack until the battery can no longer follow the trace (or reaches its minimum SoC),
and compares the range on the bus when the SoC first fell below each threshold (80 %: the
project's done-means, within 5 %) with the distance then actually driven.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from sdvkit.energy.cycle_run import TRACE_TOLERANCE_KMH, CycleDriverApp
from sdvkit.energy.errors import EnergyRunError, RangeModelError
from sdvkit.energy.range_model import (
    RangeModelSpec,
    RangeObservation,
    RangePrediction,
    RangePredictor,
    Route,
)
from sdvkit.runtime import AppRunner, Input, Manifest, SimClock, StaleInput, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.cycles import DriveCycle

_log = logging.getLogger(__name__)

_BATTERY = "Vehicle.Powertrain.TractionBattery"
ENERGY = f"{_BATTERY}.StateOfCharge.CurrentEnergy"
STATE_OF_CHARGE = f"{_BATTERY}.StateOfCharge.Current"
DISTANCE = "Vehicle.TraveledDistance"
SPEED = "Vehicle.Speed"
AMBIENT = "Vehicle.Exterior.AirTemperature"
RANGE = "Vehicle.Powertrain.Range"
RECENT_CONSUMPTION = "Vehicle.Powertrain.EnergyUse.RecentAverageConsumption"
UINT32_MAX = 2**32 - 1


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeAppSpec:
    """How the app publishes; ``model`` is how it predicts."""

    publish_period_s: float = 1.0
    max_correction_m_per_s: float = 10.0
    max_correction_fraction_per_s: float = 0.001
    """The published range moves by the distance driven plus at most ``max_correction_m_per_s``
    plus this fraction of itself, per second (0.1 %/s: a 10 % correction takes 100 s)."""
    model: RangeModelSpec = field(default_factory=RangeModelSpec)

    def __post_init__(self) -> None:
        for name in ("publish_period_s", "max_correction_m_per_s", "max_correction_fraction_per_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value < math.inf:
                raise RangeModelError(f"{name} must be a finite number above zero, not {value!r}")
        if not isinstance(self.model, RangeModelSpec):
            raise RangeModelError(f"model must be a RangeModelSpec, not {self.model!r}")


class RangeAppStatus(Enum):
    """What the app did at its last step."""

    WAITING = "waiting"
    """Started; not stepped yet."""
    PUBLISHING = "publishing"
    STALE = "stale"
    """Refused to publish: an input is stale or never arrived (see ``stale``)."""


class RangePredictionApp(VehicleApp):
    """Predicts the range from the plant's signals and publishes it once a second.

    Add it to the runner after the plant, so that each step sees the plant's values of that tick
    (``Vehicle.Speed`` is rated 50 Hz: stale after 50 ms).
    """

    name = "range prediction"
    manifest = Manifest(
        reads=(
            Input(path=ENERGY, rate_hz=10.0),
            Input(path=DISTANCE, rate_hz=1.0),
            Input(path=SPEED, rate_hz=50.0),
            Input(path=AMBIENT, rate_hz=1.0),
        ),
        writes=(RANGE, RECENT_CONSUMPTION),
    )

    def __init__(self, spec: RangeAppSpec | None = None, *, name: str | None = None) -> None:
        spec = RangeAppSpec() if spec is None else spec
        if not isinstance(spec, RangeAppSpec):
            raise RangeModelError(f"spec must be a RangeAppSpec, not {spec!r}")
        super().__init__(name=name, step_period_s=spec.publish_period_s)
        self.spec = spec
        self.predictor = RangePredictor(spec.model)
        self.status = RangeAppStatus.WAITING
        self.stale: tuple[StaleInput, ...] = ()
        """The stale inputs of the last refused step."""
        self.refused_steps = 0
        """Steps that published nothing because an input was stale."""
        self.prediction: RangePrediction | None = None
        """The predictor's last answer, before the rate limit."""
        self.published_range_m: int | None = None
        self.route: Route | None = None
        self._pending_route: tuple[Route, float | None] | None = None
        self._held: tuple[float, float, float] | None = None  # range_m, distance_m, time_s
        self._last: RangeObservation | None = None

    def on_start(self) -> None:
        self.provide([RANGE, RECENT_CONSUMPTION])

    def set_route(self, route: Route, *, start_distance_m: float | None = None) -> None:
        """Give the road ahead, starting at odometer ``start_distance_m`` (default: here)."""
        if not isinstance(route, Route):
            raise RangeModelError(f"route must be a Route, not {route!r}")
        self.route = route
        if self._last is None:  # the next observation says where "here" is
            self._pending_route = (route, start_distance_m)
        else:
            self.predictor.set_route(route, start_distance_m=start_distance_m)
        self._held = None

    def clear_route(self) -> None:
        """Forget the road ahead: predict from the recent consumption alone."""
        self.route, self._pending_route, self._held = None, None, None
        self.predictor.clear_route()

    def step(self) -> None:
        stale = self.stale_input_details()
        if stale:
            if self.status is not RangeAppStatus.STALE:
                _log.warning(
                    "app %r publishes no range: %s", self.name, "; ".join(item.describe() for item in stale)
                )
            self.status, self.stale = RangeAppStatus.STALE, tuple(stale)
            self.refused_steps += 1
            return
        if self.status is RangeAppStatus.STALE:
            _log.info("app %r: inputs fresh again, publishing the range", self.name)
        observation = self._observe()
        if self._pending_route is not None:
            route, start_m = self._pending_route
            self._pending_route = None
            self.predictor.set_route(
                route, start_distance_m=observation.distance_m if start_m is None else start_m
            )
        prediction = self.predictor.observe(observation)
        self._last = observation
        range_m = self._limited(prediction.range_m, observation)
        published = min(UINT32_MAX, max(0, round(range_m)))
        self.publish({RANGE: published, RECENT_CONSUMPTION: prediction.consumption_wh_per_m * 100.0})
        self.prediction, self.published_range_m = prediction, published
        self.status, self.stale = RangeAppStatus.PUBLISHING, ()

    def _observe(self) -> RangeObservation:
        values = []
        for path in (ENERGY, DISTANCE, SPEED, AMBIENT):
            datapoint = self.get(path)
            if datapoint is None:  # fresh inputs have values; this is a broker fault
                raise RangeModelError(f"app {self.name!r}: {path} has no value although it is fresh")
            values.append(float(datapoint.value))
        energy_kwh, distance_m, speed_kmh, ambient_c = values
        return RangeObservation(
            time_s=self.now_s,
            distance_m=distance_m,
            energy_wh=energy_kwh * 1000.0,
            speed_mps=speed_kmh / 3.6,
            ambient_c=ambient_c,
        )

    def _limited(self, range_m: float, observation: RangeObservation) -> float:
        held = self._held
        if held is not None:
            held_range_m, held_distance_m, held_time_s = held
            expected_m = held_range_m - (observation.distance_m - held_distance_m)
            spec = self.spec
            slack_m = spec.max_correction_m_per_s + spec.max_correction_fraction_per_s * held_range_m
            slack_m *= observation.time_s - held_time_s
            range_m = min(max(range_m, expected_m - slack_m), expected_m + slack_m)
        range_m = max(0.0, range_m)
        self._held = (range_m, observation.distance_m, observation.time_s)
        return range_m


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeScore:
    """The range on the bus when the SoC first fell below ``soc_pct``, and what was then driven."""

    soc_pct: float
    predicted_range_m: float
    actual_distance_m: float
    """Driven from then until the vehicle fell behind the trace or reached its minimum SoC."""

    @property
    def error(self) -> float:
        """Relative error of the prediction: (predicted − actual) / actual."""
        return (self.predicted_range_m - self.actual_distance_m) / self.actual_distance_m


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveToEmptyResult:
    """A drive to empty and the app's predictions along it, one per threshold SoC."""

    vehicle: str
    cycle: str
    ambient_c: float
    with_route: bool
    scores: tuple[RangeScore, ...]
    """In the order the thresholds were passed."""
    end: str
    """``"trace"``: fell behind the trace by more than TRACE_TOLERANCE_KMH; ``"min_soc"``."""
    distance_m: float
    duration_s: float
    wall_time_s: float

    def score_at(self, soc_pct: float) -> RangeScore:
        for score in self.scores:
            if score.soc_pct == soc_pct:
                return score
        raise KeyError(f"no score at {soc_pct} % SoC; scored at {[s.soc_pct for s in self.scores]}")

    @property
    def mean_abs_error(self) -> float:
        """Mean of the absolute relative errors over the thresholds."""
        return sum(abs(score.error) for score in self.scores) / len(self.scores)


MIN_CONSUMPTION_WH_PER_M = 0.05
"""5 kWh/100 km: less than any EV uses on a road cycle, so repeats sized on it reach empty."""


def repeats_to_empty(params: VehicleParams, cycles: Sequence[DriveCycle]) -> int:
    """How many times to repeat ``cycles`` so the battery surely runs empty on them."""
    battery = params.battery
    usable_wh = battery.energy_j / 3600.0 * (battery.max_soc - battery.min_soc)
    lap_m = sum(cycle.distance_m for cycle in cycles)
    return max(1, math.ceil(usable_wh / MIN_CONSUMPTION_WH_PER_M / lap_m))


def repeat_cycles(cycles: Sequence[DriveCycle], repeats: int, *, name: str | None = None) -> DriveCycle:
    """One cycle that drives ``cycles`` in turn, ``repeats`` times, one second apart."""
    if not cycles or isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise RangeModelError(f"repeat_cycles needs at least one cycle and repeats ≥ 1, not {repeats!r}")
    times: list[float] = []
    speeds: list[float] = []
    grades: list[float] = []
    for _ in range(repeats):
        for cycle in cycles:
            offset = (times[-1] + 1.0 if times else 0.0) - cycle.start_time_s
            times.extend(t + offset for t in cycle.time_s)
            speeds.extend(cycle.speed_mps)
            grades.extend(cycle.grade)
    label = name or "+".join(cycle.name for cycle in cycles)
    return DriveCycle(name=label, time_s=tuple(times), speed_mps=tuple(speeds), grade=tuple(grades))


def drive_to_empty(
    params: VehicleParams,
    cycles: Sequence[DriveCycle],
    *,
    with_route: bool = False,
    spec: RangeAppSpec | None = None,
    initial_soc: float | None = None,
    thresholds_soc_pct: Sequence[float] = (80.0,),
    ambient_c: float = 22.0,
    altitude_m: float = 0.0,
    step_s: float = 0.1,
    max_repeats: int | None = None,
) -> DriveToEmptyResult:
    """Drive ``cycles`` in turn on the plant, repeated, until empty; score the app's predictions.

        Plant, cycle driver and :class:`RangePredictionApp` run on one broker on a SimClock ticking
        ``step_s``, from ``initial_soc`` (default: the pack's max SoC). With ``with_route`` the app
        knows the road ahead from the start (the same cycles, ``max_repeats`` times; by default as many
    as :func:`repeats_to_empty` says). Raises
        EnergyRunError if the cycles run out before the battery, or a threshold is not below the start.
    """
    start_wall = time.perf_counter()
    initial_soc = params.battery.max_soc if initial_soc is None else initial_soc
    thresholds = tuple(float(pct) for pct in thresholds_soc_pct)
    low, high = 100.0 * params.battery.min_soc, 100.0 * initial_soc
    if not thresholds or not all(low < pct < high for pct in thresholds):
        raise EnergyRunError(
            f"thresholds {thresholds} must lie between the min SoC ({low} %) and the initial SoC"
        )
    if max_repeats is None:
        max_repeats = repeats_to_empty(params, cycles)
    cycle = repeat_cycles(cycles, max_repeats)
    clock = SimClock(tick_s=step_s)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    model = VehicleModel(
        params, step_s=step_s, initial_soc=initial_soc, ambient_c=ambient_c, altitude_m=altitude_m
    )
    runner.add(VehiclePlant(model))
    runner.add(CycleDriverApp(cycle, step_s=step_s))
    app = runner.add(RangePredictionApp(spec))
    if with_route:
        app.set_route(Route.from_cycles(cycles, repeats=max_repeats), start_distance_m=0.0)
    scorer = broker.connect("range scoring")
    has_grade = any(cycle.grade)
    marks: dict[float, tuple[float, float]] = {}  # threshold: (range on the bus, distance then)
    battery, min_soc = model.battery, params.battery.min_soc
    runner.start()
    try:
        while True:
            if has_grade:
                model.grade = cycle.grade_at(clock.now_s)
            clock.advance()
            now_s = clock.now_s
            if now_s >= cycle.end_time_s:
                raise EnergyRunError(f"{cycle.name} × {max_repeats} ended before the battery was empty")
            soc = scorer.get(STATE_OF_CHARGE)
            soc_pct = 100.0 if soc is None else float(soc.value)
            for pct in thresholds:
                if pct not in marks and soc_pct < pct:
                    published = scorer.get(RANGE)
                    if published is None:
                        raise EnergyRunError(f"the range app had published no range at {pct} % SoC")
                    marks[pct] = (float(published.value), model.ledger.distance_m)
            if len(marks) < len(thresholds):
                continue
            behind_kmh = (cycle.speed_at(now_s) - abs(model.speed_mps)) * 3.6
            if behind_kmh > TRACE_TOLERANCE_KMH or battery.soc <= min_soc:
                break
    finally:
        runner.stop()
        scorer.close()
    distance_m = model.ledger.distance_m
    return DriveToEmptyResult(
        vehicle=params.name,
        cycle=cycle.name,
        ambient_c=ambient_c,
        with_route=with_route,
        scores=tuple(
            RangeScore(
                soc_pct=pct, predicted_range_m=marks[pct][0], actual_distance_m=distance_m - marks[pct][1]
            )
            for pct in thresholds
        ),
        end="trace" if battery.soc > min_soc else "min_soc",
        distance_m=distance_m,
        duration_s=clock.now_s,
        wall_time_s=time.perf_counter() - start_wall,
    )
