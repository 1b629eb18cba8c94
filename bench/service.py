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
- **OTA**: one secure over-the-air update of a 10 MiB image end to end (publish, assign, check,
  download, verify, install, boot, health check, signed report), beside a raw copy of the same
  bytes in the same run: ``ota_figures()`` of ``bench/ota.py``, which tells the phases apart.

Run ``python bench/service.py`` (``--quick`` for a short run, ``--json`` for one JSON object as the
last line, ``--image-kib N`` for the flashed image size, ``--repeat N`` for the best of N scans
and OTA runs, ``--ota-mib N`` for the OTA image size).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
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
from sdvkit.vehicle.plant import OVERHEATED_PACK_C

KIB = 1024.0
OTA_BENCH = Path(__file__).resolve().parent / "ota.py"
OTA_IMAGE_MIB = 10


def _ota_bench() -> ModuleType:
    """``bench/ota.py``, loaded by path: the bench scripts are files beside each other, not a package."""
    spec = importlib.util.spec_from_file_location("sdvkit_bench_ota", OTA_BENCH)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the OTA benchmark {OTA_BENCH}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ota_figures(image_mib: int = OTA_IMAGE_MIB, *, repeat: int = 1) -> dict[str, float]:
    """End-to-end time of a secure OTA update of an ``image_mib`` MiB image and the raw copy of the
    same bytes, best of ``repeat`` (``bench/ota.py``): {key with unit: value}."""
    figures: dict[str, float] = _ota_bench().ota_figures(image_mib, repeat=repeat)
    return {key: round(value, 6) for key, value in figures.items()}


def inject_faults(network: EcuNetwork) -> int:
    """Raise DTCs on three ECUs; returns how many DTCs are stored once they are."""
    view = network.bus_view
    view.update("PLANT_Battery", {"PackTemperature": OVERHEATED_PACK_C, "StateOfCharge": 71.0})
    view.update(
        "SIM_FaultInjection", {"InsulationFault": 1.0, "FrontRadarBlocked": 1.0, "StuckWindowMotor": 2.0}
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


def measure(*, image_kib: int, repeat: int, ota_mib: int, ota_repeat: int) -> dict[str, Any]:
    bus = BusConfig(channel=f"bench-{uuid.uuid4().hex[:8]}")
    figures: dict[str, Any] = {
        "bus": bus.describe(),
        "bus_bitrate_bit_per_s": bus.bitrate,
        "flash_image_kib": image_kib,
        "ota_image_mib": ota_mib,
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
    figures.update(ota_figures(ota_mib, repeat=ota_repeat))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (small image, few scans)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--image-kib", type=int, help="flashed image size in KiB (default 256, quick 16)")
    parser.add_argument(
        "--repeat",
        type=int,
        help="scans per transport and OTA runs, best kept (default 10 and 3, quick 3 and 1)",
    )
    parser.add_argument(
        "--ota-mib", type=int, default=OTA_IMAGE_MIB, help=f"OTA image size in MiB (default {OTA_IMAGE_MIB})"
    )
    args = parser.parse_args()
    for option, value in (
        ("--image-kib", args.image_kib),
        ("--repeat", args.repeat),
        ("--ota-mib", args.ota_mib),
    ):
        if value is not None and value < 1:
            parser.error(f"{option} {value}: must be at least 1")
    image_kib = args.image_kib or (16 if args.quick else 256)
    repeat = args.repeat or (3 if args.quick else 10)
    ota_repeat = args.repeat or (1 if args.quick else 3)
    ota_mib = args.ota_mib
    figures = measure(image_kib=image_kib, repeat=repeat, ota_mib=ota_mib, ota_repeat=ota_repeat)
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
    end_to_end_s = figures[f"ota_end_to_end_{ota_mib}mib_s"]
    raw_copy_s = figures[f"raw_copy_{ota_mib}mib_s"]
    print(f"OTA: secure update of one ECU, {ota_mib} MiB image, end to end (best of {ota_repeat}):")
    print(f"  publish, assign, check, download, install, boot, report {end_to_end_s * 1000:9.1f} ms")
    print(f"  reference: raw copy of the same bytes                  {raw_copy_s * 1000:9.1f} ms")
    print(f"  end to end / raw copy                                  {end_to_end_s / raw_copy_s:9.1f} x")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
