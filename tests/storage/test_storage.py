"""The data directory and atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sdvkit.storage import DATA_DIR_ENV, StorageError, atomic_write_text, data_dir


def test_data_dir_prefers_the_override_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert data_dir() == tmp_path / "from-env"
    assert (tmp_path / "from-env").is_dir()
    assert data_dir(tmp_path / "given") == tmp_path / "given"


def test_a_file_in_the_way_of_the_data_dir_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="not a directory"):
        data_dir(blocker)


def test_atomic_write_replaces_the_content_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_process_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_text(target, "old content")
    # A child writes a large new content but is killed (os._exit) between writing and renaming.
    script = f"""
import os, sdvkit.storage.files as files
real_replace = os.replace
def dying_replace(src, dst):
    os._exit(9)
files.os.replace = dying_replace
files.atomic_write_text({str(target)!r}, "new" * 1_000_000)
"""
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == 9
    assert target.read_text() == "old content"


def test_writing_into_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"cannot write .*missing"):
        atomic_write_text(tmp_path / "missing" / "x.json", "data")
    assert not os.path.exists(tmp_path / "missing")
