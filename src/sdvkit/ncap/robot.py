"""The driving robot: steering and pedal robots of a proving ground, as one test-bench app.

It drives the scenario's path at the scenario's speed the way a real test driver's robots do,
through the driver's controls (``Vehicle.Sdvkit.DriverInput``), so the functions under test see
an ordinary driver and can override him:

- **steering**: pure pursuit on the path (look-ahead growing with speed), the wheel angle from
  the bicycle geometry; like the DGPS of a proving ground it reads the true pose of the VUT from
  the world (``setup.world.ego``: it is test equipment, role ``TEST_BENCH``);
- **speed**: a PI controller on the accelerator (the brake pedal only when more than 1 m/s
  too fast);
- **AEB**: once ``Vehicle.ADAS.AEB.IsEngaged`` is seen the accelerator stays released;
- **FCW points** (``driver_brakes_after_warning_s``): the brake pedal fully pressed that long
  after the first ``Vehicle.ADAS.FCW.IsWarning``, as the protocol's driver reaction;
- **lane support**: after a lane-support function has steered (``MotionControl.Lateral.Source``
  not ``NONE``) and let go again, the robot holds the wheel straight instead of steering back
  onto its drifting path, as a test driver's hands off the wheel;
- **ACC points** (``acc_set_speed_kph``): ACC holds the speed; the robot only steers.
"""

from __future__ import annotations

import math

from sdvkit.ncap.scenario import ScenarioSetup
from sdvkit.runtime import AppRole, Manifest, VehicleApp

ACCELERATOR = "Vehicle.Sdvkit.DriverInput.AcceleratorPedal"
BRAKE = "Vehicle.Sdvkit.DriverInput.BrakePedal"
STEERING = "Vehicle.Sdvkit.DriverInput.SteeringWheelAngle"
AEB_ENGAGED = "Vehicle.ADAS.AEB.IsEngaged"
FCW_WARNING = "Vehicle.ADAS.FCW.IsWarning"
LATERAL_SOURCE = "Vehicle.Sdvkit.MotionControl.Lateral.Source"

ROBOT_STEP_S = 0.02
"""The robot acts at 50 Hz."""
LOOKAHEAD_MIN_M = 2.0
LOOKAHEAD_TIME_S = 0.5
SPEED_GAIN_PCT_PER_MPS = 25.0
SPEED_INTEGRAL_PCT_PER_M = 20.0
INITIAL_PEDAL_PCT = 6.0
"""Where the speed integrator starts when the runner gives no trim (about town speeds)."""
BRAKE_GAIN_PCT_PER_MPS = 10.0
OVERSPEED_BRAKE_MPS = 1.0
MAX_WHEEL_DEG = 720.0
CURVATURE_STEP_M = 0.5
"""The path's curvature is taken over this distance either side."""


