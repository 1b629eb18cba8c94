"""Parameter declarations, their values and constraints, and typed reading of attributes.

A :class:`Scope` holds the parameters visible to a part of a document: the scenario's, or a
catalog entry's own (catalog entries do not see the scenario's parameters; their
``ParameterAssignments`` are evaluated where the reference stands). An attribute value is a
literal, a reference ``$name`` or an expression ``${...}``; the ``Scope`` methods resolve it and
convert it to the type the attribute needs, and every failure names the file, the line, the
element and the attribute.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from sdvkit.ncap.errors import OpenScenarioError
from sdvkit.ncap.openscenario.expressions import ExpressionError, Value, evaluate
from sdvkit.ncap.openscenario.xmltree import Node, malformed, unsupported

__all__ = ["Scope", "declare_parameters", "format_value"]

_TYPES = ("double", "int", "unsignedInt", "unsignedShort", "boolean", "string", "dateTime")
_RULES = ("equalTo", "greaterThan", "lessThan", "greaterOrEqual", "lessOrEqual", "notEqualTo")


def format_value(value: Value) -> str:
    """A value as a label shows it: ``30`` for 30.0, ``0.25``, ``true``, a string as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


@dataclass(slots=True)
class Scope:
    """Parameters by name (without ``$``), and the variables they may be compared with."""

    values: dict[str, Value] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def lookup(self, node: Node, name: str) -> Value:
        try:
            return self.values[name]
        except KeyError:
            known = ", ".join(sorted(self.values)) or "none"
            raise malformed(node, f"parameter ${name} is not declared (declared here: {known})") from None

    def resolve(self, node: Node, attribute: str, raw: str) -> Value:
        """A raw attribute value with ``$name`` and ``${...}`` resolved (literals stay strings)."""
        text = raw.strip()
        if text.startswith("${"):
            if not text.endswith("}"):
                raise malformed(node, f"{attribute}={raw!r}: an expression must end with '}}'")
            try:
                return evaluate(text[2:-1], lambda name: self.lookup(node, name))
            except ExpressionError as error:
                raise malformed(node, f"{attribute}={raw!r}: bad expression: {error}") from error
        if text.startswith("$"):
            return self.lookup(node, text[1:])
        return raw

    # --- typed attributes -----------------------------------------------------------------

    def raw(self, node: Node, attribute: str) -> str:
        value = node.get(attribute)
        if value is None:
            raise malformed(node, f"<{node.tag}> has no {attribute!r} attribute")
        return value

    def text(self, node: Node, attribute: str, default: str | None = None) -> str:
        raw = node.get(attribute)
        if raw is None:
            if default is not None:
                return default
            raise malformed(node, f"<{node.tag}> has no {attribute!r} attribute")
        return format_value(self.resolve(node, attribute, raw))

    def number(self, node: Node, attribute: str, default: float | None = None) -> float:
        raw = node.get(attribute)
        if raw is None:
            if default is not None:
                return default
            raise malformed(node, f"<{node.tag}> has no {attribute!r} attribute")
        return to_number(node, attribute, self.resolve(node, attribute, raw))

    def optional_number(self, node: Node, attribute: str) -> float | None:
        return None if node.get(attribute) is None else self.number(node, attribute)

    def integer(self, node: Node, attribute: str, default: int | None = None) -> int:
        raw = node.get(attribute)
        if raw is None:
            if default is not None:
                return default
            raise malformed(node, f"<{node.tag}> has no {attribute!r} attribute")
        value = to_number(node, attribute, self.resolve(node, attribute, raw))
        if abs(value - round(value)) > 1e-9:
            raise malformed(node, f"{attribute}={raw!r} is not an integer ({value!r})")
        return round(value)

    def boolean(self, node: Node, attribute: str, default: bool | None = None) -> bool:
        raw = node.get(attribute)
        if raw is None:
            if default is not None:
                return default
            raise malformed(node, f"<{node.tag}> has no {attribute!r} attribute")
        return to_boolean(node, attribute, self.resolve(node, attribute, raw))

    def choice(self, node: Node, attribute: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(node, attribute, default)
        if value not in allowed:
            raise malformed(node, f"{attribute}={value!r} is not one of {', '.join(allowed)}")
        return value

    def typed(self, node: Node, attribute: str, raw: str, kind: str) -> Value:
        """A raw value resolved and converted to a parameter type (``double``, ``boolean``, …)."""
        value = self.resolve(node, attribute, raw)
        return convert(node, attribute, value, kind)


def to_number(node: Node, attribute: str, value: Value) -> float:
    if isinstance(value, bool):
        raise malformed(node, f"{attribute}={format_value(value)!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(value.strip())
        except ValueError:
            raise malformed(node, f"{attribute}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise malformed(node, f"{attribute}={value!r} is not finite")
    return number


def to_boolean(node: Node, attribute: str, value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in ("true", "false"):
        return value.strip() == "true"
    raise malformed(node, f"{attribute}={format_value(value)!r} is not true or false")


def convert(node: Node, attribute: str, value: Value, kind: str) -> Value:
    """A value converted to a declared parameter type."""
    if kind == "double":
        return to_number(node, attribute, value)
    if kind in ("int", "unsignedInt", "unsignedShort"):
        number = to_number(node, attribute, value)
        if abs(number - round(number)) > 1e-9:
            raise malformed(node, f"{attribute}={format_value(value)!r} is not an integer")
        integer = round(number)
        if kind != "int" and integer < 0:
            raise malformed(node, f"{attribute}={integer} must not be negative ({kind})")
        return integer
    if kind == "boolean":
        return to_boolean(node, attribute, value)
    return format_value(value)


def _compare(left: Value, rule: str, right: Value) -> bool:
    if isinstance(left, str) or isinstance(right, str) or isinstance(left, bool):
        if rule == "equalTo":
            return format_value(left) == format_value(right)
        if rule == "notEqualTo":
            return format_value(left) != format_value(right)
        raise ValueError(rule)
    a, b = float(left), float(right)
    return {
        "equalTo": abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)),
        "notEqualTo": abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)),
        "greaterThan": a > b,
        "lessThan": a < b,
        "greaterOrEqual": a >= b,
        "lessOrEqual": a <= b,
    }[rule]


