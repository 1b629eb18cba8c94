"""The brake system: hydraulic dead time, jerk-limited build-up and release, the tyre–road
friction limit with ABS, and the split of the braking between regeneration and friction brakes.

Each step (100 Hz) turns a *total* braking-deceleration demand (pedal, AEB, one-pedal regen: all
of it) into the deceleration the wheels actually deliver:

1. **Dead time** — the demand goes through a ring buffer ``dead_time_s`` long (brake-by-wire
   controller, valves, caliper air gap). Apply and release are both delayed.
2. **Jerk limit** — the brake "pressure" (as a deceleration) moves toward the delayed demand at
   ``apply_jerk_mps3`` when building up and at ``release_jerk_mps3`` (twice as fast by default:
   a release vents through open valves, a build-up needs the pump or motor to push fluid).
   It never exceeds ``max_decel_mps2``, what the hydraulics can command.
3. **Friction** — regeneration and friction brakes act through the same tyres, so their sum
   cannot exceed ``abs_efficiency · µ · N / m`` (``µ·g`` on a flat road, less the share lost to
   ABS cycling). At that limit ABS is active (:attr:`BrakeSystem.abs_active`): the wheels do not
   lock, and ABS holds the pressure at the limit, so a release or a higher-µ patch starts from there.
4. **Standstill** — brakes are friction: they never push the car backwards. The returned
   deceleration is at most ``|v| / dt``, so ``v -= decel · dt`` ends at exactly zero.

Then :meth:`BrakeSystem.split` shares that total between the motor (regeneration, up to the limit
the caller passes) and the friction brakes, whose force and power go to the energy books::

    brakes = BrakeSystem(BrakeParams(), mass_kg=1800.0)
    decel = brakes.step(0.01, demand_mps2, speed_mps, road_surface("wet_asphalt").mu)
    regen_force_n = brakes.split(powertrain.max_regen_force_n(speed_mps, charge_limit_w))
    # the motor brakes with regen_force_n; the friction brakes with brakes.friction_force_n
    # (brakes.friction_power_w of heat); together they decelerate the car by `decel`.

Regeneration goes through the same delay and jerk limit as the hydraulics (conservative for AEB:
a faster regen path would stop sooner), and is handed back to the friction brakes while ABS
cycles, as production EVs do: the motor's torque cannot be modulated at ABS rates on an axle
that is at its grip limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sdvkit.vehicle.checks import in_range
from sdvkit.vehicle.errors import ParameterError, VehicleInputError
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2

DEFAULT_PEDAL_MAP: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (5.0, 0.0),
    (25.0, 1.5),
    (50.0, 4.0),
    (75.0, 8.0),
    (100.0, 13.0),
)
"""Brake pedal travel (%) → deceleration demand (m/s²): illustrative, not one car's calibration.
A few % of free travel, then a progressive curve (fine control in everyday braking, full
deceleration at the end of travel), the shape brake-by-wire pedal simulators are tuned to."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BrakeParams:
    """Dynamics and limits of the service brakes (defaults: a modern brake-by-wire EV)."""

    dead_time_s: float = 0.10
    """Demand → first deceleration. Brake-by-wire units (Bosch iBooster/IPB, Continental MK C1) are
    quoted at about 0.12–0.15 s from command to full pressure; 0.1 s of pure delay plus the jerk
    ramp below reproduces that. Typical value, lower end of the 0.1–0.15 s textbook range."""
    apply_jerk_mps3: float = 80.0
    """Fastest build-up of deceleration. 0 → the dry-road ABS limit (≈11 m/s²) in 0.14 s, 0 → full
    hydraulic demand in 0.16 s: the fast end of the 0.15–0.3 s emergency build-up of modern
    systems (typical value)."""
    release_jerk_mps3: float = 160.0
    """Fastest release: twice the build-up rate (chosen; venting through open valves is faster than
    pumping fluid in — full to nothing in about 0.08 s)."""
    max_decel_mps2: float = 13.0
    """The most the hydraulics can command (≈1.3 g). Service brakes are sized to lock the wheels on
    dry asphalt (ECE R13-H asks only 6.43 m/s²), so in an emergency stop the tyre, not the
    hydraulics, is the limit. Typical value."""
    pedal_map: tuple[tuple[float, float], ...] = DEFAULT_PEDAL_MAP
    """(pedal travel %, deceleration demand m/s²), pedal from 0 to 100 increasing, demand
    non-decreasing from 0; linear between points. See :data:`DEFAULT_PEDAL_MAP`."""
    abs_efficiency: float = 0.93
    """Share of the peak µ·g ABS achieves while cycling at the limit: the wheels are held near,
    not at, the peak of the µ–slip curve. Textbook range 0.9–0.95 (typical value)."""

    def __post_init__(self) -> None:
        in_range("brakes.dead_time_s", self.dead_time_s, 0.0, 0.5)
        in_range("brakes.apply_jerk_mps3", self.apply_jerk_mps3, 0.0, 10_000.0, low_open=True)
        in_range("brakes.release_jerk_mps3", self.release_jerk_mps3, 0.0, 10_000.0, low_open=True)
        in_range("brakes.max_decel_mps2", self.max_decel_mps2, 0.0, 30.0, low_open=True)
        in_range("brakes.abs_efficiency", self.abs_efficiency, 0.0, 1.0, low_open=True)
        object.__setattr__(self, "pedal_map", self._checked_pedal_map())

    def _checked_pedal_map(self) -> tuple[tuple[float, float], ...]:
        name = "brakes.pedal_map"
        raw: object = self.pedal_map
        if isinstance(raw, str | bytes) or not isinstance(raw, tuple | list):
            raise ParameterError(name, raw, "must be a sequence of (pedal %, deceleration m/s²) pairs")
        if len(raw) < 2:
            raise ParameterError(name, raw, "needs at least two points (0 % and 100 %)")
        points: list[tuple[float, float]] = []
        for index, point in enumerate(raw):
            if not isinstance(point, tuple | list) or len(point) != 2:
                raise ParameterError(f"{name}[{index}]", point, "must be a (pedal %, deceleration m/s²) pair")
            pedal_pct = in_range(f"{name}[{index}] pedal", point[0], 0.0, 100.0)
            decel = in_range(f"{name}[{index}] deceleration", point[1], 0.0, self.max_decel_mps2)
            if points and pedal_pct <= points[-1][0]:
                raise ParameterError(f"{name}[{index}] pedal", pedal_pct, "pedal travel must increase")
            if points and decel < points[-1][1]:
                raise ParameterError(
                    f"{name}[{index}] deceleration", decel, "must not decrease as the pedal travels"
                )
            points.append((pedal_pct, decel))
        if points[0] != (0.0, 0.0):
            raise ParameterError(name, raw, "must start at (0, 0): no pedal, no braking")
        if points[-1][0] != 100.0:
            raise ParameterError(name, raw, "must end at 100 % pedal travel")
        return tuple(points)

    def pedal_to_decel_mps2(self, pedal_pct: float) -> float:
        """Deceleration demand for a brake pedal travel (0–100 %), linear between map points."""
        if not 0.0 <= pedal_pct <= 100.0:
            raise VehicleInputError(f"brake pedal travel must be 0-100 %, got {pedal_pct!r}")
        points = self.pedal_map
        previous_pedal, previous_decel = points[0]
        for pedal, decel in points[1:]:
            if pedal_pct <= pedal:
                share = (pedal_pct - previous_pedal) / (pedal - previous_pedal)
                return previous_decel + share * (decel - previous_decel)
            previous_pedal, previous_decel = pedal, decel
        return points[-1][1]  # unreachable: the map ends at 100 %


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadSurface:
    """A road surface and its peak tyre–road friction coefficient."""

    name: str
    mu: float
    """Peak friction coefficient (the top of the µ–slip curve), for modern passenger-car tyres."""
    note: str = ""

    def __post_init__(self) -> None:
        in_range(f"surface {self.name}.mu", self.mu, 0.0, 2.0, low_open=True)


