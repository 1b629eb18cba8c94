"""Expressions ``${...}`` and parameter declarations: precedence, functions, references, errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdvkit.ncap.errors import OpenScenarioError, UnsupportedElementError
from sdvkit.ncap.openscenario.expressions import ExpressionError, Value, evaluate
from sdvkit.ncap.openscenario.parameters import Scope, declare_parameters
from sdvkit.ncap.openscenario.xmltree import parse_document


def value(text: str, **parameters: Value) -> Value:
    def lookup(name: str) -> Value:
        if name not in parameters:
            raise KeyError(name)
        return parameters[name]

    return evaluate(text, lookup)


class TestPrecedence:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1 + 2 * 3", 7.0),
            ("(1 + 2) * 3", 9.0),
            ("10 - 4 - 3", 3.0),
            ("2 * 3 / 4", 1.5),
            ("-2 * 3", -6.0),
            ("2 - -3", 5.0),
            ("-(1 + 2)", -3.0),
            ("7 % 4 + 1", 4.0),
            ("8 / 2 / 2", 2.0),
            ("1.5e2 + .5", 150.5),
        ],
    )
    def test_arithmetic(self, text: str, expected: float) -> None:
        assert value(text) == pytest.approx(expected)

    def test_logic_binds_looser_than_arithmetic(self) -> None:
        assert value("not false and true or false") is True
        assert value("not (true or false)") is False
        assert value("true and not true") is False

    @given(
        st.recursive(
            st.integers(min_value=0, max_value=20).map(str),
            lambda inner: st.one_of(
                st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
                    lambda t: f"{t[0]} {t[1]} {t[2]}"
                ),
                inner.map(lambda text: f"({text})"),
                inner.map(lambda text: f"-{text}"),
            ),
            max_leaves=12,
        )
    )
    def test_integer_arithmetic_agrees_with_python(self, text: str) -> None:
        assert value(text) == pytest.approx(float(eval(text)))


class TestFunctionsAndReferences:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("pow(2, 10)", 1024.0),
            ("sqrt(2) * sqrt(2)", 2.0),
            ("min(3, -1) + max(3, -1)", 2.0),
            ("abs(-2.5)", 2.5),
            ("sign(-3) + sign(0) + sign(4)", 0.0),
            ("round(2.5) + round(-2.5)", 0.0),
            ("round(2.4)", 2.0),
            ("floor(-1.5) + ceil(-1.5)", -3.0),
            ("cos(pi)", -1.0),
            ("sin(pi / 2)", 1.0),
            ("tan(pi / 4)", 1.0),
            ("asin(1) * 2", math.pi),
            ("acos(-1)", math.pi),
            ("atan(1) * 4", math.pi),
        ],
    )
    def test_functions(self, text: str, expected: float) -> None:
        assert value(text) == pytest.approx(expected)

    def test_parameters_are_referenced_with_a_dollar(self) -> None:
        assert value("$speed_kph / 3.6", speed_kph=36.0) == pytest.approx(10.0)
        assert value("sign($Overlap) * min(1.0, 100.0 - $Overlap)", Overlap=-50.0) == pytest.approx(-1.0)

    def test_an_ncap_expression(self) -> None:
        text = "$Ego_width * ($Overlap / 100) - $Ego_width / 2"
        assert value(text, Ego_width=2.0, Overlap=25.0) == pytest.approx(-0.5)


class TestExpressionErrors:
    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("1 +", "expected a value"),
            ("(1 + 2", "expected ')'"),
            ("1 / 0", "division by zero"),
            ("5 % 0", "modulo by zero"),
            ("pow(2)", "takes 2 arguments"),
            ("foo(1)", "unknown name 'foo'"),
            ("speed * 2", "parameters need a '$'"),
            ("", "empty"),
            ("1 # 2", "unexpected character '#'"),
            ("sqrt(-1)", "sqrt(-1) is not defined"),
            ("true + 1", "must be a number"),
            ("1 and true", "must be true or false"),
            ("1 2", "unexpected '2'"),
        ],
    )
    def test_malformed_expressions_say_why(self, text: str, words: str) -> None:
        with pytest.raises(ExpressionError, match=None) as caught:
            value(text)
        assert words in str(caught.value)

    def test_unknown_parameter_reaches_the_lookup(self) -> None:
        with pytest.raises(KeyError):
            value("$missing + 1")


def declarations(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "parameters.xosc"
    path.write_text(
        f"<OpenSCENARIO>\n<ParameterDeclarations>\n{body}\n</ParameterDeclarations>\n</OpenSCENARIO>\n"
    )
    return path


class TestParameterDeclarations:
    def test_values_use_earlier_parameters_and_overrides(self, tmp_path: Path) -> None:
        path = declarations(
            tmp_path,
            '<ParameterDeclaration name="v_kph" parameterType="double" value="36"/>\n'
            '<ParameterDeclaration name="v" parameterType="double" value="${$v_kph / 3.6}"/>\n'
            '<ParameterDeclaration name="side" parameterType="int" value="-1"/>\n'
            '<ParameterDeclaration name="braking" parameterType="boolean" value="false"/>\n'
            '<ParameterDeclaration name="who" parameterType="string" value="GVT"/>',
        )
        node = parse_document(path).require("ParameterDeclarations")
        scope = declare_parameters(node, Scope(), {"v_kph": "72", "braking": "true"}, where="a test")
        assert scope.values == {
            "v_kph": 72.0,
            "v": pytest.approx(20.0),
            "side": -1,
            "braking": True,
            "who": "GVT",
        }

    def test_constraints_are_checked(self, tmp_path: Path) -> None:
        path = declarations(
            tmp_path,
            '<ParameterDeclaration name="ttc" parameterType="double" value="3">\n'
            '  <ConstraintGroup><ValueConstraint rule="greaterThan" value="4"/></ConstraintGroup>\n'
            "</ParameterDeclaration>",
        )
        node = parse_document(path).require("ParameterDeclarations")
        with pytest.raises(OpenScenarioError, match=r"ttc = 3 breaks its constraints \(not greaterThan 4\)"):
            declare_parameters(node, Scope(), where="a test")
        assert declare_parameters(node, Scope(), {"ttc": "5"}, where="a test").values["ttc"] == 5.0

    @pytest.mark.parametrize(
        ("body", "overrides", "words"),
        [
            (
                '<ParameterDeclaration name="a" parameterType="double" value="$b"/>',
                {},
                "parameter $b is not declared",
            ),
            ('<ParameterDeclaration name="a" parameterType="double" value="${2 *}"/>', {}, "bad expression"),
            ('<ParameterDeclaration name="a" parameterType="int" value="1.5"/>', {}, "is not an integer"),
            ('<ParameterDeclaration name="a" parameterType="double" value="fast"/>', {}, "is not a number"),
            (
                '<ParameterDeclaration name="a" parameterType="boolean" value="yes"/>',
                {},
                "is not true or false",
            ),
            ('<ParameterDeclaration name="a" parameterType="double" value="1"/>', {"b": "2"}, "assigns b"),
        ],
    )
    def test_errors_name_the_file_and_line(
        self, tmp_path: Path, body: str, overrides: dict[str, str], words: str
    ) -> None:
        path = declarations(tmp_path, body)
        node = parse_document(path).require("ParameterDeclarations")
        with pytest.raises(OpenScenarioError) as caught:
            declare_parameters(node, Scope(), overrides, where="a test")
        message = str(caught.value)
        assert words in message
        assert str(path) in message
        assert "line" in message

    def test_date_time_parameters_are_refused_by_name(self, tmp_path: Path) -> None:
        path = declarations(
            tmp_path, '<ParameterDeclaration name="when" parameterType="dateTime" value="x"/>'
        )
        with pytest.raises(UnsupportedElementError, match="ParameterDeclaration"):
            declare_parameters(parse_document(path).require("ParameterDeclarations"), Scope(), where="a test")


def test_malformed_xml_names_the_line(tmp_path: Path, write_scenario: Callable[..., Path]) -> None:
    path = write_scenario(text="<OpenSCENARIO>\n<FileHeader>\n</OpenSCENARIO>\n")
    with pytest.raises(OpenScenarioError, match=r"malformed XML at line 3"):
        parse_document(path)
