"""The results of a bench run as Markdown: the summary and one row per point.

``sdvkit ncap --markdown FILE`` writes it; docs/ncap-results.md is such a file, from a real run.
"""

from __future__ import annotations

from collections.abc import Sequence

from sdvkit.ncap.results import PointResult
from sdvkit.ncap.scoring import Summary, summarise


def _cell(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _gate(summary: Summary) -> str:
    gate = summary.gate
    if gate.failed:
        return f"failed ({', '.join(gate.failed)}): Frontal Collisions scores 0"
    if not gate.checked:
        return "not run"
    return "passed" + ("" if gate.complete else f" ({len(gate.missing)} gate points not run)")


def summary_markdown(summary: Summary) -> str:
    """The scores per grid and range, the gate, the totals and the false-positive result."""
    lines = [
        "| Grid | Range | Points | Green |",
        "|---|---|---:|---:|",
    ]
    for score in summary.grids:
        lines.append(
            f"| {score.grid} | {score.range.value} | {score.points:.3f} / {score.max_points:.3f} "
            f"| {score.green} / {score.count} |"
        )
    lines += [
        "",
        f"- Rating gate: {_gate(summary)}.",
        f"- Frontal Collisions: {summary.frontal_points:.3f} / {summary.frontal_max_points:.3f} points.",
        f"- Lane departure: {summary.lane_departure_points:.3f} / {summary.lane_departure_max_points:.3f}"
        " points.",
    ]
    if summary.false_positive_count:
        lines.append(
            f"- False positives: {summary.false_positive_passed} / {summary.false_positive_count} cases with"
            " no AEB activation and no FCW warning."
        )
    return "\n".join(lines)


def points_markdown(results: Sequence[PointResult]) -> str:
    """One row per point: speeds, impact location, impact, impact speed, FCW TTC, AEB, colour, points."""
    lines = [
        "| Grid | Range | Point | VUT km/h | Target km/h | IL % | Impact | Impact km/h | FCW TTC s | AEB"
        " | Colour | Points |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---|---|---:|",
    ]
    for result in results:
        point = result.point
        il = "–" if point.impact_location_pct is None else f"{point.impact_location_pct:g}"
        lines.append(
            f"| {point.grid} | {point.range.value} | {point.label} | {point.vut_speed_kph:g} "
            f"| {point.target_speed_kph:g} | {il} | {'yes' if result.impact else 'no'} "
            f"| {_cell(result.impact_speed_kph if result.impact else None)} | {_cell(result.fcw_ttc_s, 2)} "
            f"| {'yes' if result.aeb_activated else 'no'} | {result.colour} "
            f"| {result.points:.4f} / {point.max_points:.4f} |"
        )
    return "\n".join(lines)


def results_markdown(results: Sequence[PointResult], *, title: str = "Bench results") -> str:
    """A whole Markdown page: the summary, then every point."""
    return (
        f"# {title}\n\n## Summary\n\n{summary_markdown(summarise(results))}\n\n"
        f"## Every point\n\n{points_markdown(results)}\n"
    )
