"""Faults during an update: a process killed mid-install, a failed health check, a crash loop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.service.ota.conftest import Fleet

from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    HealthCheckError,
    InstallError,
    SlotContent,
    SlotPolicy,
    SlotStore,
    UpdateResult,
)

SRC = Path(__file__).resolve().parents[3] / "src"

_INSTALL_AND_HANG = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sdvkit.service.ota import OtaWorkspace

    def stop_in_the_middle(state, percent):
        if state == "INSTALLING" and 0 < percent < 100:
            print("MID-INSTALL", percent, flush=True)
            time.sleep(120)  # the parent kills us here, half the image written

    workspace = OtaWorkspace(Path(sys.argv[1]))
    workspace.vehicle(sys.argv[2], listener=stop_in_the_middle).apply()
    """
)

_BOOT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from sdvkit.service.ota import OtaWorkspace

    vehicle = OtaWorkspace(Path(sys.argv[1])).vehicle(sys.argv[2])
    records = vehicle.boot()
    installed = vehicle.installed()["Powertrain"]
    print(json.dumps({"slot": records["Powertrain"].slot, "trial": records["Powertrain"].trial,
                      "version": installed.version, "pending": installed.pending_slot}))
    """
)


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    """A fresh Python process running ``code`` (sdvkit importable from this checkout)."""
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )


def test_a_process_killed_mid_install_boots_the_old_slot(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0", content=os.urandom(3 * 1024 * 1024 + 17))  # four 1 MiB chunks
    fleet.assign("Powertrain", "1.1.0")
    data_dir = str(fleet.workspace.root.parent)
    installer = _python(_INSTALL_AND_HANG, data_dir, fleet.vin)
    try:
        assert installer.stdout is not None
        line = installer.stdout.readline()
        assert line.startswith("MID-INSTALL"), line + installer.stderr.read() if installer.stderr else line
        ecu_dir = fleet.vehicle_dir / "ecus" / "Powertrain"
        assert list(ecu_dir.glob(".slot-*.tmp")), "the kill must come while the slot is half written"
        installer.send_signal(signal.SIGKILL)
    finally:
        installer.kill()
        installer.wait(timeout=30)
    assert installer.returncode == -signal.SIGKILL

    booter = _python(_BOOT, data_dir, fleet.vin)
    out, err = booter.communicate(timeout=60)
    assert booter.returncode == 0, err
    booted = json.loads(out.strip().splitlines()[-1])
    assert booted == {"slot": "A", "trial": False, "version": "1.0.0", "pending": None}
    assert not list(ecu_dir.glob(".slot-*.tmp")), "the boot clears what the killed install left"
    assert fleet.versions() == fleet.factory_versions

    outcome = fleet.vehicle().apply()  # and the update still goes through afterwards
    assert outcome.result is UpdateResult.SUCCESS
    assert fleet.versions()["Powertrain"] == "1.1.0"


def _failing(slot_file: Path, content: SlotContent) -> None:
    raise HealthCheckError(f"{content.version} does not start: watchdog reset")


def test_a_failed_health_check_rolls_back_by_itself(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    outcome = fleet.vehicle(health_checks={"Powertrain": _failing}).apply()
    assert outcome.result is UpdateResult.ROLLED_BACK
    assert outcome.rolled_back == ("Powertrain",)
    assert "watchdog reset" in outcome.error
    installed = fleet.vehicle().installed()["Powertrain"]
    assert (installed.version, installed.booted_slot, installed.committed_slot) == ("1.0.0", "A", "A")
    assert installed.last_result == "ROLLED_BACK"
    assert fleet.versions() == fleet.factory_versions
    recorded = fleet.director.status(fleet.vin).ecu("Powertrain")
    assert (recorded.installed_version, recorded.last_result) == ("1.0.0", "ROLLED_BACK")

    # The same image is not tried again; a newer one is.
    again = fleet.vehicle().check()
    assert again.installs == ()
    assert again.skipped == (("Powertrain", "1.1.0 was rolled back on this ECU before"),)
    fleet.firmware("Powertrain", "1.1.1")
    fleet.assign("Powertrain", "1.1.1")
    assert fleet.vehicle().apply().result is UpdateResult.SUCCESS
    assert fleet.versions()["Powertrain"] == "1.1.1"


def test_a_bundle_rolls_back_together_when_one_ecu_fails(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.firmware("BatteryManagement", "2.0.0")
    fleet.assign("Powertrain", "1.1.0")
    fleet.assign("BatteryManagement", "2.0.0")
    outcome = fleet.vehicle(health_checks={"BatteryManagement": _failing}).apply()
    assert outcome.result is UpdateResult.ROLLED_BACK
    assert set(outcome.rolled_back) == {"Powertrain", "BatteryManagement"}
    assert fleet.versions() == fleet.factory_versions
    # Only the image that failed is kept from being tried again; the sound one goes in next time.
    again = fleet.vehicle().check()
    assert [install.ecu_id for install in again.installs] == ["Powertrain"]
    assert [ecu_id for ecu_id, _ in again.skipped] == ["BatteryManagement"]


def test_a_crash_loop_runs_out_the_boot_counter_and_rolls_back(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    vehicle = fleet.vehicle()
    check = vehicle.check()
    # Install without the reboot: the new slot is pending, as if power was lost right after.
    slots = SlotStore(fleet.vehicle_dir / "ecus" / "Powertrain", policy=SlotPolicy(max_boot_attempts=2))
    image = fleet.stored_image(fleet.repository.find(DEFAULT_HARDWARE_IDS["Powertrain"], "1.1.0"))
    content = SlotContent(
        version="1.1.0", sha256=check.installs[0].sha256, length=check.installs[0].length, target_path="x"
    )
    slot = slots.write_inactive(image, content)
    assert slot == "B"
    first = slots.boot()
    second = slots.boot()
    assert (first.slot, first.trial, second.slot, second.trial) == ("B", True, "B", True)
    third = slots.boot()  # the new software never reached its health check twice: give up on it
    assert (third.slot, third.trial, third.rolled_back, third.version) == ("A", False, True, "1.0.0")
    assert "2 trial boots" in third.reason
    state = slots.state()
    assert (state.committed_slot, state.pending_slot, state.boot_count, state.last_result) == (
        "A",
        None,
        0,
        "ROLLED_BACK",
    )
    with pytest.raises(InstallError, match="nothing to commit"):
        slots.commit()


def test_a_trial_boot_left_by_a_power_loss_is_checked_at_the_next_power_on(fleet: Fleet) -> None:
    fleet.firmware("Powertrain", "1.1.0")
    fleet.assign("Powertrain", "1.1.0")
    check = fleet.vehicle().check()
    secondary = fleet.vehicle().secondary("Powertrain")
    director_targets = (fleet.vehicle_dir / "primary" / "director" / "targets.json").read_bytes()
    image = fleet.stored_image(fleet.repository.find(DEFAULT_HARDWARE_IDS["Powertrain"], "1.1.0"))
    secondary.install(image, director_targets=director_targets, target_path=check.installs[0].target_path)
    assert secondary.installed().pending_slot == "B"
    records = fleet.vehicle().boot()  # power-on: trial boot, health check passes, commit
    assert (records["Powertrain"].slot, records["Powertrain"].trial) == ("B", True)
    installed = fleet.vehicle().installed()["Powertrain"]
    assert (installed.version, installed.committed_slot, installed.pending_slot) == ("1.1.0", "B", None)
