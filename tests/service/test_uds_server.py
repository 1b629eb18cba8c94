"""The UDS server of one ECU, byte for byte, without a transport: sessions, security, DIDs, NRCs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.service.conftest import FakeClock, fixed_seed

from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.security import compute_key

MakeEcu = Callable[..., VirtualEcu]


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def unlock(ecu: VirtualEcu) -> None:
    """Extended session and security access, the way a tester does it."""
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    seed_response = ecu.handle(hx("27 01"))
    assert seed_response[:2] == hx("67 01")
    key = compute_key(seed_response[2:], secret=ecu.spec.security.secret, level=1)
    assert ecu.handle(hx("27 02") + key) == hx("67 02")


def moving(ecu: VirtualEcu, speed_kmh: float = 50.0) -> None:
    ecu.bus_view.update("PLANT_Motion", {"VehicleSpeed": speed_kmh})


def test_session_control_answers_the_timing(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Powertrain")
    assert ecu.handle(hx("10 03")) == hx("50 03 00 32 01 F4")  # P2 50 ms, P2* 500 x 10 ms
    assert ecu.handle(hx("22 F1 86")) == hx("62 F1 86 03")
    assert ecu.handle(hx("10 01")) == hx("50 01 00 32 01 F4")


@pytest.mark.parametrize(
    ("request_hex", "response_hex"),
    [
        ("55", "7F 55 11"),  # service not supported
        ("10 05", "7F 10 12"),  # sub-function not supported
        ("10 02", "7F 10 7E"),  # programming only from the extended session
        ("2E F1 21 50", "7F 2E 7F"),  # write: not in the default session
        ("27 01", "7F 27 7F"),  # security access: not in the default session
        ("34 00 44 00 08 00 00 00 00 10 00", "7F 34 7F"),  # download: programming session only
        ("10", "7F 10 13"),  # sub-function byte missing
        ("10 03 00", "7F 10 13"),
        ("22 F1", "7F 22 13"),
        ("22", "7F 22 13"),
        ("3E 00 00", "7F 3E 13"),
        ("14 FF FF", "7F 14 13"),
        ("22 12 34", "7F 22 31"),  # no such DID
        ("14 12 34 56", "7F 14 31"),  # no such group of DTC
        ("19 04 0A 7E 00 07", "7F 19 31"),  # no such snapshot record
        ("19 04 12 34 56 01", "7F 19 31"),  # no such DTC
        ("19 03", "7F 19 12"),  # report type not supported
    ],
)
def test_negative_responses_in_the_default_session(
    make_ecu: MakeEcu, request_hex: str, response_hex: str
) -> None:
    ecu = make_ecu("Powertrain")
    assert ecu.handle(hx(request_hex)) == hx(response_hex)


def test_conditions_not_correct_while_the_vehicle_moves(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    moving(ecu)
    assert ecu.handle(hx("10 02")) == hx("7F 10 22")
    assert ecu.handle(hx("11 01")) == hx("7F 11 22")
    moving(ecu, 0.0)
    assert ecu.handle(hx("11 01")) == hx("51 01")


def test_read_skips_unknown_identifiers_when_one_is_known(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Body")
    response = ecu.handle(hx("22 12 34 F1 90"))
    assert response == hx("62 F1 90") + b"SDVK1EV00RA000001"
    too_many = "22" + " F1 90" * 9
    assert ecu.handle(hx(too_many)) == hx("7F 22 13")


def test_write_needs_security_then_checks_length_and_range(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")  # 0x0121 ChargeLimit: 1 byte, 50..100 %
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("2E 01 21 50")) == hx("7F 2E 33")
    unlock(ecu)
    assert ecu.handle(hx("2E 01 21 00 50")) == hx("7F 2E 13")  # two bytes for a one-byte DID
    assert ecu.handle(hx("2E 01 21 78")) == hx("7F 2E 31")  # 120 % > 100 %
    assert ecu.server.last_rejection is not None
    assert "above the maximum 100" in ecu.server.last_rejection.detail
    assert ecu.handle(hx("2E 01 21 31")) == hx("7F 2E 31")  # 49 % < 50 %
    assert ecu.handle(hx("2E F1 89") + b"9.9.9".ljust(16)) == hx("7F 2E 31")  # read-only
    assert ecu.handle(hx("2E F1 90") + b"SDVK1EV00RA00000I") == hx("7F 2E 31")  # no I in a VIN
    assert ecu.handle(hx("22 01 21 F1 90")) == hx("62 01 21 5A F1 90") + b"SDVK1EV00RA000001"  # unchanged
    assert ecu.memory.dids == {}
    assert ecu.handle(hx("2E 01 21 50")) == hx("6E 01 21")
    assert ecu.handle(hx("22 01 21")) == hx("62 01 21 50")


def test_security_access_sequence_attempts_and_lockout(make_ecu: MakeEcu, clock: FakeClock) -> None:
    ecu = make_ecu("Powertrain")
    secret = ecu.spec.security.secret
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("27 02 00 00 00 00")) == hx("7F 27 24")  # a key without a seed
    seed = ecu.handle(hx("27 01"))[2:]
    assert seed == fixed_seed(4)
    assert ecu.handle(hx("27 02 00 00")) == hx("7F 27 13")  # a key is four bytes
    for attempt in (1, 2):
        ecu.handle(hx("27 01"))
        assert ecu.handle(hx("27 02 DE AD BE EF")) == hx("7F 27 35"), attempt
    ecu.handle(hx("27 01"))
    assert ecu.handle(hx("27 02 DE AD BE EF")) == hx("7F 27 36")  # the third wrong key locks out
    assert ecu.handle(hx("27 01")) == hx("7F 27 37")  # the delay runs
    clock.advance(4.0)
    assert ecu.handle(hx("3E 00")) == hx("7E 00")
    assert ecu.handle(hx("27 01")) == hx("7F 27 37")
    for _ in range(2):  # tester present, so that the session outlives the delay
        clock.advance(3.25)
        assert ecu.handle(hx("3E 00")) == hx("7E 00")
    seed = ecu.handle(hx("27 01"))[2:]
    assert ecu.handle(hx("27 02") + compute_key(seed, secret=secret, level=1)) == hx("67 02")
    assert ecu.handle(hx("27 01")) == hx("67 01 00 00 00 00")  # unlocked: the zero seed


def test_a_session_change_locks_security_again(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Body")
    unlock(ecu)
    assert ecu.handle(hx("10 01"))[:2] == hx("50 01")
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("2E 01 22 05")) == hx("7F 2E 33")


def test_s3_timeout_returns_to_the_default_session(make_ecu: MakeEcu, clock: FakeClock) -> None:
    ecu = make_ecu("ADAS")
    unlock(ecu)
    clock.advance(4.0)
    assert ecu.handle(hx("3E 00")) == hx("7E 00")  # tester present keeps the session
    clock.advance(4.0)
    assert ecu.handle(hx("22 F1 86")) == hx("62 F1 86 03")
    clock.advance(5.5)
    assert ecu.handle(hx("22 F1 86")) == hx("62 F1 86 01")
    assert ecu.handle(hx("2E 01 23 5A")) == hx("7F 2E 7F")


def test_suppress_positive_response_bit(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Gateway")
    assert ecu.handle(hx("3E 80")) is None
    assert ecu.handle(hx("10 83")) is None
    assert ecu.handle(hx("22 F1 86")) == hx("62 F1 86 03")
    assert ecu.handle(hx("10 81")) is None
    assert ecu.handle(hx("10 82")) == hx("7F 10 7E")  # a negative response is never suppressed


def test_functional_requests_keep_quiet_about_what_the_ecu_lacks(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Infotainment")
    assert ecu.handle(hx("55"), functional=True) is None
    assert ecu.handle(hx("22 12 34"), functional=True) is None
    assert ecu.handle(hx("2E F1 90 00"), functional=True) is None
    assert ecu.handle(hx("10 03 00"), functional=True) == hx("7F 10 13")
    assert ecu.handle(hx("3E 00"), functional=True) == hx("7E 00")


def test_ecu_reset_returns_to_default_and_starts_an_operation_cycle(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("Powertrain")
    unlock(ecu)
    assert ecu.handle(hx("11 03")) == hx("51 03")
    assert ecu.server.session == 1
    assert not ecu.server.security.unlocked
    assert ecu.server.reset_count == 1


def test_communication_control_silences_the_status_frames(make_ecu: MakeEcu) -> None:
    ecu = make_ecu("BatteryManagement")
    ecu.run_cycle()
    assert ecu.frames(identity=False)
    assert ecu.handle(hx("10 03"))[:2] == hx("50 03")
    assert ecu.handle(hx("28 00 00")) == hx("7F 28 31")
    assert ecu.handle(hx("28 01 01")) == hx("68 01")
    assert ecu.frames(identity=True) == []
    assert ecu.handle(hx("28 00 01")) == hx("68 00")
    assert ecu.frames(identity=False)


def test_empty_request_gets_no_answer(make_ecu: MakeEcu) -> None:
    assert make_ecu("Gateway").handle(b"") is None
