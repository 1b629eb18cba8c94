"""Friction circle: the grip that braking uses is not there for cornering."""

from __future__ import annotations

import math

import pytest

from sdvkit.vehicle.lateral import BicycleModel
from sdvkit.vehicle.roadload import STANDARD_GRAVITY_MPS2

MU_WET = 0.7


def settled_lateral_accel_mps2(longitudinal_accel_mps2: float) -> float:
    """Hold 20 m/s and a steering angle well past the wet road's grip for 3 s."""
    car = BicycleModel(mass_kg=1800.0)
    for _ in range(300):
        car.step(0.01, 20.0, math.radians(6.0), MU_WET, longitudinal_accel_mps2)
    return abs(car.lateral_accel_mps2)


def test_cornering_at_the_limit_without_braking_uses_the_whole_grip() -> None:
    assert settled_lateral_accel_mps2(0.0) == pytest.approx(0.95 * MU_WET * STANDARD_GRAVITY_MPS2, rel=0.05)


def test_braking_hard_leaves_only_the_rest_of_the_circle_for_cornering() -> None:
    braking_mps2 = -0.8 * MU_WET * STANDARD_GRAVITY_MPS2
    free = settled_lateral_accel_mps2(0.0)
    braking = settled_lateral_accel_mps2(braking_mps2)
    assert braking <= free * math.sqrt(1 - 0.8**2) * 1.02
    assert braking > free * 0.5


def test_mild_braking_below_the_limit_does_not_change_a_gentle_turn() -> None:
    car_free = BicycleModel(mass_kg=1800.0)
    car_braking = BicycleModel(mass_kg=1800.0)
    for _ in range(300):
        car_free.step(0.01, 20.0, math.radians(0.5), MU_WET, 0.0)
        car_braking.step(0.01, 20.0, math.radians(0.5), MU_WET, -2.0)
    assert car_braking.lateral_accel_mps2 == pytest.approx(car_free.lateral_accel_mps2, rel=1e-6)
