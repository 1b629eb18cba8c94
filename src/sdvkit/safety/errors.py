"""Errors of :mod:`sdvkit.safety`.

One hierarchy::

    SafetyError
    ├── SafetyConfigError   a function was set up with impossible parameters
    └── PerceptionError     the perception branch on the bus is inconsistent (a slot half written)
"""

from __future__ import annotations


class SafetyError(Exception):
    """Base of every error raised by :mod:`sdvkit.safety`."""


class SafetyConfigError(SafetyError, ValueError):
    """A safety function was set up with impossible parameters."""


class PerceptionError(SafetyError, ValueError):
    """The perception branch on the bus is inconsistent."""
