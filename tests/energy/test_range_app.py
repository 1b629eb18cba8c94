"""The range-prediction app: the pure predictor, the app on the broker, and its score against the
range actually driven to empty on the simulated plant (the done-means: the prediction made at
80 % SoC is within 5 % of the distance then driven)."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterator

import pytest

from sdvkit.energy.cycle_run import CycleDriverApp
from sdvkit.energy.errors import EnergyRunError, RangeModelError
from sdvkit.energy.range_app import (
    AMBIENT,
    DISTANCE,
    ENERGY,
    MIN_CONSUMPTION_WH_PER_M,
    RANGE,
    RECENT_CONSUMPTION,
    SPEED,
    DriveToEmptyResult,
    RangeAppSpec,
    RangeAppStatus,
    RangePredictionApp,
    drive_to_empty,
    repeat_cycles,
    repeats_to_empty,
)
from sdvkit.energy.range_model import (
    RangeModelSpec,
    RangeObservation,
    RangePredictor,
    Route,
    RouteSegment,
    VehicleEnergySpec,
    segment_energies_wh,
)
from sdvkit.runtime import AppRunner, Manifest, SimClock, VehicleApp
from sdvkit.signals import Broker
from sdvkit.signals.broker import BrokerClient
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.signals.subscription import Datapoint
from sdvkit.vehicle.battery import BatteryParams
from sdvkit.vehicle.library import builtin_vehicle
from sdvkit.vehicle.model import VehicleModel
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.plant import VehiclePlant
from sdvkit.world.cycles import DriveCycle, builtin_cycle

STEP_S = 0.1
"""The coarsest step the plant's brakes accept: the drives to empty run in a few seconds each."""


def small_bolt() -> VehicleParams:
    """A Bolt with a 30 kWh pack whose usable window is 98 % → 25 % SoC (22 kWh).

    The 18 % of the pack used before the 80 % mark is ~2 WLTCs of history, as a real pack's is;
    the window's end at 25 % keeps the drive to empty to ~4 h of simulated time.
    """
    bolt = builtin_vehicle("chevrolet-bolt-2020")
    battery = BatteryParams.for_pack(
        energy_kwh=30.0,
        nominal_voltage_v=350.0,
        max_discharge_power_w=160_000.0,
        max_charge_power_w=70_000.0,
        min_soc=0.25,
        max_soc=0.98,
    )
    return dataclasses.replace(bolt, battery=battery)


THRESHOLDS = (80.0, 90.0, 70.0, 60.0, 50.0)


@pytest.fixture(scope="module")
def drives() -> dict[bool, DriveToEmptyResult]:
    """WLTC class 3b, repeated until empty, once without and once with the route known."""
    params = small_bolt()
    spec = RangeAppSpec(model=RangeModelSpec.for_vehicle(params))
    wltc = [builtin_cycle("wltc3b")]
    return {
        with_route: drive_to_empty(
            params, wltc, with_route=with_route, spec=spec, thresholds_soc_pct=THRESHOLDS, step_s=STEP_S
        )
        for with_route in (False, True)
    }


# -- the done-means --------------------------------------------------------------------------------


@pytest.mark.parametrize("with_route", [False, True], ids=["no route", "route known"])
def test_prediction_at_80_percent_is_within_5_percent_of_the_distance_driven_to_empty(
    drives: dict[bool, DriveToEmptyResult], with_route: bool
) -> None:
    result = drives[with_route]
    score = result.score_at(80.0)
    assert result.end == "trace"  # it drove until the pack could no longer follow the trace
    assert score.actual_distance_m > 100_000.0  # ~5 WLTCs from the 80 % mark
    assert abs(score.error) < 0.05, (score, result.wall_time_s)


def test_the_route_aware_prediction_is_at_least_as_accurate(drives: dict[bool, DriveToEmptyResult]) -> None:
    blind, planned = drives[False], drives[True]
    # Over the whole drive, not just at one mark: knowing the road ahead removes the WLTC's
    # phase-by-phase swings of the recent consumption.
    assert planned.mean_abs_error <= blind.mean_abs_error
    assert all(abs(score.error) < 0.03 for score in planned.scores), planned.scores


