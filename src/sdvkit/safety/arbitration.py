"""The arbitration layer: the one writer of ``Vehicle.Sdvkit.MotionControl``.

Every 20 ms :class:`ArbitrationApp` collects what the functions ask for and passes exactly one
longitudinal and one lateral request to the plant (one actuation each, source and value
together):

- **Longitudinal**: the most negative acceleration among AEB (while ``AEB.IsEngaged``), the
  minimal-risk manoeuvre of driver monitoring (MRM: while ``DMS.Escalation.Level`` is
  STOPPING_IN_LANE or STOPPED) and ACC (while its state is CRUISING, FOLLOWING or STOPPED_HOLD),
  named by its source; on a tie AEB wins over MRM, MRM over ACC. With no request: source NONE,
  and the driver's pedals rule.
- **Lateral**: ELK (while engaged) over MRM (keeping the lane during the stop: LKA's request,
  under source MRM, while LKA is engaged) over LKA (while engaged); NONE otherwise: the driver
  steers.

A request whose signal is older than its channel's ``max_age_s`` is stale: it is dropped (as if
the function asked nothing) and the arbitration says so in :attr:`ArbitrationApp.stale_sources`
and :attr:`ArbitrationApp.stale_drops` (counted per source); nothing is raised, so the car keeps
running on what remains. The channels are data (:data:`LONGITUDINAL_CHANNELS`,
:data:`LATERAL_CHANNELS`): each names the request signal, the signal and values that say the
function is engaged, and the age beyond which the request is stale.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sdvkit.runtime import NS_PER_S, Input, Manifest, VehicleApp
from sdvkit.safety.errors import SafetyConfigError

_log = logging.getLogger(__name__)

_LONGITUDINAL = "Vehicle.Sdvkit.MotionControl.Longitudinal"
_LATERAL = "Vehicle.Sdvkit.MotionControl.Lateral"
LONGITUDINAL_REQUEST = f"{_LONGITUDINAL}.AccelerationRequest"
LONGITUDINAL_SOURCE = f"{_LONGITUDINAL}.Source"
LATERAL_REQUEST = f"{_LATERAL}.SteeringWheelAngleRequest"
LATERAL_SOURCE = f"{_LATERAL}.Source"
LKA_REQUEST = "Vehicle.ADAS.LKA.SteeringWheelAngleRequest"
MRM_LEVELS = ("STOPPING_IN_LANE", "STOPPED")


@dataclass(frozen=True, kw_only=True, slots=True)
class Channel:
    """One function's request, as the arbitration reads it."""

    source: str
    """The name the plant is told (``MotionControl.*.Source``)."""
    request_path: str
    engaged_path: str
    engaged_values: tuple[Any, ...]
    """The function asks for something while ``engaged_path`` holds one of these."""
    rate_hz: float
    """How often the function publishes its request."""
    max_age_s: float
    """An older request is stale and dropped."""
    also_requires: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    """Further (signal, values) conditions that must all hold (the stop in lane steers only while
    LKA has a lane to keep)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_age_s) and self.max_age_s > 0):
            raise SafetyConfigError(f"channel {self.source}: max_age_s must be > 0, not {self.max_age_s!r}")
        if not (math.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise SafetyConfigError(f"channel {self.source}: rate_hz must be > 0, not {self.rate_hz!r}")

    @property
    def input(self) -> Input:
        return Input(path=self.request_path, rate_hz=self.rate_hz, max_age_s=self.max_age_s)


LONGITUDINAL_CHANNELS: tuple[Channel, ...] = (
    Channel(
        source="AEB",
        request_path="Vehicle.ADAS.AEB.AccelerationRequest",
        engaged_path="Vehicle.ADAS.AEB.IsEngaged",
        engaged_values=(True,),
        rate_hz=50.0,
        max_age_s=0.06,
    ),
    Channel(
        source="MRM",
        request_path="Vehicle.ADAS.DMS.Escalation.AccelerationRequest",
        engaged_path="Vehicle.ADAS.DMS.Escalation.Level",
        engaged_values=MRM_LEVELS,
        rate_hz=20.0,
        max_age_s=0.15,
    ),
    Channel(
        source="ACC",
        request_path="Vehicle.ADAS.CruiseControl.Adaptive.AccelerationRequest",
        engaged_path="Vehicle.ADAS.CruiseControl.Adaptive.State",
        engaged_values=("CRUISING", "FOLLOWING", "STOPPED_HOLD"),
        rate_hz=50.0,
        max_age_s=0.06,
    ),
)
"""In priority order: on equal requests the first wins."""

LATERAL_CHANNELS: tuple[Channel, ...] = (
    Channel(
        source="ELK",
        request_path="Vehicle.ADAS.ELK.SteeringWheelAngleRequest",
        engaged_path="Vehicle.ADAS.ELK.IsEngaged",
        engaged_values=(True,),
        rate_hz=20.0,
        max_age_s=0.15,
    ),
    Channel(
        source="MRM",
        request_path=LKA_REQUEST,
        engaged_path="Vehicle.ADAS.DMS.Escalation.Level",
        engaged_values=MRM_LEVELS,
        rate_hz=20.0,
        max_age_s=0.15,
        also_requires=(("Vehicle.ADAS.LKA.IsEngaged", (True,)),),
    ),
    Channel(
        source="LKA",
        request_path=LKA_REQUEST,
        engaged_path="Vehicle.ADAS.LKA.IsEngaged",
        engaged_values=(True,),
        rate_hz=20.0,
        max_age_s=0.15,
    ),
)
"""In priority order: the first engaged, fresh channel steers."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """What the arbitration passed on in one cycle."""

    longitudinal_source: str
    acceleration_mps2: float
    lateral_source: str
    steering_wheel_angle_deg: float
    stale_sources: frozenset[str]


def _unique_inputs(channels: tuple[Channel, ...]) -> tuple[Input, ...]:
    inputs: dict[str, Input] = {}
    for channel in channels:
        known = inputs.get(channel.request_path)
        if known is None or channel.max_age_s < (known.max_age_s or math.inf):
            inputs[channel.request_path] = channel.input
    return tuple(inputs.values())


class ArbitrationApp(VehicleApp):
    """Passes one longitudinal and one lateral request per cycle to the plant."""

    name = "arbitration"

    def __init__(
        self,
        *,
        longitudinal: tuple[Channel, ...] = LONGITUDINAL_CHANNELS,
        lateral: tuple[Channel, ...] = LATERAL_CHANNELS,
        step_period_s: float = 0.02,
    ) -> None:
        channels = (*longitudinal, *lateral)
        engaged = tuple(
            dict.fromkeys(
                path
                for channel in channels
                for path in (channel.engaged_path, *(path for path, _ in channel.also_requires))
            )
        )
        super().__init__(
            manifest=Manifest(
                reads=(*_unique_inputs(channels), *engaged),
                writes=(LONGITUDINAL_REQUEST, LONGITUDINAL_SOURCE, LATERAL_REQUEST, LATERAL_SOURCE),
            ),
            step_period_s=step_period_s,
        )
        self.longitudinal = longitudinal
        self.lateral = lateral
        self.decision: Decision | None = None
        """The last cycle's decision."""
        self.stale_sources: frozenset[str] = frozenset()
        """The functions whose engaged request was dropped this cycle because it was stale."""
        self.stale_drops: dict[str, int] = {}
        """Per source, in how many cycles an engaged request was dropped as stale."""
        self._paths = tuple(dict.fromkeys((*(channel.request_path for channel in channels), *engaged)))

    def step(self) -> None:
        datapoints = dict(zip(self._paths, self.get_many(self._paths), strict=True))
        now_ns = self.now_ns()
        stale: set[str] = set()
        longitudinal = self._pick(self.longitudinal, datapoints, now_ns, stale, lowest=True)
        lateral = self._pick(self.lateral, datapoints, now_ns, stale, lowest=False)
        for source in stale - self.stale_sources:
            _log.warning(
                "arbitration: the %s request is stale; it is dropped until it is fresh again", source
            )
        for source in stale:
            self.stale_drops[source] = self.stale_drops.get(source, 0) + 1
        self.stale_sources = frozenset(stale)
        long_source, acceleration = longitudinal if longitudinal is not None else ("NONE", 0.0)
        lat_source, angle = lateral if lateral is not None else ("NONE", 0.0)
        self.batch_actuate({LONGITUDINAL_SOURCE: long_source, LONGITUDINAL_REQUEST: acceleration})
        self.batch_actuate({LATERAL_SOURCE: lat_source, LATERAL_REQUEST: angle})
        self.decision = Decision(
            longitudinal_source=long_source,
            acceleration_mps2=acceleration,
            lateral_source=lat_source,
            steering_wheel_angle_deg=angle,
            stale_sources=self.stale_sources,
        )

    @staticmethod
    def _pick(
        channels: tuple[Channel, ...],
        datapoints: Mapping[str, Any],
        now_ns: int,
        stale: set[str],
        *,
        lowest: bool,
    ) -> tuple[str, float] | None:
        """The winning (source, value): the lowest value (``lowest``) or the first in priority."""
        best: tuple[str, float] | None = None
        for channel in channels:
            conditions = ((channel.engaged_path, channel.engaged_values), *channel.also_requires)
            if not all(
                (datapoint := datapoints[path]) is not None and datapoint.value in values
                for path, values in conditions
            ):
                continue
            request = datapoints[channel.request_path]
            if request is None or (now_ns - request.timestamp_ns) / NS_PER_S > channel.max_age_s:
                stale.add(channel.source)
                continue
            value = float(request.value)
            if best is None or (lowest and value < best[1]):
                best = (channel.source, value)
            if not lowest:
                break
        return best
