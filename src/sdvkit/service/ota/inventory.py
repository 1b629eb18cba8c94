"""The director's inventory: vehicles, their ECUs and keys, assignments and installed versions.

A private SQLite database in the director's directory (Uptane's "inventory database"). Every
change is one transaction; a reader never sees half a registration or half a version manifest.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sdvkit.service.ota._tuf import Key
from sdvkit.service.ota.errors import OtaInputError, UnknownEcuError, UnknownVehicleError
from sdvkit.service.ota.keys import key_from_dict

__all__ = ["Assignment", "EcuRecord", "InstalledRecord", "Inventory"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vehicles (
    vin TEXT PRIMARY KEY,
    primary_serial TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ecus (
    vin TEXT NOT NULL REFERENCES vehicles (vin),
    ecu_id TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    hardware_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    PRIMARY KEY (vin, ecu_id)
);
CREATE TABLE IF NOT EXISTS assignments (
    vin TEXT NOT NULL,
    ecu_id TEXT NOT NULL,
    version TEXT NOT NULL,
    target_path TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (vin, ecu_id),
    FOREIGN KEY (vin, ecu_id) REFERENCES ecus (vin, ecu_id)
);
CREATE TABLE IF NOT EXISTS installed (
    vin TEXT NOT NULL,
    ecu_id TEXT NOT NULL,
    version TEXT,
    sha256 TEXT,
    active_slot TEXT NOT NULL,
    last_result TEXT NOT NULL,
    report_counter INTEGER NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (vin, ecu_id),
    FOREIGN KEY (vin, ecu_id) REFERENCES ecus (vin, ecu_id)
);
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class EcuRecord:
    """One ECU (or app slot) of a registered vehicle."""

    ecu_id: str
    serial: str
    hardware_id: str
    public_key: Key


@dataclass(frozen=True, kw_only=True, slots=True)
class Assignment:
    """What the director told an ECU to install."""

    vin: str
    ecu_id: str
    version: str
    target_path: str
    assigned_at: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InstalledRecord:
    """What an ECU last reported, in a verified version report."""

    ecu_id: str
    version: str | None
    sha256: str | None
    active_slot: str
    last_result: str
    report_counter: int
    reported_at: str


def _key_json(key: Key) -> str:
    return json.dumps({"keyid": key.keyid, "key": key.to_dict()}, sort_keys=True)


def _key_from_json(text: str, *, what: str) -> Key:
    try:
        stored = json.loads(text)
        return key_from_dict(stored["keyid"], stored["key"], what=what)
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise OtaInputError(f"{what}: the stored key is corrupt") from error


class Inventory:
    """The inventory database at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.executescript(_SCHEMA)
        except (OSError, sqlite3.DatabaseError) as error:
            raise OtaInputError(f"cannot open the director's inventory {path}: {error}") from error

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    # -- vehicles ------------------------------------------------------------------------------

    def add_vehicle(
        self, vin: str, *, primary_serial: str, primary_key: Key, ecus: Sequence[EcuRecord], now: str
    ) -> None:
        with self._transaction() as connection:
            if connection.execute("SELECT 1 FROM vehicles WHERE vin = ?", (vin,)).fetchone():
                raise OtaInputError(f"vehicle {vin} is already registered with the director")
            connection.execute(
                "INSERT INTO vehicles VALUES (?, ?, ?, ?)", (vin, primary_serial, _key_json(primary_key), now)
            )
            for ecu in ecus:
                taken = connection.execute("SELECT vin FROM ecus WHERE serial = ?", (ecu.serial,)).fetchone()
                if taken:
                    raise OtaInputError(f"ECU serial {ecu.serial} is already registered (vehicle {taken[0]})")
                connection.execute(
                    "INSERT INTO ecus VALUES (?, ?, ?, ?, ?)",
                    (vin, ecu.ecu_id, ecu.serial, ecu.hardware_id, _key_json(ecu.public_key)),
                )

    def vins(self) -> list[str]:
        return [row[0] for row in self._connection.execute("SELECT vin FROM vehicles ORDER BY vin")]

    def require_vehicle(self, vin: str) -> None:
        if not self._connection.execute("SELECT 1 FROM vehicles WHERE vin = ?", (vin,)).fetchone():
            known = ", ".join(self.vins()) or "none"
            raise UnknownVehicleError(f"the director has no vehicle {vin} (registered: {known})")

    def primary(self, vin: str) -> tuple[str, Key]:
        """The primary's serial and public key."""
        self.require_vehicle(vin)
        serial, key_text = self._connection.execute(
            "SELECT primary_serial, primary_key FROM vehicles WHERE vin = ?", (vin,)
        ).fetchone()
        return serial, _key_from_json(key_text, what=f"inventory, vehicle {vin}")

    def ecus(self, vin: str) -> list[EcuRecord]:
        self.require_vehicle(vin)
        rows = self._connection.execute(
            "SELECT ecu_id, serial, hardware_id, public_key FROM ecus WHERE vin = ? ORDER BY rowid", (vin,)
        ).fetchall()
        return [
            EcuRecord(
                ecu_id=ecu_id,
                serial=serial,
                hardware_id=hardware_id,
                public_key=_key_from_json(key_text, what=f"inventory, ECU {serial}"),
            )
            for ecu_id, serial, hardware_id, key_text in rows
        ]

    def ecu(self, vin: str, ecu_id: str) -> EcuRecord:
        ecus = self.ecus(vin)
        for ecu in ecus:
            if ecu.ecu_id == ecu_id:
                return ecu
        known = ", ".join(ecu.ecu_id for ecu in ecus)
        raise UnknownEcuError(f"vehicle {vin} has no ECU {ecu_id!r} (its ECUs: {known})")

    # -- assignments ---------------------------------------------------------------------------

    def assign(self, assignment: Assignment) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?, ?)",
                (
                    assignment.vin,
                    assignment.ecu_id,
                    assignment.version,
                    assignment.target_path,
                    assignment.assigned_at,
                ),
            )

    def assignments(self, vin: str) -> list[Assignment]:
        self.require_vehicle(vin)
        rows = self._connection.execute(
            "SELECT ecu_id, version, target_path, assigned_at FROM assignments WHERE vin = ? ORDER BY ecu_id",
            (vin,),
        ).fetchall()
        return [
            Assignment(vin=vin, ecu_id=ecu_id, version=version, target_path=path, assigned_at=at)
            for ecu_id, version, path, at in rows
        ]

    # -- installed versions --------------------------------------------------------------------

    def record_installed(self, vin: str, records: Sequence[InstalledRecord]) -> None:
        with self._transaction() as connection:
            for record in records:
                connection.execute(
                    "INSERT OR REPLACE INTO installed VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        vin,
                        record.ecu_id,
                        record.version,
                        record.sha256,
                        record.active_slot,
                        record.last_result,
                        record.report_counter,
                        record.reported_at,
                    ),
                )

    def installed(self, vin: str) -> dict[str, InstalledRecord]:
        self.require_vehicle(vin)
        rows = self._connection.execute(
            "SELECT ecu_id, version, sha256, active_slot, last_result, report_counter, reported_at "
            "FROM installed WHERE vin = ?",
            (vin,),
        ).fetchall()
        return {
            row[0]: InstalledRecord(
                ecu_id=row[0],
                version=row[1],
                sha256=row[2],
                active_slot=row[3],
                last_result=row[4],
                report_counter=row[5],
                reported_at=row[6],
            )
            for row in rows
        }