def test_both_drives_are_the_same_drive(drives: dict[bool, DriveToEmptyResult]) -> None:
    """The app only reads: what it knows does not change what the car does."""
    assert drives[False].distance_m == drives[True].distance_m
    assert drives[False].duration_s == drives[True].duration_s


# -- the app on the broker -------------------------------------------------------------------------


class Scene:
    """Plant, cycle driver and range app on one broker, on a SimClock; a reader for the bus."""

    def __init__(
        self,
        params: VehicleParams,
        cycle: DriveCycle,
        *,
        ambient_c: float = 22.0,
        spec: RangeAppSpec | None = None,
    ) -> None:
        self.clock = SimClock(tick_s=STEP_S)
        broker = Broker(builtin_catalogue(), now_ns=self.clock.now_ns)
        self.runner = AppRunner(broker, self.clock)
        self.model = VehicleModel(params, step_s=STEP_S, initial_soc=0.9, ambient_c=ambient_c)
        self.runner.add(VehiclePlant(self.model))
        self.runner.add(CycleDriverApp(cycle, step_s=STEP_S))
        self.app = self.runner.add(
            RangePredictionApp(spec or RangeAppSpec(model=RangeModelSpec.for_vehicle(params)))
        )
        self.reader = broker.connect("reader")
        self.runner.start()

    def value(self, path: str) -> float:
        datapoint = self.reader.get(path)
        assert datapoint is not None, path
        return float(datapoint.value)

    def seconds(self, count: int) -> Iterator[int]:
        for second in range(count):
            self.clock.run_for(1.0)
            yield second


def test_the_app_publishes_range_and_recent_consumption_once_a_second() -> None:
    scene = Scene(small_bolt(), builtin_cycle("wltc3b"))
    scene.clock.run_for(0.9)
    assert scene.reader.get(RANGE) is None
    scene.clock.run_for(0.1)
    first = scene.reader.get(RANGE)
    assert first is not None
    assert scene.app.status is RangeAppStatus.PUBLISHING
    for _ in scene.seconds(600):
        pass
    assert latest(scene.reader, RANGE).timestamp_ns == round(600 * 1e9) + first.timestamp_ns
    # ~19 kWh left at the 8-9 kWh/100 km of the WLTC's low phase (and the prior, still).
    assert 150_000 < scene.value(RANGE) < 260_000
    assert 8.0 < scene.value(RECENT_CONSUMPTION) < 20.0
    assert isinstance(latest(scene.reader, RANGE).value, int)


def test_a_cold_ambient_lowers_the_prediction_early_on() -> None:
    ranges = {}
    for ambient_c in (22.0, -7.0):
        scene = Scene(small_bolt(), builtin_cycle("wltc3b"), ambient_c=ambient_c)
        scene.clock.run_for(120.0)
        ranges[ambient_c] = scene.value(RANGE)
    # The heater's ~4 kW at -7 °C: the prior says so before a kilometre is driven.
    assert ranges[-7.0] < 0.8 * ranges[22.0], ranges


def test_the_published_range_moves_with_the_distance_while_driving_steadily() -> None:
    spec = RangeAppSpec(model=RangeModelSpec.for_vehicle(small_bolt()))
    steady = DriveCycle(name="steady 90", time_s=(0.0, 20.0, 1200.0), speed_mps=(0.0, 25.0, 25.0))
    scene = Scene(small_bolt(), steady, spec=spec)
    scene.clock.run_for(1.0)
    previous = (scene.value(RANGE), scene.value(DISTANCE))
    changes = []
    for _ in scene.seconds(1100):
        now = (scene.value(RANGE), scene.value(DISTANCE))
        range_m, previous_range_m = now[0], previous[0]
        driven_m = now[1] - previous[1]
        bound_m = spec.max_correction_m_per_s + spec.max_correction_fraction_per_s * previous_range_m + 1.0
        assert abs(range_m - previous_range_m + driven_m) <= bound_m  # no jumps
        changes.append(range_m - previous_range_m)
        previous = now
    # Monotone-ish: once up to speed, the range never rises by more than a few metres a second.
    assert max(changes[30:]) <= 5.0
    assert scene.value(RANGE) < 0.9 * 160_000.0  # and it did fall, by about the distance driven


