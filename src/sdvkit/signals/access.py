"""Who may do what to which signal.

Permissions are a set of scopes, as KUKSA writes them in a token's ``scope``
claim: ``<action>[:<path>]`` separated by spaces, with the actions ``read``,
``actuate``, ``provide`` and ``create``. Without a path a scope covers every
signal; a branch path covers everything below it; ``*`` stands for exactly one
path segment. ``actuate``, ``provide`` and ``create`` each imply ``read``.

Path segments are any characters VSS allows in a node name (letters, digits,
underscore), so ``read:Vehicle.Cabin.Seat.Row2`` is valid.

The same object serves an app's manifest: the paths an app reads and the paths
it writes become ``read`` and ``provide``/``actuate`` scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from sdvkit.signals.errors import SignalError


class ScopeError(SignalError, ValueError):
    """A scope string cannot be parsed."""


class Action(Enum):
    """What a client does to a signal."""

    READ = "read"
    ACTUATE = "actuate"
    PROVIDE = "provide"
    CREATE = "create"


_SEGMENT = r"(?:[A-Za-z0-9_]+|\*)"
_SCOPE_PATH = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Scope:
    """One ``action[:path]`` grant."""

    action: Action
    path: str | None = None

    def covers(self, path: str) -> bool:
        """Does this scope's path select ``path`` (or a branch above it)?"""
        if self.path is None:
            return True
        granted = self.path.split(".")
        asked = path.split(".")
        if len(asked) < len(granted):
            return False
        return all(g in ("*", a) for g, a in zip(granted, asked, strict=False))

    def __str__(self) -> str:
        return self.action.value if self.path is None else f"{self.action.value}:{self.path}"


def parse_scope(text: str) -> Scope:
    """Parse one ``action[:path]`` item; raise ScopeError naming what is wrong."""
    action_text, _, path = text.partition(":")
    try:
        action = Action(action_text)
    except ValueError:
        names = ", ".join(a.value for a in Action)
        raise ScopeError(f"unknown action {action_text!r} in scope {text!r} (expected {names})") from None
    if not _:
        return Scope(action=action)
    if not _SCOPE_PATH.match(path):
        raise ScopeError(f"invalid path {path!r} in scope {text!r}")
    return Scope(action=action, path=path)


class Permissions:
    """A client's grants. Checks are memoised per path, so they are cheap on hot paths."""

    __slots__ = ("_cache", "description", "expires_at_s", "scopes")

    def __init__(
        self,
        scopes: Iterable[Scope],
        *,
        description: str = "",
        expires_at_s: float | None = None,
    ) -> None:
        self.scopes: tuple[Scope, ...] = tuple(scopes)
        self.description = description
        self.expires_at_s = expires_at_s
        self._cache: dict[tuple[Action, str], bool] = {}

    @classmethod
    def parse(cls, scope_claim: str, *, expires_at_s: float | None = None) -> Permissions:
        """Build from a token's space-separated ``scope`` claim."""
        items = scope_claim.split()
        if not items:
            raise ScopeError("the scope claim is empty")
        return cls(
            (parse_scope(item) for item in items),
            description=scope_claim,
            expires_at_s=expires_at_s,
        )

    @classmethod
    def allow_all(cls) -> Permissions:
        return cls((Scope(action=action) for action in Action), description="all")

    def allows(self, action: Action, path: str) -> bool:
        key = (action, path)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._decide(action, path)
        return cached

    def _decide(self, action: Action, path: str) -> bool:
        for scope in self.scopes:
            if not scope.covers(path):
                continue
            if scope.action is action or action is Action.READ:
                return True
        return False

    def can_read(self, path: str) -> bool:
        return self.allows(Action.READ, path)

    def can_actuate(self, path: str) -> bool:
        return self.allows(Action.ACTUATE, path)

    def can_provide(self, path: str) -> bool:
        return self.allows(Action.PROVIDE, path)

    def can_create(self, path: str) -> bool:
        return self.allows(Action.CREATE, path)

    def is_expired(self, now_s: float) -> bool:
        return self.expires_at_s is not None and now_s >= self.expires_at_s

    def __repr__(self) -> str:
        return f"Permissions({self.description or ' '.join(map(str, self.scopes))!r})"


ALLOW_ALL = Permissions.allow_all()
