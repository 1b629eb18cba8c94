"""Fuzzing (hypothesis): random and malformed UDS/OBD requests, CAN frames and DoIP streams never
crash an ECU, the feeder or the gateway, and every one of them keeps serving afterwards.

Each test prints how many inputs it tried (to the terminal, whatever ``-s`` says) and records
it in the test report as the ``fuzz_inputs`` property.
"""

from __future__ import annotations

import socket
import struct
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import can
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.service.conftest import FakeClock, fixed_seed

from sdvkit.runtime import AppRunner, SimClock
from sdvkit.service import dbc, doip
from sdvkit.service.can_bus import BusConfig
from sdvkit.service.diag_client import open_client, read_dids
from sdvkit.service.ecu import VirtualEcu
from sdvkit.service.ecus import DEFAULT_VIN, ECU_SPECS, VIN, ecu_spec
from sdvkit.service.feeder import CanFeeder
from sdvkit.service.gateway import DoipGateway, GatewaySettings
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork
from sdvkit.service.obd import OBD_MODES
from sdvkit.service.security import compute_key
from sdvkit.service.transport import DoipLink
from sdvkit.service.uds import Sid
from sdvkit.signals import Broker
from sdvkit.signals.builtin import builtin_catalogue
from sdvkit.vehicle.plant import OVERHEATED_PACK_C

RecordProperty = Callable[[str, object], None]
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KNOWN_SERVICES = [int(sid) for sid in Sid] + sorted(OBD_MODES)
VIN_REQUEST = bytes.fromhex("22 F1 90")
VIN_RESPONSE = bytes.fromhex("62 F1 90") + DEFAULT_VIN.encode()

request_bytes = st.one_of(
    st.binary(max_size=48),
    st.tuples(st.sampled_from(KNOWN_SERVICES), st.binary(max_size=24)).map(
        lambda pair: bytes((pair[0],)) + pair[1]
    ),
    st.tuples(st.sampled_from(KNOWN_SERVICES), st.integers(0, 255), st.binary(max_size=8)).map(
        lambda triple: bytes((triple[0], triple[1])) + triple[2]
    ),
)


def report(
    capsys: pytest.CaptureFixture[str], record_property: RecordProperty, what: str, count: int
) -> None:
    record_property("fuzz_inputs", count)
    with capsys.disabled():
        print(f"\n[fuzz] {what}: {count} inputs tried")


def check_answer(request: bytes, response: bytes | None) -> None:
    if response is None:
        return
    assert isinstance(response, bytes), (request, response)
    assert response, request
    if response[0] == 0x7F:
        assert len(response) == 3, (request.hex(), response.hex())
        assert response[1] == request[0], (request.hex(), response.hex())
    else:
        assert response[0] == (request[0] + 0x40) & 0xFF, (request.hex(), response.hex())


@pytest.mark.parametrize("name", ["Powertrain", "BatteryManagement"])
def test_random_requests_never_crash_an_ecu(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], record_property: RecordProperty
) -> None:
    tried = 0
    memory = tmp_path / uuid.uuid4().hex

    @settings(FUZZ, max_examples=300)
    @given(
        requests=st.lists(request_bytes, min_size=1, max_size=16),
        functional=st.booleans(),
        wait_s=st.sampled_from([0.0, 0.5, 6.0, 11.0]),
        speed_kmh=st.sampled_from([0.0, 80.0]),
        session=st.sampled_from(["default", "extended", "programming"]),
    )
    def run(requests: list[bytes], functional: bool, wait_s: float, speed_kmh: float, session: str) -> None:
        nonlocal tried
        clock = FakeClock()
        ecu = VirtualEcu(ecu_spec(name), clock=clock, random_seed=fixed_seed, data_dir=memory)
        ecu.bus_view.update("PLANT_Battery", {"PackTemperature": OVERHEATED_PACK_C})  # a DTC to fuzz 0x19 on
        if session != "default":  # start deeper: unlocked, so writes, routines and downloads get fuzzed too
            ecu.handle(bytes.fromhex("10 03"))
            if session == "programming":
                ecu.handle(bytes.fromhex("10 02"))
            seed = ecu.handle(bytes.fromhex("27 01"))
            assert seed is not None
            ecu.handle(
                bytes.fromhex("27 02") + compute_key(seed[2:], secret=ecu.spec.security.secret, level=1)
            )
            assert ecu.server.security.unlocked
        ecu.bus_view.update("PLANT_Motion", {"VehicleSpeed": speed_kmh})
        for request in requests:
            tried += 1
            check_answer(request, ecu.handle(request, functional=functional))
            clock.advance(wait_s)
            ecu.run_cycle()
        answer = ecu.handle(VIN_REQUEST)  # it still serves, whatever state the requests left
        assert answer is not None
        assert answer[:3] == VIN_REQUEST[:1].replace(b"\x22", b"\x62") + VIN_REQUEST[1:]
        assert len(answer) == len(VIN_RESPONSE)

    run()
    report(capsys, record_property, f"UDS/OBD requests to {name}", tried)


