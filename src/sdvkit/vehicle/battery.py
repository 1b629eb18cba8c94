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

import itertools
import math
from bisect import bisect_right
from dataclasses import dataclass

from sdvkit.vehicle.charging import ChargerKind, charge_curve_w, charge_time_s
from sdvkit.vehicle.checks import in_range, number, positive
from sdvkit.vehicle.errors import ParameterError

__all__ = [
    "NMC_CELL_OCV_V",
    "NMC_SOC_BREAKPOINTS",
    "BatteryParams",
    "ChargerKind",
    "TractionBattery",
]

KELVIN_OFFSET_C = 273.15
REFERENCE_TEMPERATURE_C = 25.0
"""Temperature at which ``internal_resistance_ohm`` is given."""

NMC_SOC_BREAKPOINTS: tuple[float, ...] = (
    0.0, 0.02, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 1.0,
)  # fmt: skip
NMC_CELL_OCV_V: tuple[float, ...] = (
    3.00, 3.24, 3.39, 3.47, 3.55, 3.59, 3.62, 3.66, 3.72, 3.80, 3.89, 4.00, 4.08, 4.20,
)  # fmt: skip
"""Generic NMC/graphite cell OCV (V) at ``NMC_SOC_BREAKPOINTS``.

Not a fit of one cell: a representative shape drawn after published low-rate (C/20–C/32)
pseudo-OCV curves of NMC/graphite cylindrical cells (e.g. Samsung INR21700-40T, Molicel
INR21700-P42A): a steep knee below 10 %, a gentle slope through mid-range, a steeper rise to
4.2 V at full. 0 % is re-referenced to the 3.0 V end of discharge usual for EV packs (not the
2.5 V cell cutoff). Charge-weighted mean (nominal) ≈ 3.70 V.
"""


def _table(name: str, values: object) -> tuple[float, ...]:
    if not isinstance(values, tuple | list):
        raise ParameterError(name, values, "must be a tuple of numbers")
    table = tuple(number(f"{name}[{index}]", value) for index, value in enumerate(values))
    if len(table) < 2:
        raise ParameterError(name, values, "needs at least two points")
    for index in range(1, len(table)):
        if table[index] <= table[index - 1]:
            raise ParameterError(name, values, f"must be strictly increasing (index {index})")
    return table


