"""Diagnostics benchmark: a full DTC scan over every ECU, and flash throughput over ISO-TP.

What it measures, on a virtual CAN bus (python-can ``virtual``, in this process):

- **DTC scan**: every ECU's stored DTCs (0x19 02) with their freeze frames (0x19 04) and
  occurrence counters (0x19 06), over ISO-TP on CAN and through the DoIP gateway, with the
  connections open; some faults are injected first so that there is something to read.
  Reference from the same run: the same scan straight into the ECUs (no transport).
- **Flash throughput**: the TransferData (0x36) phase of the standard flash sequence, over ISO-TP
  and over DoIP, in KiB/s of image. Beside it, what a classic CAN bus at the configured bit
  rate could carry at best (``transfer_data_limit_bytes_per_s``): the virtual bus has no bit
  timing, so a measured figure above that limit is the virtual bus being faster than a wire.
- **OTA**: ``ota_figures()`` is the over-the-air update engineer's slot (empty for now).

Run ``python bench/service.py`` (``--quick`` for a short run, ``--json`` for one JSON object as the
last line, ``--image-kib N`` for the flashed image size, ``--repeat N`` for the best of N scans).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from sdvkit.service import diag_client
from sdvkit.service.can_bus import (
    BusConfig,
    isotp_payload_limit_bytes_per_s,
    transfer_data_limit_bytes_per_s,
)
from sdvkit.service.ecus import ECU_SPECS, ecu_spec
from sdvkit.service.firmware import build_image
from sdvkit.service.gateway import DoipGateway, GatewaySettings
from sdvkit.service.isotp_transport import IsoTpLink
from sdvkit.service.network import EcuNetwork
from sdvkit.service.transport import DoipLink, InMemoryLink, TesterLink

KIB = 1024.0


def ota_figures() -> dict[str, float]:
    """OTA figures (the over-the-air engineer fills this slot): {key with unit: value}."""
    return {}


def inject_faults(network: EcuNetwork) -> int:
    """Raise DTCs on three ECUs; returns how many DTCs are stored once they are."""
    view = network.bus_view
    view.update("PLANT_Battery", {"PackTemperature": 24.0, "StateOfCharge": 71.0})
    view.update(
        "SIM_FaultInjection",
        {
            "BatteryOverTemperature": 1.0,
            "InsulationFault": 1.0,
            "FrontRadarBlocked": 1.0,
            "StuckWindowMotor": 2.0,
        },
    )
    expected = 6  # battery management 2, powertrain 2, ADAS 1, body 1
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        stored = sum(len(ecu.dtcs.records) for ecu in network.ecus.values())
        if stored >= expected:
            return stored
        time.sleep(0.05)
    raise RuntimeError("the injected faults raised no DTCs within 10 s")


def scan_once(clients: list[tuple[Any, Any]]) -> int:
    return sum(len(diag_client.read_dtcs(client, spec)) for spec, client in clients)


def best_scan_ms(link: TesterLink, repeat: int) -> tuple[float, int]:
    """Best wall time of a full DTC scan over ``link`` (connections opened beforehand)."""
    opened = [(spec, diag_client.open_client(link, spec)) for spec in ECU_SPECS]
    clients = [(spec, context.__enter__()) for spec, context in opened]
    try:
        count = scan_once(clients)  # warm-up
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            scan_once(clients)
            best = min(best, time.perf_counter() - started)
    finally:
        for _spec, context in opened:
            context.__exit__(None, None, None)
    return best * 1000.0, count


def flash_kib_per_s(link: TesterLink, image_kib: int, version: str) -> float:
    spec = ecu_spec("Infotainment")
    payload = bytes(index & 0xFF for index in range(image_kib * 1024))
    image = build_image(hardware_id=spec.hardware_id, version=version, payload=payload)
    with diag_client.open_client(link, spec) as client:
        result = diag_client.flash(client, spec, image)
    if not (result.crc_matches and result.version_after == version):
        raise RuntimeError(f"the flash did not take: {result}")
    return result.throughput_bytes_per_s / KIB


def measure(*, image_kib: int, repeat: int) -> dict[str, Any]:
    bus = BusConfig(channel=f"bench-{uuid.uuid4().hex[:8]}")
    figures: dict[str, Any] = {
        "bus": bus.describe(),
        "bus_bitrate_bit_per_s": bus.bitrate,
        "flash_image_kib": image_kib,
    }
    with EcuNetwork(bus=bus) as network, DoipGateway(bus=bus, settings=GatewaySettings(port=0)) as gateway:
        figures["dtcs_stored"] = inject_faults(network)
        links: dict[str, Callable[[], TesterLink]] = {
            "reference_inmemory": lambda: InMemoryLink(network.ecus),
            "isotp": lambda: IsoTpLink(bus),
            "doip": lambda: DoipLink(port=gateway.port, shared=True),
        }
        for name, make in links.items():
            with make() as link:
                milliseconds, count = best_scan_ms(link, repeat)
            figures[f"dtc_scan_{name}_ms"] = round(milliseconds, 3)
            figures["dtcs_scanned"] = count
        with IsoTpLink(bus) as link:
            figures["flash_isotp_kib_per_s"] = round(flash_kib_per_s(link, image_kib, "6.0.0"), 1)
        with DoipLink(port=gateway.port) as link:
            figures["flash_doip_kib_per_s"] = round(flash_kib_per_s(link, image_kib, "6.0.1"), 1)
    figures["isotp_limit_kib_per_s"] = round(transfer_data_limit_bytes_per_s(bus.bitrate) / KIB, 2)
    figures["isotp_limit_worst_stuffing_kib_per_s"] = round(
        transfer_data_limit_bytes_per_s(bus.bitrate, worst_case_stuffing=True) / KIB, 2
    )
    figures["isotp_consecutive_frames_limit_kib_per_s"] = round(
        isotp_payload_limit_bytes_per_s(bus.bitrate) / KIB, 2
    )
    figures.update(ota_figures())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (small image, few scans)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--image-kib", type=int, help="flashed image size in KiB (default 256, quick 16)")
    parser.add_argument("--repeat", type=int, help="scans per transport, best kept (default 10, quick 3)")
    args = parser.parse_args()
    image_kib = args.image_kib or (16 if args.quick else 256)
    repeat = args.repeat or (3 if args.quick else 10)
    figures = measure(image_kib=image_kib, repeat=repeat)
    print(f"Bus: {figures['bus']} (virtual: no bit timing)")
    scanned = figures["dtcs_scanned"]
    print(f"Full DTC scan of {len(ECU_SPECS)} ECUs, {scanned} DTCs with freeze frames (best of {repeat}):")
    print(f"  ISO-TP on CAN    {figures['dtc_scan_isotp_ms']:9.2f} ms")
    print(f"  DoIP gateway     {figures['dtc_scan_doip_ms']:9.2f} ms")
    print(f"  reference, no transport {figures['dtc_scan_reference_inmemory_ms']:9.3f} ms")
    print(f"Flash, TransferData phase, {image_kib} KiB image:")
    print(f"  ISO-TP on CAN    {figures['flash_isotp_kib_per_s']:9.1f} KiB/s")
    print(f"  DoIP gateway     {figures['flash_doip_kib_per_s']:9.1f} KiB/s")
    print(
        f"  limit of classic CAN at {figures['bus_bitrate_bit_per_s'] / 1000:g} kbit/s: "
        f"{figures['isotp_limit_kib_per_s']:.1f} KiB/s "
        f"({figures['isotp_limit_worst_stuffing_kib_per_s']:.1f} with worst-case bit stuffing)"
    )
    ota = ota_figures()
    print(f"OTA: {ota if ota else '(no figures yet)'}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
