"""Energy: powertrain, traction battery, charging and the electric motor.

Standard VSS 6.0 paths, plus the overlay ``Vehicle.Powertrain.EnergyUse`` with
the consumption figures the plant and the range app share. Battery current and
power are positive *into* the battery, as VSS defines them.
"""

from __future__ import annotations

from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    FLOAT,
    INT16,
    STRING,
    STRING_ARRAY,
    UINT8,
    UINT16,
    UINT32,
    SignalRow,
    actuator,
    attribute,
    sensor,
)

POWERTRAIN: tuple[SignalRow, ...] = (
    attribute(
        "Vehicle.Powertrain.Type",
        STRING,
        "Kind of powertrain; sdvkit simulates battery-electric vehicles.",
        allowed=("ELECTRIC",),
        default="ELECTRIC",
    ),
    sensor(
        "Vehicle.Powertrain.Range",
        UINT32,
        "Predicted distance the vehicle can still drive on the energy on board.",
        unit="m",
    ),
    sensor(
        "Vehicle.Powertrain.AccumulatedBrakingEnergy",
        FLOAT,
        "Energy recovered by regenerative braking over the vehicle's life.",
        unit="kWh",
    ),
)

_BATTERY = "Vehicle.Powertrain.TractionBattery"

TRACTION_BATTERY: tuple[SignalRow, ...] = (
    attribute(f"{_BATTERY}.GrossCapacity", UINT16, "Total energy content of the new pack.", unit="kWh"),
    sensor(
        f"{_BATTERY}.NetCapacity",
        UINT16,
        "Usable energy of the pack at full charge, as it is now (ageing included).",
        unit="kWh",
    ),
    attribute(f"{_BATTERY}.NominalVoltage", UINT16, "Nominal voltage of the pack.", unit="V"),
    attribute(f"{_BATTERY}.MaxVoltage", UINT16, "Highest voltage the pack may reach.", unit="V"),
    sensor(f"{_BATTERY}.CurrentVoltage", FLOAT, "Terminal voltage of the pack.", unit="V"),
    sensor(
        f"{_BATTERY}.CurrentCurrent",
        FLOAT,
        "Pack current; positive while charging, negative while driving.",
        unit="A",
    ),
    sensor(
        f"{_BATTERY}.CurrentPower",
        FLOAT,
        "Pack power at the terminals; positive while charging, negative while driving.",
        unit="W",
    ),
    sensor(
        f"{_BATTERY}.PowerLoss",
        FLOAT,
        "Heat dissipated inside the pack (internal resistance losses).",
        unit="W",
    ),
    sensor(
        f"{_BATTERY}.StateOfHealth",
        FLOAT,
        "Remaining capacity compared with the new pack.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_BATTERY}.StateOfCharge.Current",
        FLOAT,
        "Physical state of charge of the pack.",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_BATTERY}.StateOfCharge.Displayed",
        FLOAT,
        "State of charge shown to the driver (usable window mapped to 0-100).",
        unit="percent",
        min=0,
        max=100,
    ),
    sensor(
        f"{_BATTERY}.StateOfCharge.CurrentEnergy",
        FLOAT,
        "Energy now stored in the pack.",
        unit="kWh",
    ),
    sensor(f"{_BATTERY}.Temperature.Average", FLOAT, "Mean cell temperature.", unit="Celsius"),
    sensor(f"{_BATTERY}.Temperature.Min", FLOAT, "Coldest cell temperature.", unit="Celsius"),
    sensor(f"{_BATTERY}.Temperature.Max", FLOAT, "Hottest cell temperature.", unit="Celsius"),
    sensor(
        f"{_BATTERY}.Range",
        UINT32,
        "Predicted distance on the energy left in the traction battery.",
        unit="m",
    ),
    sensor(
        f"{_BATTERY}.AccumulatedChargedEnergy",
        FLOAT,
        "Energy put into the pack over its life, from charging and regeneration.",
        unit="kWh",
    ),
    sensor(
        f"{_BATTERY}.AccumulatedConsumedEnergy",
        FLOAT,
        "Energy taken out of the pack over its life.",
        unit="kWh",
    ),
    sensor(
        f"{_BATTERY}.ErrorCodes",
        STRING_ARRAY,
        "Battery management fault codes now active, as OBD-II style DTC strings.",
    ),
)

_CHARGING = f"{_BATTERY}.Charging"
_PORT = f"{_CHARGING}.ChargingPort.AnyPosition"

