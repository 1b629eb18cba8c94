"""Errors of :mod:`sdvkit.sensing`.

One hierarchy::

    SensingError
    ├── SensorSpecError    a sensor or tracker spec is malformed (names the sensor and the field)
    └── SensingSetupError  the sensing pipeline or app was given impossible arguments
                           (an unknown lighting, a world without an ego, a duplicate sensor)
"""

from __future__ import annotations


class SensingError(Exception):
    """Base of every error raised by :mod:`sdvkit.sensing`."""


class SensorSpecError(SensingError, ValueError):
    """A sensor or tracker spec is malformed; the message names the sensor and the field."""


class SensingSetupError(SensingError, ValueError):
    """The sensing pipeline or app was given impossible arguments."""
