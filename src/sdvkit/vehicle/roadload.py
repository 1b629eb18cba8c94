"""Longitudinal road load: aerodynamic drag, rolling resistance, grade, rotating inertia.

The forces act at the contact patch, opposing motion (positive = resisting forward motion)::

    F_drag  = ½ · ρ · Cd · A · v²
    F_roll  = Crr · m · g · cos(θ)           (only while moving)
    F_grade = m · g · sin(θ)                 (θ = atan(grade))
    m_eff   = m + n_wheels · I_wheel / r²    (rotating inertia of the wheels)

A coast-down with drag and rolling resistance only has the closed-form solution
:func:`coast_down_speed`, which the tests hold the integrated plant to.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from sdvkit.vehicle.checks import non_negative, positive
from sdvkit.vehicle.errors import ParameterError

STANDARD_GRAVITY_MPS2 = 9.80665
"""g, as ISO 80000-3 defines it."""

AIR_DENSITY_KG_PER_M3 = 1.2
"""Dry air near 20 °C at sea level (1.204 kg/m³): the figure road-load data are usually quoted at."""
SEA_LEVEL_PRESSURE_PA = 101_325.0
AIR_GAS_CONSTANT_J_PER_KG_K = 287.058
"""Specific gas constant of dry air."""


def air_density_kg_per_m3(ambient_c: float, altitude_m: float = 0.0) -> float:
    """Dry-air density at a temperature and altitude: ρ = p(h) / (R·T), with the ISA pressure
    ``p(h) = 101325 · (1 − 2.25577e-5 · h)^5.25588``. 1.196 kg/m³ at 22 °C, 1.326 at −7 °C."""
    if not -90.0 <= ambient_c <= 70.0:
        raise ParameterError("ambient_c", ambient_c, "must be in [-90, 70] °C")
    if not -500.0 <= altitude_m <= 9_000.0:
        raise ParameterError("altitude_m", altitude_m, "must be in [-500, 9000] m")
    pressure_pa = SEA_LEVEL_PRESSURE_PA * math.pow(1.0 - 2.25577e-5 * altitude_m, 5.25588)
    return pressure_pa / (AIR_GAS_CONSTANT_J_PER_KG_K * (ambient_c + 273.15))


@dataclass(frozen=True, kw_only=True, slots=True)
class RoadLoadParams:
    """What the road and the air take from the vehicle."""

    mass_kg: float
    """Test mass: curb mass plus driver and load, as the vehicle is driven."""
    drag_coefficient: float
    frontal_area_m2: float
    rolling_resistance_coefficient: float
    wheel_radius_m: float
    wheel_inertia_kg_m2: float = 0.815
    """Rotating inertia of one wheel with tyre, brake disc and hub (FASTSim's default, 0.815 kg·m²)."""
    wheel_count: int = 4
    air_density_kg_per_m3: float = AIR_DENSITY_KG_PER_M3
    """Density of the air the drag acts in. :meth:`in_air` sets it from the ambient temperature and
    the altitude, which the vehicle model does; the default is the 20 °C sea-level figure."""

    def __post_init__(self) -> None:
        positive("road_load.mass_kg", self.mass_kg)
        if self.mass_kg > 50_000:
            raise ParameterError("road_load.mass_kg", self.mass_kg, "is not a passenger vehicle (> 50 t)")
        positive("road_load.drag_coefficient", self.drag_coefficient)
        if self.drag_coefficient > 2.0:
            raise ParameterError("road_load.drag_coefficient", self.drag_coefficient, "must be at most 2")
        positive("road_load.frontal_area_m2", self.frontal_area_m2)
        non_negative("road_load.rolling_resistance_coefficient", self.rolling_resistance_coefficient)
        if self.rolling_resistance_coefficient > 0.1:
            raise ParameterError(
                "road_load.rolling_resistance_coefficient",
                self.rolling_resistance_coefficient,
                "must be at most 0.1 (tyres on a road are 0.006-0.015)",
            )
        positive("road_load.wheel_radius_m", self.wheel_radius_m)
        non_negative("road_load.wheel_inertia_kg_m2", self.wheel_inertia_kg_m2)
        if self.wheel_count < 2:
            raise ParameterError("road_load.wheel_count", self.wheel_count, "must be 2 or more")
        positive("road_load.air_density_kg_per_m3", self.air_density_kg_per_m3)

    def in_air(self, ambient_c: float, altitude_m: float = 0.0) -> RoadLoadParams:
        """A copy with the air density of this temperature and altitude."""
        return dataclasses.replace(self, air_density_kg_per_m3=air_density_kg_per_m3(ambient_c, altitude_m))

    @property
    def effective_mass_kg(self) -> float:
        """Mass plus the translational equivalent of the wheels' rotating inertia."""
        return self.mass_kg + self.wheel_count * self.wheel_inertia_kg_m2 / self.wheel_radius_m**2

    @property
    def drag_factor_n_per_mps2(self) -> float:
        """½ · ρ · Cd · A: the drag force is this times v²."""
        return 0.5 * self.air_density_kg_per_m3 * self.drag_coefficient * self.frontal_area_m2

    def drag_force_n(self, speed_mps: float) -> float:
        return self.drag_factor_n_per_mps2 * speed_mps * speed_mps

    def rolling_force_n(self, grade: float = 0.0) -> float:
        """Rolling resistance while moving; the caller zeroes it at standstill."""
        return (
            self.rolling_resistance_coefficient
            * self.mass_kg
            * STANDARD_GRAVITY_MPS2
            * math.cos(math.atan(grade))
        )

    def grade_force_n(self, grade: float) -> float:
        return self.mass_kg * STANDARD_GRAVITY_MPS2 * math.sin(math.atan(grade))

    def road_load_n(self, speed_mps: float, grade: float = 0.0) -> float:
        """Drag plus rolling resistance plus grade, at a speed above zero."""
        return self.drag_force_n(speed_mps) + self.rolling_force_n(grade) + self.grade_force_n(grade)


def coast_down_speed(params: RoadLoadParams, initial_speed_mps: float, time_s: float) -> float:
    """Analytic speed of a vehicle coasting on a level road (drag and rolling resistance only).

    With ``a = Crr·m·g`` and ``b = ½ρCdA``, ``m_eff · dv/dt = −(a + b·v²)`` gives
    ``v(t) = √(a/b) · tan(atan(v₀·√(b/a)) − t·√(a·b)/m_eff)`` until the speed reaches zero.
    """
    rolling_n = params.rolling_force_n()
    drag_factor = params.drag_factor_n_per_mps2
    mass = params.effective_mass_kg
    if rolling_n == 0:
        # dv/dt = -(b/m) v^2
        return initial_speed_mps / (1 + drag_factor * initial_speed_mps * time_s / mass)
    scale = math.sqrt(rolling_n / drag_factor)
    phase = math.atan(initial_speed_mps / scale) - time_s * math.sqrt(rolling_n * drag_factor) / mass
    return max(0.0, scale * math.tan(phase))


def coast_down_time_s(params: RoadLoadParams, initial_speed_mps: float) -> float:
    """Analytic time a level coast-down from ``initial_speed_mps`` takes to reach standstill."""
    rolling_n = params.rolling_force_n()
    drag_factor = params.drag_factor_n_per_mps2
    if rolling_n == 0:
        return math.inf
    scale = math.sqrt(rolling_n / drag_factor)
    return (
        math.atan(initial_speed_mps / scale) * params.effective_mass_kg / math.sqrt(rolling_n * drag_factor)
    )
