"""The storyboard at run time, on small scenarios: speed dynamics, triggers and their edges and
delays, element states, priorities, variables, lane changes, teleports and trajectories.

The VUT drives at 10 m/s in lane -1 from s=50; the target stands in lane -2 at s=100 (beside the
VUT's path) until the storyboard moves it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sdvkit.ncap.openscenario import load_scenario_runs
from sdvkit.world.actors import ActorSnapshot

Trace = list[tuple[float, ActorSnapshot]]

AFTER_1_S = '<ByValueCondition><SimulationTimeCondition value="1.005" rule="greaterThan"/></ByValueCondition>'
"""Holds from the step starting at 1.01 s on (a time between steps, clear of rounding)."""


def at(samples: Trace, time_s: float) -> ActorSnapshot:
    """The sample at the end of the step ending nearest ``time_s``."""
    return min(samples, key=lambda sample: abs(sample[0] - time_s))[1]


def first_move(samples: Trace) -> float:
    """When the target first moved."""
    return next(time for time, snapshot in samples if snapshot.speed_mps > 0.0)


def built(write_scenario: Callable[..., Path], **parts: str) -> Any:
    (run,) = load_scenario_runs(write_scenario(**parts))
    return run.build_imported()


class TestSpeedDynamics:
    @pytest.mark.parametrize(
        ("shape", "dimension", "value", "time_s", "speed_mps"),
        [
            ("step", "time", "0", 1.02, 10.0),
            ("linear", "rate", "2", 3.01, 4.0),
            ("linear", "time", "4", 4.01, 7.5),
            ("cubic", "time", "4", 3.01, 5.0),
            ("sinusoidal", "time", "4", 3.01, 5.0),
            ("linear", "distance", "20", 3.01, 5.0),
        ],
    )
    def test_shapes_and_dimensions(
        self, *, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace],
        shape: str, dimension: str, value: str, time_s: float, speed_mps: float,
    ) -> None:  # fmt: skip
        action = parts.speed("10", shape=shape, dimension=dimension, dynamics=value)
        imported = built(write_scenario, stories=parts.story(action, trigger=parts.trigger(AFTER_1_S)))
        samples = actor_trace(imported, 6.1)
        assert at(samples, 1.0).speed_mps == 0.0
        assert at(samples, time_s).speed_mps == pytest.approx(speed_mps, abs=1e-6)
        assert at(samples, 6.1).speed_mps == pytest.approx(10.0)

    def test_distance_follows_the_speed_exactly(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        action = parts.speed("10", shape="linear", dimension="rate", dynamics="2")
        imported = built(write_scenario, stories=parts.story(action, trigger=parts.trigger(AFTER_1_S)))
        start_x = imported.setup.world.actor("Target").x_m
        samples = actor_trace(imported, 6.01)
        # started at 1.01 s (the first step after 1 s), 10 m/s reached 5 s later: 25 m travelled
        assert at(samples, 6.01).x_m - start_x == pytest.approx(25.0, abs=1e-6)

    def test_relative_target_speed_follows_the_vut(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        action = """<Action name="follow"><PrivateAction><LongitudinalAction><SpeedAction>
          <SpeedActionDynamics dynamicsShape="step" dynamicsDimension="time" value="0"/>
          <SpeedActionTarget><RelativeTargetSpeed entityRef="Ego" value="-4" speedTargetValueType="delta"
            continuous="true"/></SpeedActionTarget></SpeedAction></LongitudinalAction></PrivateAction></Action>"""
        imported = built(write_scenario, stories=parts.story(action, trigger=parts.trigger(AFTER_1_S)))
        assert at(actor_trace(imported, 3.0), 3.0).speed_mps == pytest.approx(6.0)


class TestTriggers:
    @pytest.mark.parametrize(
        ("condition", "expected_s"),
        [
            ('<TraveledDistanceCondition value="25.05"/>', 2.51),
            ('<ReachPositionCondition tolerance="4.95"><Position><WorldPosition x="80" y="-1.75"/></Position>'
             "</ReachPositionCondition>", 2.51),
            ('<DistanceCondition value="4.95" freespace="false" rule="lessThan"><Position>'
             '<WorldPosition x="80" y="-1.75"/></Position></DistanceCondition>', 2.51),
            # boxes 4.5 m long, centres 50 m apart: 45.5 m of gap closes to 20 m in 2.55 s
            ('<RelativeDistanceCondition entityRef="Target" freespace="true"'
             ' relativeDistanceType="longitudinal" value="19.95" rule="lessThan"/>', 2.56),
            ('<TimeHeadwayCondition entityRef="Target" freespace="true" value="1.995" rule="lessThan"'
             ' relativeDistanceType="longitudinal"/>', 2.56),
            ('<SpeedCondition value="9" rule="greaterThan"/>', 0.0),
        ],
    )  # fmt: skip
    def test_entity_conditions_fire_when_they_hold(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace],
        condition: str, expected_s: float,
    ) -> None:  # fmt: skip
        trigger = parts.trigger(
            '<ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="Ego"/>'
            f"</TriggeringEntities><EntityCondition>{condition}</EntityCondition></ByEntityCondition>",
            edge="rising" if expected_s else "none",
        )
        imported = built(write_scenario, stories=parts.story(parts.speed("3"), trigger=trigger))
        # the event starts in the step after the condition holds; the target moves during it
        assert first_move(actor_trace(imported, 4.0)) == pytest.approx(expected_s + 0.01, abs=0.006)

    def test_time_to_collision_with_an_oncoming_target(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        facing = 'laneId="-1" s="200"><Orientation h="3.14159265358979"/></LanePosition>'
        init = parts.init.replace('laneId="-2" s="100"/>', facing)
        trigger = parts.trigger(
            '<ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="Ego"/>'
            '</TriggeringEntities><EntityCondition><TimeToCollisionCondition value="5" freespace="true"'
            ' rule="lessThan"><TimeToCollisionConditionTarget><EntityRef entityRef="Target"/>'
            "</TimeToCollisionConditionTarget></TimeToCollisionCondition></EntityCondition></ByEntityCondition>"
        )
        imported = built(write_scenario, init=init, stories=parts.story(parts.speed("1"), trigger=trigger))
        # centres 147 m apart (the target faces the VUT), 142.5 m of gap: TTC 5 s with 50 m left, at 9.25 s
        assert first_move(actor_trace(imported, 12.0)) == pytest.approx(9.26 + 0.01, abs=0.015)

    def test_delay_and_element_states_chain_events(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        first = parts.story(parts.speed("5"), trigger=parts.trigger(AFTER_1_S), name="Go")
        state = (
            '<ByValueCondition><StoryboardElementStateCondition storyboardElementType="event"'
            ' storyboardElementRef="GoEvent" state="completeState"/></ByValueCondition>'
        )
        second = parts.story(parts.speed("0"), trigger=parts.trigger(state, delay="2"), name="Stop")
        samples = actor_trace(built(write_scenario, stories=first + second), 4.0)
        assert at(samples, 2.5).speed_mps == 5.0
        assert at(samples, 3.5).speed_mps == 0.0
        stopped = next(time for time, snapshot in samples if time > 1.5 and snapshot.speed_mps == 0.0)
        assert stopped == pytest.approx(3.03, abs=0.015)

    def test_rising_edge_fires_once_and_falling_edge_when_it_ends(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        window = '<ByValueCondition><SimulationTimeCondition value="{}" rule="lessThan"/></ByValueCondition>'
        falling = parts.story(
            parts.speed("4"), trigger=parts.trigger(window.format(2), edge="falling"), name="F"
        )
        samples = actor_trace(built(write_scenario, stories=falling), 3.0)
        assert first_move(samples) == pytest.approx(2.01, abs=0.015)


class TestPrioritiesAndVariables:
    def test_a_skip_event_waits_until_the_running_one_ends(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        after_2 = AFTER_1_S.replace('value="1.005"', 'value="2.005"')
        stories = f"""<Story name="S"><Act name="A"><ManeuverGroup name="G" maximumExecutionCount="1">
          <Actors selectTriggeringEntities="false"><EntityRef entityRef="Target"/></Actors>
          <Maneuver name="M">
            <Event name="Speed" priority="parallel">{parts.speed("5", shape="linear", dynamics="5")}
              {parts.trigger(AFTER_1_S)}</Event>
            <Event name="Stop" priority="skip">{parts.speed("0")}{parts.trigger(after_2)}</Event>
          </Maneuver></ManeuverGroup></Act></Story>"""
        samples = actor_trace(built(write_scenario, stories=stories), 7.0)
        assert at(samples, 3.01).speed_mps == pytest.approx(2.0, abs=1e-6)
        assert at(samples, 6.0).speed_mps == pytest.approx(5.0, abs=0.02)
        assert at(samples, 7.0).speed_mps == 0.0

    def test_an_override_event_stops_the_running_one(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        after_2 = AFTER_1_S.replace('value="1.005"', 'value="2.005"')
        hold = parts.speed("3", shape="step").replace('name="speed"', 'name="hold"')
        stories = f"""<Story name="S"><Act name="A"><ManeuverGroup name="G" maximumExecutionCount="1">
          <Actors selectTriggeringEntities="false"><EntityRef entityRef="Target"/></Actors>
          <Maneuver name="M">
            <Event name="Speed" priority="parallel">{parts.speed("5", shape="linear", dynamics="5")}
              {parts.trigger(AFTER_1_S)}</Event>
            <Event name="Hold" priority="override">{hold.replace('value="3"', 'value="2.5"')}
              {parts.trigger(after_2)}</Event>
          </Maneuver></ManeuverGroup></Act></Story>"""
        samples = actor_trace(built(write_scenario, stories=stories), 5.0)
        assert at(samples, 5.0).speed_mps == pytest.approx(2.5)

    def test_variables_count_repeated_events(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        add = """<Action name="add"><GlobalAction><VariableAction variableRef="counter"><ModifyAction>
          <Rule><AddValue value="1"/></Rule></ModifyAction></VariableAction></GlobalAction></Action>"""
        count = f"""<Story name="C"><Act name="CA"><ManeuverGroup name="CG" maximumExecutionCount="1">
          <Actors selectTriggeringEntities="false"/><Maneuver name="CM">
          <Event name="Count" priority="parallel" maximumExecutionCount="3">
            {add}{parts.trigger(AFTER_1_S)}</Event>
          </Maneuver></ManeuverGroup></Act></Story>"""
        three = (
            '<ByValueCondition><VariableCondition variableRef="counter" rule="equalTo" value="3"/>'
            "</ByValueCondition>"
        )
        go = parts.story(parts.speed("3"), trigger=parts.trigger(three), name="Go")
        samples = actor_trace(built(write_scenario, stories=count + go), 2.0)
        assert first_move(samples) == pytest.approx(1.04, abs=0.015)  # counted at 1.01, 1.02, 1.03


class TestLateralAndPlacement:
    @pytest.mark.parametrize(
        "target", ['<AbsoluteTargetLane value="-1"/>', '<RelativeTargetLane entityRef="Target" value="1"/>']
    )
    def test_lane_change_moves_into_the_lane_with_its_shape(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace], target: str
    ) -> None:
        init = parts.init.replace("</Private>\n", "</Private>\n", 1) + parts.speed("10").replace(
            '<Action name="speed">', '<Private entityRef="Target">'
        ).replace("</Action>", "</Private>")
        change = f"""<Action name="change"><PrivateAction><LateralAction><LaneChangeAction>
          <LaneChangeActionDynamics dynamicsShape="cubic" dynamicsDimension="time" value="3"/>
          <LaneChangeTarget>{target}</LaneChangeTarget></LaneChangeAction></LateralAction></PrivateAction></Action>"""
        imported = built(
            write_scenario, init=init, stories=parts.story(change, trigger=parts.trigger(AFTER_1_S))
        )
        samples = actor_trace(imported, 5.0)

        def reference_y(time_s: float) -> float:  # the reference point, 1.5 m behind the box centre
            target = at(samples, time_s)
            return target.y_m - 1.5 * math.sin(target.heading_rad)

        assert reference_y(1.0) == pytest.approx(-5.25)
        assert reference_y(2.51) == pytest.approx(-3.5, abs=1e-6)  # half way after 1.5 s of 3 s
        assert at(samples, 2.51).heading_rad > 0.05  # heading into the left lane
        assert reference_y(4.5) == pytest.approx(-1.75)
        assert at(samples, 4.5).heading_rad == pytest.approx(0.0)

    def test_lane_offset_within_the_lateral_acceleration(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        offset = """<Action name="offset"><PrivateAction><LateralAction><LaneOffsetAction continuous="false">
          <LaneOffsetActionDynamics maxLateralAcc="1" dynamicsShape="cubic"/>
          <LaneOffsetTarget><AbsoluteTargetLaneOffset value="1.5"/></LaneOffsetTarget>
          </LaneOffsetAction></LateralAction></PrivateAction></Action>"""
        stories = parts.story(parts.speed("10") + offset, trigger=parts.trigger(AFTER_1_S))
        samples = actor_trace(built(write_scenario, stories=stories), 5.0)
        duration = math.sqrt(
            6.0 * 1.5 / 1.0
        )  # a cubic move peaks at 6 * offset / duration² of lateral acceleration
        halfway = at(samples, 1.01 + duration / 2)
        assert halfway.y_m - 1.5 * math.sin(halfway.heading_rad) == pytest.approx(-5.25 + 0.75, abs=0.02)
        assert at(samples, 5.0).y_m == pytest.approx(-5.25 + 1.5)

    @pytest.mark.parametrize(
        ("position", "x_m", "y_m"),
        [
            ('<WorldPosition x="300" y="-5.25" h="0"/>', 300.0, -5.25),
            ('<RelativeObjectPosition entityRef="Ego" dx="30" dy="-3.5"/>', 50.0 + 10.0 * 1.01 + 30.0, -5.25),
            ('<RelativeWorldPosition entityRef="Ego" dx="20" dy="0"/>', 50.0 + 10.0 * 1.01 + 20.0, -1.75),
            ('<RoadPosition roadId="0" s="250" t="1.75"/>', 250.0, 1.75),
            (
                '<RelativeLanePosition entityRef="Ego" dLane="-1" ds="10" offset="0.5"/>',
                50.0 + 10.1 + 10.0,
                -4.75,
            ),
        ],
    )
    def test_teleport_places_the_reference_point(
        self, *, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace],
        position: str, x_m: float, y_m: float,
    ) -> None:  # fmt: skip
        teleport = f"""<Action name="jump"><PrivateAction><TeleportAction><Position>{position}</Position>
          </TeleportAction></PrivateAction></Action>"""
        imported = built(write_scenario, stories=parts.story(teleport, trigger=parts.trigger(AFTER_1_S)))
        target = at(actor_trace(imported, 1.5), 1.5)
        assert target.x_m - 1.5 * math.cos(target.heading_rad) == pytest.approx(
            x_m, abs=1e-6
        )  # centre 1.5 m ahead
        assert target.y_m == pytest.approx(y_m, abs=1e-6)

    def test_polyline_trajectory_is_followed_at_the_actors_speed(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        follow = """<Action name="walk"><PrivateAction><RoutingAction><FollowTrajectoryAction>
          <TrajectoryRef><Trajectory name="corner" closed="false"><Shape><Polyline>
            <Vertex><Position><WorldPosition x="100" y="-5.25"/></Position></Vertex>
            <Vertex><Position><WorldPosition x="110" y="-5.25"/></Position></Vertex>
            <Vertex><Position><WorldPosition x="110" y="4.75"/></Position></Vertex>
          </Polyline></Shape></Trajectory></TrajectoryRef>
          <TimeReference><None/></TimeReference><TrajectoryFollowingMode followingMode="position"/>
          </FollowTrajectoryAction></RoutingAction></PrivateAction></Action>"""
        stories = parts.story(follow + parts.speed("5"), trigger=parts.trigger(AFTER_1_S))
        samples = actor_trace(built(write_scenario, stories=stories), 4.01)
        target = at(samples, 4.01)  # 15 m along: 10 m east, then 5 m north
        assert target.heading_rad == pytest.approx(math.pi / 2)
        assert (target.x_m, target.y_m - 1.5) == pytest.approx((110.0, -0.25), abs=1e-6)

    def test_clothoid_spline_from_the_actors_pose(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        quarter = math.pi / 2 * 20.0
        follow = f"""<Action name="turn"><PrivateAction><RoutingAction><FollowTrajectoryAction>
          <TrajectoryRef><Trajectory name="arc" closed="false"><Shape><ClothoidSpline>
            <ClothoidSplineSegment curvatureStart="0.05" curvatureEnd="0.05" length="{quarter}"/>
          </ClothoidSpline></Shape></Trajectory></TrajectoryRef>
          <TimeReference><None/></TimeReference><TrajectoryFollowingMode followingMode="follow"/>
          </FollowTrajectoryAction></RoutingAction></PrivateAction></Action>"""
        stories = parts.story(follow + parts.speed("10"), trigger=parts.trigger(AFTER_1_S))
        imported = built(write_scenario, stories=stories)
        samples = actor_trace(imported, 1.01 + quarter / 10.0 + 1.0)
        target = at(samples, 3.01)  # 20 m along a circle of 20 m radius turning left: 1 rad
        assert target.heading_rad == pytest.approx(1.0, abs=1e-9)
        reference = (
            target.x_m - 1.5 * math.cos(target.heading_rad),
            target.y_m - 1.5 * math.sin(target.heading_rad),
        )
        assert reference == pytest.approx(
            (100.0 + 20.0 * math.sin(1.0), -5.25 + 20.0 * (1 - math.cos(1.0))), abs=1e-6
        )
        assert samples[-1][1].heading_rad == pytest.approx(math.pi / 2)  # straight on past its end


class TestSetupFromTheFile:
    def test_duration_from_a_simulation_time_stop_trigger(self, write_scenario: Callable[..., Path]) -> None:
        stop = """<ConditionGroup><Condition name="end" delay="0" conditionEdge="rising"><ByValueCondition>
          <SimulationTimeCondition value="12" rule="greaterThan"/></ByValueCondition></Condition>
          </ConditionGroup>"""
        assert built(write_scenario, stop=stop).setup.duration_s == 12.0

    def test_duration_from_the_distance_the_vut_travels(self, write_scenario: Callable[..., Path]) -> None:
        stop = """<ConditionGroup><Condition name="end" delay="1" conditionEdge="none"><ByEntityCondition>
          <TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="Ego"/></TriggeringEntities>
          <EntityCondition><TraveledDistanceCondition value="100"/></EntityCondition></ByEntityCondition>
          </Condition></ConditionGroup>"""
        assert built(write_scenario, stop=stop).setup.duration_s == pytest.approx(11.0)

    def test_vut_start_path_and_target_from_init(self, write_scenario: Callable[..., Path]) -> None:
        setup = built(write_scenario).setup
        assert (setup.vut_start.x_m, setup.vut_start.y_m, setup.vut_start.speed_mps) == (51.5, -1.75, 10.0)
        assert setup.vut_path.project(500.0, -1.75) == pytest.approx(
            (setup.vut_path.project(51.5, -1.75)[0] + 448.5, 0.0)
        )
        assert setup.target_id == "Target"
        assert setup.world.actor_ids == ("Target",)

    def test_environment_from_init(self, write_scenario: Callable[..., Path], parts: Any) -> None:
        environment = """<GlobalAction><EnvironmentAction><Environment name="wet night">
          <Weather><Sun illuminance="0.5" elevation="0.2" azimuth="0"/></Weather>
          <RoadCondition frictionScaleFactor="0.6"/></Environment></EnvironmentAction></GlobalAction>"""
        (run,) = load_scenario_runs(write_scenario(init=environment + parts.init))
        setup = run.build()
        assert (setup.lighting.value, setup.road_friction, run.point.lighting.value) == (
            "night",
            0.6,
            "night",
        )


def synchronize(x_m: float, final_mps: float, steady_m: float) -> str:
    """The target reaches (x_m, lane -2) when the VUT's reference point reaches x=150 (10 s at
    10 m/s from x=50), at ``final_mps`` for the last ``steady_m``."""
    return f"""<Action name="sync"><PrivateAction><SynchronizeAction masterEntityRef="Ego">
      <TargetPositionMaster><WorldPosition x="150" y="-1.75"/></TargetPositionMaster>
      <TargetPosition><WorldPosition x="{x_m}" y="-5.25"/></TargetPosition>
      <FinalSpeed><AbsoluteSpeed value="{final_mps}"><TargetDistanceSteadyState distance="{steady_m}"/>
      </AbsoluteSpeed></FinalSpeed></SynchronizeAction></PrivateAction></Action>"""


class TestSynchronization:
    def reference_x(self, samples: Trace, time_s: float) -> float:
        target = at(samples, time_s)
        return target.x_m - 1.5 * math.cos(target.heading_rad)

    def test_a_standing_actor_waits_then_accelerates_into_its_steady_state(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        # 30 m to go, the last 10 m at 10 m/s (1 s): 20 m of constant acceleration take 4 s, so the
        # target waits until 10 - 1 - 4 = 5 s
        samples = actor_trace(built(write_scenario, stories=parts.story(synchronize(130, 10, 10))), 10.5)
        assert at(samples, 4.99).speed_mps == 0.0
        assert at(samples, 7.0).speed_mps == pytest.approx(5.0, abs=1e-9)
        assert at(samples, 9.0).speed_mps == pytest.approx(10.0, abs=1e-9)
        assert self.reference_x(samples, 9.0) == pytest.approx(120.0, abs=1e-9)
        assert self.reference_x(samples, 10.0) == pytest.approx(130.0, abs=1e-9)
        assert at(samples, 10.5).speed_mps == 10.0  # it keeps its final speed

    def test_a_moving_actor_changes_speed_to_arrive_with_the_master(
        self, write_scenario: Callable[..., Path], parts: Any, actor_trace: Callable[..., Trace]
    ) -> None:
        moving = parts.init + parts.speed("3").replace(
            '<Action name="speed">', '<Private entityRef="Target">'
        )
        moving = moving.replace("</Action>", "</Private>")
        imported = built(write_scenario, init=moving, stories=parts.story(synchronize(150, 10, 10)))
        samples = actor_trace(imported, 10.0)
        assert at(samples, 4.5).speed_mps < 3.0  # 40 m in 9 s from 3 m/s to 10 m/s: it slows first
        assert self.reference_x(samples, 9.0) == pytest.approx(140.0, abs=1e-9)
        assert self.reference_x(samples, 10.0) == pytest.approx(150.0, abs=1e-9)
        assert at(samples, 10.0).speed_mps == pytest.approx(10.0)
