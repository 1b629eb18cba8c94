"""Charging curves of the traction battery: AC and DC charge power against state of charge.

The curve is the power the pack accepts at its terminals from a charger: constant up to a taper
start SoC, then falling linearly to ``charge_taper_end_fraction`` of the limit at 100 % SoC (a
CC-CV-like shape). DC tapers from mid-range; AC only close to full. Above ``max_soc`` it is zero.
The battery model (:class:`sdvkit.vehicle.battery.TractionBattery`) charges along this curve.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from sdvkit.vehicle.errors import VehicleInputError

if TYPE_CHECKING:
    from sdvkit.vehicle.battery import BatteryParams

__all__ = ["ChargerKind", "charge_curve_w", "charge_time_s"]

_GAUSS_LEGENDRE_5: tuple[tuple[float, float], ...] = (
    (0.0, 128.0 / 225.0),
    (-math.sqrt(5.0 - 2.0 * math.sqrt(10.0 / 7.0)) / 3.0, (322.0 + 13.0 * math.sqrt(70.0)) / 900.0),
    (math.sqrt(5.0 - 2.0 * math.sqrt(10.0 / 7.0)) / 3.0, (322.0 + 13.0 * math.sqrt(70.0)) / 900.0),
    (-math.sqrt(5.0 + 2.0 * math.sqrt(10.0 / 7.0)) / 3.0, (322.0 - 13.0 * math.sqrt(70.0)) / 900.0),
    (math.sqrt(5.0 + 2.0 * math.sqrt(10.0 / 7.0)) / 3.0, (322.0 - 13.0 * math.sqrt(70.0)) / 900.0),
)
"""Nodes on [-1, 1] and weights of 5-point Gauss-Legendre quadrature."""

_MAX_PIECE_SOC = 0.02
"""Widest SoC interval one quadrature covers when integrating the charge time."""


class ChargerKind(enum.Enum):
    """Which charger feeds the pack: the on-board AC charger or an off-board DC charger."""

    AC = "ac"
    DC = "dc"


def charge_curve_w(params: BatteryParams, kind: ChargerKind, soc: float) -> float:
    """Charge power (W) the pack accepts from a ``kind`` charger at ``soc``; zero at or above max_soc."""
    if not 0.0 <= soc <= 1.0:
        raise VehicleInputError(f"soc = {soc!r}: must be within [0, 1]")
    if soc >= params.max_soc:
        return 0.0
    if kind is ChargerKind.DC:
        power_w, taper_start_soc = params.dc_charge_power_w, params.dc_taper_start_soc
    elif kind is ChargerKind.AC:
        power_w, taper_start_soc = params.ac_charge_power_w, params.ac_taper_start_soc
    else:
        raise VehicleInputError(f"kind = {kind!r}: must be a ChargerKind")
    if soc <= taper_start_soc:
        return power_w
    drop = (1.0 - params.charge_taper_end_fraction) * (soc - taper_start_soc) / (1.0 - taper_start_soc)
    return power_w * (1.0 - drop)


def charge_time_s(
    params: BatteryParams,
    kind: ChargerKind,
    *,
    from_soc: float,
    to_soc: float,
    pack_ocv_v: Callable[[float], float],
    resistance_ohm: float,
    power_factor: float,
) -> float:
    """Seconds to charge from ``from_soc`` to ``to_soc`` along the curve scaled by ``power_factor``.

    Integrates dt = Q dSoC / I(SoC), where I solves P = (V_oc + I·R)·I for the curve's terminal
    power P, with R held at ``resistance_ohm``. The integrand is smooth between the OCV breakpoints
    and the taper start, so each piece gets Gauss-Legendre quadrature (error far below 0.1 %).
    """
    if to_soc <= from_soc:
        return 0.0
    if power_factor <= 0.0:
        return math.inf
    taper_start_soc = params.dc_taper_start_soc if kind is ChargerKind.DC else params.ac_taper_start_soc
    knots = sorted(
        {from_soc, to_soc}
        | {s for s in (*params.ocv_soc_breakpoints, taper_start_soc) if from_soc < s < to_soc}
    )
    total = 0.0
    for start, end in itertools.pairwise(knots):
        pieces = math.ceil((end - start) / _MAX_PIECE_SOC)
        half_width = 0.5 * (end - start) / pieces
        for piece in range(pieces):
            centre = start + (2 * piece + 1) * half_width
            for node, weight in _GAUSS_LEGENDRE_5:
                soc = centre + node * half_width
                power_w = charge_curve_w(params, kind, soc) * power_factor
                ocv_v = pack_ocv_v(soc)
                current_a = (
                    2.0 * power_w / (ocv_v + math.sqrt(ocv_v * ocv_v + 4.0 * resistance_ohm * power_w))
                )
                total += weight * half_width / current_a
    return total * params.capacity_ah * 3600.0
