"""The vehicle under test's functions: what :func:`~sdvkit.ncap.runner.run_point` runs by default.

:func:`vehicle_stack` builds one run's apps, in the order they step after the plant:

1. sensing (``sdvkit.sensing.SensingApp``) on the scenario's world, with its lighting;
2. FCW and AEB, always; AEB steps once per perception cycle (20 Hz, after sensing in the same
   tick) instead of its default 50 Hz: it decides on perception frames, so the extra steps only
   re-read the same frame (on every 4th standard point and the false-positive suite, 97 points,
   every colour was the same and a point ran 45 % faster);
3. lane support (LDW, LKA, ELK, calibrated for the VUT's geometry) where a point tests a line or
   an edge, and in the false-positive suite;
4. ACC where the point switches it on (``acc_set_speed_kph``), with the driver's cruise buttons
   that switch it on at that speed;
5. the driver camera (``VirtualDriverFace`` looking away for the whole run), driver monitoring
   and the lights it switches, where the point has a distracted driver;
6. the arbitration layer, last, so it passes on what the functions asked for in the same tick.

A function a point cannot engage is left out (ACC off, lane support on a straight AEB run far
from any line, driver monitoring of an attentive driver): it would change nothing and cost a
quarter of the run time.
"""

from __future__ import annotations

from functools import cache

from sdvkit.ncap.builders.common import VUT_LENGTH_M, VUT_WIDTH_M
from sdvkit.ncap.scenario import ScenarioSetup
from sdvkit.runtime import AppRole, Manifest, VehicleApp
from sdvkit.safety.acc import AdaptiveCruiseApp
from sdvkit.safety.aeb import EmergencyBrakingApp
from sdvkit.safety.arbitration import ArbitrationApp
from sdvkit.safety.dms import DriverMonitoringApp
from sdvkit.safety.driver_model import VirtualDriverFace, long_distraction
from sdvkit.safety.fcw import ForwardCollisionWarningApp
from sdvkit.safety.lane_geometry import VehicleGeometry
from sdvkit.safety.lane_support import lane_support_apps
from sdvkit.safety.perception import PERCEPTION_RATE_HZ
from sdvkit.sensing.app import SensingApp
from sdvkit.vehicle.library import DEFAULT_VEHICLE, builtin_vehicle
from sdvkit.vehicle.lights import LightsPlant

CRUISE = "Vehicle.ADAS.CruiseControl"
AEB_STEP_S = 1.0 / PERCEPTION_RATE_HZ
"""AEB steps once per perception cycle, right after sensing."""
CRUISE_BUTTONS = (f"{CRUISE}.IsEnabled", f"{CRUISE}.SpeedSet", f"{CRUISE}.IsAdaptive", f"{CRUISE}.IsActive")


class CruiseButtons(VehicleApp):
    """The driver's cruise-control buttons: switch ACC on at a set speed when the run starts."""

    name = "cruise buttons"
    manifest = Manifest(writes=CRUISE_BUTTONS, role=AppRole.TEST_BENCH)

    def __init__(self, set_speed_kph: float) -> None:
        super().__init__()
        self.set_speed_kph = set_speed_kph

    def on_start(self) -> None:
        self.batch_actuate(
            {
                f"{CRUISE}.IsEnabled": True,
                f"{CRUISE}.SpeedSet": float(self.set_speed_kph),
                f"{CRUISE}.IsAdaptive": True,
            }
        )
        self.actuate(f"{CRUISE}.IsActive", True)


@cache
def vut_geometry() -> VehicleGeometry:
    """The lane-support functions' calibration of the VUT (the default vehicle, its box)."""
    params = builtin_vehicle(DEFAULT_VEHICLE)
    front_axle_behind_bumper = VUT_LENGTH_M / 2.0 - params.lateral.cg_to_front_axle_m
    return VehicleGeometry(
        wheel_outer_half_width_m=VUT_WIDTH_M / 2.0,
        front_axle_behind_bumper_m=front_axle_behind_bumper,
        wheelbase_m=params.lateral.wheelbase_m,
        steering_ratio=params.steering.steering_ratio,
    )


def vehicle_stack(setup: ScenarioSetup, *, seed: int = 0) -> list[VehicleApp]:
    """The sensing, functions and arbitration of one run of ``setup``."""

    apps: list[VehicleApp] = [
        SensingApp(setup.world, seed=seed, lighting=setup.lighting.value, rate_hz=PERCEPTION_RATE_HZ),
        ForwardCollisionWarningApp(),
        EmergencyBrakingApp(step_period_s=AEB_STEP_S),
    ]
    if uses_lane_support(setup):
        apps.extend(lane_support_apps(vehicle=vut_geometry()))
    if setup.acc_set_speed_kph is not None:
        apps.append(AdaptiveCruiseApp())
    if setup.driver_distracted:
        driver = long_distraction(0.0, setup.duration_s + 1.0)
        apps.extend((VirtualDriverFace(driver, seed=seed), DriverMonitoringApp(), LightsPlant()))
    apps.append(ArbitrationApp())
    if setup.acc_set_speed_kph is not None:
        apps.append(CruiseButtons(setup.acc_set_speed_kph))
    return apps


def uses_lane_support(setup: ScenarioSetup) -> bool:
    """Lane support can act in a point judged on a line or an edge, and is watched for false
    activations in the false-positive suite (the points with no target)."""
    return setup.road_edge_side is not None or setup.lane_line_side is not None or setup.target_id is None
