"""Emergency lane keeping (ELK): steer back from a road edge, a solid line, or a lane with traffic.

ELK works between :attr:`ElkParams.min_speed_kph` and ``max_speed_kph``: 45-180 km/h, so that the
Euro NCAP ELK tests (50-80 km/h) are covered with room for the speed a driver robot holds. Its
:attr:`~ElkParams.reason` s, most urgent first:

- ``ONCOMING``: the car drifts toward the line or edge on a side where a track in the adjacent
  lane comes toward it (relative heading beyond ±150°, closing), within
  :attr:`ElkParams.oncoming_horizon_s` of meeting it or already beside it;
- ``OVERTAKING``: the car drifts toward a side where a track in the adjacent lane travels its way
  (heading within ±30°) and is beside it, or comes from behind (negative longitudinal position,
  positive closing speed, as the rear corner radars see it) within
  :attr:`ElkParams.overtaking_horizon_s` of drawing level;
- ``ROAD_EDGE``: the car drifts toward the road edge (the end of the drivable surface, which
  perception reports whether it is marked or not). Euro NCAP passes the test when the outer
  wheel ends at most 0.1 m past the edge, so ELK acts early: :attr:`ElkParams.road_edge_trigger`;
- ``SOLID_LINE``: the car drifts toward a solid line whose side is not signalled. This acts later
  than LKA (:attr:`ElkParams.solid_line_trigger`), as its backup when LKA is off.

The direction indicator suppresses only ``SOLID_LINE``: an intended lane change into the path of
other traffic, or off the road, still gets the correction (Euro NCAP's "overtaking, intentional"
test is exactly that).

Engaged (``Vehicle.ADAS.ELK.IsEngaged``, ``Reason``), ELK steers back to the lane centre with the
:class:`~sdvkit.safety.lane_geometry.LateralController` at up to
:attr:`LateralControlParams.max_lateral_accel_mps2` (4 m/s² by default, stronger than LKA), and
lets go once the wheel is :attr:`ElkParams.release_distance_m` inside the line, no longer moving
toward it and moving away slower than ``release_lateral_speed_mps`` (or after
``max_intervention_s``). The arbitration layer ranks ELK above everything else that steers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sdvkit.runtime import Manifest, VehicleApp
from sdvkit.safety.lane_geometry import (
    LANE_FUNCTION_READS,
    Boundary,
    EnabledSwitch,
    InterventionThreshold,
    LaneInputs,
    LaneTracker,
    LaneView,
    LateralController,
    LateralControlParams,
    Side,
    SpeedWindow,
    VehicleGeometry,
    checked,
    is_solid,
    track_lane,
)
from sdvkit.safety.perception import Track

_ELK = "Vehicle.ADAS.ELK"
IS_ENABLED = f"{_ELK}.IsEnabled"
IS_ENGAGED = f"{_ELK}.IsEngaged"
IS_ERROR = f"{_ELK}.IsError"
REASON = f"{_ELK}.Reason"
STEERING_REQUEST = f"{_ELK}.SteeringWheelAngleRequest"


class ElkReason(StrEnum):
    """What ELK steers away from, most urgent first (the values of ``Vehicle.ADAS.ELK.Reason``)."""

    ONCOMING = "ONCOMING"
    OVERTAKING = "OVERTAKING"
    ROAD_EDGE = "ROAD_EDGE"
    SOLID_LINE = "SOLID_LINE"


_URGENCY = {reason: rank for rank, reason in enumerate(ElkReason)}


@dataclass(frozen=True, kw_only=True, slots=True)
class ElkParams:
    """When and how emergency lane keeping steers."""

    min_speed_kph: float = 45.0
    max_speed_kph: float = 180.0
    road_edge_trigger: InterventionThreshold = field(
        default_factory=lambda: InterventionThreshold(
            margin_m=0.3, reaction_s=0.2, planned_lateral_decel_mps2=2.0
        )
    )
    traffic_trigger: InterventionThreshold = field(
        default_factory=lambda: InterventionThreshold(
            margin_m=0.2, reaction_s=0.2, planned_lateral_decel_mps2=2.0
        )
    )
    solid_line_trigger: InterventionThreshold = field(
        default_factory=lambda: InterventionThreshold(
            margin_m=0.0, reaction_s=0.15, planned_lateral_decel_mps2=2.5
        )
    )
    oncoming_horizon_s: float = 4.0
    overtaking_horizon_s: float = 4.0
    oncoming_min_heading_deg: float = 150.0
    overtaking_max_heading_deg: float = 30.0
    adjacent_lane_width_m: float = 3.5
    ego_length_m: float = 4.7
    """How far behind the front bumper the car ends: a track whose front is within it is beside us."""
    release_distance_m: float = 0.3
    release_lateral_speed_mps: float = 0.1
    max_intervention_s: float = 5.0
    nominal_lane_width_m: float = 3.5
    control: LateralControlParams = field(
        default_factory=lambda: LateralControlParams(
            natural_frequency_rad_per_s=1.5,
            max_lateral_accel_mps2=4.0,
            max_steering_wheel_angle_deg=180.0,
            max_steering_wheel_rate_deg_per_s=120.0,
        )
    )
    vehicle: VehicleGeometry = field(default_factory=VehicleGeometry)

    def __post_init__(self) -> None:
        owner = "ElkParams"
        checked(owner, "min_speed_kph", self.min_speed_kph, 0.0, 250.0)
        checked(owner, "max_speed_kph", self.max_speed_kph, self.min_speed_kph + 1.0, 300.0)
        checked(owner, "oncoming_horizon_s", self.oncoming_horizon_s, 0.0, 20.0)
        checked(owner, "overtaking_horizon_s", self.overtaking_horizon_s, 0.0, 20.0)
        checked(owner, "oncoming_min_heading_deg", self.oncoming_min_heading_deg, 90.0, 180.0)
        checked(owner, "overtaking_max_heading_deg", self.overtaking_max_heading_deg, 0.0, 90.0)
        checked(owner, "adjacent_lane_width_m", self.adjacent_lane_width_m, 2.0, 6.0)
        checked(owner, "ego_length_m", self.ego_length_m, 1.0, 20.0)
        checked(owner, "release_distance_m", self.release_distance_m, -0.5, 2.0)
        checked(owner, "release_lateral_speed_mps", self.release_lateral_speed_mps, 0.0, 2.0)
        checked(owner, "max_intervention_s", self.max_intervention_s, 0.1, 60.0)
        checked(owner, "nominal_lane_width_m", self.nominal_lane_width_m, 2.0, 6.0)


class EmergencyLaneKeepingApp(VehicleApp):
    """Steers back from a road edge, a solid line, oncoming or overtaking traffic."""

    name = "emergency lane keeping"
    step_period_s = 0.05

    def __init__(self, params: ElkParams | None = None, *, name: str | None = None) -> None:
        super().__init__(
            name=name,
            manifest=Manifest(
                reads=LANE_FUNCTION_READS,
                writes=(IS_ENABLED, IS_ENGAGED, IS_ERROR, REASON, STEERING_REQUEST),
            ),
        )
        self.params = params if params is not None else ElkParams()
        self.switch = EnabledSwitch(IS_ENABLED)
        self.tracker = LaneTracker(self.params.vehicle)
        self.speed_window = SpeedWindow(min_kph=self.params.min_speed_kph, max_kph=self.params.max_speed_kph)
        self.controller = LateralController(self.params.control, self.params.vehicle)
        self.reason: ElkReason | None = None
        """Why ELK steers now, or None."""
        self.side: Side | None = None
        """The side ELK steers away from."""
        self.interventions: list[tuple[float, ElkReason, Side]] = []
        """Every intervention: (start time, reason, side)."""
        self.fault: str | None = None
        """Why ELK could not act in the last cycle, or None."""
        self._since_s = 0.0

    def on_start(self) -> None:
        self.switch.start(self)
        self._publish(None)

    def step(self) -> None:
        tracked = track_lane(self, self.tracker, self.speed_window)
        if isinstance(tracked, str):
            self.fault = tracked
            self._let_go()
            self._publish(None)
            return
        self.fault = None
        sampled, view, in_window = tracked
        if self.reason is not None and self._should_release(view, in_window):
            self._let_go()
        if self.reason is None and in_window and self.switch.enabled:
            self._maybe_engage(view, sampled)
        if self.reason is not None:
            target = view.target_offset_m(
                away_from=self.side, nominal_lane_width_m=self.params.nominal_lane_width_m
            )
            if target is not None:
                self._publish(self.controller.steer(view, target, self.step_period_s or 0.05))
                return
            self._let_go()
        self._publish(None)

    # -- threats ----------------------------------------------------------------------------------

    def threats(self, view: LaneView, inputs: LaneInputs) -> list[tuple[ElkReason, Side, float]]:
        """Every (reason, side, distance to the line) that calls for a correction now."""
        params = self.params
        found: list[tuple[ElkReason, Side, float]] = []
        for side in (Side.LEFT, Side.RIGHT):
            outward = view.outward_speed_mps(side)
            boundary = view.boundary(side)
            if boundary is not None and params.traffic_trigger.triggers(boundary.distance_m, outward):
                traffic = self._traffic(view.objects, side, boundary)
                if traffic is not None:
                    found.append((traffic, side, boundary.distance_m))
            edge = view.edges.get(side)
            if edge is not None and params.road_edge_trigger.triggers(edge.distance_m, outward):
                found.append((ElkReason.ROAD_EDGE, side, edge.distance_m))
            marking = view.markings.get(side)
            if (
                marking is not None
                and is_solid(marking.kind)
                and not inputs.indicates(side)
                and params.solid_line_trigger.triggers(marking.distance_m, outward)
            ):
                found.append((ElkReason.SOLID_LINE, side, marking.distance_m))
        return sorted(found, key=lambda item: (_URGENCY[item[0]], item[2]))

    def _traffic(self, objects: tuple[Track, ...], side: Side, boundary: Boundary) -> ElkReason | None:
        """ONCOMING or OVERTAKING when a track in the adjacent lane on ``side`` is a danger."""
        params = self.params
        sign = side.sign
        reason: ElkReason | None = None
        for track in objects:
            across_m = sign * (track.lateral_m - boundary.offset_m)
            if not -0.5 <= across_m <= params.adjacent_lane_width_m + 0.5:
                continue
            heading = abs(track.heading_deg)
            x, vx = track.longitudinal_m, track.longitudinal_velocity_mps
            beside = -params.ego_length_m < x <= 0.0
            if heading >= params.oncoming_min_heading_deg:
                if beside or (x > 0.0 and vx < 0.0 and x / -vx <= params.oncoming_horizon_s):
                    return ElkReason.ONCOMING
            elif heading <= params.overtaking_max_heading_deg and x <= 0.0:
                gap_m = -params.ego_length_m - x  # from its front to our rear
                if beside or (vx > 0.0 and gap_m / vx <= params.overtaking_horizon_s):
                    reason = ElkReason.OVERTAKING
        return reason

    # -- decisions ------------------------------------------------------------------------------

    def _maybe_engage(self, view: LaneView, inputs: LaneInputs) -> None:
        threats = self.threats(view, inputs)
        if threats:
            self.reason, self.side, _ = threats[0]
            self._since_s = self.now_s
            self.interventions.append((self.now_s, self.reason, self.side))
            self.controller.reset(inputs.steering_wheel_deg)

    def _should_release(self, view: LaneView, in_window: bool) -> bool:
        side = self.side
        assert side is not None
        params = self.params
        line = view.edges.get(side) if self.reason is ElkReason.ROAD_EDGE else view.boundary(side)
        settled = (
            line is not None
            and line.distance_m >= params.release_distance_m
            and -params.release_lateral_speed_mps <= view.outward_speed_mps(side) <= 0.0
        )
        return (
            settled
            or line is None
            or not in_window
            or not self.switch.enabled
            or self.now_s - self._since_s >= params.max_intervention_s
        )

    def _let_go(self) -> None:
        self.reason = None
        self.side = None

    def _publish(self, request_deg: float | None) -> None:
        self.publish(
            {
                IS_ENGAGED: request_deg is not None,
                REASON: self.reason.value if self.reason is not None and request_deg is not None else "NONE",
                STEERING_REQUEST: request_deg if request_deg is not None else 0.0,
                IS_ERROR: self.fault is not None,
            }
        )