# -- stale inputs ------------------------------------------------------------------------------


def status_of(app: RangePredictionApp) -> RangeAppStatus:
    """The app's status now (a call, so that type narrowing does not outlive the clock's runs)."""
    return app.status


def latest(reader: BrokerClient, path: str) -> Datapoint:
    datapoint = reader.get(path)
    assert datapoint is not None, path
    return datapoint


class Feeder(VehicleApp):
    """Publishes the app's four inputs at their declared rates, until told to drop one."""

    name = "feeder"
    manifest = Manifest(writes=(ENERGY, DISTANCE, SPEED, AMBIENT))
    step_period_s = 0.02

    def __init__(self) -> None:
        super().__init__()
        self.silent: set[str] = set()
        self.distance_m = 0.0
        self.energy_kwh = 20.0

    def step(self) -> None:
        self.distance_m += 25.0 * 0.02
        self.energy_kwh -= 0.13 * 25.0 * 0.02 / 1000.0
        tick = self.step_count
        values = {SPEED: 90.0}
        if tick % 5 == 0:
            values[ENERGY] = self.energy_kwh
        if tick % 50 == 0:
            values[DISTANCE] = round(self.distance_m)
            values[AMBIENT] = 15.0
        self.publish({path: value for path, value in values.items() if path not in self.silent})


def test_stale_inputs_stop_the_publishing_and_say_so(caplog: pytest.LogCaptureFixture) -> None:
    clock = SimClock(tick_s=0.02)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    feeder = runner.add(Feeder())
    app = runner.add(RangePredictionApp())
    reader = broker.connect("reader")
    runner.start()
    clock.run_for(5.0)
    published = reader.get(RANGE)
    assert published is not None
    assert status_of(app) is RangeAppStatus.PUBLISHING

    feeder.silent.add(SPEED)
    with caplog.at_level(logging.WARNING, logger="sdvkit.energy.range_app"):
        clock.run_for(5.0)
    assert status_of(app) is RangeAppStatus.STALE
    assert [item.path for item in app.stale] == [SPEED]
    assert app.refused_steps == 5
    assert reader.get(RANGE) == published  # not a single publish
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per stale spell, not once a second
    assert "Vehicle.Speed" in warnings[0].getMessage()

    feeder.silent.clear()
    clock.run_for(1.0)
    assert status_of(app) is RangeAppStatus.PUBLISHING
    assert latest(reader, RANGE).timestamp_ns > published.timestamp_ns


def test_inputs_that_never_arrived_publish_nothing() -> None:
    clock = SimClock(tick_s=0.02)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    app = runner.add(RangePredictionApp())
    reader = broker.connect("reader")
    runner.start()
    clock.run_for(3.0)
    assert app.status is RangeAppStatus.STALE
    assert {item.path for item in app.stale} == {ENERGY, DISTANCE, SPEED, AMBIENT}
    assert all(item.age_s is None for item in app.stale)
    assert reader.get(RANGE) is None


# -- the pure predictor ----------------------------------------------------------------------------


def observe_constant(
    predictor: RangePredictor,
    *,
    distance_m: float,
    consumption_wh_per_m: float,
    energy_wh: float = 20_000.0,
    speed_mps: float = 0.0,
    ambient_c: float = 22.0,
    step_m: float = 20.0,
) -> float:
    """Feed ``distance_m`` of driving at a constant consumption; return the energy left (Wh)."""
    steps = round(distance_m / step_m)
    for index in range(steps + 1):
        predictor.observe(
            RangeObservation(
                time_s=index * 1.0,
                distance_m=index * step_m,
                energy_wh=energy_wh - index * step_m * consumption_wh_per_m,
                speed_mps=speed_mps,
                ambient_c=ambient_c,
            )
        )
    return energy_wh - steps * step_m * consumption_wh_per_m


