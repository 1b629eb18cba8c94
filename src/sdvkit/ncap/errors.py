"""Errors of :mod:`sdvkit.ncap`.

One hierarchy::

    NcapError
    ├── ScenarioError         a test point or scenario is impossible as given
    ├── UnknownGridError      a grid name the bench does not know (the message lists the known ones)
    ├── OpenScenarioError     an OpenSCENARIO file is malformed: names the file, element and problem
    │   └── UnsupportedElementError  a valid element the importer cannot run: named, never skipped
    └── CalculatorError       Euro NCAP's rating calculator is missing or failed
"""

from __future__ import annotations


class NcapError(Exception):
    """Base of every error raised by :mod:`sdvkit.ncap`."""


class ScenarioError(NcapError, ValueError):
    """A test point or concrete scenario is impossible as given."""


class UnknownGridError(NcapError, KeyError):
    """A grid name the bench does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OpenScenarioError(NcapError, ValueError):
    """An OpenSCENARIO file is malformed."""


class UnsupportedElementError(OpenScenarioError):
    """A valid OpenSCENARIO element the importer cannot run."""


class CalculatorError(NcapError, RuntimeError):
    """Euro NCAP's rating calculator is missing or failed."""
