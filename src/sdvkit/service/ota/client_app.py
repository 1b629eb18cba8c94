"""The OTA client as a vehicle app: it drives the primary and tells the bus what it is doing.

:class:`OtaClientApp` publishes ``Vehicle.Software.Update.*`` (state, progress, last result and
error, last check time, the target versions) and, for each of the vehicle's ECUs that the
catalogue knows (``Vehicle.Software.Ecu.<name>``), the running version, the booted slot and the
hardware id. With ``check_period_s`` it checks (and with ``auto_apply`` applies) every period.

An update that is refused or fails is not a fault of the app: the outcome is published as
``LastResult`` (``REJECTED``/``FAILED``) with the reason in ``LastError``, kept in
:attr:`OtaClientApp.last_error`, and the app goes on. ``check_now()`` and ``apply_now()`` raise it
to their caller after publishing it.
"""

from __future__ import annotations

from typing import Any

from sdvkit.runtime import Manifest, VehicleApp
from sdvkit.service.ota.errors import InstallError, OtaError, RepositoryUnavailableError, UpdateRejectedError
from sdvkit.service.ota.identifiers import ECUS
from sdvkit.service.ota.primary import Primary, UpdateOutcome, UpdateResult
from sdvkit.service.ota.verification import UpdateCheck

__all__ = ["SOFTWARE_ECU", "SOFTWARE_UPDATE", "OtaClientApp"]

SOFTWARE_UPDATE = "Vehicle.Software.Update"
SOFTWARE_ECU = "Vehicle.Software.Ecu"
_UPDATE_LEAVES = ("State", "Progress", "TargetVersion", "LastResult", "LastError", "LastCheckTime")
_ECU_LEAVES = ("SoftwareVersion", "HardwareId", "ActiveSlot")


class OtaClientApp(VehicleApp):
    """Runs the vehicle's OTA client on the broker."""

    name = "ota-client"
    manifest = Manifest(writes=(SOFTWARE_UPDATE, SOFTWARE_ECU))

    def __init__(
        self,
        primary: Primary,
        *,
        check_period_s: float | None = None,
        auto_apply: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, step_period_s=check_period_s)
        self.primary = primary
        self.auto_apply = auto_apply
        self.last_error: OtaError | None = None
        """The error of the last check or update, None after a success."""
        self._ecus = [ecu_id for ecu_id in primary.secondaries if ecu_id in ECUS]
        primary.listener = self._on_progress

    def _paths(self) -> list[str]:
        paths = [f"{SOFTWARE_UPDATE}.{leaf}" for leaf in _UPDATE_LEAVES]
        paths += [f"{SOFTWARE_ECU}.{ecu}.{leaf}" for ecu in self._ecus for leaf in _ECU_LEAVES]
        return paths

    def on_start(self) -> None:
        self.provide(self._paths())
        status = self.primary.status()
        self.publish(
            {
                f"{SOFTWARE_UPDATE}.State": "IDLE",
                f"{SOFTWARE_UPDATE}.Progress": 0,
                f"{SOFTWARE_UPDATE}.LastResult": status.last_result.value,
                f"{SOFTWARE_UPDATE}.LastError": status.last_error,
                f"{SOFTWARE_UPDATE}.LastCheckTime": status.last_check_time,
                f"{SOFTWARE_UPDATE}.TargetVersion": _describe(status.target_versions),
                **self._software_values(),
            }
        )

    def step(self) -> None:
        try:
            if self.auto_apply:
                self.apply_now()
            else:
                self.check_now()
        except (UpdateRejectedError, RepositoryUnavailableError, InstallError):
            pass  # published as LastResult/LastError and kept in last_error by *_now()

    # -- what the app does --------------------------------------------------------------------

    def check_now(self) -> UpdateCheck:
        """Ask the director for updates and verify them; publish the target versions."""
        try:
            check = self.primary.check()
        except OtaError as error:
            self._publish_error(error)
            raise
        self.last_error = None
        self.publish(
            {
                f"{SOFTWARE_UPDATE}.TargetVersion": _describe(check.target_versions),
                f"{SOFTWARE_UPDATE}.LastCheckTime": check.checked_at,
            }
        )
        return check

    def apply_now(self) -> UpdateOutcome:
        """Check, download, verify, install, reboot and health-check; publish the outcome."""
        try:
            outcome = self.primary.apply()
        except OtaError as error:
            self._publish_error(error)
            raise
        self.last_error = None
        status = self.primary.status()
        self.publish(
            {
                f"{SOFTWARE_UPDATE}.LastResult": status.last_result.value,
                f"{SOFTWARE_UPDATE}.LastError": outcome.error,
                f"{SOFTWARE_UPDATE}.LastCheckTime": status.last_check_time,
                f"{SOFTWARE_UPDATE}.TargetVersion": _describe(status.target_versions),
                **self._software_values(),
            }
        )
        return outcome

    # -- publishing ----------------------------------------------------------------------------

    def _on_progress(self, state: str, progress_percent: int) -> None:
        self.publish({f"{SOFTWARE_UPDATE}.State": state, f"{SOFTWARE_UPDATE}.Progress": progress_percent})

    def _publish_error(self, error: OtaError) -> None:
        self.last_error = error
        result = UpdateResult.REJECTED if isinstance(error, UpdateRejectedError) else UpdateResult.FAILED
        self.publish(
            {
                f"{SOFTWARE_UPDATE}.State": "IDLE",
                f"{SOFTWARE_UPDATE}.LastResult": result.value,
                f"{SOFTWARE_UPDATE}.LastError": str(error),
                **self._software_values(),
            }
        )

    def _software_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for ecu_id in self._ecus:
            installed = self.primary.secondaries[ecu_id].installed()
            branch = f"{SOFTWARE_ECU}.{ecu_id}"
            values[f"{branch}.SoftwareVersion"] = installed.version or ""
            values[f"{branch}.HardwareId"] = installed.hardware_id
            values[f"{branch}.ActiveSlot"] = installed.booted_slot
        return values


def _describe(target_versions: dict[str, str]) -> str:
    """``TargetVersion``: what the director assigned, ``ECU version`` pairs; empty when nothing."""
    return ", ".join(f"{ecu_id} {version}" for ecu_id, version in sorted(target_versions.items()))
