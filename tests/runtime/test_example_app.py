"""The documented example (examples/hazard_lights.py) behaves as docs/apps.md says, on both clocks."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hazard_lights.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hazard_lights_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("real_time", [False, True])
def test_hazard_lights_come_on_above_the_threshold(real_time: bool) -> None:
    speed_kmh, hazard_on = load_example().run(real_time=real_time, duration_s=2.0)
    assert speed_kmh > 120.0
    assert hazard_on


def test_hazard_lights_stay_off_below_the_threshold() -> None:
    speed_kmh, hazard_on = load_example().run(real_time=False, duration_s=0.5)
    assert speed_kmh < 120.0
    assert not hazard_on


def test_the_simulated_run_is_deterministic() -> None:
    example = load_example()
    assert example.run(real_time=False) == example.run(real_time=False)