def test_the_first_prediction_is_the_prior() -> None:
    spec = RangeModelSpec(prior_consumption_wh_per_m=0.16)
    prediction = RangePredictor(spec).observe(
        RangeObservation(time_s=0.0, distance_m=0.0, energy_wh=16_000.0, speed_mps=0.0, ambient_c=22.0)
    )
    assert prediction.range_m == pytest.approx(100_000.0)
    assert prediction.consumption_wh_per_m == pytest.approx(0.16)
    assert prediction.route_scale is None


def test_the_recent_consumption_takes_over_from_the_prior() -> None:
    predictor = RangePredictor(RangeModelSpec(prior_consumption_wh_per_m=0.16, window_m=20_000.0))
    energy_wh = observe_constant(predictor, distance_m=100_000.0, consumption_wh_per_m=0.12)
    prediction = predictor.predict()
    assert prediction.consumption_wh_per_m == pytest.approx(0.12, rel=0.002)
    assert prediction.range_m == pytest.approx(energy_wh / 0.12, rel=0.002)
    # Early on, the prior still counts: 1 km observed against 5 km of prior.
    early = RangePredictor(RangeModelSpec(prior_consumption_wh_per_m=0.16, window_m=20_000.0))
    observe_constant(early, distance_m=1_000.0, consumption_wh_per_m=0.12)
    assert 0.15 < early.predict().consumption_wh_per_m < 0.16


def test_a_cold_prior_includes_the_heating() -> None:
    spec = RangeModelSpec(vehicle=VehicleEnergySpec(heating_cop=1.0, cabin_conductance_w_per_k=150.0))
    warm, cold = (
        RangePredictor(spec).observe(
            RangeObservation(
                time_s=0.0, distance_m=0.0, energy_wh=20_000.0, speed_mps=0.0, ambient_c=ambient_c
            )
        )
        for ambient_c in (22.0, -7.0)
    )
    heating_wh_per_m = 150.0 * 29.0 / spec.prior_speed_mps / 3600.0
    assert cold.consumption_wh_per_m == pytest.approx(warm.consumption_wh_per_m + heating_wh_per_m)
    assert cold.range_m < 0.7 * warm.range_m


def test_speed_is_banked_not_consumed() -> None:
    """Accelerating moves energy into motion that regeneration gives back: the consumption ignores
    it, and the range counts it."""
    vehicle = VehicleEnergySpec()
    predictor = RangePredictor(RangeModelSpec(vehicle=vehicle, prior_distance_m=0.0))
    bank_wh = vehicle.regen_recovery * 0.5 * vehicle.effective_mass_kg * 30.0**2 / 3600.0
    common = {"ambient_c": 22.0}
    predictor.observe(
        RangeObservation(time_s=0.0, distance_m=0.0, energy_wh=10_000.0, speed_mps=0.0, **common)
    )
    predictor.observe(
        RangeObservation(
            time_s=20.0, distance_m=300.0, energy_wh=10_000.0 - bank_wh - 30.0, speed_mps=30.0, **common
        )
    )
    prediction = predictor.predict()
    assert prediction.consumption_wh_per_m == pytest.approx(0.1)
    assert prediction.range_m == pytest.approx((10_000.0 - 30.0) / 0.1)


def test_charging_at_a_standstill_is_not_negative_consumption() -> None:
    predictor = RangePredictor(RangeModelSpec(prior_distance_m=0.0))
    energy_wh = observe_constant(predictor, distance_m=10_000.0, consumption_wh_per_m=0.15)
    before = predictor.predict().consumption_wh_per_m
    last = RangeObservation(
        time_s=1000.0, distance_m=10_000.0, energy_wh=energy_wh + 5_000.0, speed_mps=0.0, ambient_c=22.0
    )
    after = predictor.observe(last)
    assert after.consumption_wh_per_m == pytest.approx(before)
    assert after.range_m == pytest.approx((energy_wh + 5_000.0) / before)


def flat_route(count: int, *, length_m: float = 1_000.0, speed_mps: float = 20.0) -> Route:
    return Route(segments=tuple(RouteSegment(length_m=length_m, speed_mps=speed_mps) for _ in range(count)))


