"""sdvkit's own branch, ``Vehicle.Sdvkit``: what only a simulated vehicle has.

- ``MotionControl``: the one longitudinal and one lateral request the
  arbitration layer passes to the plant;
- ``DriverInput``: the pedals and wheel as the keyboard or the virtual driver
  works them (the plant reports the result on the standard chassis paths);
- ``Simulation``: the simulated clock and road;
- ``GroundTruth``: where the other road users really are, for displays and test benches; the
  driver assistance functions are refused it by their manifests and see only
  ``Vehicle.ADAS.Perception``;
- ``FaultInjection``: test hooks that make the plant fail, so the ECUs can
  raise their fault flags and DTCs.
"""

from __future__ import annotations

from sdvkit.signals.builtin.perception import TRACKED_OBJECT_SLOTS, tracked_object_rows
from sdvkit.signals.builtin.rows import (
    BOOLEAN,
    DOUBLE,
    FLOAT,
    STRING,
    UINT8,
    SignalRow,
    actuator,
    for_each,
    sensor,
)
from sdvkit.signals.builtin.service import WINDOW_MOTORS

_LONGITUDINAL = "Vehicle.Sdvkit.MotionControl.Longitudinal"
_LATERAL = "Vehicle.Sdvkit.MotionControl.Lateral"

MOTION_CONTROL: tuple[SignalRow, ...] = (
    actuator(
        f"{_LONGITUDINAL}.AccelerationRequest",
        FLOAT,
        "Arbitrated acceleration demand to the plant; negative to brake.",
        unit="m/s^2",
        min=-12.0,
        max=6.0,
        comment="Written only by the arbitration layer; ignored while Source is NONE.",
    ),
    actuator(
        f"{_LONGITUDINAL}.Source",
        STRING,
        "Function whose acceleration request won the arbitration; NONE: the driver's pedals rule.",
        allowed=("NONE", "ACC", "AEB", "MRM", "TEST"),
        default="NONE",
        comment="MRM is the minimal-risk manoeuvre (stop in lane for an unresponsive driver).",
    ),
    actuator(
        f"{_LATERAL}.SteeringWheelAngleRequest",
        FLOAT,
        "Arbitrated steering wheel angle demand to the plant; positive to the left.",
        unit="degrees",
        min=-720.0,
        max=720.0,
        comment="Written only by the arbitration layer; ignored while Source is NONE.",
    ),
    actuator(
        f"{_LATERAL}.Source",
        STRING,
        "Function whose steering request won the arbitration; NONE: the driver steers.",
        allowed=("NONE", "LKA", "ELK", "MRM", "TEST"),
        default="NONE",
    ),
)

_DRIVER_INPUT = "Vehicle.Sdvkit.DriverInput"

DRIVER_INPUT: tuple[SignalRow, ...] = (
    actuator(
        f"{_DRIVER_INPUT}.AcceleratorPedal",
        FLOAT,
        "Accelerator pedal travel commanded by the keyboard or the virtual driver.",
        unit="percent",
        min=0.0,
        max=100.0,
        comment="The plant reports the resulting pedal on Vehicle.Chassis.Accelerator.",
    ),
    actuator(
        f"{_DRIVER_INPUT}.BrakePedal",
        FLOAT,
        "Brake pedal travel commanded by the keyboard or the virtual driver.",
        unit="percent",
        min=0.0,
        max=100.0,
    ),
    actuator(
        f"{_DRIVER_INPUT}.SteeringWheelAngle",
        FLOAT,
        "Steering wheel angle the driver holds; positive to the left.",
        unit="degrees",
        min=-720.0,
        max=720.0,
    ),
)

_SIMULATION = "Vehicle.Sdvkit.Simulation"

SIMULATION: tuple[SignalRow, ...] = (
    sensor(
        f"{_SIMULATION}.Time",
        DOUBLE,
        "Simulated time since the simulation started.",
        unit="s",
        min=0,
    ),
    sensor(
        f"{_SIMULATION}.RealTimeFactor",
        FLOAT,
        "Simulated seconds per wall-clock second.",
        unit="ratio",
        min=0,
    ),
    actuator(f"{_SIMULATION}.IsPaused", BOOLEAN, "True while the simulated clock stands still."),
    actuator(
        f"{_SIMULATION}.RoadFriction",
        FLOAT,
        "Tyre-road friction coefficient (mu) of the road under the vehicle.",
        unit="ratio",
        min=0.05,
        max=1.2,
        comment="About 0.9-1.0 on dry asphalt, 0.5-0.6 wet, 0.2-0.3 on snow.",
    ),
    sensor(
        f"{_SIMULATION}.ScenarioName",
        STRING,
        "Name of the scenario, route or drive cycle now running.",
    ),
)

GROUND_TRUTH = "Vehicle.Sdvkit.GroundTruth"
"""The branch of true object positions, laid out like the perception branch's object slots."""

GROUND_TRUTH_ROWS: tuple[SignalRow, ...] = (
    sensor(
        f"{GROUND_TRUTH}.ObjectCount",
        UINT8,
        "Number of valid ground-truth object slots this cycle.",
        min=0,
        max=TRACKED_OBJECT_SLOTS,
    ),
    *for_each(
        (f"Object{n}" for n in range(1, TRACKED_OBJECT_SLOTS + 1)),
        lambda slot: tracked_object_rows(GROUND_TRUTH, slot),
    ),
)

_INJECT = "Vehicle.Sdvkit.FaultInjection"

FAULT_INJECTION: tuple[SignalRow, ...] = (
    actuator(
        f"{_INJECT}.BatteryOverTemperature",
        BOOLEAN,
        "Test hook: make the simulated battery overheat.",
        default=False,
    ),
    actuator(
        f"{_INJECT}.InsulationFault",
        BOOLEAN,
        "Test hook: make the simulated high-voltage insulation fail.",
        default=False,
    ),
    actuator(
        f"{_INJECT}.FrontRadarBlocked",
        BOOLEAN,
        "Test hook: cover the simulated front radar.",
        default=False,
    ),
    actuator(
        f"{_INJECT}.StuckWindowMotor",
        STRING,
        "Test hook: jam the motor of one simulated window.",
        allowed=WINDOW_MOTORS,
        default="NONE",
    ),
)

ROWS: tuple[SignalRow, ...] = (
    *MOTION_CONTROL,
    *DRIVER_INPUT,
    *SIMULATION,
    *GROUND_TRUTH_ROWS,
    *FAULT_INJECTION,
)
