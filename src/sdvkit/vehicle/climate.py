"""Auxiliary load: the 12 V systems and the cabin climate, both drawn from the traction battery.

The cabin is one lumped thermal mass with a conductance to the outside air. The HVAC
holds it at the set point with a proportional controller inside a dead band; heating runs
a resistive heater (COP 1) or a heat pump (COP > 1), cooling a compressor. Its electrical
draw is the thermal power divided by the COP, capped at the unit's maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sdvkit.vehicle.checks import in_range, non_negative, positive


@dataclass(frozen=True, kw_only=True, slots=True)
class ClimateParams:
    base_auxiliary_power_w: float = 250.0
    """12 V loads with the HVAC off: controllers, lights, infotainment (FASTSim's default, 250 W)."""
    cabin_setpoint_c: float = 22.0
    cabin_deadband_k: float = 0.5
    cabin_heat_capacity_j_per_k: float = 75_000.0
    """Air, seats and trim of a mid-size cabin (FASTSim's Bolt file: 74 kJ/K)."""
    cabin_conductance_w_per_k: float = 150.0
    """Shell and ventilation losses (FASTSim's Bolt file: 15 W/m²K over ~10 m²)."""
    heating_cop: float = 1.0
    """1 for a resistive (PTC) heater; 2-3 for a heat pump at mild temperatures."""
    cooling_cop: float = 2.5
    max_hvac_electrical_power_w: float = 5_000.0
    controller_gain_w_per_k: float = 900.0

    def __post_init__(self) -> None:
        for name in ("base_auxiliary_power_w", "cabin_deadband_k", "max_hvac_electrical_power_w"):
            non_negative(f"climate.{name}", getattr(self, name))
        for name in (
            "cabin_heat_capacity_j_per_k",
            "cabin_conductance_w_per_k",
            "heating_cop",
            "cooling_cop",
            "controller_gain_w_per_k",
        ):
            positive(f"climate.{name}", getattr(self, name))
        in_range("climate.cabin_setpoint_c", self.cabin_setpoint_c, -10.0, 35.0)


class Climate:
    """Cabin temperature and the auxiliary electrical power, stepped with the plant."""

    __slots__ = ("cabin_temperature_c", "hvac_electrical_power_w", "hvac_on", "params", "setpoint_c")

    def __init__(self, params: ClimateParams, *, initial_cabin_c: float) -> None:
        self.params = params
        self.cabin_temperature_c = initial_cabin_c
        self.setpoint_c = params.cabin_setpoint_c
        self.hvac_electrical_power_w = 0.0
        self.hvac_on = True

    @property
    def auxiliary_power_w(self) -> float:
        """Everything the auxiliaries draw: base load plus the HVAC."""
        return self.params.base_auxiliary_power_w + self.hvac_electrical_power_w

    def step(self, dt_s: float, ambient_c: float) -> float:
        """Advance the cabin by ``dt_s``; return the auxiliary electrical power in watts."""
        params = self.params
        error_k = self.setpoint_c - self.cabin_temperature_c
        thermal_w = 0.0
        electrical_w = 0.0
        if self.hvac_on and abs(error_k) > params.cabin_deadband_k:
            # Hold the cabin: cover the shell losses at the set point, plus a proportional term.
            holding_w = params.cabin_conductance_w_per_k * (self.setpoint_c - ambient_c)
            demand_w = holding_w + params.controller_gain_w_per_k * error_k
            cop = params.heating_cop if demand_w > 0 else params.cooling_cop
            electrical_w = min(abs(demand_w) / cop, params.max_hvac_electrical_power_w)
            thermal_w = math.copysign(electrical_w * cop, demand_w)
        elif self.hvac_on:
            holding_w = params.cabin_conductance_w_per_k * (self.cabin_temperature_c - ambient_c)
            cop = params.cooling_cop if holding_w > 0 else params.heating_cop
            electrical_w = min(abs(holding_w) / cop, params.max_hvac_electrical_power_w)
            thermal_w = -math.copysign(electrical_w * cop, holding_w)
        loss_w = params.cabin_conductance_w_per_k * (self.cabin_temperature_c - ambient_c)
        self.cabin_temperature_c += (thermal_w - loss_w) * dt_s / params.cabin_heat_capacity_j_per_k
        self.hvac_electrical_power_w = electrical_w
        return params.base_auxiliary_power_w + electrical_w