def test_the_route_model_integrates_the_road_ahead() -> None:
    vehicle = VehicleEnergySpec()
    route = flat_route(50)
    per_segment_wh = segment_energies_wh(route, vehicle, 22.0)[1]  # the first also speeds up
    predictor = RangePredictor(RangeModelSpec(vehicle=vehicle))
    predictor.set_route(route, start_distance_m=0.0)
    prediction = predictor.observe(
        RangeObservation(
            time_s=0.0, distance_m=10_000.0, energy_wh=10.5 * per_segment_wh, speed_mps=0.0, ambient_c=22.0
        )
    )
    assert prediction.route_scale == 1.0
    assert prediction.route_remaining_m == pytest.approx(40_000.0)
    assert prediction.range_m == pytest.approx(10_500.0)


def test_past_the_end_of_the_route_the_recent_consumption_takes_over() -> None:
    vehicle = VehicleEnergySpec()
    route = flat_route(5)
    route_wh = math.fsum(segment_energies_wh(route, vehicle, 22.0))
    spec = RangeModelSpec(vehicle=vehicle, prior_consumption_wh_per_m=0.2)
    predictor = RangePredictor(spec)
    predictor.set_route(route)
    prediction = predictor.observe(
        RangeObservation(
            time_s=0.0, distance_m=0.0, energy_wh=route_wh + 2_000.0, speed_mps=0.0, ambient_c=22.0
        )
    )
    assert prediction.range_m == pytest.approx(5_000.0 + 2_000.0 / 0.2)
    predictor.clear_route()
    assert predictor.predict().route_scale is None


def test_a_descent_is_found_by_the_first_point_that_reaches_the_energy() -> None:
    """Up a hill, down it (regenerating), then flat: the energy along the route falls and rises
    again; the range is where it first reaches the energy on board, wherever that is."""
    climb = [
        RouteSegment(length_m=500.0, speed_mps=15.0, grade=0.08, speed_up_j_per_kg=0.0) for _ in range(4)
    ]
    descent = [
        RouteSegment(length_m=500.0, speed_mps=15.0, grade=-0.08, speed_up_j_per_kg=0.0) for _ in range(4)
    ]
    flat = [RouteSegment(length_m=500.0, speed_mps=15.0, speed_up_j_per_kg=0.0) for _ in range(40)]
    route = Route(segments=(*climb, *descent, *flat))
    vehicle = VehicleEnergySpec()
    energies = segment_energies_wh(route, vehicle, 22.0)
    assert energies[5] < 0.0  # the descent gives energy back
    cumulative = [0.0]
    for energy in energies:
        cumulative.append(cumulative[-1] + energy)
    hilltop_wh = cumulative[4]
    ranges = {}
    for energy_wh in (0.5 * hilltop_wh, 1.01 * hilltop_wh, 0.9 * cumulative[-1]):
        predictor = RangePredictor(RangeModelSpec(vehicle=vehicle))
        predictor.set_route(route)
        range_m = predictor.observe(
            RangeObservation(time_s=0.0, distance_m=0.0, energy_wh=energy_wh, speed_mps=0.0, ambient_c=22.0)
        ).range_m
        # Brute force: the first boundary at or above the target, then interpolate back.
        index = next(i for i, value in enumerate(cumulative) if value >= energy_wh)
        fraction = (energy_wh - cumulative[index - 1]) / (cumulative[index] - cumulative[index - 1])
        assert range_m == pytest.approx((index - 1 + fraction) * 500.0)
        ranges[energy_wh] = range_m
    # With just enough for the climb, the descent and the flat after it come free.
    assert ranges[1.01 * hilltop_wh] > 4_500.0


def test_the_route_scale_is_fitted_to_the_observed_consumption() -> None:
    vehicle = VehicleEnergySpec()
    route = flat_route(100)
    model_wh_per_m = segment_energies_wh(route, vehicle, 22.0)[1] / 1_000.0
    predictor = RangePredictor(RangeModelSpec(vehicle=vehicle))
    predictor.set_route(route)
    observe_constant(predictor, distance_m=99_000.0, consumption_wh_per_m=1.3 * model_wh_per_m, speed_mps=0.0)
    scale = predictor.predict().route_scale
    assert scale == pytest.approx(1.3, rel=0.01)


