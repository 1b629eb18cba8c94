"""OpenSCENARIO 1.2+ expressions: the text between ``${`` and ``}``.

The grammar, loosest binding first::

    expression := or
    or         := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | sum
    sum        := product (('+' | '-') product)*
    product    := unary (('*' | '/' | '%') unary)*
    unary      := '-' unary | primary
    primary    := number | 'true' | 'false' | 'pi' | '$'name | function '(' arguments ')'
                | '(' expression ')'

The functions are those OpenSCENARIO 1.2 defines (``round floor ceil sqrt pow sin cos tan asin
acos atan sign abs max min``) plus ``pi``, which the Euro NCAP files use. Numbers are floats;
``and``/``or``/``not`` take booleans. Parsed expressions are cached, so a file with hundreds of
runs parses each expression once.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ExpressionError", "Value", "evaluate", "parse_expression"]

Value = float | int | bool | str
"""What a parameter holds: a number (int or float), a boolean or a string."""


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says where in it and why."""


def _round_half_away(value: float) -> float:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _checked(name: str, function: Callable[..., float]) -> Callable[..., float]:
    def call(*arguments: float) -> float:
        try:
            result = function(*arguments)
        except (ValueError, OverflowError, ZeroDivisionError) as error:
            shown = ", ".join(f"{argument:g}" for argument in arguments)
            raise ExpressionError(f"{name}({shown}) is not defined: {error}") from None
        if not math.isfinite(result):
            raise ExpressionError(f"{name}(...) is not finite")
        return float(result)

    return call


_FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "round": (1, _round_half_away),
    "floor": (1, math.floor),
    "ceil": (1, math.ceil),
    "sqrt": (1, math.sqrt),
    "pow": (2, math.pow),
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "tan": (1, math.tan),
    "asin": (1, math.asin),
    "acos": (1, math.acos),
    "atan": (1, math.atan),
    "sign": (1, lambda x: 0.0 if x == 0 else math.copysign(1.0, x)),
    "abs": (1, abs),
    "max": (2, max),
    "min": (2, min),
}
_CHECKED = {name: (arity, _checked(name, function)) for name, (arity, function) in _FUNCTIONS.items()}

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<parameter>\$[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<operator>[-+*/%(),])"
    r")"
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"unexpected character {text[position:].strip()[0]!r} at {position + 1}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# An expression compiles to a function of a parameter lookup.
Lookup = Callable[[str], Value]
_Compiled = Callable[[Lookup], Value]


def _number(value: Value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{what} must be a number, not {value!r}")
    return float(value)


def _boolean(value: Value, what: str) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"{what} must be true or false, not {value!r}")
    return value


