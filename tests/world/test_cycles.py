"""Drive cycles: the DriveCycle model, the built-in regulatory cycles, and the CSV readers."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from bisect import bisect_right
from pathlib import Path

import pytest

from sdvkit.world.cycles import (
    DriveCycle,
    builtin_cycle,
    builtin_cycle_description,
    builtin_cycle_names,
    canonical_cycle_name,
    format_cycle_csv,
    load_cycle_csv,
    parse_cycle_csv,
    resolve_cycle,
    write_cycle_csv,
)
from sdvkit.world.errors import CycleError, CycleFileError, UnknownCycleError

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "sdvkit" / "world" / "cycles" / "data"


def small_cycle(**changes: object) -> DriveCycle:
    fields: dict[str, object] = {
        "name": "small",
        "time_s": (0.0, 10.0, 20.0, 30.0),
        "speed_mps": (0.0, 10.0, 10.0, 0.0),
    }
    fields.update(changes)
    return DriveCycle(**fields)  # type: ignore[arg-type]


# -- the model -------------------------------------------------------------------------------------


def test_summary_figures_of_a_trapezoid() -> None:
    cycle = small_cycle()
    assert cycle.duration_s == 30.0
    assert cycle.distance_m == pytest.approx(50.0 + 100.0 + 50.0)
    assert cycle.max_speed_mps == 10.0
    assert cycle.average_speed_mps == pytest.approx(200.0 / 30.0)
    assert cycle.grade == (0.0, 0.0, 0.0, 0.0)


def test_lookups_interpolate_and_clamp() -> None:
    cycle = small_cycle(grade=(0.0, 0.02, 0.02, -0.04))
    assert cycle.speed_at(5.0) == pytest.approx(5.0)
    assert cycle.speed_at(15.0) == 10.0
    assert cycle.speed_at(27.5) == pytest.approx(2.5)
    assert cycle.speed_at(-1.0) == 0.0
    assert cycle.speed_at(99.0) == 0.0
    assert cycle.grade_at(5.0) == pytest.approx(0.01)
    assert cycle.grade_at(25.0) == pytest.approx(-0.01)
    assert cycle.grade_at(1e9) == -0.04
    # the segment's slope; at a point, the segment that starts there; nothing outside the cycle
    assert cycle.acceleration_at(3.0) == pytest.approx(1.0)
    assert cycle.acceleration_at(10.0) == 0.0
    assert cycle.acceleration_at(20.0) == pytest.approx(-1.0)
    assert cycle.acceleration_at(-0.5) == 0.0
    assert cycle.acceleration_at(30.0) == 0.0
    assert cycle.distance_at(10.0) == pytest.approx(50.0)
    assert cycle.distance_at(25.0) == pytest.approx(150.0 + 37.5)
    assert cycle.distance_at(40.0) == cycle.distance_m
    assert cycle.distance_at(-3.0) == 0.0


def test_time_may_start_anywhere() -> None:
    cycle = DriveCycle(name="late", time_s=(100.0, 110.0), speed_mps=(2.0, 4.0))
    assert cycle.duration_s == 10.0
    assert cycle.distance_m == pytest.approx(30.0)
    assert cycle.speed_at(105.0) == pytest.approx(3.0)
    assert cycle.speed_at(0.0) == 2.0


def test_lookups_in_any_order_match_a_plain_bisect() -> None:
    cycle = builtin_cycle("udds")
    ts, vs = cycle.time_s, cycle.speed_mps

    def reference(t: float) -> float:
        if t <= ts[0]:
            return vs[0]
        if t >= ts[-1]:
            return vs[-1]
        i = bisect_right(ts, t) - 1
        return vs[i] + (vs[i + 1] - vs[i]) * (t - ts[i]) / (ts[i + 1] - ts[i])

    rng = random.Random(7)
    forward = [k * 0.01 for k in range(0, 140_000, 7)]
    shuffled = [rng.uniform(-10.0, 1400.0) for _ in range(5000)]
    back_and_forth = [t for k in range(2000) for t in (k * 0.5, k * 0.5 - 0.3, k * 0.5 + 1.7)]
    for t in forward + shuffled + back_and_forth:
        assert cycle.speed_at(t) == pytest.approx(reference(t), abs=1e-9)


def test_lists_are_stored_as_tuples_of_floats() -> None:
    cycle = DriveCycle(name="lists", time_s=[0, 1, 2], speed_mps=[0, 1, 0], grade=[0, 0.01, 0])  # type: ignore[arg-type]
    assert cycle.time_s == (0.0, 1.0, 2.0)
    assert isinstance(cycle.speed_mps, tuple)
    assert all(isinstance(v, float) for v in cycle.grade)


def test_cycles_are_frozen_and_compare_by_value() -> None:
    a = small_cycle()
    b = small_cycle()
    a.speed_at(12.0)  # moves a's lookup hint; equality must not care
    assert a == b
    assert hash(a) == hash(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"speed_mps": (0.0, 1.0, 2.0)}, "same length"),
        ({"time_s": (0.0,), "speed_mps": (0.0,)}, "at least 2 points"),
        ({"time_s": (0.0, 10.0, 10.0, 30.0)}, "time_s[2] = 10.0 does not come after time_s[1] = 10.0"),
        ({"time_s": (0.0, 10.0, 5.0, 30.0)}, "time_s[2] = 5.0"),
        ({"speed_mps": (0.0, -1.0, 10.0, 0.0)}, "speed_mps[1] = -1.0 is negative"),
        ({"speed_mps": (0.0, math.nan, 10.0, 0.0)}, "speed_mps[1] = nan is not finite"),
        ({"time_s": (0.0, 10.0, math.inf, 30.0)}, "time_s[2] = inf is not finite"),
        ({"grade": (0.0, 1.0, 0.0, 0.0)}, "grade[1] = 1.0 is not within (-1, 1)"),
        ({"grade": (0.0, 0.0, math.nan, 0.0)}, "grade[2] = nan"),
        ({"grade": (0.0, 0.0)}, "same length"),
        ({"speed_mps": ("fast", 1.0, 2.0, 3.0)}, "speed_mps: not a sequence of numbers"),
        ({"name": ""}, "non-empty name"),
    ],
)
def test_malformed_cycles_are_refused_naming_the_point(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CycleError) as info:
        small_cycle(**changes)
    assert message in str(info.value)


def test_a_nan_query_is_an_error_not_a_wrong_answer() -> None:
    cycle = small_cycle()
    for lookup in (cycle.speed_at, cycle.acceleration_at, cycle.grade_at, cycle.distance_at):
        with pytest.raises(CycleError, match="cannot look up time nan"):
            lookup(math.nan)


# -- built-in cycles -------------------------------------------------------------------------------

# name -> duration s, distance km (2 decimals), max speed km/h (1 decimal): the figures the standards give.
EXPECTED = {
    "udds": (1369.0, 11.99, 91.3),  # 7.45 mi, 56.7 mph
    "hwfet": (765.0, 16.51, 96.4),  # 10.26 mi, 59.9 mph
    "us06": (600.0, 12.89, 129.2),  # 8.01 mi, 80.3 mph
    "wltc3b": (1800.0, 23.27, 131.3),
}


def test_builtin_names() -> None:
    assert builtin_cycle_names() == ("hwfet", "udds", "us06", "wltc3b")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_cycle_figures(name: str) -> None:
    duration_s, distance_km, max_kmh = EXPECTED[name]
    cycle = builtin_cycle(name)
    assert cycle.name == name
    assert cycle.time_s[0] == 0.0
    assert cycle.duration_s == duration_s
    assert all(b - a == 1.0 for a, b in itertools.pairwise(cycle.time_s))  # 1 Hz
    assert round(cycle.distance_m / 1000.0, 2) == distance_km
    assert round(cycle.max_speed_mps * 3.6, 1) == max_kmh
    assert cycle.speed_mps[0] == cycle.speed_mps[-1] == 0.0
    assert not any(cycle.grade)


def test_wltc_3b_phases_have_the_gtr_15_distances() -> None:
    # UN GTR No. 15, class 3b: low 3095 m, medium 4756 m, high 7162 m, extra high 8254 m.
    cycle = builtin_cycle("wltc3b")
    bounds = (0.0, 589.0, 1022.0, 1477.0, 1800.0)
    phases = [cycle.distance_at(b) - cycle.distance_at(a) for a, b in itertools.pairwise(bounds)]
    assert phases == pytest.approx([3095.0, 4756.0, 7162.0, 8254.0], abs=1.0)
    assert cycle.speed_at(589.0) == cycle.speed_at(1022.0) == 0.0


@pytest.mark.parametrize("name", ["udds", "hwfet"])
def test_udds_and_hwfet_are_fastsims_numbers_exactly(name: str) -> None:
    fastsim = pytest.importorskip("fastsim")
    reference = fastsim.Cycle.from_resource(f"{name}.csv").to_dict()
    cycle = builtin_cycle(name)
    assert list(cycle.time_s) == reference["time_seconds"]
    assert list(cycle.speed_mps) == reference["speed_meters_per_second"]


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("UDDS", "udds"),
        ("ftp-72", "udds"),
        ("FTP72", "udds"),
        ("la4", "udds"),
        ("HWFET", "hwfet"),
        ("hfet", "hwfet"),
        ("US06", "us06"),
        ("us-06", "us06"),
        ("wltc3b", "wltc3b"),
        ("WLTC-3b", "wltc3b"),
        ("wltc_3b", "wltc3b"),
        ("wltc_class_3b", "wltc3b"),
        (" WLTC class 3b ", "wltc3b"),
    ],
)
def test_builtin_names_in_any_spelling(spelling: str, canonical: str) -> None:
    assert canonical_cycle_name(spelling) == canonical
    assert builtin_cycle(spelling) is builtin_cycle(canonical)


@pytest.mark.parametrize("name", ["ftp75", "wltc3a", "nedc", "", "udds.csv"])
def test_unknown_names_list_the_known_ones(name: str) -> None:
    with pytest.raises(UnknownCycleError) as info:
        builtin_cycle(name)
    assert info.value.name == name
    assert info.value.known == ("hwfet", "udds", "us06", "wltc3b")
    assert "known cycles: hwfet, udds, us06, wltc3b" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_descriptions_name_the_standard() -> None:
    assert "40 CFR Part 86" in builtin_cycle_description("udds")
    assert "40 CFR Part 600" in builtin_cycle_description("hfet")
    assert "US06" in builtin_cycle_description("us06")
    assert "GTR No. 15" in builtin_cycle_description("wltc-3b")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_data_files_are_commented_sdvkit_csv(name: str) -> None:
    text = (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    assert "40 CFR" in lines[0] or "GTR No. 15" in lines[0]
    assert "time_s,speed_mps" in lines
    assert load_cycle_csv(DATA_DIR / f"{name}.csv") == builtin_cycle(name)


# -- CSV -------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "cycle.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sdvkit_csv_with_comments_grade_and_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, "# my test track\n\ntime_s,speed_mps,grade\n0,0,0\n# half way\n1,2.5,0.03\n2,0,-0.01\n"
    )
    cycle = load_cycle_csv(path)
    assert cycle.name == "cycle"
    assert cycle.time_s == (0.0, 1.0, 2.0)
    assert cycle.speed_mps == (0.0, 2.5, 0.0)
    assert cycle.grade == (0.0, 0.03, -0.01)
    assert load_cycle_csv(path, name="track").name == "track"


def test_fastsim_3_csv_as_fastsim_writes_it(tmp_path: Path) -> None:
    fastsim = pytest.importorskip("fastsim")
    path = tmp_path / "hwfet_v3.csv"
    fastsim.Cycle.from_resource("hwfet.csv").to_file(str(path))
    assert path.read_text(encoding="utf-8").startswith("time_seconds,speed_meters_per_second,grade,")
    cycle = load_cycle_csv(path)
    assert cycle.speed_mps == builtin_cycle("hwfet").speed_mps
    assert cycle.name == "hwfet_v3"


def test_fastsim_3_unit_variants(tmp_path: Path) -> None:
    path = write(tmp_path, "time_minutes,speed_kilometers_per_hour,grade_percent\n0,0,0\n0.5,36,2\n1,72,-3\n")
    cycle = load_cycle_csv(path)
    assert cycle.time_s == (0.0, 30.0, 60.0)
    assert cycle.speed_mps == pytest.approx((0.0, 10.0, 20.0))
    assert cycle.grade == pytest.approx((0.0, 0.02, -0.03))
    mph = load_cycle_csv(write(tmp_path, "time_seconds,speed_miles_per_hour\n0,0\n1,10\n", "mph.csv"))
    assert mph.speed_mps[1] == pytest.approx(4.4704)


def test_fastsim_2_csv_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "wltc.csv"
    path.write_bytes(
        b"\xef\xbb\xbfcycSecs,cycMps,cycGrade,cycRoadType\r\n0,0,0,0\r\n1,0.611111111,0.01,0\r\n2,1.5,0,0"
    )
    cycle = load_cycle_csv(path)
    assert cycle.speed_mps == (0.0, 0.611111111, 1.5)
    assert cycle.grade == (0.0, 0.01, 0.0)


def test_format_and_write_round_trip_exactly(tmp_path: Path) -> None:
    cycle = DriveCycle(
        name="odd", time_s=(0.0, 0.1, 1.0 / 3.0), speed_mps=(0.0, math.pi, 1e-17), grade=(0.0, 0.1, 0.0)
    )
    text = format_cycle_csv(cycle, comment=["first line", "second\nthird"])
    assert text.splitlines()[:4] == ["# first line", "# second", "# third", "time_s,speed_mps,grade"]
    assert parse_cycle_csv(text, name="odd") == cycle
    path = tmp_path / "odd.csv"
    write_cycle_csv(cycle, path)
    assert load_cycle_csv(path) == cycle
    flat = format_cycle_csv(small_cycle())
    assert flat.splitlines()[:2] == ["time_s,speed_mps", "0,0"]


def test_writing_where_it_cannot_is_a_cycle_file_error(tmp_path: Path) -> None:
    with pytest.raises(CycleFileError, match="cannot be written") as info:
        write_cycle_csv(small_cycle(), tmp_path / "missing_dir" / "x.csv")
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("text", "line", "detail"),
    [
        ("", None, "empty file"),
        ("# only a comment\n\n", None, "empty file"),
        ("time_s,speed_mps\n", None, "at least 2 rows of data, found 0"),
        ("time_s,speed_mps\n0,0\n", None, "at least 2 rows of data, found 1"),
        ("# c\nt,v\n0,0\n1,1\n", 2, "unknown column 't'"),
        ("time_s,velocity\n0,0\n1,1\n", 1, "unknown column 'velocity'"),
        ("time_s,grade\n0,0\n1,0\n", 1, "no speed column"),
        ("speed_mps\n0\n1\n", 1, "no time column"),
        ("time_s,cycSecs,speed_mps\n0,0,0\n", 1, "two time columns"),
        ("time_s,speed_mps\n0,0\n1,1,1\n2,0\n", 3, "expected 2 values"),
        ("time_s,speed_mps\n0,0\n1\n", 3, "expected 2 values"),
        ("time_s,speed_mps\n0,0\n1,fast\n", 3, "column 2: 'fast' is not a number"),
        ("time_s,speed_mps\n0,0\n1,\n", 3, "column 2: '' is not a number"),
        ("time_s,speed_mps\n0,0\n1,nan\n", 3, "'nan' is not a finite number"),
        ("time_s,speed_mps\n0,0\ninf,1\n", 3, "'inf' is not a finite number"),
        ("time_s,speed_mps\n0,0\n1,-0.5\n", 3, "speed -0.5 is negative"),
        ("time_s,speed_mps\n0,0\n\n# c\n1,1\n1,2\n", 6, "time 1 does not come after"),
        ("time_s,speed_mps\n0,0\n2,1\n1,2\n", 4, "strictly increasing"),
        ("time_s,speed_mps,grade\n0,0,0\n1,1,1.5\n", 3, "grade 1.5 is not within (-1, 1)"),
        ("cycSecs,cycMps,cycGrade,cycRoadType\n0,0,0,0\n1,1,0\n", 3, "expected 4 values"),
    ],
)
def test_malformed_csv_names_file_and_line(tmp_path: Path, text: str, line: int | None, detail: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CycleFileError) as info:
        load_cycle_csv(path)
    assert info.value.path == path
    assert info.value.line == line
    assert detail in info.value.detail
    assert str(path) in str(info.value)
    if line is not None:
        assert f"line {line}:" in str(info.value)


def test_missing_directory_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(CycleFileError, match="no such file") as info:
        load_cycle_csv(tmp_path / "nope.csv")
    assert isinstance(info.value.__cause__, FileNotFoundError)
    with pytest.raises(CycleFileError, match="is a directory"):
        load_cycle_csv(tmp_path)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"time_s,speed_mps\n0,\xff\xfe\n")
    with pytest.raises(CycleFileError, match="not UTF-8"):
        load_cycle_csv(binary)


def test_resolve_cycle_takes_names_and_paths(tmp_path: Path) -> None:
    assert resolve_cycle("UDDS") is builtin_cycle("udds")
    path = write(tmp_path, "time_s,speed_mps\n0,0\n1,1\n", "mine.csv")
    assert resolve_cycle(path).name == "mine"
    assert resolve_cycle(str(path)).speed_mps == (0.0, 1.0)
    with pytest.raises(UnknownCycleError):
        resolve_cycle("nedc")
    with pytest.raises(CycleFileError, match="no such file"):
        resolve_cycle(str(tmp_path / "other.csv"))
    with pytest.raises(CycleFileError, match="no such file"):
        resolve_cycle("missing.csv")
