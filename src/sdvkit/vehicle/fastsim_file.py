"""Read FASTSim 3 vehicle files (YAML or JSON), so any battery-electric vehicle FASTSim describes
can be simulated.

FASTSim 3 keeps its vehicles inside its package; ``fastsim.Vehicle.from_resource(name).to_file(path)``
writes one out. The mapping, field by field:

=====================================================  ==========================================
FASTSim                                                sdvkit
=====================================================  ==========================================
``mass_kilograms`` (or ``chassis.mass_kilograms``)     ``road_load.mass_kg``
``chassis.drag_coef``, ``frontal_area_square_meters``  ``road_load.drag_coefficient``, ``frontal_area_m2``
``chassis.wheel_rr_coef``                              ``road_load.rolling_resistance_coefficient``
``chassis.wheel_radius_meters``, ``wheel_inertia…``,   ``road_load.wheel_radius_m``, ``wheel_inertia_kg_m2``,
``num_wheels``                                         ``wheel_count``
``chassis.wheel_base_meters``                          ``lateral.wheelbase_m`` (CG from the axle load split)
``pt_type.BEV.em.pwr_out_max_watts``                   ``powertrain.motor_max_power_w`` and regen power
``pt_type.BEV.em.eff_interp_achieved``                 ``powertrain.motoring_efficiency`` (power fraction)
``pt_type.BEV.transmission.eff_interp``                ``powertrain.transmission_efficiency``
``pt_type.BEV.res.energy_capacity_joules``             ``battery`` pack energy (generic NMC cells)
``pt_type.BEV.res.min_soc``, ``max_soc``               ``battery.min_soc``, ``max_soc``
``pt_type.BEV.res.pwr_out_max_watts``                  ``battery`` discharge and charge power limits
``pwr_aux_base_watts``                                 ``climate.base_auxiliary_power_w``
=====================================================  ==========================================

What FASTSim does not describe is filled in and said so in ``sources``:

- regeneration: FASTSim 3.1 regenerates every braking watt the motor can take, and applies the
  motor's zero-load efficiency to it. The importer keeps both (no regen fade at low speed, a
  constant generating efficiency) so that energy results stay comparable with FASTSim's.
- motor torque and gear ratio: FASTSim limits power only, plus tyre traction. The importer sets
  the motor torque so the wheel force at low speed equals that traction limit
  (``wheel_fric_coef`` · drive-axle load), and a gear ratio that reaches 180 km/h at 12,000 rpm.
- the battery's OCV curve and resistance: a generic NMC pack of the same energy at 350 V.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sdvkit.vehicle.battery import BatteryParams
from sdvkit.vehicle.climate import ClimateParams
from sdvkit.vehicle.errors import ParameterError, VehicleFileError
from sdvkit.vehicle.lateral import LateralParams
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.powertrain import PowertrainParams
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2, RoadLoadParams
from sdvkit.vehicle.tables import LookupTable

_FILE_SUFFIXES = (".yaml", ".yml", ".json")
_TOP_SPEED_MPS = 50.0
_MOTOR_MAX_SPEED_RPM = 12_000.0
_NOMINAL_PACK_VOLTAGE_V = 350.0


def is_fastsim_file(path: Path) -> bool:
    return path.suffix.lower() in _FILE_SUFFIXES


def load_fastsim_vehicle(path: Path | str) -> VehicleParams:
    """Read a FASTSim 3 vehicle file into :class:`VehicleParams`.

    Raises :class:`VehicleFileError` naming the file and the field for anything it cannot use.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise VehicleFileError(path, "no such vehicle file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise VehicleFileError(path, f"cannot read the file: {error}") from error
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise VehicleFileError(path, f"not valid {path.suffix.lstrip('.').upper()}: {error}") from error
    if not isinstance(document, Mapping):
        raise VehicleFileError(path, "expected a FASTSim vehicle (a mapping at the top level)")
    try:
        return _vehicle_from_document(path, document)
    except ParameterError as error:
        field = _FASTSIM_FIELD_OF.get(error.name)
        where = f"field {field}: " if field else ""
        raise VehicleFileError(path, f"impossible value: {where}{error}") from error


_FASTSIM_FIELD_OF = {
    "road_load.mass_kg": "mass_kilograms",
    "road_load.drag_coefficient": "chassis.drag_coef",
    "road_load.frontal_area_m2": "chassis.frontal_area_square_meters",
    "road_load.rolling_resistance_coefficient": "chassis.wheel_rr_coef",
    "road_load.wheel_radius_m": "chassis.wheel_radius_meters",
    "road_load.wheel_inertia_kg_m2": "chassis.wheel_inertia_kilogram_square_meters",
    "road_load.wheel_count": "chassis.num_wheels",
    "powertrain.motor_max_power_w": "pt_type.BEV.em.pwr_out_max_watts",
    "powertrain.motor_max_regen_power_w": "pt_type.BEV.em.pwr_out_max_watts",
    "powertrain.transmission_efficiency": "pt_type.BEV.transmission.eff_interp",
    "powertrain.motoring_efficiency": "pt_type.BEV.em.eff_interp_achieved",
    "powertrain.generating_efficiency": "pt_type.BEV.em.eff_interp_achieved",
    "min_soc": "pt_type.BEV.res.min_soc",
    "max_soc": "pt_type.BEV.res.max_soc",
    "lateral.wheelbase_m": "chassis.wheel_base_meters",
    "lateral.cg_to_front_axle_m": "chassis.drive_axle_weight_frac",
    "powertrain.drive_axle_load_share": "chassis.drive_axle_weight_frac",
    "climate.base_auxiliary_power_w": "pwr_aux_base_watts",
}
"""sdvkit parameter → the FASTSim field it comes from, so an error names the file's field."""


class _Fields:
    """Typed access to a FASTSim document, with errors that name the field."""

    def __init__(self, path: Path, document: Mapping[str, Any]) -> None:
        self.path = path
        self.document = document

    def node(self, dotted: str) -> Any:
        node: Any = self.document
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise VehicleFileError(self.path, f"missing field {dotted}")
            node = node[part]
        return node

    def optional(self, dotted: str) -> Any:
        try:
            return self.node(dotted)
        except VehicleFileError:
            return None

    def number(self, dotted: str, value: Any = None, *, positive: bool = False) -> float:
        if value is None:
            value = self.node(dotted)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise VehicleFileError(self.path, f"field {dotted} = {value!r} is not a finite number")
        if positive and value <= 0:
            raise VehicleFileError(
                self.path, f"impossible value: field {dotted} = {value!r} must be above zero"
            )
        return float(value)

    def count(self, dotted: str) -> int:
        value = self.number(dotted, positive=True)
        if value != int(value):
            raise VehicleFileError(self.path, f"field {dotted} = {value!r} must be a whole number")
        return int(value)


def _vehicle_from_document(path: Path, document: Mapping[str, Any]) -> VehicleParams:
    fields = _Fields(path, document)
    powertrain_type = fields.node("pt_type")
    if not isinstance(powertrain_type, Mapping) or len(powertrain_type) != 1:
        raise VehicleFileError(path, "field pt_type must name one powertrain type")
    (kind,) = powertrain_type
    if kind != "BEV":
        raise VehicleFileError(
            path, f"powertrain type {kind!r} is not battery-electric; sdvkit simulates BEVs (pt_type: BEV)"
        )
    name = str(document.get("name") or path.stem)
    mass_kg = _mass(fields)
    source = f"FASTSim file {path.name}"
    road_load = RoadLoadParams(
        mass_kg=mass_kg,
        drag_coefficient=fields.number("chassis.drag_coef", positive=True),
        frontal_area_m2=fields.number("chassis.frontal_area_square_meters", positive=True),
        rolling_resistance_coefficient=fields.number("chassis.wheel_rr_coef"),
        wheel_radius_m=fields.number("chassis.wheel_radius_meters", positive=True),
        wheel_inertia_kg_m2=fields.number("chassis.wheel_inertia_kilogram_square_meters"),
        wheel_count=fields.count("chassis.num_wheels"),
    )
    motor_power_w = fields.number("pt_type.BEV.em.pwr_out_max_watts", positive=True)
    motoring = _efficiency_map(fields)
    transmission = fields.node("pt_type.BEV.transmission.eff_interp")
    if isinstance(transmission, Mapping) and "Constant" in transmission:
        transmission = transmission["Constant"]
    transmission_efficiency = fields.number("pt_type.BEV.transmission.eff_interp", transmission)

    drive_axle_fraction = fields.number("chassis.drive_axle_weight_frac")
    traction_coefficient = fields.number("chassis.wheel_fric_coef")
    traction_force_n = traction_coefficient * drive_axle_fraction * mass_kg * STANDARD_GRAVITY_MPS2
    gear_ratio = _MOTOR_MAX_SPEED_RPM * 2 * math.pi / 60 * road_load.wheel_radius_m / _TOP_SPEED_MPS
    motor_torque_nm = traction_force_n * road_load.wheel_radius_m / (gear_ratio * transmission_efficiency)
    powertrain = PowertrainParams(
        motor_max_power_w=motor_power_w,
        motor_max_torque_nm=motor_torque_nm,
        motor_max_regen_power_w=motor_power_w,
        gear_ratio=gear_ratio,
        motor_max_speed_rpm=_MOTOR_MAX_SPEED_RPM,
        transmission_efficiency=transmission_efficiency,
        motoring_efficiency=motoring,
        generating_efficiency=LookupTable.constant("powertrain.generating_efficiency", motoring.y[0]),
        regen_fade_speed_mps=0.0,
        drive_axle_load_share=drive_axle_fraction,
    )

    energy_j = fields.number("pt_type.BEV.res.energy_capacity_joules", positive=True)
    battery_power_w = fields.number("pt_type.BEV.res.pwr_out_max_watts", positive=True)
    battery = BatteryParams.for_pack(
        energy_kwh=energy_j / 3.6e6,
        nominal_voltage_v=_NOMINAL_PACK_VOLTAGE_V,
        min_soc=fields.number("pt_type.BEV.res.min_soc"),
        max_soc=fields.number("pt_type.BEV.res.max_soc"),
        max_discharge_power_w=battery_power_w,
        max_charge_power_w=battery_power_w,
    )

    wheelbase_m = fields.number("chassis.wheel_base_meters", positive=True)
    drive_type = str(fields.optional("chassis.drive_type") or "FWD")
    front_axle_fraction = drive_axle_fraction if drive_type == "FWD" else 1 - drive_axle_fraction
    lateral = LateralParams(
        wheelbase_m=wheelbase_m,
        cg_to_front_axle_m=wheelbase_m * (1 - front_axle_fraction),
    )
    climate = ClimateParams(base_auxiliary_power_w=fields.number("pwr_aux_base_watts"))
    sources = {
        "road_load.mass_kg": source,
        "road_load.drag_coefficient": source,
        "road_load.frontal_area_m2": source,
        "road_load.rolling_resistance_coefficient": source,
        "road_load.wheel_radius_m": source,
        "road_load.wheel_inertia_kg_m2": source,
        "road_load.wheel_count": source,
        "powertrain.motor_max_power_w": source,
        "powertrain.motor_max_regen_power_w": f"{source} (FASTSim regenerates up to the motor's rating)",
        "powertrain.transmission_efficiency": source,
        "powertrain.motoring_efficiency": source,
        "powertrain.generating_efficiency": f"{source}: zero-load efficiency, as FASTSim 3.1 uses",
        "powertrain.regen_fade_speed_mps": "FASTSim regenerates down to standstill",
        "powertrain.motor_max_torque_nm": f"{source}: traction limit wheel_fric_coef x drive-axle load",
        "powertrain.gear_ratio": "sdvkit assumption: 180 km/h at 12,000 rpm",
        "powertrain.drive_axle_load_share": f"{source}: drive_axle_weight_frac",
        "battery.min_soc": source,
        "battery.max_soc": source,
        "battery.max_discharge_power_w": source,
        "lateral.wheelbase_m": source,
        "lateral.cg_to_front_axle_m": f"{source}: drive_axle_weight_frac",
        "climate.base_auxiliary_power_w": source,
    }
    return VehicleParams(
        name=name,
        description=f"{name}, imported from the FASTSim file {path.name}",
        road_load=road_load,
        powertrain=powertrain,
        battery=battery,
        lateral=lateral,
        climate=climate,
        sources=sources,
    )


def _mass(fields: _Fields) -> float:
    for dotted in ("mass_kilograms", "chassis.mass_kilograms"):
        value = fields.optional(dotted)
        if value is not None:
            return fields.number(dotted, value, positive=True)
    glider = fields.optional("chassis.glider_mass_kilograms")
    if glider is None:
        raise VehicleFileError(
            fields.path, "no vehicle mass: set mass_kilograms (or chassis.mass_kilograms) in the file"
        )
    cargo = fields.optional("chassis.cargo_mass_kilograms") or 0.0
    return fields.number("chassis.glider_mass_kilograms", glider) + fields.number(
        "chassis.cargo_mass_kilograms", cargo
    )


def _efficiency_map(fields: _Fields) -> LookupTable:
    dotted = "pt_type.BEV.em.eff_interp_achieved"
    interpolator = fields.node(dotted)
    data = interpolator.get("data") if isinstance(interpolator, Mapping) else None
    if isinstance(interpolator, Mapping) and "Constant" in interpolator:
        value = fields.number(f"{dotted}.Constant", interpolator["Constant"])
        return LookupTable.constant("powertrain.motoring_efficiency", value)
    if not isinstance(data, Mapping):
        raise VehicleFileError(fields.path, f"field {dotted} is not a 1-D interpolator with data")
    grid = data.get("grid")
    values = data.get("values")
    if not (isinstance(grid, list) and len(grid) == 1 and isinstance(grid[0], list)):
        raise VehicleFileError(fields.path, f"field {dotted}.data.grid must hold one axis (power fraction)")
    if not isinstance(values, list) or len(values) != len(grid[0]):
        raise VehicleFileError(fields.path, f"field {dotted}.data.values must match the grid's length")
    return LookupTable(
        name="powertrain.motoring_efficiency",
        x=tuple(fields.number(f"{dotted}.data.grid", x) for x in grid[0]),
        y=tuple(fields.number(f"{dotted}.data.values", y) for y in values),
    )