class _Parser:
    """Recursive descent over the tokens; each rule returns a compiled closure."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            shown = repr(token.text) if token.kind != "end" else "the end"
            raise ExpressionError(f"expected {text!r} at {token.position}, found {shown}")

    def parse(self) -> _Compiled:
        if self.current.kind == "end":
            raise ExpressionError("the expression is empty")
        compiled = self.disjunction()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self.current.text!r} at {self.current.position}")
        return compiled

    def disjunction(self) -> _Compiled:
        left = self.conjunction()
        while self.current.kind == "name" and self.current.text == "or":
            self.take()
            right = self.conjunction()
            left = _binary_logic(left, right, either=True)
        return left

    def conjunction(self) -> _Compiled:
        left = self.negation()
        while self.current.kind == "name" and self.current.text == "and":
            self.take()
            right = self.negation()
            left = _binary_logic(left, right, either=False)
        return left

    def negation(self) -> _Compiled:
        if self.current.kind == "name" and self.current.text == "not":
            self.take()
            operand = self.negation()
            return lambda lookup: not _boolean(operand(lookup), "the operand of 'not'")
        return self.sum()

    def sum(self) -> _Compiled:
        left = self.product()
        while self.current.text in ("+", "-") and self.current.kind == "operator":
            operator = self.take().text
            right = self.product()
            left = _arithmetic(operator, left, right)
        return left

    def product(self) -> _Compiled:
        left = self.unary()
        while self.current.text in ("*", "/", "%") and self.current.kind == "operator":
            operator = self.take().text
            right = self.unary()
            left = _arithmetic(operator, left, right)
        return left

    def unary(self) -> _Compiled:
        if self.current.kind == "operator" and self.current.text == "-":
            self.take()
            operand = self.unary()
            return lambda lookup: -_number(operand(lookup), "the operand of unary '-'")
        return self.primary()

    def primary(self) -> _Compiled:
        token = self.take()
        if token.kind == "number":
            constant = float(token.text)
            return lambda lookup: constant
        if token.kind == "parameter":
            name = token.text[1:]
            return lambda lookup: lookup(name)
        if token.kind == "operator" and token.text == "(":
            inner = self.disjunction()
            self.expect(")")
            return inner
        if token.kind == "name":
            if token.text in ("true", "false"):
                truth = token.text == "true"
                return lambda lookup: truth
            if token.text == "pi":
                return lambda lookup: math.pi
            if token.text in _CHECKED:
                return self.call(token)
            known = ", ".join(sorted(_CHECKED))
            raise ExpressionError(
                f"unknown name {token.text!r} at {token.position} (parameters need a '$'; functions: {known})"
            )
        shown = repr(token.text) if token.kind != "end" else "the end"
        raise ExpressionError(f"expected a value at {token.position}, found {shown}")

    def call(self, name: _Token) -> _Compiled:
        arity, function = _CHECKED[name.text]
        self.expect("(")
        arguments = [self.disjunction()]
        while self.current.text == "," and self.current.kind == "operator":
            self.take()
            arguments.append(self.disjunction())
        self.expect(")")
        if len(arguments) != arity:
            raise ExpressionError(
                f"{name.text}() at {name.position} takes {arity} argument{'s' if arity > 1 else ''}, "
                f"not {len(arguments)}"
            )
        label = name.text

        def evaluate_call(lookup: Lookup) -> Value:
            values = [_number(argument(lookup), f"an argument of {label}()") for argument in arguments]
            return function(*values)

        return evaluate_call


def _binary_logic(left: _Compiled, right: _Compiled, *, either: bool) -> _Compiled:
    word = "or" if either else "and"

    def evaluate_logic(lookup: Lookup) -> Value:
        first = _boolean(left(lookup), f"the left operand of {word!r}")
        second = _boolean(right(lookup), f"the right operand of {word!r}")
        return (first or second) if either else (first and second)

    return evaluate_logic


def _arithmetic(operator: str, left: _Compiled, right: _Compiled) -> _Compiled:
    def evaluate_arithmetic(lookup: Lookup) -> Value:
        a = _number(left(lookup), f"the left operand of {operator!r}")
        b = _number(right(lookup), f"the right operand of {operator!r}")
        if operator == "+":
            return a + b
        if operator == "-":
            return a - b
        if operator == "*":
            return a * b
        if b == 0:
            raise ExpressionError(
                f"{'division' if operator == '/' else 'modulo'} by zero ({a:g} {operator} 0)"
            )
        return a / b if operator == "/" else math.fmod(a, b)

    return evaluate_arithmetic


@functools.lru_cache(maxsize=4096)
def parse_expression(text: str) -> _Compiled:
    """Compile an expression (without ``${`` ``}``); ExpressionError when it is malformed."""
    return _Parser(text).parse()


def evaluate(text: str, lookup: Lookup) -> Value:
    """Evaluate an expression (without ``${`` ``}``); ``lookup`` gives a parameter's value by name
    (without ``$``) and raises for unknown names. Results that are not finite are errors."""
    value = parse_expression(text)(lookup)
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(f"the result {value!r} is not finite")
    return value
