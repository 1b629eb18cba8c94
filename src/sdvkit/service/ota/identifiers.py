"""The names OTA deals in, checked once at the edge: VINs, ECU ids, hardware ids, versions.

Every check raises :class:`~sdvkit.service.ota.errors.OtaInputError` naming the field and the
value, so that a typo on the command line or in a file is reported as such, never as a failed
signature later on.
"""

from __future__ import annotations

import re

from sdvkit.service.ota.errors import OtaInputError
from sdvkit.signals.builtin.service import ECUS, VIN_PATTERN

__all__ = [
    "APP_ECU_PREFIX",
    "ECUS",
    "Version",
    "app_ecu_id",
    "app_hardware_id",
    "check_app_name",
    "check_ecu_id",
    "check_hardware_id",
    "check_vin",
    "ecu_serial",
    "parse_version",
]

_VIN = re.compile(VIN_PATTERN)
_ECU_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,31}$")
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,47}$")
_HARDWARE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VERSION = re.compile(r"^(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})){0,3}$")

APP_ECU_PREFIX = "app."
"""An app slot is an ECU id ``app.<name>``: the apps are installed and rolled back like firmware."""

Version = tuple[int, int, int, int]
"""A release version, comparable: ``1.2`` is ``(1, 2, 0, 0)``."""


def check_vin(vin: object) -> str:
    """A VIN (ISO 3779: 17 characters, no I, O or Q, the last four digits)."""
    if not isinstance(vin, str) or not _VIN.match(vin):
        raise OtaInputError(
            f"VIN {vin!r} is not a valid vehicle identification number "
            "(17 characters A-Z and 0-9 without I, O, Q; the last four are digits)"
        )
    return vin


def check_app_name(name: object) -> str:
    """An installable app's name: lower case letters, digits and dashes, starting with a letter."""
    if not isinstance(name, str) or not _APP_NAME.match(name):
        raise OtaInputError(
            f"app name {name!r} is not valid: use lower case letters, digits and '-', "
            "starting with a letter (at most 48 characters)"
        )
    return name


def app_ecu_id(app_name: str) -> str:
    """The ECU id of an app's slot: ``app.<name>``."""
    return APP_ECU_PREFIX + check_app_name(app_name)


def app_hardware_id(app_name: str) -> str:
    """The hardware id an app package names: only that app's slot accepts it."""
    return "sdvkit-app." + check_app_name(app_name)


def check_ecu_id(ecu_id: object) -> str:
    """An ECU id: a name like ``Powertrain`` (letters and digits), or an app slot ``app.<name>``."""
    if isinstance(ecu_id, str) and ecu_id.startswith(APP_ECU_PREFIX):
        check_app_name(ecu_id[len(APP_ECU_PREFIX) :])
        return ecu_id
    if not isinstance(ecu_id, str) or not _ECU_ID.match(ecu_id):
        raise OtaInputError(
            f"ECU id {ecu_id!r} is not valid: use letters and digits, starting with a letter "
            f"(e.g. {', '.join(ECUS)}), or app.<name> for an app slot"
        )
    return ecu_id


def ecu_serial(vin: str, ecu_id: str) -> str:
    """The ECU serial the director's metadata names: unique over the fleet (``<VIN>/<ECU id>``)."""
    return f"{check_vin(vin)}/{check_ecu_id(ecu_id)}"


def check_hardware_id(hardware_id: object) -> str:
    """A hardware id: letters, digits, '.', '_' and '-', starting with a letter or digit."""
    if not isinstance(hardware_id, str) or not _HARDWARE_ID.match(hardware_id):
        raise OtaInputError(
            f"hardware id {hardware_id!r} is not valid: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (at most 64 characters)"
        )
    return hardware_id


def parse_version(text: object) -> Version:
    """A version of one to four dot-separated numbers (``1``, ``1.2``, ``1.2.3``, ``1.2.3.4``)."""
    if not isinstance(text, str) or not _VERSION.match(text):
        raise OtaInputError(
            f"version {text!r} is not valid: use one to four dot-separated numbers without "
            "leading zeros, e.g. 1.4.2"
        )
    parts = [int(part) for part in text.split(".")]
    parts.extend([0] * (4 - len(parts)))
    return (parts[0], parts[1], parts[2], parts[3])
