"""Traction battery: an equivalent-circuit pack model for the simulated EV.

The pack is an open-circuit voltage source V_oc(SoC) (a per-cell OCV table times the cells in
series) behind an internal resistance R(T) that rises when cold (Arrhenius factor). A step at
terminal power P solves P = (V_oc − I·R)·I for the current I (positive = discharge), counts
coulombs into the SoC, books energy exactly (chemical = terminal + loss on discharge, terminal =
chemical + loss on charge) and heats a lumped thermal mass by I²R with a conductance to ambient.
Power limits derate near the ends of the usable SoC window and outside the comfortable
temperature range. Charging follows the curves of :mod:`sdvkit.vehicle.charging`.

``step`` runs at 100 Hz inside a simulation many times faster than real time: plain floats,
``math``, ``bisect``, no allocation.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from sdvkit.vehicle.battery_params import (
    KELVIN_OFFSET_C,
    NMC_CELL_OCV_V,
    NMC_SOC_BREAKPOINTS,
    REFERENCE_TEMPERATURE_C,
    BatteryParams,
)
from sdvkit.vehicle.charging import ChargerKind, charge_curve_w, charge_time_s

__all__ = [
    "NMC_CELL_OCV_V",
    "NMC_SOC_BREAKPOINTS",
    "BatteryParams",
    "ChargerKind",
    "TractionBattery",
]
from sdvkit.vehicle.errors import VehicleInputError


def _check_step(dt_s: float, ambient_c: float) -> None:
    if not 0.0 < dt_s < math.inf:
        raise VehicleInputError(f"dt_s = {dt_s!r}: must be positive and finite")
    if not -KELVIN_OFFSET_C < ambient_c < math.inf:
        raise VehicleInputError(f"ambient_c = {ambient_c!r}: must be a finite temperature above -273.15")


def _check_target(target_soc: float) -> None:
    if not 0.0 <= target_soc <= 1.0:
        raise VehicleInputError(f"target_soc = {target_soc!r}: must be within [0, 1]")


class TractionBattery:
    """The pack's state, stepped by terminal power; current and power are positive on discharge.

    VSS ``TractionBattery.CurrentCurrent`` is positive *into* the battery: publish ``-current_a``.
    """

    __slots__ = (
        "_capacity_as",
        "_chemical_in_j",
        "_chemical_out_j",
        "_cumulative_energy",
        "_current_a",
        "_decay",
        "_decay_dt_s",
        "_energy_in_j",
        "_energy_out_j",
        "_inverse_capacity_as",
        "_last_index",
        "_loss_j",
        "_ocv_v",
        "_slope_v",
        "_soc",
        "_soc_points",
        "_temperature_c",
        "_terminal_power_w",
        "_terminal_voltage_v",
        "params",
    )

    def __init__(self, params: BatteryParams) -> None:
        self.params = params
        cells = params.cells_in_series
        self._soc_points = params.ocv_soc_breakpoints
        self._ocv_v = tuple(cells * v for v in params.ocv_cell_v)
        points, ocv = self._soc_points, self._ocv_v
        self._last_index = len(points) - 2
        self._slope_v = tuple(
            (ocv[k + 1] - ocv[k]) / (points[k + 1] - points[k]) for k in range(len(points) - 1)
        )
        cumulative = [0.0]
        for k in range(len(points) - 1):
            cumulative.append(cumulative[-1] + (points[k + 1] - points[k]) * (ocv[k] + ocv[k + 1]) * 0.5)
        self._cumulative_energy = tuple(cumulative)
        self._capacity_as = params.capacity_ah * 3600.0
        self._inverse_capacity_as = 1.0 / self._capacity_as
        self._soc = params.initial_soc
        self._temperature_c = params.initial_temperature_c
        self._current_a = 0.0
        self._terminal_power_w = 0.0
        self._terminal_voltage_v = self.pack_ocv_v(self._soc)
        self._energy_out_j = 0.0
        self._energy_in_j = 0.0
        self._chemical_out_j = 0.0
        self._chemical_in_j = 0.0
        self._loss_j = 0.0
        self._decay_dt_s = 0.0
        self._decay = 1.0

    # -- state ---------------------------------------------------------------------------------

    @property
    def soc(self) -> float:
        """State of charge, fraction of the gross capacity (0..1)."""
        return self._soc

    @property
    def state_of_charge(self) -> float:
        """Physical SoC in percent (VSS ``StateOfCharge.Current``)."""
        return self._soc * 100.0

    @property
    def displayed_soc(self) -> float:
        """SoC in percent across the usable window, 0 at min_soc, 100 at max_soc (VSS ``Displayed``)."""
        params = self.params
        fraction = (self._soc - params.min_soc) / (params.max_soc - params.min_soc)
        return 100.0 * min(1.0, max(0.0, fraction))

    @property
    def temperature_c(self) -> float:
        return self._temperature_c

    @property
    def current_a(self) -> float:
        """Current of the last step (A), positive on discharge."""
        return self._current_a

    @property
    def terminal_voltage_v(self) -> float:
        """Terminal voltage of the last step (V): its OCV − I·R."""
        return self._terminal_voltage_v

    @property
    def terminal_power_w(self) -> float:
        """Terminal power of the last step (W), positive on discharge."""
        return self._terminal_power_w

    @property
    def open_circuit_voltage_v(self) -> float:
        """Pack OCV at the present SoC (V)."""
        return self.pack_ocv_v(self._soc)

    @property
    def internal_resistance_ohm(self) -> float:
        """Pack resistance at the present temperature (Ω)."""
        return self.resistance_at_ohm(self._temperature_c)

    @property
    def energy_out_j(self) -> float:
        """Energy delivered at the terminals (discharge), cumulative."""
        return self._energy_out_j

    @property
    def energy_in_j(self) -> float:
        """Energy taken in at the terminals (regen, charging), cumulative."""
        return self._energy_in_j

    @property
    def chemical_energy_out_j(self) -> float:
        """Energy drawn from the cells at OCV (discharge), cumulative."""
        return self._chemical_out_j

    @property
    def chemical_energy_in_j(self) -> float:
        """Energy stored in the cells at OCV (charge), cumulative."""
        return self._chemical_in_j

    @property
    def loss_j(self) -> float:
        """Resistive (I²R) loss, both directions, cumulative."""
        return self._loss_j

    # -- characteristics -----------------------------------------------------------------------

    def pack_ocv_v(self, soc: float) -> float:
        """Pack open-circuit voltage (V) at ``soc`` (0..1), linear between breakpoints."""
        index = bisect_right(self._soc_points, soc) - 1
        if index > self._last_index:
            index = self._last_index
        elif index < 0:
            index = 0
        return self._ocv_v[index] + self._slope_v[index] * (soc - self._soc_points[index])

    def resistance_at_ohm(self, temperature_c: float) -> float:
        """Pack resistance (Ω) at ``temperature_c``: Arrhenius factor on the 25 °C value."""
        params = self.params
        inverse_k = 1.0 / (temperature_c + KELVIN_OFFSET_C) - 1.0 / (
            REFERENCE_TEMPERATURE_C + KELVIN_OFFSET_C
        )
        return params.internal_resistance_ohm * math.exp(params.resistance_activation_k * inverse_k)

    def temperature_factor(self) -> float:
        """Power derating (0..1) at the present temperature."""
        params, t = self.params, self._temperature_c
        if t <= params.min_operating_c or t >= params.max_operating_c:
            return 0.0
        if t < params.cold_derate_start_c:
            return (t - params.min_operating_c) / (params.cold_derate_start_c - params.min_operating_c)
        if t > params.hot_derate_start_c:
            return (params.max_operating_c - t) / (params.max_operating_c - params.hot_derate_start_c)
        return 1.0

    def max_discharge_power_w(self) -> float:
        """Most terminal power the pack may deliver now (W): params, SoC and temperature derating,
        and the electrical maximum V_oc²/4R."""
        return self._discharge_limit_w(
            self.pack_ocv_v(self._soc), self.resistance_at_ohm(self._temperature_c)
        )

    def max_charge_power_w(self) -> float:
        """Most terminal power the pack may take in now while driving (regen limit, W)."""
        params = self.params
        soc_factor = (params.max_soc - self._soc) / params.soc_derate_band
        if soc_factor <= 0.0:
            return 0.0
        return params.max_charge_power_w * min(soc_factor, 1.0) * self.temperature_factor()

    def _discharge_limit_w(self, ocv_v: float, resistance_ohm: float) -> float:
        params = self.params
        soc_factor = (self._soc - params.min_soc) / params.soc_derate_band
        if soc_factor <= 0.0:
            return 0.0
        limit_w = params.max_discharge_power_w * min(soc_factor, 1.0) * self.temperature_factor()
        return min(limit_w, ocv_v * ocv_v / (4.0 * resistance_ohm))

    def usable_energy_remaining_j(self) -> float:
        """Energy at OCV between the present SoC and min_soc (J); zero at or below min_soc."""
        min_soc = self.params.min_soc
        if self._soc <= min_soc:
            return 0.0
        return self._capacity_as * (self._energy_to(self._soc) - self._energy_to(min_soc))

    def usable_energy_capacity_j(self) -> float:
        """Energy at OCV across the usable window, min_soc to max_soc (J)."""
        return self._capacity_as * (
            self._energy_to(self.params.max_soc) - self._energy_to(self.params.min_soc)
        )

    def _energy_to(self, soc: float) -> float:
        """∫ V_oc dSoC from 0 to ``soc`` (V, per unit SoC); exact for the piecewise-linear OCV."""
        index = min(bisect_right(self._soc_points, soc) - 1, self._last_index)
        ds = soc - self._soc_points[index]
        return self._cumulative_energy[index] + ds * (self._ocv_v[index] + 0.5 * self._slope_v[index] * ds)

    # -- stepping ------------------------------------------------------------------------------

    def step(self, terminal_power_w: float, dt_s: float, ambient_c: float) -> float:
        """Advance ``dt_s`` at the requested terminal power (W, + discharge, − regen); returns the
        power actually delivered after the limits (W, same sign convention)."""
        if math.isnan(terminal_power_w):
            raise VehicleInputError("terminal_power_w is NaN")
        _check_step(dt_s, ambient_c)
        soc = self._soc
        ocv = self.pack_ocv_v(soc)
        resistance = self.resistance_at_ohm(self._temperature_c)
        if terminal_power_w > 0.0:
            power_w = min(terminal_power_w, self._discharge_limit_w(ocv, resistance))
            # Root of R·I² − V·I + P = 0 in the form without cancellation.
            current = 2.0 * power_w / (ocv + math.sqrt(max(ocv * ocv - 4.0 * resistance * power_w, 0.0)))
            new_soc = soc - current * dt_s * self._inverse_capacity_as
            floor = self.params.min_soc
            if new_soc < floor:  # the last step to min_soc delivers only what is left
                current, new_soc = (
                    ((soc - floor) * self._capacity_as / dt_s, floor) if soc > floor else (0.0, soc)
                )
        elif terminal_power_w < 0.0:
            power_w = max(terminal_power_w, -self.max_charge_power_w())
            current = 2.0 * power_w / (ocv + math.sqrt(ocv * ocv - 4.0 * resistance * power_w))
            current, new_soc = self._stop_at(soc, current, dt_s, self.params.max_soc)
        else:
            current, new_soc = 0.0, soc
        self._soc = new_soc
        return self._apply(current, ocv, resistance, dt_s, ambient_c)

    def _stop_at(self, soc: float, current_a: float, dt_s: float, ceiling: float) -> tuple[float, float]:
        """Charging current and SoC after the step, cut so the SoC lands exactly on ``ceiling``."""
        new_soc = soc - current_a * dt_s * self._inverse_capacity_as
        if new_soc <= ceiling:
            return current_a, new_soc
        if soc < ceiling:
            return (soc - ceiling) * self._capacity_as / dt_s, ceiling
        return 0.0, soc

    def _apply(
        self, current_a: float, ocv_v: float, resistance_ohm: float, dt_s: float, ambient_c: float
    ) -> float:
        chemical_w = ocv_v * current_a
        loss_w = current_a * current_a * resistance_ohm
        terminal_w = chemical_w - loss_w
        if current_a > 0.0:
            self._chemical_out_j += chemical_w * dt_s
            self._energy_out_j += terminal_w * dt_s
        elif current_a < 0.0:
            self._chemical_in_j -= chemical_w * dt_s
            self._energy_in_j -= terminal_w * dt_s
        self._loss_j += loss_w * dt_s
        self._current_a = current_a
        self._terminal_voltage_v = ocv_v - current_a * resistance_ohm
        self._terminal_power_w = terminal_w
        # Exact solution of C·dT/dt = I²R − G·(T − T_amb) over the step (stable for any dt).
        params = self.params
        if dt_s != self._decay_dt_s:
            self._decay = math.exp(-params.thermal_conductance_w_per_k * dt_s / params.heat_capacity_j_per_k)
            self._decay_dt_s = dt_s
        settled_c = ambient_c + loss_w / params.thermal_conductance_w_per_k
        self._temperature_c = settled_c + (self._temperature_c - settled_c) * self._decay
        return terminal_w

    # -- charging ------------------------------------------------------------------------------

    def charge_power_limit_w(self, kind: ChargerKind, soc: float) -> float:
        """Charge power (W) the pack accepts from a ``kind`` charger at ``soc``, taper included,
        before temperature derating; zero at or above max_soc."""
        return charge_curve_w(self.params, kind, soc)

    def charge_step(self, kind: ChargerKind, dt_s: float, ambient_c: float, target_soc: float = 1.0) -> float:
        """Charge for ``dt_s`` at the limit (curve × temperature factor), stopping at ``target_soc``
        (capped at max_soc); returns the terminal power drawn (W, positive into the pack)."""
        _check_step(dt_s, ambient_c)
        _check_target(target_soc)
        soc = self._soc
        ceiling = min(target_soc, self.params.max_soc)
        ocv = self.pack_ocv_v(soc)
        resistance = self.resistance_at_ohm(self._temperature_c)
        current = 0.0
        new_soc = soc
        if soc < ceiling:
            power_w = charge_curve_w(self.params, kind, soc) * self.temperature_factor()
            current = -2.0 * power_w / (ocv + math.sqrt(ocv * ocv + 4.0 * resistance * power_w))
            current, new_soc = self._stop_at(soc, current, dt_s, ceiling)
        self._soc = new_soc
        return -self._apply(current, ocv, resistance, dt_s, ambient_c)

    def estimate_time_to_target_s(self, kind: ChargerKind, target_soc: float) -> float:
        """Seconds to charge to ``target_soc`` (capped at max_soc) along the curve, holding the
        present temperature (its derating and resistance); 0 if already there, inf if too cold/hot."""
        _check_target(target_soc)
        return charge_time_s(
            self.params,
            kind,
            from_soc=self._soc,
            to_soc=min(target_soc, self.params.max_soc),
            pack_ocv_v=self.pack_ocv_v,
            resistance_ohm=self.resistance_at_ohm(self._temperature_c),
            power_factor=self.temperature_factor(),
        )