def test_random_frames_never_crash_the_feeder(
    bus: BusConfig, capsys: pytest.CaptureFixture[str], record_property: RecordProperty
) -> None:
    clock = SimClock(tick_s=0.01)
    broker = Broker(builtin_catalogue(), now_ns=clock.now_ns)
    runner = AppRunner(broker, clock)
    feeder = runner.add(CanFeeder(bus))
    ids = [message.frame_id for message in dbc.load_database().messages]
    frame = st.tuples(
        st.one_of(st.sampled_from(ids), st.integers(0, 0x7FF)),
        st.one_of(
            st.binary(max_size=8),
            st.integers(0, 8).flatmap(lambda size: st.binary(min_size=size, max_size=size)),
        ),
    )
    tried = 0

    @settings(FUZZ, max_examples=400)
    @given(frames=st.lists(frame, min_size=1, max_size=20))
    def run(frames: list[tuple[int, bytes]]) -> None:
        nonlocal tried
        tried += len(frames)
        feeder.receive(frames)
        clock.advance()

    with runner:
        run()
        good_id, good = dbc.encode(dbc.BMS_STATUS, {"OverTemperature": 1, "InsulationResistance": 5e6})
        feeder.receive([(good_id, good)])
        flag = broker.connect("check").get("Vehicle.Diagnostics.Fault.IsBatteryOverTemperature")
        assert flag is not None
        assert flag.value is True
    assert feeder.rejected_frames > 0
    report(capsys, record_property, "CAN frames into the feeder", tried)


def _wait_for_quiet_bus(listener: can.BusABC, *, quiet_s: float = 0.3, limit_s: float = 10.0) -> None:
    """Let the ECUs finish answering fuzzed requests (``listener`` is filtered to their responses)
    and time out half-sent ISO-TP transfers, so the tester's first request is not answered by a
    late reply to a random frame."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if listener.recv(timeout=quiet_s) is None:
            return
    raise AssertionError(f"the bus did not go quiet within {limit_s} s after fuzzing")


def test_random_can_frames_never_stop_the_ecus(
    bus: BusConfig, network: EcuNetwork, capsys: pytest.CaptureFixture[str], record_property: RecordProperty
) -> None:
    diagnostic_ids = [spec.request_id for spec in ECU_SPECS] + [0x7DF]
    dbc_ids = [message.frame_id for message in dbc.load_database().messages]
    frame = st.tuples(
        st.one_of(st.sampled_from(diagnostic_ids), st.sampled_from(dbc_ids), st.integers(0, 0x7FF)),
        st.binary(max_size=8),
    )
    sender = can.Bus(interface="virtual", channel=bus.channel)
    tried = 0

    @settings(FUZZ, max_examples=150)
    @given(frames=st.lists(frame, min_size=1, max_size=10))
    def run(frames: list[tuple[int, bytes]]) -> None:
        nonlocal tried
        for arbitration_id, data in frames:
            tried += 1
            sender.send(can.Message(arbitration_id=arbitration_id, data=data, is_extended_id=False))

    try:
        run()
        sender.set_filters(
            [{"can_id": spec.response_id, "can_mask": 0x7FF, "extended": False} for spec in ECU_SPECS]
        )
        _wait_for_quiet_bus(sender)
    finally:
        sender.shutdown()
    with IsoTpLink(bus) as link:
        for spec in ECU_SPECS:
            with open_client(link, spec) as client:
                assert read_dids(client, spec, [VIN])[VIN] == DEFAULT_VIN
    assert network.faults == []
    assert all(port.faults == [] for port in network.ports.values())
    report(capsys, record_property, "CAN frames on the ECUs' bus", tried)


def test_random_doip_streams_never_stop_the_gateway(
    bus: BusConfig, network: EcuNetwork, capsys: pytest.CaptureFixture[str], record_property: RecordProperty
) -> None:
    header = st.tuples(
        st.sampled_from([0x02, 0x03, 0xFF, 0x00]),
        st.booleans(),
        st.one_of(st.sampled_from([int(kind) for kind in doip.PayloadType]), st.integers(0, 0xFFFF)),
        st.integers(0, 64),
    )
    message = st.tuples(header, st.binary(max_size=64)).map(
        lambda item: (
            struct.pack(
                ">BBHI", item[0][0], item[0][0] ^ 0xFF if item[0][1] else 0x00, item[0][2], item[0][3]
            )
            + item[1]
        )
    )
    stream = st.lists(st.one_of(message, st.binary(max_size=32)), min_size=1, max_size=6).map(b"".join)
    tried = 0
    with DoipGateway(bus=bus, settings=GatewaySettings(port=0, initial_inactivity_s=0.2)) as gateway:

        @settings(FUZZ, max_examples=120)
        @given(data=stream)
        def run(data: bytes) -> None:
            nonlocal tried
            tried += 1
            with socket.create_connection(("127.0.0.1", gateway.port), timeout=2.0) as sock:
                sock.sendall(data)
                sock.settimeout(0.05)
                try:
                    while sock.recv(4096):
                        pass
                except (TimeoutError, ConnectionResetError):
                    pass

        run()
        with DoipLink(port=gateway.port, tester_address=0x0E42) as link:
            spec = ecu_spec("Gateway")
            with open_client(link, spec) as client:
                assert read_dids(client, spec, [VIN])[VIN] == DEFAULT_VIN
        assert gateway.faults == []
    report(capsys, record_property, "DoIP byte streams into the gateway", tried)
