"""The network on another python-can interface: udp_multicast, the one that crosses processes."""

from __future__ import annotations

import random

import pytest

from sdvkit.service import diag_client
from sdvkit.service.can_bus import BusConfig
from sdvkit.service.ecus import DEFAULT_VIN, VIN, ecu_spec
from sdvkit.service.errors import BusError
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork


def test_the_ecus_answer_over_udp_multicast() -> None:
    bus = BusConfig(
        interface="udp_multicast", channel="239.74.163.2", options=(("port", random.randint(43200, 43999)),)
    )
    try:
        network = EcuNetwork(bus=bus)
        network.start()
    except BusError as error:
        pytest.skip(f"no IPv4 multicast here: {error}")
    spec = ecu_spec("ADAS")
    try:
        with IsoTpLink(bus) as link, diag_client.open_client(link, spec) as client:
            assert diag_client.read_dids(client, spec, [VIN]) == {VIN: DEFAULT_VIN}
    finally:
        network.stop()
