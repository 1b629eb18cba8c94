"""OTA benchmark: the end-to-end time of a secure update, beside a raw copy of the same bytes.

One update of one ECU with an image of ``image_mib`` MiB of random bytes, as a vehicle gets it:
publish (the image repository hashes, stores and signs it) → assign (the director signs the
vehicle's instructions) → apply, which is check (two python-tuf refreshes and the director /
image repository cross-check) → download with verification → install into the inactive slot
(the ECU verifies again, writes, fsyncs) → boot → health check (the slot is hashed again) →
commit → signed version manifest to the director.

Reference, from the same run: ``shutil.copyfile`` of the same image file (page cache, no fsync),
so the figure to read is how many raw copies one secure update costs.

Run ``python bench/ota.py`` (``--json`` for one JSON object as the last line; ``--image-mib N``;
``--repeat N`` for the best of N runs; ``--http`` to serve both repositories over HTTP on
127.0.0.1 instead of reading them from the directory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sdvkit.service.ota import (
    DEFAULT_HARDWARE_IDS,
    OtaWorkspace,
    RepositoryServer,
    RepositoryUrls,
    UpdateResult,
)

VIN = "WVWZZZ1JZ3W386752"
ECU = "Powertrain"
MIB = 1024 * 1024


def _one_run(root: Path, image_mib: int, *, http: bool) -> dict[str, float]:
    workspace = OtaWorkspace(root / "data")
    workspace.provision(VIN, hardware_ids={ECU: DEFAULT_HARDWARE_IDS[ECU]})
    image = root / "powertrain.bin"
    image.write_bytes(os.urandom(image_mib * MIB))

    start = time.perf_counter()
    shutil.copyfile(image, root / "copy.bin")
    raw_copy_s = time.perf_counter() - start

    with workspace.director() as director, ExitStack() as stack:
        options = {}
        if http:
            repository = director.image_repository
            server = stack.enter_context(
                RepositoryServer(
                    {
                        "director": director.directory / "vehicles",
                        "image/metadata": repository.metadata_dir,
                        "image/targets": repository.targets_dir,
                    }
                )
            )
            options["urls"] = RepositoryUrls(
                director_metadata=server.url(f"director/{VIN}/metadata"),
                image_metadata=server.url("image/metadata"),
                image_targets=server.url("image/targets"),
            )
        start = time.perf_counter()
        director.image_repository.publish(image, hardware_id=DEFAULT_HARDWARE_IDS[ECU], version="1.1.0")
        published = time.perf_counter()
        director.assign(VIN, ECU, "1.1.0")
        assigned = time.perf_counter()
        outcome = workspace.vehicle(VIN, director, **options).apply()
        applied = time.perf_counter()
        if outcome.result is not UpdateResult.SUCCESS:
            raise RuntimeError(f"the update did not succeed: {outcome.result} {outcome.error}")
        check_start = time.perf_counter()
        workspace.vehicle(VIN, director, **options).check()  # an up-to-date check, for its own figure
        check_s = time.perf_counter() - check_start
    end_to_end_s = applied - start
    return {
        f"ota_end_to_end_{image_mib}mib_s": end_to_end_s,
        f"raw_copy_{image_mib}mib_s": raw_copy_s,
        f"ota_publish_{image_mib}mib_s": published - start,
        "ota_assign_s": assigned - published,
        f"ota_apply_{image_mib}mib_s": applied - assigned,
        "ota_check_up_to_date_s": check_s,
        "ota_end_to_end_over_raw_copy_x": end_to_end_s / raw_copy_s,
    }


def ota_figures(image_mib: int = 10, *, repeat: int = 1, http: bool = False) -> dict[str, float]:
    """Timings of one secure update of an ``image_mib`` MiB image and of a raw copy (best of ``repeat``)."""
    if image_mib < 1 or repeat < 1:
        raise ValueError(f"image_mib ({image_mib}) and repeat ({repeat}) must be at least 1")
    best: dict[str, float] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="sdvkit-ota-bench-") as directory:
            figures = _one_run(Path(directory), image_mib, http=http)
        for key, value in figures.items():
            best[key] = min(value, best.get(key, value))
    best["ota_end_to_end_over_raw_copy_x"] = (
        best[f"ota_end_to_end_{image_mib}mib_s"] / best[f"raw_copy_{image_mib}mib_s"]
    )
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--image-mib", type=int, default=10, help="image size in MiB (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--http", action="store_true", help="serve the repositories over HTTP on 127.0.0.1")
    args = parser.parse_args()
    figures = ota_figures(args.image_mib, repeat=args.repeat, http=args.http)
    size = args.image_mib
    transport = "HTTP on 127.0.0.1" if args.http else "file:// from the data directory"
    print(f"Secure OTA update of one ECU, {size} MiB image, over {transport} (best of {args.repeat}):")
    print(f"  publish (hash, store, sign)             {figures[f'ota_publish_{size}mib_s'] * 1000:9.1f} ms")
    print(f"  assign (director signs)                 {figures['ota_assign_s'] * 1000:9.1f} ms")
    print(f"  apply (check, download, install, boot)  {figures[f'ota_apply_{size}mib_s'] * 1000:9.1f} ms")
    print(
        f"  end to end                              {figures[f'ota_end_to_end_{size}mib_s'] * 1000:9.1f} ms"
    )
    print(f"  reference: raw copy of the same bytes   {figures[f'raw_copy_{size}mib_s'] * 1000:9.1f} ms")
    print(f"  end to end / raw copy                   {figures['ota_end_to_end_over_raw_copy_x']:9.1f} x")
    print(f"  an up-to-date check (two TUF refreshes) {figures['ota_check_up_to_date_s'] * 1000:9.1f} ms")
    if args.json:
        print(json.dumps({key: round(value, 6) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
