"""Drive cycles: speed traces over time for energy runs and the virtual driver.

* :class:`DriveCycle` holds a trace and answers ``speed_at``/``acceleration_at``/``grade_at`` quickly
  enough to be sampled at every step of a simulation;
* :func:`builtin_cycle` gives the regulatory cycles sdvkit ships: ``udds`` (EPA UDDS/FTP-72),
  ``hwfet`` (EPA highway), ``us06`` (EPA US06) and ``wltc3b`` (UN GTR No. 15 WLTC class 3b);
* :func:`load_cycle_csv` reads sdvkit, FASTSim 3 and FASTSim 2 cycle files;
  :func:`resolve_cycle` takes either a built-in name or a path.
"""

from sdvkit.world.cycles._builtin import (
    builtin_cycle,
    builtin_cycle_description,
    builtin_cycle_names,
    canonical_cycle_name,
    resolve_cycle,
)
from sdvkit.world.cycles._csv import format_cycle_csv, load_cycle_csv, parse_cycle_csv, write_cycle_csv
from sdvkit.world.cycles._cycle import DriveCycle

__all__ = [
    "DriveCycle",
    "builtin_cycle",
    "builtin_cycle_description",
    "builtin_cycle_names",
    "canonical_cycle_name",
    "format_cycle_csv",
    "load_cycle_csv",
    "parse_cycle_csv",
    "resolve_cycle",
    "write_cycle_csv",
]