def test_route_from_cycles_covers_the_cycles() -> None:
    udds, hwfet = builtin_cycle("udds"), builtin_cycle("hwfet")
    route = Route.from_cycles([udds, hwfet], repeats=3)
    assert route.length_m == pytest.approx(3 * (udds.distance_m + hwfet.distance_m))
    duration_s = sum(segment.length_m / segment.speed_mps for segment in route.segments)
    assert duration_s == pytest.approx(3 * (udds.duration_s + hwfet.duration_s))
    speed_ups = sum(segment.speed_up_j_per_kg or 0.0 for segment in route.segments)
    slow_downs = sum(segment.slow_down_j_per_kg or 0.0 for segment in route.segments)
    assert speed_ups == pytest.approx(slow_downs)  # every cycle starts and ends at a standstill
    repeated = repeat_cycles([udds, hwfet], 2)
    assert repeated.distance_m == pytest.approx(2 * (udds.distance_m + hwfet.distance_m))


# -- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "parameter"),
    [
        (lambda: RangeModelSpec(window_m=0.0), "window_m"),
        (lambda: RangeModelSpec(prior_distance_m=-1.0), "prior_distance_m"),
        (lambda: RangeModelSpec(prior_consumption_wh_per_m=math.nan), "prior_consumption_wh_per_m"),
        (lambda: VehicleEnergySpec(drive_efficiency=1.2), "drive_efficiency"),
        (lambda: VehicleEnergySpec(mass_kg=1500.0, effective_mass_kg=1400.0), "effective_mass_kg"),
        (lambda: RouteSegment(length_m=0.0, speed_mps=10.0), "length_m"),
        (lambda: RouteSegment(length_m=100.0, speed_mps=10.0, grade=1.5), "grade"),
        (lambda: Route(segments=()), "segments"),
        (lambda: Route.from_cycles([builtin_cycle("udds")], repeats=0), "repeats"),
        (
            lambda: RangeObservation(
                time_s=0.0, distance_m=-1.0, energy_wh=1.0, speed_mps=0.0, ambient_c=0.0
            ),
            "distance_m",
        ),
        (lambda: RangeAppSpec(publish_period_s=0.0), "publish_period_s"),
        (lambda: RangeAppSpec(max_correction_fraction_per_s=math.inf), "max_correction_fraction_per_s"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(build: Callable[[], object], parameter: str) -> None:
    with pytest.raises(RangeModelError, match=parameter):
        build()


def test_observations_never_go_back() -> None:
    predictor = RangePredictor()
    predictor.observe(
        RangeObservation(time_s=10.0, distance_m=500.0, energy_wh=1.0, speed_mps=0.0, ambient_c=0.0)
    )
    with pytest.raises(RangeModelError, match="distance_m"):
        predictor.observe(
            RangeObservation(time_s=11.0, distance_m=400.0, energy_wh=1.0, speed_mps=0.0, ambient_c=0.0)
        )
    with pytest.raises(RangeModelError, match="observe"):
        RangePredictor().predict()


def test_drive_to_empty_refuses_thresholds_it_cannot_reach() -> None:
    with pytest.raises(EnergyRunError, match="threshold"):
        drive_to_empty(small_bolt(), [builtin_cycle("udds")], thresholds_soc_pct=(99.0,))


@pytest.mark.parametrize("name", ["chevrolet-bolt-2020", "nissan-leaf-30-2016"])
def test_drive_to_empty_repeats_the_cycle_enough_to_run_empty(name: str) -> None:
    params = builtin_vehicle(name)
    wltc = builtin_cycle("wltc3b")
    repeats = repeats_to_empty(params, [wltc])
    usable_wh = params.battery.energy_j / 3600.0 * (params.battery.max_soc - params.battery.min_soc)
    # Even at 5 kWh/100 km, far below any EV on WLTC, the laps outlast the battery.
    assert repeats * wltc.distance_m * MIN_CONSUMPTION_WH_PER_M >= usable_wh
    assert (repeats - 1) * wltc.distance_m * MIN_CONSUMPTION_WH_PER_M < usable_wh
