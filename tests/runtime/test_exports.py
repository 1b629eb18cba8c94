"""The public names of sdvkit.runtime."""

from __future__ import annotations

from sdvkit import runtime
from sdvkit.runtime import AppRuntimeError, AppStateError, ClockError, ManifestError, StaleInputError


def test_every_exported_name_exists() -> None:
    assert sorted(runtime.__all__) == sorted(set(runtime.__all__))
    for name in runtime.__all__:
        assert hasattr(runtime, name), name


def test_one_error_hierarchy() -> None:
    for error in (AppStateError, ClockError, ManifestError, StaleInputError):
        assert issubclass(error, AppRuntimeError)
    assert issubclass(ManifestError, ValueError)
    assert not issubclass(AppRuntimeError, RuntimeError)
