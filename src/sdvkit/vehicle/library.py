"""Built-in parameter sets for real EVs, each parameter with its source.

Road-load figures (test mass, Cd, frontal area, tyre rolling resistance) and motor maps are
those of the vehicle files NREL ships with FASTSim 3.1 (Apache-2.0), which NREL fitted to
published test data; ratings (motor power and torque, gear ratio, battery, charging power,
dimensions) are the manufacturers' published specifications. Where neither gives a figure, the
value is a typical one and its source says so.

``vehicle_names()`` lists them; ``builtin_vehicle(name)`` returns one; ``resolve_vehicle(name_or_path)``
also reads FASTSim vehicle files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sdvkit.vehicle.battery import BatteryParams
from sdvkit.vehicle.climate import ClimateParams
from sdvkit.vehicle.errors import UnknownVehicleError, VehicleFileError
from sdvkit.vehicle.fastsim_file import is_fastsim_file, load_fastsim_vehicle
from sdvkit.vehicle.lateral import LateralParams
from sdvkit.vehicle.params import VehicleParams
from sdvkit.vehicle.powertrain import PowertrainParams
from sdvkit.vehicle.roadload import RoadLoadParams
from sdvkit.vehicle.tables import LookupTable

_POWER_FRACTIONS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)


def _fastsim(file: str) -> str:
    return f"FASTSim 3.1 vehicle file '{file}' (NREL, Apache-2.0)"


def _motor_map(values: tuple[float, ...]) -> LookupTable:
    return LookupTable(name="powertrain.motoring_efficiency", x=_POWER_FRACTIONS, y=values)


def _generating_map(values: tuple[float, ...]) -> LookupTable:
    return LookupTable(name="powertrain.generating_efficiency", x=_POWER_FRACTIONS, y=values)


# One permanent-magnet motor map shape (FASTSim's 2020 Bolt file), used where a car's file gives
# the same shape; peak 98.8 % at 40-60 % load, 87 % at no load.
_PMSM_MAP = (0.874, 0.894, 0.915, 0.936, 0.946, 0.957, 0.977, 0.988, 0.988, 0.977, 0.967)


def _chevrolet_bolt_2020() -> VehicleParams:
    fastsim = _fastsim("2020 Chevrolet Bolt EV thrml.yaml")
    gm = "Chevrolet 2020 Bolt EV specifications (GM media site)"
    return VehicleParams(
        name="chevrolet-bolt-2020",
        description="2020 Chevrolet Bolt EV: 66 kWh, 150 kW front motor",
        road_load=RoadLoadParams(
            mass_kg=1626.1,
            drag_coefficient=0.309,
            frontal_area_m2=2.397,
            rolling_resistance_coefficient=0.00777,
            wheel_radius_m=0.3234,
        ),
        powertrain=PowertrainParams(
            motor_max_power_w=150_000.0,
            motor_max_torque_nm=360.0,
            motor_max_regen_power_w=70_000.0,
            gear_ratio=7.05,
            motor_max_speed_rpm=8_810.0,
            transmission_efficiency=0.98,
            motoring_efficiency=_motor_map(_PMSM_MAP),
            generating_efficiency=_generating_map(_PMSM_MAP),
            drive_axle_load_share=0.59,
        ),
        battery=BatteryParams.for_pack(
            energy_kwh=66.0,
            nominal_voltage_v=350.0,
            max_discharge_power_w=165_000.0,
            max_charge_power_w=70_000.0,
            ac_charge_power_w=7_200.0,
            dc_charge_power_w=55_000.0,
            min_soc=0.02,
            max_soc=0.98,
        ),
        lateral=LateralParams(wheelbase_m=2.601, cg_to_front_axle_m=2.601 * 0.41),
        climate=ClimateParams(heating_cop=1.0),
        sources={
            "road_load.mass_kg": f"{fastsim}: EPA test mass",
            "road_load.drag_coefficient": f"{fastsim}; GM quotes 0.308",
            "road_load.frontal_area_m2": fastsim,
            "road_load.rolling_resistance_coefficient": fastsim,
            "road_load.wheel_radius_m": f"{fastsim}; 215/50R17 tyres",
            "powertrain.motor_max_power_w": gm,
            "powertrain.motor_max_torque_nm": gm,
            "powertrain.gear_ratio": f"{gm}: final drive 7.05:1",
            "powertrain.motor_max_speed_rpm": "derived: 146 km/h (GM's 91 mph top speed) through 7.05:1",
            "powertrain.motor_max_regen_power_w": "typical: ~70 kW (0.3 g one-pedal regen at speed)",
            "powertrain.motoring_efficiency": fastsim,
            "powertrain.generating_efficiency": f"{fastsim} (same map as motoring)",
            "powertrain.drive_axle_load_share": f"{fastsim}: drive_axle_weight_frac",
            "powertrain.transmission_efficiency": fastsim,
            "battery.capacity_ah": f"{gm}: 66 kWh pack",
            "battery.max_discharge_power_w": f"{fastsim}: 165 kW",
            "battery.dc_charge_power_w": f"{gm}: DC fast charging up to 55 kW",
            "battery.ac_charge_power_w": f"{gm}: 7.2 kW onboard charger",
            "lateral.wheelbase_m": gm,
            "lateral.cg_to_front_axle_m": f"{fastsim}: 59 % of the mass on the front axle",
            "climate.heating_cop": f"{gm}: resistive cabin heater, no heat pump",
        },
    )


def _nissan_leaf_2016() -> VehicleParams:
    fastsim = _fastsim("2016 Nissan Leaf 30 kWh thrml.yaml")
    nissan = "Nissan 2016 LEAF press kit (Nissan USA newsroom)"
    return VehicleParams(
        name="nissan-leaf-30-2016",
        description="2016 Nissan Leaf 30 kWh: 80 kW front motor",
        road_load=RoadLoadParams(
            mass_kg=1636.0,
            drag_coefficient=0.315,
            frontal_area_m2=2.755,
            rolling_resistance_coefficient=0.008,
            wheel_radius_m=0.336,
        ),
        powertrain=PowertrainParams(
            motor_max_power_w=80_000.0,
            motor_max_torque_nm=254.0,
            motor_max_regen_power_w=50_000.0,
            gear_ratio=8.19,
            motor_max_speed_rpm=10_390.0,
            transmission_efficiency=0.98,
            motoring_efficiency=_motor_map(_PMSM_MAP),
            generating_efficiency=_generating_map(_PMSM_MAP),
            drive_axle_load_share=0.59,
        ),
        battery=BatteryParams.for_pack(
            energy_kwh=30.0,
            nominal_voltage_v=360.0,
            max_discharge_power_w=90_000.0,
            max_charge_power_w=50_000.0,
            ac_charge_power_w=6_600.0,
            dc_charge_power_w=50_000.0,
            min_soc=0.05,
            max_soc=0.95,
        ),
        lateral=LateralParams(wheelbase_m=2.70, cg_to_front_axle_m=2.70 * 0.42),
        sources={
            "road_load.mass_kg": f"{fastsim}: EPA test mass",
            "road_load.drag_coefficient": f"{fastsim}, fitted to coast-down data; Nissan quotes 0.28",
            "road_load.frontal_area_m2": fastsim,
            "road_load.rolling_resistance_coefficient": fastsim,
            "road_load.wheel_radius_m": fastsim,
            "powertrain.motor_max_power_w": nissan,
            "powertrain.motor_max_torque_nm": nissan,
            "powertrain.gear_ratio": f"{nissan}: reduction 8.19:1",
            "powertrain.motor_max_speed_rpm": "derived: 144 km/h top speed through 8.19:1",
            "powertrain.motor_max_regen_power_w": "typical for an 80 kW drive unit",
            "powertrain.drive_axle_load_share": f"{fastsim}: drive_axle_weight_frac",
            "powertrain.motoring_efficiency": _fastsim("2020 Chevrolet Bolt EV thrml.yaml"),
            "battery.capacity_ah": f"{nissan}: 30 kWh pack",
            "battery.min_soc": fastsim,
            "battery.max_soc": fastsim,
            "battery.dc_charge_power_w": f"{nissan}: CHAdeMO quick charge, 50 kW",
            "battery.ac_charge_power_w": f"{nissan}: 6.6 kW onboard charger",
            "lateral.wheelbase_m": nissan,
        },
    )


def _tesla_model3_rwd_2022() -> VehicleParams:
    fastsim = _fastsim("2022 Tesla Model 3 RWD thrml.yaml")
    tesla = "Tesla Model 3 owner's manual, specifications (2022)"
    return VehicleParams(
        name="tesla-model3-rwd-2022",
        description="2022 Tesla Model 3 RWD: 54 kWh, 239 kW rear motor",
        road_load=RoadLoadParams(
            mass_kg=1752.0,
            drag_coefficient=0.23,
            frontal_area_m2=2.22,
            rolling_resistance_coefficient=0.007,
            wheel_radius_m=0.334,
        ),
        powertrain=PowertrainParams(
            motor_max_power_w=239_000.0,
            motor_max_torque_nm=420.0,
            motor_max_regen_power_w=75_000.0,
            gear_ratio=9.04,
            motor_max_speed_rpm=16_000.0,
            transmission_efficiency=0.97,
            motoring_efficiency=_motor_map(_PMSM_MAP),
            generating_efficiency=_generating_map(_PMSM_MAP),
            drive_axle_load_share=0.53,
        ),
        battery=BatteryParams.for_pack(
            energy_kwh=54.0,
            nominal_voltage_v=350.0,
            max_discharge_power_w=250_000.0,
            max_charge_power_w=75_000.0,
            ac_charge_power_w=11_000.0,
            dc_charge_power_w=170_000.0,
            min_soc=0.05,
            max_soc=0.98,
        ),
        lateral=LateralParams(wheelbase_m=2.875, cg_to_front_axle_m=2.875 * 0.53),
        climate=ClimateParams(heating_cop=2.5),
        sources={
            "road_load.mass_kg": f"{fastsim}: EPA test mass",
            "road_load.drag_coefficient": f"{fastsim}; Tesla quotes Cd 0.23",
            "road_load.frontal_area_m2": fastsim,
            "road_load.rolling_resistance_coefficient": fastsim,
            "road_load.wheel_radius_m": f"{fastsim}; {tesla}: 235/45R18 tyres",
            "powertrain.motor_max_power_w": fastsim,
            "powertrain.motor_max_torque_nm": "estimate: ~420 Nm for a ~200 kW rear drive unit",
            "powertrain.gear_ratio": f"{tesla}: gear ratio 9.04:1",
            "powertrain.motor_max_speed_rpm": "derived: 225 km/h top speed through 9.04:1",
            "powertrain.motor_max_regen_power_w": "typical: ~75 kW regen on a 54 kWh pack",
            "powertrain.drive_axle_load_share": "estimate: rear-wheel drive, ~47/53 front/rear weight",
            "powertrain.motoring_efficiency": _fastsim("2020 Chevrolet Bolt EV thrml.yaml"),
            "battery.min_soc": fastsim,
            "battery.max_soc": fastsim,
            "battery.capacity_ah": f"{fastsim}: 54 kWh",
            "lateral.wheelbase_m": tesla,
            "climate.heating_cop": "Tesla: heat pump since 2021 (typical COP 2-3 in mild cold)",
        },
    )


def _renault_zoe_2022() -> VehicleParams:
    fastsim = _fastsim("2022_Renault_Zoe_ZE50_R135.yaml")
    renault = "Renault ZOE E-TECH electric R135 technical specifications (Renault press kit, 2022)"
    return VehicleParams(
        name="renault-zoe-ze50-2022",
        description="2022 Renault Zoe ZE50 R135: 52 kWh, 100 kW front motor",
        road_load=RoadLoadParams(
            mass_kg=1600.0,
            drag_coefficient=0.33,
            frontal_area_m2=2.512,
            rolling_resistance_coefficient=0.009,
            wheel_radius_m=0.3105,
        ),
        powertrain=PowertrainParams(
            motor_max_power_w=100_000.0,
            motor_max_torque_nm=245.0,
            motor_max_regen_power_w=40_000.0,
            gear_ratio=9.32,
            motor_max_speed_rpm=11_300.0,
            transmission_efficiency=0.92,
            motoring_efficiency=_motor_map(_PMSM_MAP),
            generating_efficiency=_generating_map(_PMSM_MAP),
            drive_axle_load_share=0.61,
        ),
        battery=BatteryParams.for_pack(
            energy_kwh=54.7,
            nominal_voltage_v=400.0,
            max_discharge_power_w=110_000.0,
            max_charge_power_w=40_000.0,
            ac_charge_power_w=22_000.0,
            dc_charge_power_w=50_000.0,
            min_soc=0.029,
            max_soc=0.98,
        ),
        lateral=LateralParams(wheelbase_m=2.588, cg_to_front_axle_m=2.588 * 0.39),
        climate=ClimateParams(heating_cop=2.0),
        sources={
            "road_load.mass_kg": fastsim,
            "road_load.drag_coefficient": fastsim,
            "road_load.frontal_area_m2": fastsim,
            "road_load.rolling_resistance_coefficient": fastsim,
            "road_load.wheel_radius_m": f"{fastsim}; 195/55R16 tyres",
            "powertrain.motor_max_power_w": renault,
            "powertrain.motor_max_torque_nm": renault,
            "powertrain.gear_ratio": "typical single-speed reduction for the R135 motor",
            "powertrain.motor_max_speed_rpm": "derived: 140 km/h top speed",
            "powertrain.motor_max_regen_power_w": "typical for a 100 kW drive unit",
            "powertrain.drive_axle_load_share": f"{fastsim}: drive_axle_weight_frac",
            "powertrain.transmission_efficiency": fastsim,
            "powertrain.motoring_efficiency": _fastsim("2020 Chevrolet Bolt EV thrml.yaml"),
            "battery.capacity_ah": f"{fastsim}: 54.7 kWh gross (Renault: 52 kWh usable)",
            "battery.min_soc": fastsim,
            "battery.max_soc": fastsim,
            "battery.dc_charge_power_w": f"{renault}: CCS 50 kW",
            "battery.ac_charge_power_w": f"{renault}: 22 kW AC (Caméléon charger)",
            "lateral.wheelbase_m": renault,
            "climate.heating_cop": f"{renault}: heat pump",
        },
    )


_BUILTIN: dict[str, Callable[[], VehicleParams]] = {
    "chevrolet-bolt-2020": _chevrolet_bolt_2020,
    "nissan-leaf-30-2016": _nissan_leaf_2016,
    "tesla-model3-rwd-2022": _tesla_model3_rwd_2022,
    "renault-zoe-ze50-2022": _renault_zoe_2022,
}

DEFAULT_VEHICLE = "chevrolet-bolt-2020"


def vehicle_names() -> tuple[str, ...]:
    return tuple(_BUILTIN)


def builtin_vehicle(name: str) -> VehicleParams:
    """One of the built-in vehicles, by name (case-insensitive)."""
    factory = _BUILTIN.get(name.strip().lower())
    if factory is None:
        raise UnknownVehicleError(name, _BUILTIN)
    return factory()


def resolve_vehicle(name_or_path: str | Path) -> VehicleParams:
    """A built-in vehicle by name, or a FASTSim vehicle file (``.yaml``, ``.yml``, ``.json``) by path."""
    text = str(name_or_path)
    if text.strip().lower() in _BUILTIN:
        return builtin_vehicle(text)
    path = Path(text)
    if is_fastsim_file(path) or path.exists():
        if not is_fastsim_file(path):
            raise VehicleFileError(path, "not a vehicle file: expected FASTSim .yaml, .yml or .json")
        return load_fastsim_vehicle(path)
    raise UnknownVehicleError(text, _BUILTIN)
