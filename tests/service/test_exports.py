"""``sdvkit.service`` exports its API lazily and never imports the OTA package or the heavy stack."""

from __future__ import annotations

import subprocess
import sys

import sdvkit.service


def test_every_exported_name_resolves() -> None:
    for name in sdvkit.service.__all__:
        assert getattr(sdvkit.service, name) is not None, name


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, sdvkit.service; "
        "heavy = ('cantools', 'udsoncan', 'isotp', 'can', 'sdvkit.service.ota'); "
        "print(sorted(name for name in heavy if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