CHARGING: tuple[SignalRow, ...] = (
    sensor(f"{_CHARGING}.IsCharging", BOOLEAN, "True while energy flows into the pack."),
    sensor(
        f"{_CHARGING}.IsDischarging",
        BOOLEAN,
        "True while the pack supplies power through the charge port (vehicle-to-load).",
    ),
    actuator(
        f"{_CHARGING}.ChargeLimit",
        UINT8,
        "State of charge at which charging stops.",
        unit="percent",
        min=0,
        max=100,
        default=100,
    ),
    actuator(
        f"{_CHARGING}.StartStopCharging",
        STRING,
        "Ask the charger to start or stop a session.",
        allowed=("START", "STOP"),
    ),
    sensor(f"{_CHARGING}.ChargeCurrent.DC", FLOAT, "Current from a DC charger.", unit="A"),
    sensor(
        f"{_CHARGING}.ChargeCurrent.Phase1",
        FLOAT,
        "Current on the first phase of an AC charger.",
        unit="A",
    ),
    sensor(f"{_CHARGING}.ChargeVoltage.DC", FLOAT, "Voltage of a DC charger.", unit="V"),
    sensor(
        f"{_CHARGING}.ChargeVoltage.Phase1",
        FLOAT,
        "Voltage on the first phase of an AC charger.",
        unit="V",
    ),
    sensor(
        f"{_CHARGING}.ChargeRate",
        FLOAT,
        "Charging speed expressed as range gained per hour.",
        unit="km/h",
    ),
    sensor(
        f"{_CHARGING}.MaxPower",
        FLOAT,
        "Highest power the present charger and pack allow right now.",
        unit="kW",
    ),
    sensor(
        f"{_CHARGING}.TimeToComplete",
        UINT32,
        "Time until the charge limit is reached at the expected charging power.",
        unit="s",
    ),
    sensor(
        f"{_PORT}.IsChargingCableConnected",
        BOOLEAN,
        "True while a charging cable is plugged in.",
    ),
    actuator(
        f"{_PORT}.IsChargingCableLocked",
        BOOLEAN,
        "True while the inlet holds the cable locked.",
    ),
    actuator(f"{_PORT}.IsFlapOpen", BOOLEAN, "True while the charge port flap is open."),
)

ELECTRIC_MOTOR: tuple[SignalRow, ...] = (
    sensor(
        "Vehicle.Powertrain.ElectricMotor.Speed",
        FLOAT,
        "Rotor speed; negative when reversing.",
        unit="rpm",
    ),
    sensor(
        "Vehicle.Powertrain.ElectricMotor.Torque",
        INT16,
        "Shaft torque; negative while regenerating.",
        unit="Nm",
    ),
    sensor(
        "Vehicle.Powertrain.ElectricMotor.Power",
        INT16,
        "Mechanical shaft power; negative while regenerating.",
        unit="kW",
    ),
    sensor(
        "Vehicle.Powertrain.ElectricMotor.Temperature",
        FLOAT,
        "Winding temperature of the motor.",
        unit="Celsius",
    ),
    attribute(
        "Vehicle.Powertrain.ElectricMotor.MaxPower",
        UINT16,
        "Peak drive power of the motor.",
        unit="kW",
    ),
    attribute(
        "Vehicle.Powertrain.ElectricMotor.MaxTorque",
        UINT16,
        "Peak drive torque of the motor.",
        unit="Nm",
    ),
    attribute(
        "Vehicle.Powertrain.ElectricMotor.MaxRegenPower",
        UINT16,
        "Peak power the motor can recover while braking.",
        unit="kW",
    ),
    attribute(
        "Vehicle.Powertrain.ElectricMotor.MaxRegenTorque",
        UINT16,
        "Peak braking torque the motor can apply while regenerating.",
        unit="Nm",
    ),
)

# -- overlay -----------------------------------------------------------------------------------

_ENERGY = "Vehicle.Powertrain.EnergyUse"

ENERGY_USE: tuple[SignalRow, ...] = (
    sensor(
        f"{_ENERGY}.TripAverageConsumption",
        FLOAT,
        "Battery energy used per distance since the trip began, auxiliaries included.",
        unit="kWh/100km",
    ),
    sensor(
        f"{_ENERGY}.RecentAverageConsumption",
        FLOAT,
        "Battery energy used per distance over the last few kilometres.",
        unit="kWh/100km",
    ),
    sensor(
        f"{_ENERGY}.TripRegeneratedEnergy",
        FLOAT,
        "Energy recovered by regenerative braking since the trip began.",
        unit="kWh",
    ),
    sensor(
        f"{_ENERGY}.AuxiliaryPower",
        FLOAT,
        "Power drawn by everything but the drive motor (climate, 12 V loads).",
        unit="W",
        min=0,
    ),
    sensor(
        f"{_ENERGY}.ClimatePower",
        FLOAT,
        "Power drawn by heating and air conditioning, part of AuxiliaryPower.",
        unit="W",
        min=0,
    ),
)

ROWS: tuple[SignalRow, ...] = (
    *POWERTRAIN,
    *TRACTION_BATTERY,
    *CHARGING,
    *ELECTRIC_MOTOR,
    *ENERGY_USE,
)
