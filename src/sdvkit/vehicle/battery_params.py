"""Traction battery parameters: the pack as data, and a generic NMC pack of any size.

:class:`BatteryParams` holds the cell OCV table, the pack's series cells, capacity and resistance,
the usable SoC window, power and charging limits and the thermal figures; ``for_pack`` builds one
from an energy and a nominal voltage. :mod:`sdvkit.vehicle.battery` simulates it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sdvkit.vehicle.checks import in_range, number, positive
from sdvkit.vehicle.errors import ParameterError

__all__ = [
    "KELVIN_OFFSET_C",
    "NMC_CELL_OCV_V",
    "NMC_SOC_BREAKPOINTS",
    "REFERENCE_TEMPERATURE_C",
    "BatteryParams",
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
