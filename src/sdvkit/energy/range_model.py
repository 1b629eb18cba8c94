"""Range prediction, as pure logic: observations in, metres of range out. No broker, no clock.

The predictor answers "how far will the usable energy on board take me?" from four observations
(:class:`RangeObservation`: odometer, usable battery energy, speed, ambient temperature) and,
when one is known, the road ahead (:class:`Route`).

**Recent consumption** ``c`` (Wh/m) is distance-weighted: each step between observations enters
two sums (energy used, distance) that decay by ``exp(-Δd / window_m)`` as the odometer advances,
so the last ``window_m`` (30 km) count most. The energy a step used is the battery's drop less the
rise of the kinetic bank ``B = r·½·m_eff·v²`` (what regeneration will give back: an acceleration
is banked, not consumed). A prior (``prior_consumption_wh_per_m`` plus the HVAC power the ambient
calls for, spread over the observed mean speed) enters as ``prior_distance_m`` of pseudo-
observations at the start of the trip, fading alike: the first kilometres are sane, and a cold
morning lowers the range before any has been driven::

    c = (S_E + w·c_prior(T)) / (S_d + w),   w = prior_distance_m · exp(-D / window_m)

Without a route: ``range = (E_usable − E_reserve + B) / c``.

**With a route** (segments of length L, mean speed v̄ with stops, grade θ, drag speed v_d, and
the rises K⁺ and falls K⁻ of v²/2 inside them) a physical model gives each segment's battery
energy::

    E_seg = W⁺/η − r·W⁻ + m_eff·(K⁺/η − r·K⁻) + P_aux(T)·L/v̄
    W = (m·g·(C_rr + θ) + ½·ρ·C_d·A·v_d²)·L      (W⁺, W⁻: its positive and negative part)

(η: battery-to-wheel efficiency; r: the share of braking energy that returns to the battery;
P_aux: 12 V loads plus the HVAC at the ambient temperature.) Its scale ``k`` is fitted online,
over the same distance window, as observed over modelled energy on the stretch of route driven
(prior ``k = 1``, worth ``prior_distance_m``). The range is the distance along the route at which
``k·∫E_seg`` reaches the usable energy; past the end of the route the rest goes at the recent
consumption ``c``. Descents (a falling cumulative energy) are exact: a sparse table of maxima
finds the first point that reaches the target, in O(log n). Scored against the simulated plant
by :func:`sdvkit.energy.range_app.drive_to_empty`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sdvkit.energy.errors import RangeModelError
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2, air_density_kg_per_m3
from sdvkit.world.cycles import DriveCycle, builtin_cycle

J_PER_WH = 3600.0
_UNDRIVABLE_SHARE_OF_DERATE_BAND = 0.3
"""Below ~30 % of its power a car cannot keep up with mixed traffic (WLTC peaks at ~30-45 % of a
compact EV's rated power)."""
_NOMINAL_TO_WINDOW_ENERGY = 0.92
"""OCV at the bottom of an NMC window is about 8 % below nominal: the reserve's energy per SoC."""
_REGEN_SHARE = 0.93  # of the braking, done by regeneration (the rest: friction, at a crawl)


def _check(
    name: str, value: object, low: float = -math.inf, high: float = math.inf, *, open_low: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RangeModelError(f"{name} must be a finite number, not {value!r}")
    if value < low or value > high or (open_low and value == low):
        bounds = f"{'(' if open_low else '['}{low:g}, {high:g}]"
        raise RangeModelError(f"{name} must be within {bounds}, not {value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleEnergySpec:
    """The physical figures of the route model. The defaults are a generic mid-size EV."""

    mass_kg: float = 1700.0
    effective_mass_kg: float = 1730.0
    """Mass plus the rotating inertia of the wheels, for the speed-ups."""
    drag_area_m2: float = 0.70
    rolling_resistance_coefficient: float = 0.008
    drive_efficiency: float = 0.90
    """Battery terminals to wheels while driving."""
    regen_recovery: float = 0.80
    """Share of the braking energy at the wheels that returns to the battery."""
    auxiliary_power_w: float = 250.0
    """12 V loads, HVAC off."""
    cabin_setpoint_c: float = 22.0
    cabin_conductance_w_per_k: float = 150.0
    heating_cop: float = 1.5
    cooling_cop: float = 2.5
    max_hvac_power_w: float = 5000.0

    def __post_init__(self) -> None:
        for name in ("mass_kg", "drag_area_m2", "heating_cop", "cooling_cop"):
            _check(name, getattr(self, name), 0.0, open_low=True)
        _check("effective_mass_kg", self.effective_mass_kg, self.mass_kg)
        _check("rolling_resistance_coefficient", self.rolling_resistance_coefficient, 0.0, 0.1)
        _check("drive_efficiency", self.drive_efficiency, 0.0, 1.0, open_low=True)
        _check("regen_recovery", self.regen_recovery, 0.0, 1.0)
        for name in ("auxiliary_power_w", "cabin_conductance_w_per_k", "max_hvac_power_w"):
            _check(name, getattr(self, name), 0.0)
        _check("cabin_setpoint_c", self.cabin_setpoint_c, -40.0, 40.0)

    @classmethod
    def from_vehicle(cls, params: VehicleParams) -> VehicleEnergySpec:
        """The figures of a simulated or library vehicle (:mod:`sdvkit.vehicle.library`)."""
        road, powertrain, climate = params.road_load, params.powertrain, params.climate
        # Motor efficiency at the light loads (5-20 % of rated power) most driving is done at.
        motoring = sum(powertrain.motoring_efficiency(x) for x in (0.05, 0.1, 0.2)) / 3.0
        generating = sum(powertrain.generating_efficiency(x) for x in (0.05, 0.1, 0.2)) / 3.0
        gear = powertrain.transmission_efficiency
        return cls(
            mass_kg=road.mass_kg,
            effective_mass_kg=road.effective_mass_kg,
            drag_area_m2=road.drag_coefficient * road.frontal_area_m2,
            rolling_resistance_coefficient=road.rolling_resistance_coefficient,
            drive_efficiency=motoring * gear,
            regen_recovery=_REGEN_SHARE * generating * gear,
            auxiliary_power_w=climate.base_auxiliary_power_w,
            cabin_setpoint_c=climate.cabin_setpoint_c,
            cabin_conductance_w_per_k=climate.cabin_conductance_w_per_k,
            heating_cop=climate.heating_cop,
            cooling_cop=climate.cooling_cop,
            max_hvac_power_w=climate.max_hvac_electrical_power_w,
        )

    def hvac_power_w(self, ambient_c: float) -> float:
        """Electrical power the HVAC needs to hold the cabin at the set point (steady state)."""
        demand_w = self.cabin_conductance_w_per_k * (self.cabin_setpoint_c - ambient_c)
        cop = self.heating_cop if demand_w > 0 else self.cooling_cop
        return min(abs(demand_w) / cop, self.max_hvac_power_w)


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeModelSpec:
    """How the predictor weighs what it sees against what it assumes."""

    window_m: float = 30_000.0
    """Distance over which observations fade by 1/e."""
    prior_distance_m: float = 5_000.0
    """How many metres of observation the prior is worth at the start of a trip."""
    prior_consumption_wh_per_m: float = 0.16
    """Consumption assumed before any is observed, HVAC off (0.16 Wh/m = 16 kWh/100 km)."""
    prior_speed_mps: float = 12.0
    """Mean speed that spreads the HVAC power over distance until one is observed."""
    reserve_energy_wh: float = 0.0
    """Energy kept back: the range is what the rest takes the vehicle."""
    min_consumption_wh_per_m: float = 0.03
    """Floor of the consumption used to divide the energy (long descents, regen)."""
    vehicle: VehicleEnergySpec = field(default_factory=VehicleEnergySpec)

    def __post_init__(self) -> None:
        for name in ("window_m", "prior_consumption_wh_per_m", "prior_speed_mps", "min_consumption_wh_per_m"):
            _check(name, getattr(self, name), 0.0, open_low=True)
        _check("prior_distance_m", self.prior_distance_m, 0.0)
        _check("reserve_energy_wh", self.reserve_energy_wh, 0.0)
        if not isinstance(self.vehicle, VehicleEnergySpec):
            raise RangeModelError(f"vehicle must be a VehicleEnergySpec, not {self.vehicle!r}")

    @classmethod
    def for_vehicle(cls, params: VehicleParams) -> RangeModelSpec:
        """A spec that knows the vehicle: its figures, and as the prior the route model's consumption
        over the EPA combined cycle (55 % UDDS, 45 % HWFET; HVAC off), as a window sticker would."""
        vehicle = VehicleEnergySpec.from_vehicle(params)
        routes = {
            share: Route.from_cycles([builtin_cycle(name)])
            for name, share in (("udds", 0.55), ("hwfet", 0.45))
        }
        prior = sum(
            share * math.fsum(segment_energies_wh(route, vehicle, vehicle.cabin_setpoint_c)) / route.length_m
            for share, route in routes.items()
        )
        # The battery manager derates discharge power linearly over the last ``soc_derate_band`` of
        # the window: in its lowest part the car can no longer keep up with traffic, so that
        # energy is held back as the reserve.
        battery = params.battery
        reserve_wh = (
            battery.energy_j
            / J_PER_WH
            * battery.soc_derate_band
            * _UNDRIVABLE_SHARE_OF_DERATE_BAND
            * _NOMINAL_TO_WINDOW_ENERGY
        )
        return cls(vehicle=vehicle, prior_consumption_wh_per_m=prior, reserve_energy_wh=reserve_wh)


@dataclass(frozen=True, kw_only=True, slots=True)
class RouteSegment:
    """A stretch of the road ahead, driven as one."""

    length_m: float
    speed_mps: float
    """Mean speed over the segment, stops included (its duration is length / speed)."""
    grade: float = 0.0
    """Rise over run (0.05 climbs 5 %)."""
    drag_speed_mps: float | None = None
    """Root of the distance-weighted mean of v² (what the drag sees); None: ``speed_mps``."""
    speed_up_j_per_kg: float | None = None
    """Σ of the rises of v²/2 inside (stop-and-go); None: from the previous segment's speed."""
    slow_down_j_per_kg: float | None = None
    """Σ of the falls of v²/2 inside the segment; None: from the previous segment's speed."""

    def __post_init__(self) -> None:
        _check("length_m", self.length_m, 0.0, open_low=True)
        _check("speed_mps", self.speed_mps, 0.0, open_low=True)
        _check("grade", self.grade, -0.99, 0.99)
        for name in ("drag_speed_mps", "speed_up_j_per_kg", "slow_down_j_per_kg"):
            if getattr(self, name) is not None:
                _check(name, getattr(self, name), 0.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class Route:
    """The road ahead: segments in driving order."""

    segments: tuple[RouteSegment, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        if not self.segments:
            raise RangeModelError("segments must hold at least one RouteSegment")
        for index, segment in enumerate(self.segments):
            if not isinstance(segment, RouteSegment):
                raise RangeModelError(f"segments[{index}] must be a RouteSegment, not {segment!r}")

    @property
    def length_m(self) -> float:
        return math.fsum(segment.length_m for segment in self.segments)

    @classmethod
    def from_cycles(
        cls, cycles: Sequence[DriveCycle], *, repeats: int = 1, segment_length_m: float = 200.0
    ) -> Route:
        """The road a sequence of drive cycles covers, ``repeats`` times, in ~``segment_length_m`` pieces."""
        if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
            raise RangeModelError(f"repeats must be a whole number ≥ 1, not {repeats!r}")
        _check("segment_length_m", segment_length_m, 0.0, open_low=True)
        if not cycles:
            raise RangeModelError("cycles must hold at least one DriveCycle")
        pieces: list[RouteSegment] = []
        for cycle in cycles:
            if cycle.distance_m <= 0.0:
                raise RangeModelError(f"cycles: cycle {cycle.name!r} covers no distance")
            pieces.extend(_cycle_segments(cycle, segment_length_m))
        return cls(segments=tuple(pieces) * repeats)


def _cycle_segments(cycle: DriveCycle, segment_length_m: float) -> list[RouteSegment]:
    segments: list[RouteSegment] = []
    length = duration = v_cubed = speed_up = slow_down = grade = 0.0
    t, v, g = cycle.time_s, cycle.speed_mps, cycle.grade
    for i in range(len(t) - 1):
        dt, v0, v1 = t[i + 1] - t[i], v[i], v[i + 1]
        ds = 0.5 * (v0 + v1) * dt
        length += ds
        duration += dt
        v_cubed += 0.25 * (v0**3 + v0 * v0 * v1 + v0 * v1 * v1 + v1**3) * dt  # exact for linear v(t)
        kinetic = 0.5 * (v1 * v1 - v0 * v0)
        speed_up += max(0.0, kinetic)
        slow_down += max(0.0, -kinetic)
        grade += 0.5 * (g[i] + g[i + 1]) * ds
        if length >= segment_length_m or (i == len(t) - 2 and length > 0.0):
            segments.append(
                RouteSegment(
                    length_m=length,
                    speed_mps=length / duration,
                    grade=grade / length,
                    drag_speed_mps=math.sqrt(v_cubed / length),
                    speed_up_j_per_kg=speed_up,
                    slow_down_j_per_kg=slow_down,
                )
            )
            length = duration = v_cubed = speed_up = slow_down = grade = 0.0
    if duration > 0.0:  # a trailing stop: its time belongs to the last piece
        last = segments[-1]
        segments[-1] = replace(last, speed_mps=last.length_m / (last.length_m / last.speed_mps + duration))
    return segments


def segment_energies_wh(route: Route, vehicle: VehicleEnergySpec, ambient_c: float) -> list[float]:
    """Battery energy (Wh) of each segment of ``route`` by the physical model, unscaled."""
    aux_w = vehicle.auxiliary_power_w + vehicle.hvac_power_w(ambient_c)
    eta, recovery = vehicle.drive_efficiency, vehicle.regen_recovery
    half_rho_cda = 0.5 * air_density_kg_per_m3(ambient_c) * vehicle.drag_area_m2
    mg = vehicle.mass_kg * STANDARD_GRAVITY_MPS2
    mass = vehicle.effective_mass_kg
    previous_speed = 0.0
    energies: list[float] = []
    for segment in route.segments:
        drag_speed = segment.speed_mps if segment.drag_speed_mps is None else segment.drag_speed_mps
        step = 0.5 * (segment.speed_mps**2 - previous_speed**2)
        previous_speed = segment.speed_mps
        speed_up = max(0.0, step) if segment.speed_up_j_per_kg is None else segment.speed_up_j_per_kg
        slow_down = max(0.0, -step) if segment.slow_down_j_per_kg is None else segment.slow_down_j_per_kg
        wheel_j = mg * (vehicle.rolling_resistance_coefficient + segment.grade) + half_rho_cda * drag_speed**2
        wheel_j *= segment.length_m
        battery_j = wheel_j / eta if wheel_j >= 0.0 else wheel_j * recovery
        battery_j += mass * (speed_up / eta - slow_down * recovery)
        battery_j += aux_w * segment.length_m / segment.speed_mps
        energies.append(battery_j / J_PER_WH)
    return energies


class _CumulativeEnergy:
    """Cumulative model energy along a route, and the first point at which it reaches a target."""

    __slots__ = ("energy_wh", "length_m", "positions_m", "table", "total_wh")

    def __init__(self, lengths_m: Sequence[float], energies_wh: Sequence[float]) -> None:
        positions, energy = [0.0], [0.0]
        for length, segment_wh in zip(lengths_m, energies_wh, strict=True):
            positions.append(positions[-1] + length)
            energy.append(energy[-1] + segment_wh)
        self.positions_m, self.energy_wh = positions, energy
        self.length_m, self.total_wh = positions[-1], energy[-1]
        # table[k][i] = max(energy[i : i + 2**k]): range maxima in O(1).
        self.table = [energy]
        span = 1
        while 2 * span <= len(energy):
            row = self.table[-1]
            self.table.append([max(row[i], row[i + span]) for i in range(len(row) - span)])
            span *= 2

    def _index(self, position_m: float) -> int:
        return min(max(bisect_right(self.positions_m, position_m) - 1, 0), len(self.positions_m) - 2)

    def at(self, position_m: float) -> float:
        position_m = min(max(position_m, 0.0), self.length_m)
        i = self._index(position_m)
        p0, p1 = self.positions_m[i], self.positions_m[i + 1]
        e0, e1 = self.energy_wh[i], self.energy_wh[i + 1]
        return e0 + (e1 - e0) * (position_m - p0) / (p1 - p0)

    def _max(self, low: int, high: int) -> float:
        level = (high - low + 1).bit_length() - 1
        row = self.table[level]
        return max(row[low], row[high - (1 << level) + 1])

    def first_reach(self, position_m: float, target_wh: float) -> float | None:
        """The first position at or after ``position_m`` where the energy reaches ``target_wh``."""
        energy, positions = self.energy_wh, self.positions_m
        last = len(energy) - 1
        low = self._index(position_m) + 1
        if self._max(low, last) < target_wh:
            return None
        high = last
        while low < high:  # the first boundary whose energy reaches the target
            middle = (low + high) // 2
            if self._max(low, middle) >= target_wh:
                high = middle
            else:
                low = middle + 1
        start_p, start_e = positions[low - 1], energy[low - 1]
        if positions[low - 1] < position_m:
            start_p, start_e = position_m, self.at(position_m)
        if start_e >= target_wh:
            return start_p
        return start_p + (positions[low] - start_p) * (target_wh - start_e) / (energy[low] - start_e)


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeObservation:
    """What the predictor sees at one instant."""

    time_s: float
    distance_m: float
    """Odometer."""
    energy_wh: float
    """Usable battery energy remaining (down to the minimum state of charge)."""
    speed_mps: float
    ambient_c: float

    def __post_init__(self) -> None:
        _check("time_s", self.time_s)
        for name in ("distance_m", "energy_wh", "speed_mps"):
            _check(name, getattr(self, name), 0.0)
        _check("ambient_c", self.ambient_c, -60.0, 70.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class RangePrediction:
    """One prediction: the range and what it rests on."""

    range_m: float
    consumption_wh_per_m: float
    """Recent consumption, the prior blended in while little has been observed."""
    route_scale: float | None
    """Observed over modelled energy on the route; None without a route."""
    route_remaining_m: float | None
    """Route left ahead of the vehicle; None without a route."""


class RangePredictor:
    """Deterministic range predictor: feed it observations in time order, read the prediction."""

    def __init__(self, spec: RangeModelSpec | None = None) -> None:
        self.spec = RangeModelSpec() if spec is None else spec
        if not isinstance(self.spec, RangeModelSpec):
            raise RangeModelError(f"spec must be a RangeModelSpec, not {self.spec!r}")
        self._last: RangeObservation | None = None
        self._observed_m = self._sum_wh = self._sum_m = self._sum_s = 0.0
        self._route: Route | None = None
        self._cumulative: _CumulativeEnergy | None = None
        self._route_start_m = self._route_observed_m = self._route_obs_wh = self._route_model_wh = 0.0
        self._route_ambient_c = math.nan

    def set_route(self, route: Route, *, start_distance_m: float | None = None) -> None:
        """Plan along ``route``, starting at odometer ``start_distance_m`` (default: the last seen)."""
        if not isinstance(route, Route):
            raise RangeModelError(f"route must be a Route, not {route!r}")
        if start_distance_m is None:
            start_distance_m = 0.0 if self._last is None else self._last.distance_m
        self._route_start_m = _check("start_distance_m", start_distance_m, 0.0)
        self._route, self._cumulative = route, None
        self._route_observed_m = self._route_obs_wh = self._route_model_wh = 0.0

    def clear_route(self) -> None:
        self._route, self._cumulative = None, None

    def observe(self, observation: RangeObservation) -> RangePrediction:
        """Take one observation (time and odometer never go back) and predict."""
        if not isinstance(o := observation, RangeObservation):
            raise RangeModelError(f"observation must be a RangeObservation, not {o!r}")
        last = self._last
        if last is not None:
            if o.time_s < last.time_s or o.distance_m < last.distance_m:
                raise RangeModelError(f"observations must not go back in time_s or distance_m: {last} -> {o}")
            self._learn(last, o)
        self._last = o
        return self.predict()

    def _learn(self, last: RangeObservation, o: RangeObservation) -> None:
        step_m = o.distance_m - last.distance_m
        used_wh = last.energy_wh - o.energy_wh
        if step_m == 0.0 and o.speed_mps < 0.1 and used_wh < 0.0:
            return  # charging at a standstill is not negative consumption
        decay = math.exp(-step_m / self.spec.window_m)
        self._sum_wh = self._sum_wh * decay + used_wh - self._kinetic_wh(o) + self._kinetic_wh(last)
        self._sum_m = self._sum_m * decay + step_m
        self._sum_s = self._sum_s * decay + (o.time_s - last.time_s)
        self._observed_m += step_m
        cumulative = self._route_energy(o.ambient_c)
        if cumulative is None:
            return
        p0, p1 = last.distance_m - self._route_start_m, o.distance_m - self._route_start_m
        if p1 <= 0.0 or p0 >= cumulative.length_m:
            return  # not on the route yet, or past its end
        self._route_obs_wh = self._route_obs_wh * decay + used_wh
        self._route_model_wh = self._route_model_wh * decay + cumulative.at(p1) - cumulative.at(p0)
        self._route_observed_m += step_m

    def _kinetic_wh(self, o: RangeObservation) -> float:
        """What the motion would give back by regeneration: banked, not consumed."""
        vehicle = self.spec.vehicle
        return vehicle.regen_recovery * 0.5 * vehicle.effective_mass_kg * o.speed_mps**2 / J_PER_WH

    def _route_energy(self, ambient_c: float) -> _CumulativeEnergy | None:
        route = self._route
        if route is None:
            return None
        if self._cumulative is None or abs(ambient_c - self._route_ambient_c) > 0.5:
            energies = segment_energies_wh(route, self.spec.vehicle, ambient_c)
            self._cumulative = _CumulativeEnergy([s.length_m for s in route.segments], energies)
            self._route_ambient_c = ambient_c
        return self._cumulative

    def consumption_wh_per_m(self) -> float:
        """Recent consumption with the prior blended in (Wh/m)."""
        spec, last = self.spec, self._last
        ambient_c = spec.vehicle.cabin_setpoint_c if last is None else last.ambient_c
        observed_speed = self._sum_m / self._sum_s if self._sum_s > 0.0 else 0.0
        speed = observed_speed if self._sum_m > 1000.0 and observed_speed > 1.0 else spec.prior_speed_mps
        prior = spec.prior_consumption_wh_per_m + spec.vehicle.hvac_power_w(ambient_c) / speed / J_PER_WH
        weight = spec.prior_distance_m * math.exp(-self._observed_m / spec.window_m)
        total_m = self._sum_m + weight
        blended = (self._sum_wh + weight * prior) / total_m if total_m > 0.0 else prior
        return max(blended, spec.min_consumption_wh_per_m)

    def route_scale(self) -> float | None:
        """Observed over modelled energy on the route, the prior (1) blended in."""
        cumulative = self._cumulative
        if self._route is None or cumulative is None:
            return None
        spec = self.spec
        prior_wh = spec.prior_distance_m * max(cumulative.total_wh, 0.0) / cumulative.length_m
        prior_wh *= math.exp(-self._route_observed_m / spec.window_m)
        model_wh = self._route_model_wh + prior_wh
        return 1.0 if model_wh <= 0.0 else min(max((self._route_obs_wh + prior_wh) / model_wh, 0.2), 5.0)

    def predict(self) -> RangePrediction:
        """The prediction for the last observation."""
        last = self._last
        if last is None:
            raise RangeModelError("predict() needs an observation first: call observe()")
        energy_wh = max(0.0, last.energy_wh - self.spec.reserve_energy_wh)
        consumption = self.consumption_wh_per_m()
        cumulative = self._route_energy(last.ambient_c)
        scale = self.route_scale()
        range_m, remaining_m = (energy_wh + self._kinetic_wh(last)) / consumption, None
        if cumulative is not None and scale is not None:
            position = max(0.0, last.distance_m - self._route_start_m)  # before its start: at it
            remaining_m = max(0.0, cumulative.length_m - position)
            range_m = 0.0
            if energy_wh > 0.0 and remaining_m > 0.0:
                start_wh = cumulative.at(position)
                reach = cumulative.first_reach(position, start_wh + energy_wh / scale)
                range_m += remaining_m if reach is None else reach - position
                energy_wh = energy_wh - scale * (cumulative.total_wh - start_wh) if reach is None else 0.0
            range_m += max(0.0, energy_wh) / consumption
        return RangePrediction(
            range_m=range_m,
            consumption_wh_per_m=consumption,
            route_scale=scale,
            route_remaining_m=remaining_m,
        )