class DrivingRobot(VehicleApp):
    """Steers the scenario's path and holds its speed through the driver's pedals and wheel."""

    name = "driving robot"
    manifest = Manifest(
        reads=(AEB_ENGAGED, FCW_WARNING, LATERAL_SOURCE),
        writes=(ACCELERATOR, BRAKE, STEERING),
        role=AppRole.TEST_BENCH,
    )

    def __init__(
        self,
        setup: ScenarioSetup,
        *,
        wheelbase_m: float = 2.875,
        rear_axle_m: float = 1.375,
        steering_ratio: float = 15.0,
        understeer_rad_per_mps2: float = 0.0,
        step_s: float = ROBOT_STEP_S,
        cruise_pedal_pct: float = INITIAL_PEDAL_PCT,
    ) -> None:
        """``cruise_pedal_pct``: the accelerator that holds the scenario's speed on the level, as a
        real robot learns it in a calibration run; the speed integrator starts there. The steering
        geometry (wheelbase, rear axle to centre, ratio, understeer gradient) is the VUT's, as a
        steering robot is set up for the car it drives."""
        super().__init__(step_period_s=step_s)
        self.setup = setup
        self._world = setup.world
        self._path = setup.vut_path
        self._speed_mps = setup.vut_speed_mps
        self._wheelbase_m = wheelbase_m
        self._rear_axle_m = rear_axle_m
        self._understeer = understeer_rad_per_mps2
        self._ratio = steering_ratio
        self._dt = step_s
        self._integral_pct = cruise_pedal_pct
        self._d_m = 0.0
        self._sent: dict[str, float] = {}
        self.aeb_seen = False
        self.first_warning_s: float | None = None
        """Simulated time of the first FCW warning the robot saw."""
        self.driver_braking = False
        self._intervened = False
        self.hands_off = False
        """True once a lane-support intervention has ended: the wheel is held straight."""
        self._pedals = setup.acc_set_speed_kph is None
        self.max_path_error_m = 0.0
        """Largest lateral distance from the path seen so far (of the VUT's centre)."""
        self.max_speed_error_mps = 0.0
        """Largest speed error while the robot held the speed (before AEB, FCW braking or ACC)."""

    def on_start(self) -> None:
        start = self.setup.vut_start
        projected = self._path.project(start.x_m, start.y_m)
        self._d_m = projected[0] if projected is not None else 0.0

    def _project(self, x_m: float, y_m: float) -> tuple[float, float]:
        """(distance along, lateral) on the path near the last projection (two Newton steps)."""
        d = self._d_m
        lateral = 0.0
        for _ in range(2):
            px, py, heading = self._path.pose_at(d)
            c, s = math.cos(heading), math.sin(heading)
            dx, dy = x_m - px, y_m - py
            d += dx * c + dy * s
            lateral = -dx * s + dy * c
        self._d_m = d
        return d, lateral

    def step(self) -> None:
        ego = self._world.ego
        if ego is None:
            return
        aeb, warning, lateral_source = self.get_many((AEB_ENGAGED, FCW_WARNING, LATERAL_SOURCE))
        now = self.now_s
        if aeb is not None and aeb.value:
            self.aeb_seen = True
        if warning is not None and warning.value and self.first_warning_s is None:
            self.first_warning_s = now
        reaction = self.setup.driver_brakes_after_warning_s
        if (
            reaction is not None
            and self.first_warning_s is not None
            and now >= self.first_warning_s + reaction
        ):
            self.driver_braking = True
        intervening = lateral_source is not None and lateral_source.value not in (None, "NONE")
        if intervening:
            self._intervened = True
        elif self._intervened:
            self.hands_off = True
        commands = {STEERING: self._steering_deg(ego.x_m, ego.y_m, ego.heading_rad, ego.speed_mps)}
        accelerator, brake = self._pedals_pct(ego.speed_mps)
        commands[ACCELERATOR] = accelerator
        commands[BRAKE] = brake
        changed = {path: value for path, value in commands.items() if self._sent.get(path) != value}
        if changed:
            self.batch_actuate(changed)
            self._sent.update(changed)

    def _steering_deg(self, x_m: float, y_m: float, heading_rad: float, speed_mps: float) -> float:
        d, lateral = self._project(x_m, y_m)
        self.max_path_error_m = max(self.max_path_error_m, abs(lateral))
        if self.hands_off:
            return 0.0
        lookahead = max(LOOKAHEAD_MIN_M, LOOKAHEAD_TIME_S * speed_mps)
        path = self._path
        goal = d + lookahead
        gx, gy, g_heading = path.pose_at(goal)
        # Pure pursuit from the rear axle, which moves along the body's heading, towards where
        # the rear axle is when the centre is at the goal: on a bend the body turns less than
        # the centre's path by the kinematic sideslip asin(b·κ).
        turn = path.pose_at(goal + CURVATURE_STEP_M)[2] - path.pose_at(goal - CURVATURE_STEP_M)[2]
        curvature = math.remainder(turn, math.tau) / (2.0 * CURVATURE_STEP_M)
        b = self._rear_axle_m
        body = g_heading - math.asin(max(-1.0, min(1.0, b * curvature)))
        gx -= b * math.cos(body)
        gy -= b * math.sin(body)
        c, s = math.cos(heading_rad), math.sin(heading_rad)
        rx, ry = x_m - b * c, y_m - b * s
        dx, dy = gx - rx, gy - ry
        ahead = dx * c + dy * s
        left = -dx * s + dy * c
        distance_sq = ahead * ahead + left * left
        curvature = 2.0 * left / distance_sq if distance_sq > 1e-9 else 0.0
        # The kinematic wheel angle, plus what the car's understeer takes at this lateral acceleration.
        lateral_accel = speed_mps * speed_mps * curvature
        road_wheel = math.atan(curvature * self._wheelbase_m) + self._understeer * lateral_accel
        wheel_deg = math.degrees(road_wheel) * self._ratio
        return round(max(-MAX_WHEEL_DEG, min(MAX_WHEEL_DEG, wheel_deg)), 3)

    def _pedals_pct(self, speed_mps: float) -> tuple[float, float]:
        if self.driver_braking:
            return 0.0, 100.0
        if not self._pedals or self.aeb_seen:
            return 0.0, 0.0
        error = self._speed_mps - speed_mps
        self.max_speed_error_mps = max(self.max_speed_error_mps, abs(error))
        if error < -OVERSPEED_BRAKE_MPS:
            return 0.0, min(100.0, BRAKE_GAIN_PCT_PER_MPS * (-error - OVERSPEED_BRAKE_MPS))
        integral = self._integral_pct + SPEED_INTEGRAL_PCT_PER_M * error * self._dt
        pedal = SPEED_GAIN_PCT_PER_MPS * error + integral
        if 0.0 <= pedal <= 100.0:
            self._integral_pct = integral  # no wind-up while the pedal is at a stop
        return round(min(100.0, max(0.0, pedal)), 2), 0.0
