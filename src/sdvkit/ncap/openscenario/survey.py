"""What the importer makes of every OpenSCENARIO file under a directory.

Each file is loaded (every run read) and its first run built; it then ``runs`` (with its number
of runs), is ``unsupported`` (an element the bench cannot run, named), is in ``error`` (a
malformed file or reference), or is a ``catalog`` (entries for scenarios; nothing to run).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sdvkit.ncap.errors import NcapError, UnsupportedElementError
from sdvkit.ncap.openscenario.loader import load_scenario_runs
from sdvkit.ncap.openscenario.xmltree import parse_document
from sdvkit.world.errors import WorldError

__all__ = ["SurveyEntry", "SurveyStatus", "survey"]


class SurveyStatus(StrEnum):
    RUNS = "runs"
    UNSUPPORTED = "unsupported"
    ERROR = "error"
    CATALOG = "catalog"


@dataclass(frozen=True, slots=True)
class SurveyEntry:
    path: Path
    status: SurveyStatus
    runs: int = 0
    reason: str = ""


def survey_file(path: Path, *, build_first: bool = True) -> SurveyEntry:
    """What the importer makes of one file."""
    try:
        if parse_document(path).child("Catalog") is not None:
            return SurveyEntry(path, SurveyStatus.CATALOG, reason="catalog: entries used by scenarios")
        runs = load_scenario_runs(path)
        if build_first:
            runs[0].build()
    except UnsupportedElementError as error:
        return SurveyEntry(path, SurveyStatus.UNSUPPORTED, reason=str(error))
    except (NcapError, WorldError) as error:
        return SurveyEntry(path, SurveyStatus.ERROR, reason=str(error))
    return SurveyEntry(path, SurveyStatus.RUNS, runs=len(runs))


def survey(directory: Path, *, build_first: bool = True) -> list[SurveyEntry]:
    """Every .xosc file under ``directory`` (sorted by path) and what the importer makes of it."""
    return [survey_file(path, build_first=build_first) for path in sorted(Path(directory).rglob("*.xosc"))]
