"""The OpenSCENARIO 1.x importer of the Euro NCAP bench.

:func:`load_scenario_runs` turns a scenario file, or a ParameterValueDistribution file, into
:class:`ScenarioRun` objects (one per concrete parameter set); :meth:`ScenarioRun.build` gives
the :class:`~sdvkit.ncap.scenario.ScenarioSetup` the bench runs. :func:`survey` says what the
importer makes of every file under a directory. Modules:

- :mod:`.xmltree` documents with file, line and element path; :mod:`.expressions`,
  :mod:`.parameters` parameters and ``${...}`` expressions; :mod:`.distributions` variation
  files; :mod:`.catalogs` catalog references;
- :mod:`.positions`, :mod:`.tracks`, :mod:`.paths` positions, routes and trajectories;
- :mod:`.entities`, :mod:`.environment`, :mod:`.conditions`, :mod:`.actions`,
  :mod:`.storyboard` the scenario's parts; :mod:`.compiler` reads a whole scenario;
- :mod:`.motion`, :mod:`.runtime` actors' motion and the storyboard as a world ``Behaviour``;
- :mod:`.builder`, :mod:`.loader`, :mod:`.survey` the setup, the runs, the survey.

Errors: :class:`~sdvkit.ncap.errors.OpenScenarioError` (malformed file, missing file, catalog
entry or parameter, bad expression) and its subclass
:class:`~sdvkit.ncap.errors.UnsupportedElementError` (a valid element the bench cannot run),
both naming the file, the line and the element.
"""

from sdvkit.ncap.openscenario.builder import ImportedScenario
from sdvkit.ncap.openscenario.loader import ScenarioRun, load_scenario_runs
from sdvkit.ncap.openscenario.survey import SurveyEntry, SurveyStatus, survey

__all__ = ["ImportedScenario", "ScenarioRun", "SurveyEntry", "SurveyStatus", "load_scenario_runs", "survey"]
