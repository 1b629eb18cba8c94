"""Sensing: the simulated vehicle's sensors, object tracking and fusion, and lane perception.

The driver assistance functions see the world only through what this package publishes on
``Vehicle.ADAS.Perception``. :func:`default_suite` gives the six sensors (front radar, front camera,
four corner radars) as data; :class:`SensingPipeline` runs them on a
:class:`~sdvkit.world.scene.World` (field of view, occlusion, misses, noise, latency, Kalman
tracking, radar-camera fusion, lanes); :class:`SensingApp` puts it on the broker. See
docs/sensing.md.
"""

from sdvkit.sensing.app import SensingApp
from sdvkit.sensing.errors import SensingError, SensingSetupError, SensorSpecError
from sdvkit.sensing.lanes import MarkingEstimate, RoadView
from sdvkit.sensing.pipeline import LIGHTING, PerceptionFrame, SensingPipeline
from sdvkit.sensing.sensors import Detection, SensorModel
from sdvkit.sensing.specs import (
    CameraModel,
    ClassConfusion,
    DetectionProbability,
    Lobe,
    Mounting,
    NightModel,
    Noise,
    SensorKind,
    SensorSpec,
    TrackerSpec,
    default_suite,
)
from sdvkit.sensing.tracking import FusedTrack, Tracker

__all__ = [
    "LIGHTING",
    "CameraModel",
    "ClassConfusion",
    "Detection",
    "DetectionProbability",
    "FusedTrack",
    "Lobe",
    "MarkingEstimate",
    "Mounting",
    "NightModel",
    "Noise",
    "PerceptionFrame",
    "RoadView",
    "SensingApp",
    "SensingError",
    "SensingPipeline",
    "SensingSetupError",
    "SensorKind",
    "SensorModel",
    "SensorSpec",
    "SensorSpecError",
    "Tracker",
    "TrackerSpec",
    "default_suite",
]
