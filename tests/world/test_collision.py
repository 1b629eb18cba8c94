"""Oriented boxes: overlap with penetration depth, and first contact within a step."""

from __future__ import annotations

import math

import pytest

from sdvkit.world.collision import OrientedBox, box_overlap, distance_between, first_contact
from sdvkit.world.errors import WorldError


def box(x: float, y: float, heading: float = 0.0, length: float = 4.0, width: float = 2.0) -> OrientedBox:
    return OrientedBox(x_m=x, y_m=y, heading_rad=heading, length_m=length, width_m=width)


class TestOverlap:
    def test_axis_aligned_overlap_depth_and_normal(self) -> None:
        contact = box_overlap(box(0.0, 0.0), box(3.5, 0.3))
        assert contact is not None
        assert contact.depth_m == pytest.approx(0.5)
        assert (contact.normal_x, contact.normal_y) == pytest.approx((1.0, 0.0))
        reverse = box_overlap(box(3.5, 0.3), box(0.0, 0.0))
        assert reverse is not None
        assert (reverse.normal_x, reverse.normal_y) == pytest.approx((-1.0, 0.0))

    def test_side_overlap_uses_the_smaller_axis(self) -> None:
        contact = box_overlap(box(0.0, 0.0), box(1.0, 1.8))
        assert contact is not None
        assert contact.depth_m == pytest.approx(0.2)
        assert (contact.normal_x, contact.normal_y) == pytest.approx((0.0, 1.0))

    def test_separated_and_touching_boxes_do_not_overlap(self) -> None:
        assert box_overlap(box(0.0, 0.0), box(4.5, 0.0)) is None
        assert box_overlap(box(0.0, 0.0), box(4.0, 0.0)) is None  # touching
        assert box_overlap(box(0.0, 0.0), box(0.0, -2.01)) is None

    def test_rotated_box_that_only_the_bounding_boxes_would_call_a_hit(self) -> None:
        square = 2.0
        a = box(0.0, 0.0, length=square, width=square)
        # The diamond's axis-aligned bounds reach 2 - sqrt(2) < 1 into the square, but along the
        # diagonal its face is at 2·sqrt(2) - 1 > sqrt(2), the square's corner.
        diamond_far = box(2.0, 2.0, heading=math.pi / 4, length=square, width=square)
        diamond_near = box(1.6, 1.6, heading=math.pi / 4, length=square, width=square)
        assert box_overlap(a, diamond_far) is None
        contact = box_overlap(a, diamond_near)
        assert contact is not None
        assert contact.depth_m == pytest.approx(math.sqrt(2) - (1.6 * math.sqrt(2) - 1.0))
        assert (contact.normal_x, contact.normal_y) == pytest.approx((math.sqrt(0.5), math.sqrt(0.5)))

    def test_corners(self) -> None:
        corners = box(1.0, 2.0, heading=math.pi / 2).corners()
        assert corners[0] == pytest.approx((0.0, 4.0))  # front-left
        assert corners[2] == pytest.approx((2.0, 0.0))  # rear-right

    @pytest.mark.parametrize(("field", "value"), [("length_m", 0.0), ("width_m", -1.0), ("x_m", math.inf)])
    def test_box_validation(self, field: str, value: float) -> None:
        values = {"x_m": 0.0, "y_m": 0.0, "heading_rad": 0.0, "length_m": 4.0, "width_m": 2.0} | {
            field: value
        }
        with pytest.raises(WorldError, match=field):
            OrientedBox(**values)


