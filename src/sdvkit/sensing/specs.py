"""Sensor and tracker specs, declared as data, and the default sensor suite.

A :class:`SensorSpec` says where a sensor sits on the vehicle (:class:`Mounting`, in the vehicle
frame: ISO 8855, origin at the middle of the front bumper, x ahead, y left), what it can see
(:class:`Lobe` fields of view), how well (:class:`Noise`, resolution, :class:`DetectionProbability`,
per-class range factors), when (update rate and latency) and, for a camera, how it classifies and
how darkness degrades it (:class:`CameraModel`, :class:`NightModel`). :func:`default_suite` gives
the six sensors whose names :data:`~sdvkit.signals.builtin.perception.PERCEPTION_SENSORS` lists:
a front radar with a long-range and a near-field lobe, a front camera and four corner radars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from sdvkit.sensing.errors import SensorSpecError
from sdvkit.signals.builtin.perception import OBJECT_CLASSES, PERCEPTION_SENSORS


class SensorKind(StrEnum):
    RADAR = "radar"
    """Measures range, azimuth and range rate (Doppler); does not classify."""
    CAMERA = "camera"
    """Measures azimuth well and range poorly; classifies, sizes and sees lane markings."""


def _number(owner: str, name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SensorSpecError(f"{owner}: {name} must be a finite number, not {value!r}")
    return float(value)


def _positive(owner: str, name: str, value: float) -> None:
    if _number(owner, name, value) <= 0:
        raise SensorSpecError(f"{owner}: {name} must be > 0, not {value!r}")


def _not_negative(owner: str, name: str, value: float) -> None:
    if _number(owner, name, value) < 0:
        raise SensorSpecError(f"{owner}: {name} must be >= 0, not {value!r}")


def _fraction(owner: str, name: str, value: float) -> None:
    if not 0.0 <= _number(owner, name, value) <= 1.0:
        raise SensorSpecError(f"{owner}: {name} must be within 0…1, not {value!r}")


def _object_class(owner: str, name: str, value: str) -> None:
    if value not in OBJECT_CLASSES:
        raise SensorSpecError(f"{owner}: {name} must be one of {list(OBJECT_CLASSES)}, not {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Lobe:
    """One lobe of a field of view: up to ``half_angle_deg`` either side of the boresight and up
    to ``max_range_m`` away."""

    half_angle_deg: float
    max_range_m: float

    def __post_init__(self) -> None:
        _positive("Lobe", "max_range_m", self.max_range_m)
        if not 0.0 < _number("Lobe", "half_angle_deg", self.half_angle_deg) <= 180.0:
            raise SensorSpecError(
                f"Lobe: half_angle_deg must be within (0, 180], not {self.half_angle_deg!r}"
            )

    @property
    def half_angle_rad(self) -> float:
        return math.radians(self.half_angle_deg)


@dataclass(frozen=True, kw_only=True, slots=True)
class Mounting:
    """Where a sensor sits: from the middle of the front bumper (x ahead, y left), its height
    above the road, and the yaw of its boresight (positive to the left)."""

    x_m: float
    y_m: float
    yaw_deg: float = 0.0
    height_m: float = 0.5

    def __post_init__(self) -> None:
        for name in ("x_m", "y_m", "yaw_deg"):
            _number("Mounting", name, getattr(self, name))
        _positive("Mounting", "height_m", self.height_m)

    @property
    def yaw_rad(self) -> float:
        return math.radians(self.yaw_deg)


@dataclass(frozen=True, kw_only=True, slots=True)
class Noise:
    """Measurement noise, each a standard deviation of a zero-mean normal distribution.

    The range noise grows with range: ``range_std_m + range_std_per_m * range`` (a camera's depth
    from the ground plane worsens with distance; a radar's does not). ``range_rate_std_mps`` is
    None for a sensor without a Doppler measurement; ``size_std_m`` and ``heading_std_deg`` are
    None for a sensor that does not measure an object's box.
    """

    range_std_m: float
    range_std_per_m: float = 0.0
    azimuth_std_deg: float
    range_rate_std_mps: float | None = None
    size_std_m: float | None = None
    heading_std_deg: float | None = None

    def __post_init__(self) -> None:
        for name in (
            "range_std_m",
            "range_std_per_m",
            "azimuth_std_deg",
            "range_rate_std_mps",
            "size_std_m",
            "heading_std_deg",
        ):
            value = getattr(self, name)
            if value is not None:
                _not_negative("Noise", name, value)

    def range_std_at(self, range_m: float) -> float:
        return self.range_std_m + self.range_std_per_m * range_m


@dataclass(frozen=True, kw_only=True, slots=True)
class DetectionProbability:
    """How likely a visible object is detected in one scan, by its range over the effective range
    (the lobe's range times the class's range factor): ``nominal`` up to ``falloff_start`` of it,
    then falling linearly to ``at_max_range`` at the effective range, and 0 beyond."""

    nominal: float = 0.98
    at_max_range: float = 0.5
    falloff_start: float = 0.8

    def __post_init__(self) -> None:
        owner = "DetectionProbability"
        _fraction(owner, "nominal", self.nominal)
        _fraction(owner, "at_max_range", self.at_max_range)
        _fraction(owner, "falloff_start", self.falloff_start)
        if self.at_max_range > self.nominal:
            raise SensorSpecError(
                f"{owner}: at_max_range ({self.at_max_range!r}) must not exceed nominal ({self.nominal!r})"
            )

    def at(self, range_m: float, effective_range_m: float) -> float:
        """The detection probability at ``range_m`` for an effective range ``effective_range_m``."""
        if range_m > effective_range_m:
            return 0.0
        start_m = self.falloff_start * effective_range_m
        if range_m <= start_m:
            return self.nominal
        share = (range_m - start_m) / (effective_range_m - start_m)
        return self.nominal + share * (self.at_max_range - self.nominal)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClassConfusion:
    """A camera reports an object of ``true_class`` as ``reported_class`` with ``probability``,
    drawn afresh for every detection."""

    true_class: str
    reported_class: str
    probability: float

    def __post_init__(self) -> None:
        _object_class("ClassConfusion", "true_class", self.true_class)
        _object_class("ClassConfusion", "reported_class", self.reported_class)
        _fraction("ClassConfusion", "probability", self.probability)


@dataclass(frozen=True, kw_only=True, slots=True)
class NightModel:
    """How darkness degrades a camera (the scenario's ``lighting="night"``).

    Objects of ``affected_classes`` (the unlit road users) are seen only within ``range_factor`` of
    the day range and with ``detection_factor`` times the day probability; lane markings are seen
    ``lane_range_factor`` as far, with ``lane_confidence_factor`` times the confidence. Glare: an
    oncoming car's headlights within ``glare_range_m`` blind the camera within
    ``glare_half_angle_deg`` of their bearing, multiplying the detection probability of affected
    objects there by ``glare_detection_factor``.
    """

    affected_classes: tuple[str, ...] = ("PEDESTRIAN", "CYCLIST", "ANIMAL")
    range_factor: float = 0.5
    detection_factor: float = 0.85
    lane_range_factor: float = 0.6
    lane_confidence_factor: float = 0.85
    glare_range_m: float = 80.0
    glare_half_angle_deg: float = 4.0
    glare_detection_factor: float = 0.5

    def __post_init__(self) -> None:
        owner = "NightModel"
        object.__setattr__(self, "affected_classes", tuple(self.affected_classes))
        for index, name in enumerate(self.affected_classes):
            _object_class(owner, f"affected_classes[{index}]", name)
        for name in (
            "range_factor",
            "detection_factor",
            "lane_range_factor",
            "lane_confidence_factor",
            "glare_detection_factor",
        ):
            _fraction(owner, name, getattr(self, name))
        _not_negative(owner, "glare_range_m", self.glare_range_m)
        _not_negative(owner, "glare_half_angle_deg", self.glare_half_angle_deg)


@dataclass(frozen=True, kw_only=True, slots=True)
class CameraModel:
    """What only a camera has: class confusion, the night model and lane perception."""

    confusions: tuple[ClassConfusion, ...] = ()
    night: NightModel = NightModel()
    lane_view_range_m: float = 80.0
    lane_offset_std_m: float = 0.04
    lane_heading_std_deg: float = 0.15
    lane_curvature_std_per_m: float = 5e-5
    road_edge_std_m: float = 0.15

    def __post_init__(self) -> None:
        owner = "CameraModel"
        object.__setattr__(self, "confusions", tuple(self.confusions))
        for true_class in {confusion.true_class for confusion in self.confusions}:
            total = sum(c.probability for c in self.confusions if c.true_class == true_class)
            if total > 1.0:
                raise SensorSpecError(
                    f"{owner}: the confusion probabilities of {true_class} add up to {total:g} > 1"
                )
        _positive(owner, "lane_view_range_m", self.lane_view_range_m)
        for name in (
            "lane_offset_std_m",
            "lane_heading_std_deg",
            "lane_curvature_std_per_m",
            "road_edge_std_m",
        ):
            _not_negative(owner, name, getattr(self, name))


@dataclass(frozen=True, kw_only=True, slots=True)
class SensorSpec:
    """One sensor: where, what it sees, how well, how often and how late.

    ``class_range_factors`` scale the lobes' ranges per object class (a radar sees a pedestrian's
    small cross-section only at a fraction of a car's range); a class not listed gets 1.
    ``min_visible_fraction``: the share of an object's angular extent that must be in the field of
    view and not shadowed by nearer objects for the sensor to detect it at all.
    ``existence_weight``: the log-odds a hit of this sensor adds to a track's existence.
    Resolution: two objects closer together than both ``range_resolution_m`` and
    ``azimuth_resolution_deg`` in one scan are reported as one (the nearer).
    """

    name: str
    kind: SensorKind
    mounting: Mounting
    lobes: tuple[Lobe, ...]
    noise: Noise
    latency_s: float
    update_rate_hz: float
    range_resolution_m: float
    azimuth_resolution_deg: float
    detection: DetectionProbability = DetectionProbability()
    class_range_factors: tuple[tuple[str, float], ...] = ()
    min_visible_fraction: float = 0.25
    existence_weight: float = 1.0
    camera: CameraModel | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SensorSpecError(f"SensorSpec: name must be a non-empty string, not {self.name!r}")
        owner = f"sensor {self.name!r}"
        try:
            object.__setattr__(self, "kind", SensorKind(self.kind))
        except ValueError as error:
            raise SensorSpecError(
                f"{owner}: kind must be one of {[k.value for k in SensorKind]}, not {self.kind!r}"
            ) from error
        object.__setattr__(self, "lobes", tuple(self.lobes))
        object.__setattr__(self, "class_range_factors", tuple(self.class_range_factors))
        if not self.lobes:
            raise SensorSpecError(f"{owner}: lobes must not be empty")
        _not_negative(owner, "latency_s", self.latency_s)
        _positive(owner, "update_rate_hz", self.update_rate_hz)
        _not_negative(owner, "range_resolution_m", self.range_resolution_m)
        _not_negative(owner, "azimuth_resolution_deg", self.azimuth_resolution_deg)
        _fraction(owner, "min_visible_fraction", self.min_visible_fraction)
        _not_negative(owner, "existence_weight", self.existence_weight)
        for object_class, factor in self.class_range_factors:
            _object_class(owner, "class_range_factors", object_class)
            _not_negative(owner, f"class_range_factors[{object_class}]", factor)
        if self.kind is SensorKind.CAMERA and self.camera is None:
            raise SensorSpecError(f"{owner}: a camera needs a CameraModel (camera=...)")
        if self.kind is SensorKind.RADAR and self.camera is not None:
            raise SensorSpecError(f"{owner}: a radar has no CameraModel; leave camera=None")
        if self.kind is SensorKind.RADAR and self.noise.range_rate_std_mps is None:
            raise SensorSpecError(f"{owner}: a radar measures range rate; set noise.range_rate_std_mps")

    @property
    def max_range_m(self) -> float:
        return max(lobe.max_range_m for lobe in self.lobes)

    @property
    def max_half_angle_rad(self) -> float:
        return max(lobe.half_angle_rad for lobe in self.lobes)

    @property
    def period_s(self) -> float:
        return 1.0 / self.update_rate_hz

    def range_factor(self, object_class: str) -> float:
        """How far, as a share of the lobes' ranges, this sensor sees objects of ``object_class``."""
        for name, factor in self.class_range_factors:
            if name == object_class:
                return factor
        return 1.0


@dataclass(frozen=True, kw_only=True, slots=True)
class TrackerSpec:
    """How detections become tracks (see :mod:`sdvkit.sensing.tracking`).

    A tentative track is confirmed after ``confirm_hits`` hits within its last ``confirm_window``
    cycles, and dropped if it is not confirmed within its first ``confirm_window`` cycles. A
    confirmed track coasts on its prediction for up to ``max_coast_cycles`` cycles without a hit.
    ``gate_chi2``: the Mahalanobis gate on position (13.8: 99.9 % of a 2-D normal).
    ``acceleration_noise_mps2``: the white-noise acceleration of the constant-velocity model.
    Existence is a log-odds score: it starts at ``existence_start``, each hitting sensor adds its
    ``existence_weight``, a cycle without a hit takes ``existence_miss`` off, and it stays within
    ±``existence_limit``. An object is in the ego's path when its box comes within
    ``in_path_half_width_m`` of the vehicle's centre line (it is then ordered first).
    """

    confirm_hits: int = 3
    confirm_window: int = 4
    max_coast_cycles: int = 6
    gate_chi2: float = 13.8
    merge_chi2: float = 6.0
    acceleration_noise_mps2: float = 1.5
    initial_speed_std_mps: float = 8.0
    existence_start: float = -0.5
    existence_miss: float = 1.0
    existence_limit: float = 5.0
    in_path_half_width_m: float = 1.1
    size_smoothing: float = 0.3
    """Weight of a new camera size or heading measurement in the track's running estimate."""

    def __post_init__(self) -> None:
        owner = "TrackerSpec"
        for name in ("confirm_hits", "confirm_window", "max_coast_cycles"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SensorSpecError(f"{owner}: {name} must be an integer >= 1, not {value!r}")
        if self.confirm_hits > self.confirm_window:
            raise SensorSpecError(
                f"{owner}: confirm_hits ({self.confirm_hits}) must not exceed confirm_window "
                f"({self.confirm_window})"
            )
        for name in (
            "gate_chi2",
            "merge_chi2",
            "acceleration_noise_mps2",
            "initial_speed_std_mps",
            "existence_miss",
            "existence_limit",
            "in_path_half_width_m",
        ):
            _positive(owner, name, getattr(self, name))
        _number(owner, "existence_start", self.existence_start)
        _fraction(owner, "size_smoothing", self.size_smoothing)


DEFAULT_VEHICLE_LENGTH_M = 4.5
DEFAULT_VEHICLE_WIDTH_M = 1.8

_RADAR_CLASS_RANGE: tuple[tuple[str, float], ...] = (
    ("PEDESTRIAN", 0.4),
    ("CYCLIST", 0.5),
    ("ANIMAL", 0.4),
    ("MOTORCYCLE", 0.7),
    ("STATIC_OBSTACLE", 0.7),
)
"""A radar's range by radar cross-section: R_max grows with the fourth root of the cross-section,
so a pedestrian (about -8 dBsm against a car's +10 dBsm) is seen at about 0.4 of a car's range."""

_CAMERA_CLASS_RANGE: tuple[tuple[str, float], ...] = (
    ("PEDESTRIAN", 0.6),
    ("CYCLIST", 0.7),
    ("ANIMAL", 0.5),
    ("STATIC_OBSTACLE", 0.6),
)
"""A camera needs enough pixels to detect and classify: small objects only nearer."""


def _corner_radar(name: str, x_m: float, y_m: float, yaw_deg: float) -> SensorSpec:
    return SensorSpec(
        name=name,
        kind=SensorKind.RADAR,
        mounting=Mounting(x_m=x_m, y_m=y_m, yaw_deg=yaw_deg, height_m=0.5),
        lobes=(Lobe(half_angle_deg=75.0, max_range_m=80.0),),
        noise=Noise(range_std_m=0.2, azimuth_std_deg=1.0, range_rate_std_mps=0.15),
        latency_s=0.05,
        update_rate_hz=20.0,
        range_resolution_m=0.5,
        azimuth_resolution_deg=4.0,
        detection=DetectionProbability(nominal=0.95, at_max_range=0.4, falloff_start=0.7),
        class_range_factors=_RADAR_CLASS_RANGE,
        existence_weight=0.6,
    )


def default_suite(
    *, vehicle_length_m: float = DEFAULT_VEHICLE_LENGTH_M, vehicle_width_m: float = DEFAULT_VEHICLE_WIDTH_M
) -> tuple[SensorSpec, ...]:
    """The six sensors of :data:`PERCEPTION_SENSORS`, mounted on a vehicle of the given box.

    Figures are those of current series sensors (77 GHz long-range and corner radars, a mono
    front camera), rounded; see docs/sensing.md for the table.
    """
    _positive("default_suite", "vehicle_length_m", vehicle_length_m)
    _positive("default_suite", "vehicle_width_m", vehicle_width_m)
    half_width_m = 0.5 * vehicle_width_m - 0.1
    rear_x_m = -(vehicle_length_m - 0.2)
    front_radar = SensorSpec(
        name="FrontRadar",
        kind=SensorKind.RADAR,
        mounting=Mounting(x_m=-0.1, y_m=0.0, yaw_deg=0.0, height_m=0.5),
        lobes=(Lobe(half_angle_deg=9.0, max_range_m=200.0), Lobe(half_angle_deg=45.0, max_range_m=70.0)),
        noise=Noise(range_std_m=0.15, azimuth_std_deg=0.25, range_rate_std_mps=0.1),
        latency_s=0.05,
        update_rate_hz=20.0,
        range_resolution_m=0.4,
        azimuth_resolution_deg=2.0,
        detection=DetectionProbability(nominal=0.98, at_max_range=0.5, falloff_start=0.8),
        class_range_factors=_RADAR_CLASS_RANGE,
        existence_weight=0.9,
    )
    camera = SensorSpec(
        name="FrontCamera",
        kind=SensorKind.CAMERA,
        mounting=Mounting(x_m=-1.8, y_m=0.0, yaw_deg=0.0, height_m=1.3),
        lobes=(Lobe(half_angle_deg=28.0, max_range_m=120.0),),
        noise=Noise(
            range_std_m=0.2,
            range_std_per_m=0.04,
            azimuth_std_deg=0.1,
            size_std_m=0.1,
            heading_std_deg=3.0,
        ),
        latency_s=0.1,
        update_rate_hz=20.0,
        range_resolution_m=0.2,
        azimuth_resolution_deg=0.2,
        detection=DetectionProbability(nominal=0.97, at_max_range=0.5, falloff_start=0.75),
        class_range_factors=_CAMERA_CLASS_RANGE,
        existence_weight=1.2,
        camera=CameraModel(
            confusions=(
                ClassConfusion(true_class="CYCLIST", reported_class="PEDESTRIAN", probability=0.05),
                ClassConfusion(true_class="PEDESTRIAN", reported_class="CYCLIST", probability=0.02),
                ClassConfusion(true_class="CAR", reported_class="TRUCK", probability=0.01),
            ),
        ),
    )
    suite = (
        front_radar,
        camera,
        _corner_radar("CornerRadarFrontLeft", -0.3, half_width_m, 45.0),
        _corner_radar("CornerRadarFrontRight", -0.3, -half_width_m, -45.0),
        _corner_radar("CornerRadarRearLeft", rear_x_m, half_width_m, 135.0),
        _corner_radar("CornerRadarRearRight", rear_x_m, -half_width_m, -135.0),
    )
    assert tuple(spec.name for spec in suite) == PERCEPTION_SENSORS
    return suite
