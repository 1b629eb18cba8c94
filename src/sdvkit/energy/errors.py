"""Errors of :mod:`sdvkit.energy`.

One hierarchy::

    EnergyError
    ├── EnergyRunError   a cycle run cannot be done as asked (impossible ambient, vehicle never moved)
    └── RangeModelError  the range predictor was set up with impossible parameters or route
"""

from __future__ import annotations


class EnergyError(Exception):
    """Base of every error raised by :mod:`sdvkit.energy`."""


class EnergyRunError(EnergyError, ValueError):
    """A cycle run cannot be done as asked."""


class RangeModelError(EnergyError, ValueError):
    """The range predictor was given impossible parameters or an impossible route."""
