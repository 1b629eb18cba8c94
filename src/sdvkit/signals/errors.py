"""Errors of the signal layer.

One hierarchy, so callers can catch the family or the exact case::

    SignalError
    ├── CatalogueError            a catalogue file or node is malformed
    ├── UnknownSignalError        no node has this path or id
    ├── ValidationError           a value breaks a catalogue rule (type, min, max, allowed, pattern)
    ├── NotAnActuatorError        actuation of a sensor, an attribute or a branch
    ├── NoProviderError           actuation of an actuator that no provider has claimed
    ├── AlreadyClaimedError       a second provider claims a signal that is taken
    ├── NotClaimedError           a provider publishes a signal it has not claimed
    ├── AccessDeniedError         the client's permissions or manifest do not allow it
    └── ClientClosedError         the client was closed and can no longer act
"""

from __future__ import annotations


class SignalError(Exception):
    """Base of every error raised by :mod:`sdvkit.signals`."""


class CatalogueError(SignalError):
    """A catalogue (VSS JSON export or overlay) is malformed.

    The message always names the node, so the file can be fixed.
    """

    def __init__(self, message: str, *, path: str | None = None, source: str | None = None) -> None:
        where = f"{path}: " if path else ""
        origin = f" (in {source})" if source else ""
        super().__init__(f"{where}{message}{origin}")
        self.path = path
        self.source = source


class UnknownSignalError(SignalError, KeyError):
    """No node in the catalogue has this path or id."""

    def __init__(self, key: str | int) -> None:
        kind = "id" if isinstance(key, int) else "path"
        super().__init__(f"unknown signal {kind} {key!r}")
        self.key = key

    def __str__(self) -> str:
        return str(self.args[0])


class ValidationError(SignalError, ValueError):
    """A value breaks a rule of the catalogue.

    ``rule`` is one of ``datatype``, ``min``, ``max``, ``allowed``, ``pattern``.
    """

    def __init__(self, path: str, rule: str, message: str) -> None:
        super().__init__(f"{path}: {message} (rule: {rule})")
        self.path = path
        self.rule = rule
        self.detail = message


class NotAnActuatorError(SignalError):
    """An actuation or target value was sent to a node that is not an actuator."""

    def __init__(self, path: str, node_type: str) -> None:
        super().__init__(f"{path} is a {node_type}, not an actuator")
        self.path = path


class NoProviderError(SignalError):
    """An actuation was sent to an actuator that no provider has claimed."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no provider has claimed actuator {path}")
        self.path = path


class AlreadyClaimedError(SignalError):
    """A provider claims a signal or an actuator that another provider holds."""

    def __init__(self, path: str, holder: str, what: str = "signal") -> None:
        super().__init__(f"{what} {path} is already provided by {holder!r}")
        self.path = path
        self.holder = holder


class NotClaimedError(SignalError):
    """A provider publishes a signal it has not claimed."""

    def __init__(self, path: str, client: str) -> None:
        super().__init__(f"{client!r} publishes {path} without having claimed it")
        self.path = path


class AccessDeniedError(SignalError, PermissionError):
    """The client's permissions (token scopes or app manifest) do not allow the operation."""

    def __init__(self, client: str, action: str, path: str) -> None:
        super().__init__(f"{client!r} may not {action} {path}")
        self.client = client
        self.action = action
        self.path = path


class ClientClosedError(SignalError):
    """A closed client tried to act: its claims and subscriptions are gone."""

    def __init__(self, client: str) -> None:
        super().__init__(f"client {client!r} is closed")
        self.client = client