SURFACES: Mapping[str, RoadSurface] = MappingProxyType(
    {
        surface.name: surface
        for surface in (
            RoadSurface(
                name="dry_asphalt",
                mu=1.2,
                note=(
                    "modern summer tyres peak at 1.1-1.3 on dry asphalt; 1.2 with ABS at 0.93 gives "
                    "the 36-40 m 100-0 km/h stops road tests report (1.0-1.1, older textbook "
                    "figures, cannot: 41 m from the friction alone, before any build-up)"
                ),
            ),
            RoadSurface(name="wet_asphalt", mu=0.7, note="textbook 0.6-0.7 for wet asphalt, modern tyres"),
            RoadSurface(name="snow", mu=0.25, note="packed snow, winter tyres: textbook 0.2-0.3"),
            RoadSurface(name="ice", mu=0.1, note="ice near 0 °C: textbook 0.05-0.15"),
        )
    }
)
"""The built-in surfaces by name (typical textbook values, see each ``note``)."""


def road_surface(name: str) -> RoadSurface:
    """The built-in surface of that name (``"dry asphalt"``, ``"Dry-Asphalt"`` and
    ``"dry_asphalt"`` are the same); raises :class:`ParameterError` listing the known names."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return SURFACES[key]
    except KeyError:
        raise ParameterError(
            "surface", name, f"unknown road surface; known surfaces: {', '.join(sorted(SURFACES))}"
        ) from None


class BrakeSystem:
    """The brakes' state, stepped at a fixed rate (``step_s``, 100 Hz by default).

    ``mass_kg`` is the mass the caller's deceleration acts on (its effective mass, if it counts the
    wheels' rotating inertia): it turns decelerations into forces and the friction limit
    ``µ·N`` into a deceleration.
    """

    __slots__ = (
        "_abs_limit_per_mu_mps2",
        "_apply_step_mps2",
        "_buffer",
        "_index",
        "_inverse_mass_per_kg",
        "_max_decel_mps2",
        "_release_step_mps2",
        "_speed_abs_mps",
        "abs_active",
        "decel_mps2",
        "friction_decel_mps2",
        "friction_force_n",
        "friction_limit_mps2",
        "friction_power_w",
        "hydraulic_decel_mps2",
        "mass_kg",
        "params",
        "regen_decel_mps2",
        "regen_force_n",
        "step_s",
    )

    params: BrakeParams
    mass_kg: float
    step_s: float
    hydraulic_decel_mps2: float
    """The brake "pressure" as a deceleration: delayed, jerk-limited and, while ABS cycles, held at
    the friction limit. At standstill it is the holding capacity (against a grade, say)."""
    decel_mps2: float
    """Total braking deceleration delivered this step (regeneration + friction): what step returned."""
    friction_limit_mps2: float
    """``abs_efficiency · µ · N / m`` of this step: the most the tyres can brake the car."""
    abs_active: bool
    """The demand exceeded the friction limit while the car was moving: ABS is cycling."""
    regen_decel_mps2: float
    regen_force_n: float
    friction_decel_mps2: float
    friction_force_n: float
    """Force of the friction brakes at the contact patches (for the energy books)."""
    friction_power_w: float
    """Heat the friction brakes make this step: force × speed."""

    def __init__(self, params: BrakeParams | None = None, *, mass_kg: float, step_s: float = 0.01) -> None:
        self.params = params if params is not None else BrakeParams()
        self.mass_kg = in_range("mass_kg", mass_kg, 0.0, 50_000.0, low_open=True)
        self.step_s = in_range("step_s", step_s, 0.0, 0.1, low_open=True)
        delay_steps = round(self.params.dead_time_s / self.step_s)
        self._buffer: list[float] = [0.0] * delay_steps
        self._index = 0
        self._apply_step_mps2 = self.params.apply_jerk_mps3 * self.step_s
        self._release_step_mps2 = self.params.release_jerk_mps3 * self.step_s
        self._max_decel_mps2 = self.params.max_decel_mps2
        self._abs_limit_per_mu_mps2 = self.params.abs_efficiency * STANDARD_GRAVITY_MPS2
        self._inverse_mass_per_kg = 1.0 / self.mass_kg
        self.reset()

    @property
    def dead_time_s(self) -> float:
        """The dead time as simulated: ``params.dead_time_s`` rounded to whole steps."""
        return len(self._buffer) * self.step_s

    def reset(self) -> None:
        """Brakes released, nothing in the delay line."""
        for index in range(len(self._buffer)):
            self._buffer[index] = 0.0
        self._index = 0
        self.hydraulic_decel_mps2 = 0.0
        self.decel_mps2 = 0.0
        self.friction_limit_mps2 = 0.0
        self.abs_active = False
        self.regen_decel_mps2 = 0.0
        self.regen_force_n = 0.0
        self.friction_decel_mps2 = 0.0
        self.friction_force_n = 0.0
        self.friction_power_w = 0.0
        self._speed_abs_mps = 0.0

    def step(
        self,
        dt_s: float,
        decel_demand_mps2: float,
        speed_mps: float,
        mu: float,
        normal_load_n: float | None = None,
    ) -> float:
        """Advance one step; return the total braking deceleration (m/s², ≥ 0) to apply over it.

        ``decel_demand_mps2`` is everything asked of the wheels (pedal, AEB, one-pedal regen).
        ``speed_mps`` may be negative (reversing): braking opposes the motion either way.
        ``normal_load_n`` is the tyres' total load (``m·g·cos θ`` on a grade); default ``m·g``.
        Before :meth:`split` is called, all of it counts as friction braking.
        """
        if abs(dt_s - self.step_s) > 1e-9 * self.step_s:
            raise VehicleInputError(
                f"the brakes step at a fixed {self.step_s} s (their delay line), got dt_s={dt_s!r}"
            )
        if not 0.0 <= decel_demand_mps2 < math.inf:
            raise VehicleInputError(
                f"decel_demand_mps2 must be a finite deceleration ≥ 0, got {decel_demand_mps2!r}"
            )
        if not 0.0 < mu <= 2.0:
            raise VehicleInputError(f"mu must be in (0, 2], got {mu!r}")
        speed = abs(speed_mps)
        if not speed < math.inf:
            raise VehicleInputError(f"speed_mps must be finite, got {speed_mps!r}")

        buffer = self._buffer
        if buffer:
            index = self._index
            delayed = buffer[index]
            buffer[index] = decel_demand_mps2
            index += 1
            self._index = 0 if index == len(buffer) else index
        else:
            delayed = decel_demand_mps2
        delayed = min(delayed, self._max_decel_mps2)

        pressure = self.hydraulic_decel_mps2
        if delayed > pressure:
            pressure = min(delayed, pressure + self._apply_step_mps2)
        else:
            pressure = max(delayed, pressure - self._release_step_mps2)

        if normal_load_n is None:
            limit = self._abs_limit_per_mu_mps2 * mu
        elif 0.0 <= normal_load_n < math.inf:
            limit = self.params.abs_efficiency * mu * normal_load_n * self._inverse_mass_per_kg
        else:
            raise VehicleInputError(f"normal_load_n must be a finite load ≥ 0, got {normal_load_n!r}")
        if pressure > limit:
            pressure = limit  # ABS modulates the pressure down to the lock threshold
            self.abs_active = speed > 0.0
        else:
            self.abs_active = False
        self.hydraulic_decel_mps2 = pressure
        self.friction_limit_mps2 = limit

        stop_mps2 = speed / dt_s
        decel = pressure if pressure < stop_mps2 else stop_mps2
        force = decel * self.mass_kg
        self.decel_mps2 = decel
        self.regen_decel_mps2 = 0.0
        self.regen_force_n = 0.0
        self.friction_decel_mps2 = decel
        self.friction_force_n = force
        self.friction_power_w = force * speed
        self._speed_abs_mps = speed
        return decel

    def split(self, regen_limit_n: float) -> float:
        """Share this step's braking: return the regenerative force (N) the motor must deliver.

        Regeneration takes as much as ``regen_limit_n`` allows (zero while ABS is active); the
        friction brakes deliver the rest (:attr:`friction_force_n`, :attr:`friction_power_w`).
        The sum is always the deceleration :meth:`step` returned. Call once per step, after step.
        """
        if not 0.0 <= regen_limit_n < math.inf:
            raise VehicleInputError(f"regen_limit_n must be a finite force ≥ 0, got {regen_limit_n!r}")
        total_n = self.decel_mps2 * self.mass_kg
        regen_n = 0.0 if self.abs_active else min(regen_limit_n, total_n)
        friction_n = total_n - regen_n
        self.regen_force_n = regen_n
        self.regen_decel_mps2 = regen_n * self._inverse_mass_per_kg
        self.friction_force_n = friction_n
        self.friction_decel_mps2 = self.decel_mps2 - self.regen_decel_mps2
        self.friction_power_w = friction_n * self._speed_abs_mps
        return regen_n
