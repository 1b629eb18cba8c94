"""The storyboard's elements and their life cycle: stories, acts, maneuver groups, maneuvers,
events and actions, each ``standbyState`` → ``runningState`` → ``completeState``.

:meth:`Storyboard.advance` runs once per step, after the conditions were evaluated:

- a story runs from the start; an act starts when its start trigger holds (at once without
  one), and with it its maneuver groups and their maneuvers;
- an event of a running maneuver starts when its start trigger holds (at once without one);
  ``override`` stops the other running events of its maneuver first, ``skip`` does not start
  while another runs, ``parallel`` just starts; it completes when all its actions have finished,
  and goes back to standby until it has run ``maximumExecutionCount`` times;
- a maneuver completes when all its events have completed, a group when all its maneuvers
  have, an act when all its groups have (or its stop trigger holds), a story with its acts.

Transitions are recorded with their time, for ``StoryboardElementStateCondition``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sdvkit.ncap.openscenario.conditions import Trigger
from sdvkit.ncap.openscenario.xmltree import Node

if TYPE_CHECKING:
    from sdvkit.ncap.openscenario.actions import ActionHost, ActionModel, ActionRun

__all__ = ["Act", "Action", "Element", "Event", "Maneuver", "ManeuverGroup", "Story", "Storyboard"]

STANDBY, RUNNING, COMPLETE = "standbyState", "runningState", "completeState"


@dataclass(eq=False, slots=True)
class Element:
    kind: str
    name: str
    node: Node
    state: str = STANDBY
    transitions: list[tuple[float, str]] = field(default_factory=list)

    def move(self, time_s: float, state: str, transition: str) -> None:
        self.state = state
        self.transitions.append((time_s, transition))

    def had(self, transition: str, since_s: float) -> bool:
        """Whether the element made ``transition`` at or after ``since_s``."""
        return any(name == transition and time >= since_s for time, name in reversed(self.transitions[-4:]))


@dataclass(eq=False, slots=True)
class Action(Element):
    model: ActionModel | None = None
    runs: list[ActionRun] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Event(Element):
    priority: str = "override"
    maximum_count: int = 1
    trigger: Trigger | None = None
    actions: list[Action] = field(default_factory=list)
    count: int = 0


@dataclass(eq=False, slots=True)
class Maneuver(Element):
    events: list[Event] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class ManeuverGroup(Element):
    actors: tuple[str, ...] = ()
    """The entities its private actions act on (each action once per actor); a group runs once
    (its act starts once), so ``maximumExecutionCount`` has nothing to repeat."""
    maneuvers: list[Maneuver] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Act(Element):
    trigger: Trigger | None = None
    stop_trigger: Trigger | None = None
    groups: list[ManeuverGroup] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Story(Element):
    acts: list[Act] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Storyboard:
    stories: list[Story] = field(default_factory=list)
    _last_time_s: float = -1.0

    def elements(self) -> Iterator[Element]:
        for story in self.stories:
            yield story
            for act in story.acts:
                yield act
                for group in act.groups:
                    yield group
                    for maneuver in group.maneuvers:
                        yield maneuver
                        for event in maneuver.events:
                            yield event
                            yield from event.actions

    def status(self, kind: str, name: str, state: str, previous_time_s: float) -> bool:
        """Whether an element of ``kind`` named ``name`` is in ``state`` (a ``…State``), or made
        the transition ``state`` (a ``…Transition``) since the last step."""
        for element in self.elements():
            if element.kind != kind or element.name != name:
                continue
            if state.endswith("State"):
                if element.state == state:
                    return True
            elif element.had(state, previous_time_s):
                return True
        return False

    def advance(self, time_s: float, host: ActionHost) -> None:
        for story in self.stories:
            if story.state == STANDBY:
                story.move(time_s, RUNNING, "startTransition")
            if story.state != RUNNING:
                continue
            for act in story.acts:
                self._advance_act(act, time_s, host)
            if all(act.state == COMPLETE for act in story.acts):
                story.move(time_s, COMPLETE, "endTransition")

    def _advance_act(self, act: Act, time_s: float, host: ActionHost) -> None:
        if act.state == STANDBY and (act.trigger is None or act.trigger.value(time_s)):
            act.move(time_s, RUNNING, "startTransition")
            for group in act.groups:
                group.move(time_s, RUNNING, "startTransition")
                for maneuver in group.maneuvers:
                    maneuver.move(time_s, RUNNING, "startTransition")
        if act.state != RUNNING:
            return
        if act.stop_trigger is not None and act.stop_trigger.value(time_s):
            for element in _below(act):
                if element.state != COMPLETE:
                    element.move(time_s, COMPLETE, "stopTransition")
            act.move(time_s, COMPLETE, "stopTransition")
            return
        for group in act.groups:
            if group.state != RUNNING:
                continue
            for maneuver in group.maneuvers:
                if maneuver.state == RUNNING:
                    self._advance_maneuver(maneuver, group, time_s, host)
            if all(maneuver.state == COMPLETE for maneuver in group.maneuvers):
                group.move(time_s, COMPLETE, "endTransition")
        if all(group.state == COMPLETE for group in act.groups):
            act.move(time_s, COMPLETE, "endTransition")

    def _advance_maneuver(
        self, maneuver: Maneuver, group: ManeuverGroup, time_s: float, host: ActionHost
    ) -> None:
        for event in maneuver.events:
            if event.state == STANDBY and (event.trigger is None or event.trigger.value(time_s)):
                running = [
                    other for other in maneuver.events if other is not event and other.state == RUNNING
                ]
                if event.priority == "skip" and running:
                    event.transitions.append((time_s, "skipTransition"))
                    continue
                if event.priority in ("override", "overwrite"):
                    for other in running:
                        _stop(other, time_s)
                self._start_event(event, group, time_s, host)
            if event.state == RUNNING:
                for action in event.actions:
                    if action.state == RUNNING and all(run.finished for run in action.runs):
                        action.move(time_s, COMPLETE, "endTransition")
                if all(action.state == COMPLETE for action in event.actions):
                    event.count += 1
                    if event.count < event.maximum_count:
                        event.move(time_s, STANDBY, "endTransition")
                        for action in event.actions:
                            action.state = STANDBY
                    else:
                        event.move(time_s, COMPLETE, "endTransition")
        if all(event.state == COMPLETE for event in maneuver.events):
            maneuver.move(time_s, COMPLETE, "endTransition")

    @staticmethod
    def _start_event(event: Event, group: ManeuverGroup, time_s: float, host: ActionHost) -> None:
        event.move(time_s, RUNNING, "startTransition")
        for action in event.actions:
            model = action.model
            assert model is not None
            action.move(time_s, RUNNING, "startTransition")
            if model.private:
                action.runs = [model.start(host, actor) for actor in group.actors]
            else:
                action.runs = [model.start(host, None)]


def _below(act: Act) -> Iterator[Element]:
    for group in act.groups:
        yield group
        for maneuver in group.maneuvers:
            yield maneuver
            for event in maneuver.events:
                yield event
                yield from event.actions


def _stop(event: Event, time_s: float) -> None:
    """Stop a running event (an ``override`` event started in its maneuver)."""
    for action in event.actions:
        if action.state == RUNNING:
            action.move(time_s, COMPLETE, "stopTransition")
            for run in action.runs:
                run.stop()
    event.move(time_s, COMPLETE, "stopTransition")
