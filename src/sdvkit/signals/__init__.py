"""Signals: the VSS catalogue, value checks, access scopes and the in-process broker."""

from sdvkit.signals.access import ALLOW_ALL, Action, Permissions, Scope, ScopeError
from sdvkit.signals.broker import Broker, BrokerClient
from sdvkit.signals.catalogue import Catalogue, NodeSpec, NodeType
from sdvkit.signals.datatypes import DataType
from sdvkit.signals.errors import (
    AccessDeniedError,
    AlreadyClaimedError,
    CatalogueError,
    ClientClosedError,
    NoProviderError,
    NotAnActuatorError,
    NotClaimedError,
    SignalError,
    UnknownSignalError,
    ValidationError,
)
from sdvkit.signals.subscription import Datapoint, Subscription

__all__ = [
    "ALLOW_ALL",
    "AccessDeniedError",
    "Action",
    "AlreadyClaimedError",
    "Broker",
    "BrokerClient",
    "Catalogue",
    "CatalogueError",
    "ClientClosedError",
    "DataType",
    "Datapoint",
    "NoProviderError",
    "NodeSpec",
    "NodeType",
    "NotAnActuatorError",
    "NotClaimedError",
    "Permissions",
    "Scope",
    "ScopeError",
    "SignalError",
    "Subscription",
    "UnknownSignalError",
    "ValidationError",
]
