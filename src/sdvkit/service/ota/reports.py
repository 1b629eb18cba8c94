"""Signed version reports: what each ECU runs, vouched for by its own key, bundled by the primary.

Each ECU signs an *ECU version report* with its Ed25519 key; the primary bundles the reports in a
*vehicle version manifest* that it signs with its own key, and the director verifies both layers
against the keys in its inventory before it records anything (Uptane, "Vehicle Version
Manifest"). Each report carries a counter that only goes up, so a replayed report is refused::

    {"signed": {"type": "vehicle_version_manifest", "vin": ..., "primary_serial": ..., "time": ...,
                "ecu_version_reports": {"<serial>": {"signed": {"type": "ecu_version_report",
                    "ecu_serial": ..., "hardware_id": ..., "version": "1.1.0", "sha256": ...,
                    "active_slot": "A", "last_result": "SUCCESS", "report_counter": 7,
                    "time": ...}, "signatures": [...]}}},
     "signatures": [...]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sdvkit.service.ota._tuf import CryptoSigner, Key
from sdvkit.service.ota.errors import VersionReportError
from sdvkit.service.ota.keys import sign_envelope, verify_envelope

__all__ = [
    "EcuReport",
    "make_ecu_report",
    "make_vehicle_manifest",
    "verify_vehicle_manifest",
]

_LAST_RESULTS = ("NONE", "SUCCESS", "FAILED", "ROLLED_BACK", "REJECTED")


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuReport:
    """One verified ECU version report."""

    ecu_serial: str
    hardware_id: str
    version: str | None
    sha256: str | None
    active_slot: str
    last_result: str
    report_counter: int
    time: str


def make_ecu_report(signer: CryptoSigner, report: EcuReport) -> dict[str, Any]:
    """``report`` signed by the ECU's key."""
    return sign_envelope(
        {
            "type": "ecu_version_report",
            "ecu_serial": report.ecu_serial,
            "hardware_id": report.hardware_id,
            "version": report.version,
            "sha256": report.sha256,
            "active_slot": report.active_slot,
            "last_result": report.last_result,
            "report_counter": report.report_counter,
            "time": report.time,
        },
        signer,
    )


def make_vehicle_manifest(
    signer: CryptoSigner, *, vin: str, primary_serial: str, reports: Sequence[Mapping[str, Any]], time: str
) -> dict[str, Any]:
    """The primary's signed bundle of signed ECU reports."""
    by_serial = {str(report["signed"]["ecu_serial"]): dict(report) for report in reports}
    return sign_envelope(
        {
            "type": "vehicle_version_manifest",
            "vin": vin,
            "primary_serial": primary_serial,
            "time": time,
            "ecu_version_reports": by_serial,
        },
        signer,
    )


def _field(signed: Mapping[str, Any], name: str, kind: type | tuple[type, ...], *, what: str) -> Any:
    value = signed.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise VersionReportError(f"{what}: field {name!r} is missing or has the wrong type ({value!r})")
    return value


def _parse_report(signed: Mapping[str, Any], *, what: str) -> EcuReport:
    if signed.get("type") != "ecu_version_report":
        raise VersionReportError(f"{what}: not an ECU version report (type {signed.get('type')!r})")
    last_result = _field(signed, "last_result", str, what=what)
    if last_result not in _LAST_RESULTS:
        raise VersionReportError(
            f"{what}: last_result {last_result!r} is not one of {', '.join(_LAST_RESULTS)}"
        )
    counter = _field(signed, "report_counter", int, what=what)
    if counter < 0:
        raise VersionReportError(f"{what}: report_counter {counter} is negative")
    return EcuReport(
        ecu_serial=_field(signed, "ecu_serial", str, what=what),
        hardware_id=_field(signed, "hardware_id", str, what=what),
        version=_field(signed, "version", (str, type(None)), what=what),
        sha256=_field(signed, "sha256", (str, type(None)), what=what),
        active_slot=_field(signed, "active_slot", str, what=what),
        last_result=last_result,
        report_counter=counter,
        time=_field(signed, "time", str, what=what),
    )


def verify_vehicle_manifest(
    manifest: Any,
    *,
    vin: str,
    primary_key: Key,
    ecu_keys: Mapping[str, tuple[str, Key]],
    last_counters: Mapping[str, int],
) -> list[EcuReport]:
    """The verified reports of ``manifest``; VersionReportError on the first thing that is wrong.

    ``ecu_keys`` maps each registered ECU serial to its hardware id and public key;
    ``last_counters`` holds the highest report counter the director has recorded per serial.
    Nothing is returned unless every signature verifies.
    """
    signed = verify_envelope(manifest, primary_key, what=f"vehicle version manifest of {vin}")
    if signed.get("type") != "vehicle_version_manifest":
        raise VersionReportError(f"vehicle manifest of {vin}: wrong type {signed.get('type')!r}")
    if signed.get("vin") != vin:
        raise VersionReportError(f"vehicle manifest signed for VIN {signed.get('vin')!r}, not {vin}")
    reports = signed.get("ecu_version_reports")
    if not isinstance(reports, dict):
        raise VersionReportError(f"vehicle manifest of {vin}: 'ecu_version_reports' must be an object")
    verified: list[EcuReport] = []
    for serial, envelope in reports.items():
        if serial not in ecu_keys:
            raise VersionReportError(
                f"vehicle manifest of {vin} reports ECU {serial!r}, which is not registered"
            )
        hardware_id, key = ecu_keys[serial]
        what = f"version report of ECU {serial}"
        report = _parse_report(verify_envelope(envelope, key, what=what), what=what)
        if report.ecu_serial != serial:
            raise VersionReportError(f"{what} is signed for ECU {report.ecu_serial!r}")
        if report.hardware_id != hardware_id:
            raise VersionReportError(
                f"{what} names hardware {report.hardware_id!r}; the inventory has {hardware_id!r}"
            )
        last = last_counters.get(serial)
        if last is not None and report.report_counter <= last:
            raise VersionReportError(
                f"{what} has counter {report.report_counter}, not above the last recorded {last}: a replay"
            )
        verified.append(report)
    return verified
