"""The DoIP gateway (ISO 13400-2) on raw sockets: routing activation, routing, NACKs, UDP."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest
from doipclient import client as doip_client_module

from sdvkit.service import diag_client, doip
from sdvkit.service.ecus import DEFAULT_VIN, VIN, ecu_spec
from sdvkit.service.errors import DiagnosticError
from sdvkit.service.gateway import DoipGateway
from sdvkit.service.transport import DoipLink

TIMEOUT_S = 3.0
TESTER = 0x0E00
POWERTRAIN = 0x07E0


class DoipTester:
    """A DoIP tester on a raw TCP socket."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        self.buffer = b""

    def send(self, payload_type: int, payload: bytes, *, version: int = 0x02) -> None:
        self.sock.sendall(doip.pack(version, payload_type, payload))

    def receive(self) -> tuple[int, bytes]:
        while True:
            if len(self.buffer) >= doip.HEADER_SIZE:
                header = doip.parse_header(self.buffer)
                end = doip.HEADER_SIZE + header.length
                if len(self.buffer) >= end:
                    payload = self.buffer[doip.HEADER_SIZE : end]
                    self.buffer = self.buffer[end:]
                    return header.payload_type, payload
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the gateway closed the connection")
            self.buffer += chunk

    def closed_by_gateway(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def activate(self, source: int = TESTER, activation_type: int = 0x00) -> int:
        self.send(
            doip.PayloadType.ROUTING_ACTIVATION_REQUEST, struct.pack(">HBI", source, activation_type, 0)
        )
        kind, payload = self.receive()
        assert kind == doip.PayloadType.ROUTING_ACTIVATION_RESPONSE
        tester, entity, code = struct.unpack_from(">HHB", payload)
        assert (tester, entity) == (source, 0x07E5)
        return code

    def diagnose(self, target: int, request: bytes, source: int = TESTER) -> None:
        self.send(doip.PayloadType.DIAGNOSTIC_MESSAGE, struct.pack(">HH", source, target) + request)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def tester(gateway: DoipGateway) -> Iterator[DoipTester]:
    connection = DoipTester(gateway.port)
    yield connection
    connection.close()


def test_routing_activation_then_a_request_to_the_powertrain(tester: DoipTester) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS
    tester.diagnose(POWERTRAIN, bytes.fromhex("22 F1 90"))
    assert tester.receive() == (
        doip.PayloadType.DIAGNOSTIC_ACK,
        struct.pack(">HHB", POWERTRAIN, TESTER, 0) + bytes.fromhex("22 F1 90"),
    )
    kind, payload = tester.receive()
    assert kind == doip.PayloadType.DIAGNOSTIC_MESSAGE
    assert (
        payload == struct.pack(">HH", POWERTRAIN, TESTER) + bytes.fromhex("62 F1 90") + DEFAULT_VIN.encode()
    )


@pytest.mark.parametrize(
    ("source", "activation_type", "code"),
    [
        (0x1234, 0x00, doip.RoutingActivation.DENIED_UNKNOWN_SOURCE_ADDRESS),
        (0x0F80, 0x00, doip.RoutingActivation.DENIED_UNKNOWN_SOURCE_ADDRESS),
        (TESTER, 0xE1, doip.RoutingActivation.DENIED_UNSUPPORTED_ACTIVATION_TYPE),
    ],
)
def test_refused_routing_activation_closes_the_socket(
    tester: DoipTester, source: int, activation_type: int, code: int
) -> None:
    assert tester.activate(source, activation_type) == code
    assert tester.closed_by_gateway()


def test_one_source_address_one_socket(gateway: DoipGateway, tester: DoipTester) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS
    second = DoipTester(gateway.port)
    try:
        assert second.activate() == doip.RoutingActivation.DENIED_SOURCE_ADDRESS_ALREADY_ACTIVE
    finally:
        second.close()
    tester.close()
    third = DoipTester(gateway.port)
    try:
        assert third.activate() == doip.RoutingActivation.SUCCESS  # the first socket is gone
        assert third.activate(0x0E01) == doip.RoutingActivation.DENIED_SOURCE_ADDRESS_MISMATCH
    finally:
        third.close()


def test_diagnostics_before_routing_activation_are_refused(tester: DoipTester) -> None:
    tester.diagnose(POWERTRAIN, bytes.fromhex("3E 00"))
    kind, payload = tester.receive()
    assert kind == doip.PayloadType.DIAGNOSTIC_NACK
    assert payload[4] == doip.DiagnosticNack.INVALID_SOURCE_ADDRESS
    assert tester.closed_by_gateway()


def test_an_unknown_target_is_refused_and_the_socket_serves_on(tester: DoipTester) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS
    tester.diagnose(0x0123, bytes.fromhex("3E 00"))
    kind, payload = tester.receive()
    assert kind == doip.PayloadType.DIAGNOSTIC_NACK
    assert payload[:5] == struct.pack(">HHB", 0x0123, TESTER, doip.DiagnosticNack.UNKNOWN_TARGET_ADDRESS)
    tester.diagnose(POWERTRAIN, bytes.fromhex("3E 00"))
    assert tester.receive()[0] == doip.PayloadType.DIAGNOSTIC_ACK
    assert tester.receive() == (
        doip.PayloadType.DIAGNOSTIC_MESSAGE,
        struct.pack(">HH", POWERTRAIN, TESTER) + b"\x7e\x00",
    )


def test_bad_headers_get_a_generic_nack(gateway: DoipGateway, tester: DoipTester) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS
    tester.send(0x1234, b"\x01\x02\x03")  # unknown payload type: NACK, its payload skipped
    assert tester.receive() == (
        doip.PayloadType.GENERIC_NACK,
        bytes((doip.GenericNack.UNKNOWN_PAYLOAD_TYPE,)),
    )
    tester.sock.sendall(
        struct.pack(">BBHI", 2, 0xFD, doip.PayloadType.DIAGNOSTIC_MESSAGE, 70000) + bytes(70000)
    )
    assert tester.receive() == (doip.PayloadType.GENERIC_NACK, bytes((doip.GenericNack.MESSAGE_TOO_LARGE,)))
    tester.send(doip.PayloadType.ALIVE_CHECK_REQUEST, b"")  # still served
    assert tester.receive() == (doip.PayloadType.ALIVE_CHECK_RESPONSE, b"\x07\xe5")
    tester.sock.sendall(
        struct.pack(">BBHI", 2, 0x00, doip.PayloadType.ALIVE_CHECK_REQUEST, 0)
    )  # wrong inverse
    assert tester.receive() == (doip.PayloadType.GENERIC_NACK, bytes((doip.GenericNack.INCORRECT_PATTERN,)))
    assert tester.closed_by_gateway()
    assert gateway.generic_nacks == 3
    other = DoipTester(gateway.port)
    try:
        other.send(doip.PayloadType.ROUTING_ACTIVATION_REQUEST, b"\x0e\x00\x00")  # 3 bytes: invalid length
        assert other.receive() == (
            doip.PayloadType.GENERIC_NACK,
            bytes((doip.GenericNack.INVALID_PAYLOAD_LENGTH,)),
        )
        assert other.closed_by_gateway()
    finally:
        other.close()


def test_functional_requests_reach_the_obd_responder(tester: DoipTester) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS
    tester.diagnose(doip.FUNCTIONAL_ADDRESS, bytes.fromhex("01 0D"))
    assert tester.receive()[0] == doip.PayloadType.DIAGNOSTIC_ACK
    assert tester.receive() == (
        doip.PayloadType.DIAGNOSTIC_MESSAGE,
        struct.pack(">HH", POWERTRAIN, TESTER) + b"\x41\x0d\x00",
    )


def udp_exchange(
    port: int, payload_type: int, payload: bytes, *, version: int = 0x02
) -> tuple[int, bytes] | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(0.5)
        udp.sendto(doip.pack(version, payload_type, payload), ("127.0.0.1", port))
        try:
            data = udp.recv(4096)
        except TimeoutError:
            return None
    header = doip.parse_header(data)
    return header.payload_type, data[doip.HEADER_SIZE :]


def test_vehicle_identification_and_entity_status_on_udp(gateway: DoipGateway) -> None:
    answer = udp_exchange(gateway.port, doip.PayloadType.VEHICLE_IDENTIFICATION_REQUEST, b"", version=0xFF)
    assert answer is not None
    kind, payload = answer
    assert kind == doip.PayloadType.VEHICLE_ANNOUNCEMENT
    assert payload[:17] == DEFAULT_VIN.encode()
    assert payload[17:19] == b"\x07\xe5"
    by_vin = udp_exchange(
        gateway.port, doip.PayloadType.VEHICLE_IDENTIFICATION_REQUEST_VIN, DEFAULT_VIN.encode()
    )
    assert by_vin is not None
    assert by_vin[0] == doip.PayloadType.VEHICLE_ANNOUNCEMENT
    assert udp_exchange(gateway.port, doip.PayloadType.VEHICLE_IDENTIFICATION_REQUEST_VIN, b"X" * 17) is None
    status = udp_exchange(gateway.port, doip.PayloadType.ENTITY_STATUS_REQUEST, b"")
    assert status is not None
    assert status[0] == doip.PayloadType.ENTITY_STATUS_RESPONSE
    assert status[1][:2] == b"\x00\x04"  # a gateway, four sockets


def test_doipclient_reads_the_vehicle_identification(gateway: DoipGateway) -> None:
    client = doip_client_module.DoIPClient(
        "127.0.0.1", POWERTRAIN, tcp_port=gateway.port, udp_port=gateway.port, client_logical_address=0x0E07
    )
    try:
        announcement = client.request_vehicle_identification()
        alive = client.request_alive_check()
    finally:
        client.close()
    assert announcement.vin == DEFAULT_VIN
    assert announcement.logical_address == 0x07E5
    assert alive.source_address == 0x07E5


def test_a_refused_routing_activation_is_named_to_the_udsoncan_tester(
    gateway: DoipGateway, tester: DoipTester
) -> None:
    assert tester.activate() == doip.RoutingActivation.SUCCESS  # another tester holds 0x0E00
    body = ecu_spec("Body")
    with (
        pytest.raises(
            DiagnosticError, match=r"refused routing activation for tester address 0x0E00 \(Body\)"
        ) as refused,
        DoipLink(port=gateway.port) as link,
        diag_client.open_client(link, body),
    ):
        pass
    assert "0x03 DENIED_SOURCE_ADDRESS_ALREADY_ACTIVE" in str(refused.value)
    with (
        DoipLink(port=gateway.port, tester_address=0x0E01) as link,
        diag_client.open_client(link, body) as client,
    ):
        assert diag_client.read_dids(client, body, [VIN]) == {VIN: DEFAULT_VIN}