class TestFirstContact:
    def test_rear_end_impact_time_is_analytic(self) -> None:
        # A at 10 m/s towards a stopped B: the 16 m gap closes at t = 1.6 s.
        a, b = box(0.0, 0.0), box(20.0, 0.0)
        impact = first_contact(a, (20.0, 0.0, 0.0), b, b.pose, 2.0)
        assert impact is not None
        assert impact.time_s == pytest.approx(1.6, abs=1e-5)
        assert (impact.relative_vx_mps, impact.relative_vy_mps) == pytest.approx((-10.0, 0.0))
        assert impact.relative_speed_mps == pytest.approx(10.0)
        assert impact.closing_speed_mps == pytest.approx(10.0)
        assert (impact.normal_x, impact.normal_y) == pytest.approx((1.0, 0.0))
        # A ends on top of B: 4 m of overlap along x, 2 m across; the depth is the smaller
        assert impact.depth_m == pytest.approx(2.0)

    def test_crossing_impact_time_and_closing_speed(self) -> None:
        # A (4 × 2) along +x at 10 m/s from x = -20; B (2 × 1) along +y at 5 m/s from y = -10.
        # x-overlap needs |10t - 20| < 2.5 → t > 1.75; y-overlap needs |5t - 10| < 2 → t > 1.6.
        a, b = box(-20.0, 0.0), box(0.0, -10.0, heading=math.pi / 2, length=2.0, width=1.0)
        dt = 3.0
        impact = first_contact(a, (10.0, 0.0, 0.0), b, (0.0, 5.0, math.pi / 2), dt)
        assert impact is not None
        assert impact.time_s == pytest.approx(1.75, abs=1e-5)
        assert (impact.relative_vx_mps, impact.relative_vy_mps) == pytest.approx((-10.0, 5.0))
        assert impact.relative_speed_mps == pytest.approx(math.hypot(10.0, 5.0))
        assert impact.closing_speed_mps == pytest.approx(10.0)

    def test_no_contact_when_paths_miss(self) -> None:
        a, b = box(0.0, 0.0), box(10.0, 3.0)
        assert first_contact(a, (20.0, 0.0, 0.0), b, (30.0, 3.0, 0.0), 1.0) is None

    def test_no_tunnelling_through_a_thin_box(self) -> None:
        # a pedestrian 0.5 m across the car's path is passed in a single 0.5 s step at 40 m/s
        car = box(-10.0, 0.0)
        pedestrian = box(0.0, 0.0, heading=math.pi / 2, length=0.3, width=0.5)
        impact = first_contact(car, (10.0, 0.0, 0.0), pedestrian, pedestrian.pose, 0.5)
        assert impact is not None
        assert impact.time_s == pytest.approx((10.0 - 2.0 - 0.25) / 40.0, abs=1e-6)
        assert impact.depth_m == 0.0  # apart again at the step's end

    def test_boxes_that_start_overlapping_touch_at_zero(self) -> None:
        a, b = box(0.0, 0.0), box(3.0, 0.0)
        impact = first_contact(a, (1.0, 0.0, 0.0), b, b.pose, 0.1)
        assert impact is not None
        assert impact.time_s == 0.0

    def test_rotation_within_the_step_is_followed(self) -> None:
        # A long thin bar swings through 90° about its centre and sweeps a box that the start and
        # end poses both miss.
        bar = box(0.0, 0.0, heading=0.0, length=10.0, width=0.2)
        target = box(3.0, 3.0, length=0.5, width=0.5)
        impact = first_contact(bar, (0.0, 0.0, math.pi / 2), target, target.pose, 1.0)
        assert impact is not None
        assert 0.0 < impact.time_s < 1.0
        assert impact.depth_m == 0.0

    def test_dt_must_be_positive(self) -> None:
        with pytest.raises(WorldError, match="dt_s must be > 0"):
            first_contact(box(0, 0), (0.0, 0.0, 0.0), box(10, 0), (10.0, 0.0, 0.0), 0.0)


class TestDistanceBetween:
    def test_bumper_to_bumper(self) -> None:
        assert distance_between(box(0.0, 0.0), box(10.0, 0.0)) == pytest.approx(6.0)
        assert distance_between(box(0.0, 0.0), box(0.0, 5.0)) == pytest.approx(3.0)

    def test_corner_to_corner_and_rotated(self) -> None:
        # corners (2, 1) and (5, 5): a 3-4-5 triangle
        assert distance_between(box(0.0, 0.0), box(7.0, 6.0)) == pytest.approx(5.0)
        # a box turned 90°: its near face is 1 m from its centre
        assert distance_between(box(0.0, 0.0), box(6.0, 0.0, math.pi / 2)) == pytest.approx(3.0)
        # turned 45°, its corner points at the first box's front face
        corner_reach = math.hypot(2.0, 1.0) * math.cos(math.atan2(1.0, 2.0) - math.pi / 4)
        gap = distance_between(box(0.0, 0.0), box(10.0, 0.0, math.pi / 4))
        assert gap == pytest.approx(10.0 - 2.0 - corner_reach)

    def test_symmetric_and_zero_when_touching_or_overlapping(self) -> None:
        a, b = box(0.0, 0.0, 0.3), box(6.0, 2.0, -1.1, length=4.5, width=1.8)
        assert distance_between(a, b) == pytest.approx(distance_between(b, a))
        assert distance_between(box(0.0, 0.0), box(4.0, 0.0)) == 0.0  # touching
        assert distance_between(box(0.0, 0.0), box(1.0, 0.5, 0.7)) == 0.0  # overlapping
