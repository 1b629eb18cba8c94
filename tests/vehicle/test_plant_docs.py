"""docs/vehicle.md lists exactly the signals the plant publishes, at the rates it publishes them."""

from __future__ import annotations

import re
from pathlib import Path

from sdvkit.vehicle.plant import PUBLISHED

DOC = Path(__file__).resolve().parents[2] / "docs" / "vehicle.md"


def documented_rates() -> dict[str, float]:
    """Path → rate from the "Signals the plant publishes" table; ``.Leaf`` is relative to the
    parent of the last full path in the same cell."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Signals the plant publishes", 1)[1].split("\n## ", 1)[0]
    rates: dict[str, float] = {}
    for line in section.splitlines():
        match = re.fullmatch(r"\| (.+) \| (\d+(?:\.\d+)?) \|", line.strip())
        if not match:
            continue
        parent = ""
        for name in re.findall(r"`([^`]+)`", match.group(1)):
            if name.startswith("Vehicle."):
                path = name
                parent = name.rsplit(".", 1)[0]
            else:
                path = parent + name
            rates[path] = float(match.group(2))
    return rates


def test_every_published_signal_is_documented_with_its_rate() -> None:
    documented = documented_rates()
    published = {signal.path: float(signal.rate_hz) for signal in PUBLISHED}
    assert documented == published