def compare(node: Node, left: Value, rule: str, right: Value) -> bool:
    """``left rule right`` for a rule of OpenSCENARIO (``greaterThan`` …); strings and booleans
    only compare for (in)equality."""
    if rule not in _RULES:
        raise malformed(node, f"rule={rule!r} is not one of {', '.join(_RULES)}")
    try:
        return _compare(left, rule, right)
    except ValueError:
        raise malformed(
            node, f"rule {rule!r} cannot compare {format_value(left)!r} with {format_value(right)!r}"
        ) from None


def _check_constraints(declaration: Node, scope: Scope, name: str, value: Value) -> None:
    groups = declaration.all("ConstraintGroup")
    if not groups:
        return
    failures: list[str] = []
    for group in groups:
        broken = []
        for constraint in group.all("ValueConstraint"):
            rule = scope.choice(constraint, "rule", _RULES)
            raw_bound = scope.resolve(constraint, "value", scope.raw(constraint, "value"))
            bound = convert(constraint, "value", raw_bound, scope.types[name])
            if not compare(constraint, value, rule, bound):
                broken.append(f"{rule} {format_value(bound)}")
        if not broken:
            return
        failures.append(" and ".join(broken))
    raise malformed(
        declaration,
        f"parameter {name} = {format_value(value)} breaks its constraints (not {'; not '.join(failures)})",
    )


def declare_parameters(
    declarations: Node | None, scope: Scope, overrides: Mapping[str, str] | None = None, *, where: str
) -> Scope:
    """Add the parameters of ``<ParameterDeclarations>`` to ``scope`` in document order (each
    value may use the ones before it), with ``overrides`` (raw values by name) replacing the
    declared values; constraints are checked on the final values. An override of a parameter that
    is not declared is an error naming ``where`` (the distribution or reference that gave it)."""
    overrides = dict(overrides or {})
    if declarations is not None:
        for declaration in declarations.all("ParameterDeclaration"):
            name = scope.raw(declaration, "name")
            kind = scope.raw(declaration, "parameterType")
            if kind not in _TYPES:
                raise malformed(declaration, f"parameterType={kind!r} is not one of {', '.join(_TYPES)}")
            if kind == "dateTime":
                raise unsupported(declaration, "dateTime parameters are not used by the bench")
            raw = overrides.pop(name, None)
            attribute = "value" if raw is None else f"value (assigned by {where})"
            raw = scope.raw(declaration, "value") if raw is None else raw
            scope.types[name] = kind
            value = scope.typed(declaration, attribute, raw, kind)
            scope.values[name] = value
            _check_constraints(declaration, scope, name, value)
    if overrides:
        names = ", ".join(sorted(overrides))
        owner = declarations.where if declarations is not None else "the document"
        raise OpenScenarioError(f"{where} assigns {names}, which {owner} does not declare")
    return scope
