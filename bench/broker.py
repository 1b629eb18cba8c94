"""Broker benchmark: in-process throughput, gRPC end-to-end throughput, Subscribe latency.

Each figure is printed beside a reference measured in the same run:

- in process: validated updates per second delivered to a subscriber, publishing in
  batches; reference: a plain ``dict`` update loop over the same updates;
- gRPC end to end: a provider publishes batches through ``OpenProviderStream``, the
  broker validates them and a subscriber receives them over a ``Subscribe`` stream,
  each in its own process, once with the provider at full speed and once paced at
  300,000 updates/s (every update must arrive); reference: the same provider messages
  carried one way by grpcio to a server that only counts them (no broker);
- latency: p50 and p99 from the provider's timestamp to the subscriber's receipt, at
  a fixed 10,000 updates/s (batches of 10 every millisecond); reference: the
  latency of the same messages one way through grpcio to a counting server.

Run ``python bench/broker.py`` (add ``--json`` for one JSON object as the last line).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from multiprocessing.context import SpawnProcess
from typing import Any

import grpc
from grpc import aio
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc

from sdvkit.kuksa.server import KuksaServer
from sdvkit.signals.broker import Broker
from sdvkit.signals.catalogue import Catalogue

SIGNALS = 1000


def bench_catalogue(signal_count: int = SIGNALS) -> Catalogue:
    children = {
        f"Signal{index}": {
            "type": "sensor",
            "datatype": "float",
            "unit": "m/s",
            "min": -1e6,
            "max": 1e6,
            "description": "benchmark signal",
        }
        for index in range(signal_count)
    }
    return Catalogue.from_tree(
        {
            "Vehicle": {
                "type": "branch",
                "description": "bench",
                "children": {"Bench": {"type": "branch", "description": "bench", "children": children}},
            }
        }
    )


def signal_paths(signal_count: int = SIGNALS) -> list[str]:
    return [f"Vehicle.Bench.Signal{index}" for index in range(signal_count)]


# -- in process ------------------------------------------------------------------------------


def bench_in_process(duration_s: float) -> dict[str, float]:
    broker = Broker(bench_catalogue())
    provider = broker.connect("bench provider")
    subscriber = broker.connect("bench subscriber")
    ids = provider.provide(signal_paths())
    subscription = subscriber.subscribe(signal_paths(), buffer_size=4 * SIGNALS)
    subscription.drain()
    batch = [(signal_id, float(signal_id)) for signal_id in ids]

    delivered = 0
    started = time.perf_counter()
    deadline = started + duration_s
    while time.perf_counter() < deadline:
        for _ in range(20):
            provider.publish(batch)
            delivered += len(subscription.drain())
    broker_rate = delivered / (time.perf_counter() - started)
    assert subscription.dropped == 0

    table: dict[int, float] = {}
    done = 0
    started = time.perf_counter()
    deadline = started + duration_s
    while time.perf_counter() < deadline:
        for _ in range(20):
            for key, value in batch:
                table[key] = value
            done += len(batch)
    dict_rate = done / (time.perf_counter() - started)
    return {
        "inprocess_updates_per_s": broker_rate,
        "inprocess_reference_dict_updates_per_s": dict_rate,
    }


# -- gRPC helpers ----------------------------------------------------------------------------


def publish_request(ids: list[int], request_id: int, *, stamp: bool) -> val_v2.OpenProviderStreamRequest:
    request = val_v2.OpenProviderStreamRequest()
    data_points = request.publish_values_request.data_points
    request.publish_values_request.request_id = request_id
    now_ns = time.time_ns()
    for signal_id in ids:
        datapoint = data_points[signal_id]
        datapoint.value.float = float(signal_id % 1000)
        if stamp:
            datapoint.timestamp.seconds, datapoint.timestamp.nanos = divmod(now_ns, 1_000_000_000)
    return request


def run_broker_server(port_queue: Any, stop_event: Any) -> None:
    async def main() -> None:
        server = KuksaServer(Broker(bench_catalogue()))
        port = await server.start("127.0.0.1", 0)
        port_queue.put(port)
        while not stop_event.is_set():
            await asyncio.sleep(0.05)
        await server.stop(0.1)

    asyncio.run(main())


class CountingServicer(val_pb2_grpc.VALServicer):
    """The reference: receives provider messages and only counts their datapoints."""

    def __init__(self, latencies: bool) -> None:
        self.latencies = latencies

    async def OpenProviderStream(  # noqa: N802
        self, request_iterator: AsyncIterator[val_v2.OpenProviderStreamRequest], context: Any
    ) -> AsyncIterator[val_v2.OpenProviderStreamResponse]:
        count = 0
        first = last = 0.0
        samples: list[int] = []
        async for request in request_iterator:
            now_ns = time.time_ns()
            entries = request.publish_values_request.data_points
            if not first:
                first = time.perf_counter()
            count += len(entries)
            if self.latencies:
                for datapoint in entries.values():
                    stamp = datapoint.timestamp
                    samples.append(now_ns - (stamp.seconds * 1_000_000_000 + stamp.nanos))
            last = time.perf_counter()
        response = val_v2.OpenProviderStreamResponse()
        status = response.publish_values_response
        status.request_id = count
        # carry the elapsed time and the latency samples back in the error message text
        status.status[0].message = json.dumps({"elapsed_s": last - first, "latencies_ns": samples})
        yield response


def run_counting_server(port_queue: Any, stop_event: Any, latencies: bool) -> None:
    async def main() -> None:
        server = aio.server()
        val_pb2_grpc.add_VALServicer_to_server(CountingServicer(latencies), server)  # type: ignore[no-untyped-call]
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        port_queue.put(port)
        while not stop_event.is_set():
            await asyncio.sleep(0.05)
        await server.stop(0.1)

    asyncio.run(main())


def provider_requests(
    batches: int,
    batch_size: int,
    *,
    paced_every_s: float | None,
    claim: bool,
    stamp: bool = True,
    finished: threading.Event | None = None,
) -> Iterator[val_v2.OpenProviderStreamRequest]:
    ids = list(range(1, SIGNALS + 1))
    if claim:
        claim_request = val_v2.OpenProviderStreamRequest()
        for signal_id in ids:
            claim_request.provide_signal_request.signals_sample_intervals[signal_id].interval_ms = 0
        yield claim_request
    groups = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    prepared = [publish_request(group, index, stamp=False) for index, group in enumerate(groups)]
    next_send = time.perf_counter()
    for index in range(batches):
        if paced_every_s is None:
            yield prepared[index % len(prepared)]
        else:
            next_send += paced_every_s
            delay = next_send - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if stamp:
                yield publish_request(groups[index % len(groups)], index, stamp=True)
            else:
                yield prepared[index % len(prepared)]
    if finished is not None:
        finished.set()


def run_provider(
    target: str, batches: int, batch_size: int, paced_every_s: float | None, stamp: bool = True
) -> None:
    """Claim every bench signal, publish the batches, then close the stream."""
    finished = threading.Event()
    with grpc.insecure_channel(target) as channel:
        stub = val_pb2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
        responses = stub.OpenProviderStream(
            provider_requests(
                batches, batch_size, paced_every_s=paced_every_s, claim=True, stamp=stamp, finished=finished
            )
        )

        def watch() -> None:
            try:
                for response in responses:
                    if response.HasField("publish_values_response"):
                        print(f"provider: broker refused {response.publish_values_response}", file=sys.stderr)
            except grpc.RpcError as error:
                if error.code() is not grpc.StatusCode.CANCELLED:
                    print(f"provider: stream ended with {error.code()}", file=sys.stderr)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        finished.wait()
        time.sleep(0.5)
        responses.cancel()
        watcher.join(timeout=5)


def start_process(target: Any, *args: Any) -> SpawnProcess:
    process = multiprocessing.get_context("spawn").Process(target=target, args=args, daemon=True)
    process.start()
    return process


def with_server(server_target: Any, *extra: Any) -> tuple[SpawnProcess, str, Any]:
    context = multiprocessing.get_context("spawn")
    port_queue = context.Queue()
    stop_event = context.Event()
    process = context.Process(target=server_target, args=(port_queue, stop_event, *extra), daemon=True)
    process.start()
    port = port_queue.get(timeout=30)
    return process, f"127.0.0.1:{port}", stop_event


def subscribe_and_count(
    target: str, expected: int, *, latencies: bool, idle_timeout_s: float = 3.0
) -> tuple[int, float, list[int]]:
    """Subscribe to every bench signal; count updates after the initial response.

    Stops when ``expected`` updates have arrived or none has for ``idle_timeout_s``
    (updates a slow subscriber lost are then missing from the count).
    """
    with grpc.insecure_channel(target) as channel:
        stub = val_pb2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
        stream = stub.Subscribe(val_v2.SubscribeRequest(signal_paths=signal_paths(), buffer_size=1000))
        received = 0
        first = last = 0.0
        samples: list[int] = []
        done = threading.Event()
        progress = [time.monotonic()]

        def watchdog() -> None:
            while not done.wait(0.2):
                if time.monotonic() - progress[0] > idle_timeout_s and first:
                    stream.cancel()
                    return

        threading.Thread(target=watchdog, daemon=True).start()
        initial = True
        try:
            for response in stream:
                if initial:  # the current values, sent when the subscription opens
                    initial = False
                    continue
                now_ns = time.time_ns()
                if not first:
                    first = time.perf_counter()
                entries = response.entries
                received += len(entries)
                if latencies:
                    for datapoint in entries.values():
                        stamp = datapoint.timestamp
                        samples.append(now_ns - (stamp.seconds * 1_000_000_000 + stamp.nanos))
                last = time.perf_counter()
                progress[0] = time.monotonic()
                if received >= expected:
                    break
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.CANCELLED:
                raise
        finally:
            done.set()
            stream.cancel()
    return received, last - first, samples


def one_way_reference(
    batches: int, batch_size: int, *, paced_every_s: float | None, latencies: bool
) -> tuple[int, dict[str, Any]]:
    """The same provider messages, carried one way by grpcio to a counting server (no broker).

    Returns the number of datapoints counted and the server's report: ``elapsed_s`` and,
    with ``latencies``, ``latencies_ns``.
    """
    server, target, stop = with_server(run_counting_server, latencies)
    try:
        with grpc.insecure_channel(target) as channel:
            stub = val_pb2_grpc.VALStub(channel)  # type: ignore[no-untyped-call]
            for response in stub.OpenProviderStream(
                provider_requests(batches, batch_size, paced_every_s=paced_every_s, claim=False)
            ):
                report = response.publish_values_response
                return report.request_id, json.loads(report.status[0].message)
    finally:
        stop.set()
        server.join(timeout=10)
    raise RuntimeError("the counting server sent no report")


def end_to_end(
    batches: int, batch_size: int, *, paced_every_s: float | None, latencies: bool
) -> tuple[int, float, list[int]]:
    """Broker in one process, provider in another, subscriber here: (received, seconds, latencies)."""
    expected = batches * batch_size
    server, target, stop = with_server(run_broker_server)
    try:
        result: dict[str, Any] = {}

        def subscriber() -> None:
            result["value"] = subscribe_and_count(target, expected, latencies=latencies)

        thread = threading.Thread(target=subscriber)
        thread.start()
        time.sleep(1.0)  # the subscription is open before the provider starts
        provider = start_process(run_provider, target, batches, batch_size, paced_every_s, latencies)
        thread.join(timeout=300)
        provider.join(timeout=30)
        if "value" not in result:
            raise RuntimeError("the subscriber did not finish")
        received, elapsed_s, samples = result["value"]
    finally:
        stop.set()
        server.join(timeout=10)
    if received < 2 or elapsed_s <= 0:
        raise RuntimeError(
            f"the subscriber received {received} updates: the broker delivered nothing to time"
        )
    return received, elapsed_s, samples


def bench_grpc_throughput(batches: int, batch_size: int, paced_rate_per_s: int) -> dict[str, float]:
    expected = batches * batch_size
    received, elapsed_s, _ = end_to_end(batches, batch_size, paced_every_s=None, latencies=False)
    paced_received, paced_elapsed_s, _ = end_to_end(
        batches, batch_size, paced_every_s=batch_size / paced_rate_per_s, latencies=False
    )

    counted, reference = one_way_reference(batches, batch_size, paced_every_s=None, latencies=False)
    return {
        "grpc_updates_per_s": received / elapsed_s,
        "grpc_updates_received": received,
        "grpc_updates_published": expected,
        "grpc_paced_offered_updates_per_s": paced_rate_per_s,
        "grpc_paced_updates_per_s": paced_received / paced_elapsed_s,
        "grpc_paced_updates_received": paced_received,
        "grpc_reference_one_way_datapoints_per_s": counted / reference["elapsed_s"],
        "grpc_batch_size": batch_size,
    }


def percentile(samples: list[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6


def bench_latency(duration_s: float, rate_per_s: int = 10_000, batch_size: int = 10) -> dict[str, float]:
    every_s = batch_size / rate_per_s
    batches = int(duration_s / every_s)
    received, elapsed_s, samples = end_to_end(batches, batch_size, paced_every_s=every_s, latencies=True)

    _, reference = one_way_reference(batches, batch_size, paced_every_s=every_s, latencies=True)
    reference_samples: list[int] = reference["latencies_ns"]
    return {
        "latency_rate_updates_per_s": received / elapsed_s,
        "latency_p50_ms": percentile(samples, 0.50),
        "latency_p99_ms": percentile(samples, 0.99),
        "latency_max_ms": max(samples) / 1e6,
        "latency_samples": len(samples),
        "latency_reference_one_way_p50_ms": percentile(reference_samples, 0.50),
        "latency_reference_one_way_p99_ms": percentile(reference_samples, 0.99),
        "latency_mean_ms": statistics.fmean(samples) / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    parser.add_argument("--quick", action="store_true", help="short runs (for a smoke test)")
    args = parser.parse_args(argv)
    seconds = 0.5 if args.quick else 3.0

    figures: dict[str, float] = {}
    figures.update(bench_in_process(seconds))
    print(
        f"in process: {figures['inprocess_updates_per_s']:,.0f} validated updates/s delivered "
        f"(reference dict updates: {figures['inprocess_reference_dict_updates_per_s']:,.0f}/s; "
        "target >= 2,000,000)",
        flush=True,
    )
    figures.update(
        bench_grpc_throughput(batches=200 if args.quick else 1500, batch_size=1000, paced_rate_per_s=300_000)
    )
    print(
        f"gRPC end to end, provider at full speed: {figures['grpc_updates_per_s']:,.0f} updates/s received "
        f"({figures['grpc_updates_received']:,.0f} of {figures['grpc_updates_published']:,.0f}; "
        f"reference grpcio one way: {figures['grpc_reference_one_way_datapoints_per_s']:,.0f} datapoints/s; "
        "target >= 250,000)",
        flush=True,
    )
    print(
        f"gRPC end to end, provider paced at {figures['grpc_paced_offered_updates_per_s']:,.0f}/s: "
        f"{figures['grpc_paced_updates_per_s']:,.0f} updates/s received "
        f"({figures['grpc_paced_updates_received']:,.0f} of {figures['grpc_updates_published']:,.0f})",
        flush=True,
    )
    figures.update(bench_latency(1.0 if args.quick else 5.0))
    print(
        f"Subscribe latency at {figures['latency_rate_updates_per_s']:,.0f} updates/s: "
        f"p50 {figures['latency_p50_ms']:.3f} ms, p99 {figures['latency_p99_ms']:.3f} ms, "
        f"max {figures['latency_max_ms']:.3f} ms "
        f"(reference grpcio one way: p50 {figures['latency_reference_one_way_p50_ms']:.3f} ms, "
        f"p99 {figures['latency_reference_one_way_p99_ms']:.3f} ms; target p99 <= 2 ms)",
        flush=True,
    )
    if args.json:
        print(json.dumps({key: round(value, 4) for key, value in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