@dataclass(frozen=True, kw_only=True, slots=True)
class BatteryParams:
    """Traction battery parameters; SoC is a fraction of the gross capacity (0..1)."""

    ocv_soc_breakpoints: tuple[float, ...]
    """SoC points of the OCV table, strictly increasing from 0 to 1."""
    ocv_cell_v: tuple[float, ...]
    """Cell open-circuit voltage (V) at each breakpoint, strictly increasing."""
    cells_in_series: int
    capacity_ah: float
    """Pack charge capacity (Ah) between SoC 0 and 1."""
    internal_resistance_ohm: float
    """Pack internal resistance (Ω) at 25 °C."""
    resistance_activation_k: float = 3000.0
    """Arrhenius constant Ea/R (K): R(T) = R25·exp(k·(1/T − 1/T25)); 3000 K gives ×2.5 at 0 °C."""
    min_soc: float = 0.05
    max_soc: float = 0.97
    soc_derate_band: float = 0.05
    """Power limits ramp from zero at the window's end to full this far inside it."""
    max_discharge_power_w: float
    max_charge_power_w: float
    """Regen/charge power limit while driving, at the terminals."""
    ac_charge_power_w: float
    """Most the on-board AC charger delivers into the pack (W, at the terminals)."""
    dc_charge_power_w: float
    """Most the pack accepts from a DC charger (W, at the terminals), before the taper."""
    ac_taper_start_soc: float = 0.95
    dc_taper_start_soc: float = 0.5
    charge_taper_end_fraction: float = 0.1
    """Charge power at 100 % SoC as a fraction of the untapered limit (linear taper)."""
    heat_capacity_j_per_k: float
    thermal_conductance_w_per_k: float
    """Pack to ambient, cooling included, lumped."""
    min_operating_c: float = -30.0
    cold_derate_start_c: float = 10.0
    hot_derate_start_c: float = 45.0
    max_operating_c: float = 60.0
    """Power limits are full between the derate starts, falling linearly to zero at these ends."""
    initial_soc: float = 0.8
    initial_temperature_c: float = 25.0

    def __post_init__(self) -> None:
        soc = _table("ocv_soc_breakpoints", self.ocv_soc_breakpoints)
        if soc[0] != 0.0 or soc[-1] != 1.0:
            raise ParameterError("ocv_soc_breakpoints", self.ocv_soc_breakpoints, "must run from 0 to 1")
        ocv = _table("ocv_cell_v", self.ocv_cell_v)
        if len(ocv) != len(soc):
            raise ParameterError("ocv_cell_v", self.ocv_cell_v, f"must have {len(soc)} points, one per SoC")
        if ocv[0] <= 0.0:
            raise ParameterError("ocv_cell_v", self.ocv_cell_v, "must be positive")
        object.__setattr__(self, "ocv_soc_breakpoints", soc)
        object.__setattr__(self, "ocv_cell_v", ocv)
        cells: object = self.cells_in_series
        if isinstance(cells, bool) or not isinstance(cells, int) or cells < 1:
            raise ParameterError("cells_in_series", cells, "must be a whole number ≥ 1")
        for name in (
            "capacity_ah",
            "internal_resistance_ohm",
            "max_discharge_power_w",
            "max_charge_power_w",
            "ac_charge_power_w",
            "dc_charge_power_w",
            "heat_capacity_j_per_k",
            "thermal_conductance_w_per_k",
        ):
            positive(name, getattr(self, name))
        if number("resistance_activation_k", self.resistance_activation_k) < 0.0:
            raise ParameterError("resistance_activation_k", self.resistance_activation_k, "must be ≥ 0")
        min_soc = in_range("min_soc", self.min_soc, 0.0, 1.0)
        max_soc = in_range("max_soc", self.max_soc, 0.0, 1.0)
        if min_soc >= max_soc:
            raise ParameterError("min_soc", self.min_soc, f"must be below max_soc = {self.max_soc!r}")
        band = positive("soc_derate_band", self.soc_derate_band)
        if band > 0.5 * (max_soc - min_soc):
            raise ParameterError("soc_derate_band", band, "must be at most half the SoC window")
        in_range("ac_taper_start_soc", self.ac_taper_start_soc, 0.0, 0.999)
        in_range("dc_taper_start_soc", self.dc_taper_start_soc, 0.0, 0.999)
        if positive("charge_taper_end_fraction", self.charge_taper_end_fraction) > 1.0:
            raise ParameterError("charge_taper_end_fraction", self.charge_taper_end_fraction, "must be ≤ 1")
        temperatures = ("min_operating_c", "cold_derate_start_c", "hot_derate_start_c", "max_operating_c")
        limits = [number(name, getattr(self, name)) for name in temperatures]
        if limits[0] <= -KELVIN_OFFSET_C:
            raise ParameterError("min_operating_c", limits[0], "must be above absolute zero")
        for index, (low, high) in enumerate(itertools.pairwise(limits)):
            if high < low or (high == low and index != 1):
                rule = "must be at least" if index == 1 else "must be above"
                raise ParameterError(temperatures[index + 1], high, f"{rule} {temperatures[index]} = {low}")
        in_range("initial_soc", self.initial_soc, 0.0, 1.0)
        if number("initial_temperature_c", self.initial_temperature_c) <= -KELVIN_OFFSET_C:
            raise ParameterError("initial_temperature_c", self.initial_temperature_c, "must be above -273.15")

    @property
    def nominal_cell_voltage_v(self) -> float:
        """Mean cell OCV over SoC 0..1 (energy per charge)."""
        soc, ocv = self.ocv_soc_breakpoints, self.ocv_cell_v
        return sum((soc[k + 1] - soc[k]) * (ocv[k] + ocv[k + 1]) * 0.5 for k in range(len(soc) - 1))

    @property
    def nominal_voltage_v(self) -> float:
        """Mean pack OCV over SoC 0..1."""
        return self.cells_in_series * self.nominal_cell_voltage_v

    @property
    def energy_j(self) -> float:
        """Gross energy at OCV from SoC 0 to 1 (J)."""
        return self.capacity_ah * 3600.0 * self.nominal_voltage_v

    @classmethod
    def for_pack(
        cls,
        *,
        energy_kwh: float,
        nominal_voltage_v: float,
        max_discharge_power_w: float | None = None,
        max_charge_power_w: float | None = None,
        ac_charge_power_w: float = 11_000.0,
        dc_charge_power_w: float | None = None,
        dc_taper_start_soc: float = 0.5,
        loss_fraction_1c: float = 0.025,
        min_soc: float = 0.05,
        max_soc: float = 0.97,
        initial_soc: float = 0.8,
        initial_temperature_c: float = 25.0,
    ) -> BatteryParams:
        """A pack of generic NMC cells (:data:`NMC_CELL_OCV_V`) of ``energy_kwh`` gross energy.

        Cells in series: ``nominal_voltage_v`` / cell nominal, rounded; Ah from the energy. The
        resistance makes a 1C current lose ``loss_fraction_1c`` of the nominal voltage (I·R/V).
        Defaults: discharge 4C, regen 1.5C, DC 2C (power at the nominal energy rate), heat
        capacity 6 kJ/K per kWh (≈ 1 kJ/(kg·K) × 6 kg/kWh), cooling time constant 30 min.
        """
        energy_j = positive("energy_kwh", energy_kwh) * 3.6e6
        cell_v = (
            sum(
                (NMC_SOC_BREAKPOINTS[k + 1] - NMC_SOC_BREAKPOINTS[k])
                * (NMC_CELL_OCV_V[k] + NMC_CELL_OCV_V[k + 1])
                for k in range(len(NMC_SOC_BREAKPOINTS) - 1)
            )
            * 0.5
        )
        cells = round(positive("nominal_voltage_v", nominal_voltage_v) / cell_v)
        if cells < 1:
            raise ParameterError(
                "nominal_voltage_v", nominal_voltage_v, f"must be at least one cell, {cell_v:.3f} V"
            )
        loss = positive("loss_fraction_1c", loss_fraction_1c)
        if loss >= 0.25:
            raise ParameterError("loss_fraction_1c", loss_fraction_1c, "must be below 0.25")
        pack_v = cells * cell_v
        capacity_ah = energy_j / 3600.0 / pack_v
        one_c_w = energy_j / 3600.0
        heat_capacity_j_per_k = 6000.0 * energy_j / 3.6e6
        return cls(
            ocv_soc_breakpoints=NMC_SOC_BREAKPOINTS,
            ocv_cell_v=NMC_CELL_OCV_V,
            cells_in_series=cells,
            capacity_ah=capacity_ah,
            internal_resistance_ohm=loss * pack_v / capacity_ah,
            min_soc=min_soc,
            max_soc=max_soc,
            max_discharge_power_w=4.0 * one_c_w if max_discharge_power_w is None else max_discharge_power_w,
            max_charge_power_w=1.5 * one_c_w if max_charge_power_w is None else max_charge_power_w,
            ac_charge_power_w=ac_charge_power_w,
            dc_charge_power_w=2.0 * one_c_w if dc_charge_power_w is None else dc_charge_power_w,
            dc_taper_start_soc=dc_taper_start_soc,
            heat_capacity_j_per_k=heat_capacity_j_per_k,
            thermal_conductance_w_per_k=heat_capacity_j_per_k / 1800.0,
            initial_soc=initial_soc,
            initial_temperature_c=initial_temperature_c,
        )


def _check_step(dt_s: float, ambient_c: float) -> None:
    if not 0.0 < dt_s < math.inf:
        raise ValueError(f"dt_s = {dt_s!r}: must be positive and finite")
    if not -KELVIN_OFFSET_C < ambient_c < math.inf:
        raise ValueError(f"ambient_c = {ambient_c!r}: must be a finite temperature above -273.15")


def _check_target(target_soc: float) -> None:
    if not 0.0 <= target_soc <= 1.0:
        raise ValueError(f"target_soc = {target_soc!r}: must be within [0, 1]")


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
            raise ValueError("terminal_power_w is NaN")
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
