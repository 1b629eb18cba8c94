"""``python -m sdvkit``: the same as the ``sdvkit`` command."""

from sdvkit.cli import entry_point

entry_point()
