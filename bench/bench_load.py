"""Load benchmark of the HTTP service on loopback: throughput, latency, errors, memory.

Runs ``solescan serve`` on 127.0.0.1 (free port, temporary data dir, embedded SQLite
store, one worker per core unless --workers) and drives it with --clients concurrent
clients for --duration seconds, in --rounds rounds. Before each round, with the server
idle, it measures on the same photos:

1. the single-process rate, in this process on one thread as a worker has: of the
   analysis the service runs per upload (``service.analysis.prepare_analysis``: the
   analysis, its overlay and the metadata-free copy of the photo) and, for reference, of
   the bare ``Analyzer.analyze``;
2. the rate of the same upload analyses in one process per worker at once, with no
   server: what the cores give together (on this 2-core virtual machine, less than
   twice one).

Interleaving matters on a virtual machine whose speed drifts by a third from one minute
to the next: a baseline taken only before the load compared the load with a different
machine.

It prints throughput, p50/p95/p99 latency, errors, peak RSS per worker and the ratio of
throughput to workers x the single-process rate of the same per-upload analysis (target:
at least 0.8, with no errors), per round and over the run; the ratio to the bare
``analyze`` rate is printed too. All traffic stays on the loopback interface; the run is
bounded in time.

    .venv/bin/python bench/bench_load.py --duration 40
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The baseline runs single-threaded, like each server worker (set before numpy/OpenCV).
for _name in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENCV_FOR_THREADS_NUM",
):
    os.environ.setdefault(_name, "1")

import psutil  # noqa: E402

from service.launch import ServiceDidNotStart, free_port, running_service  # noqa: E402

CORES = psutil.cpu_count() or 1


def render_photos(count: int, megapixels: float) -> list[bytes]:
    """Synthetic sole photos the model analyses without rejecting (deterministic)."""
    from model.analyze import load_analyzer
    from model.errors import SolescanError
    from model.synth.render import render_photo

    analyzer = load_analyzer()
    photos: list[bytes] = []
    for seed in range(500, 600):
        view = ("outsole", "insole", "print")[seed % 3]
        data = render_photo(seed, view=view, megapixels=megapixels, fmt="jpeg").data
        try:
            analyzer.analyze(data)
        except SolescanError:
            continue
        photos.append(data)
        if len(photos) == count:
            break
    return photos


class SingleProcessBaseline:
    """The single-process rates, measured in this process on one thread."""

    def __init__(self, photos: list[bytes]) -> None:
        self.photos = photos
        self.analyzer, self.upload = _warm_upload_job(photos)

    def measure(self, seconds: float) -> tuple[float, float, float]:
        """Bare analyses per second, upload analyses per second, and CPU seconds per
        upload analysis, over ``seconds`` in all."""
        analyze_rate, _ = _rate(self.analyzer.analyze, self.photos, 0.4 * seconds)
        job_rate, job_cpu = _rate(self.upload, self.photos, 0.6 * seconds)
        return analyze_rate, job_rate, job_cpu


def _warm_upload_job(photos: list[bytes]) -> tuple[Any, Callable[[bytes], object]]:
    """The shipped model, and the work of one upload with it, run once on every photo."""
    from model.analyze import load_analyzer
    from service.analysis import prepare_analysis

    analyzer = load_analyzer()

    def upload(photo: bytes) -> object:
        return prepare_analysis(analyzer, photo, view="auto", side="auto", keep_photo=True)

    for photo in photos:  # warm-up
        upload(photo)
    return analyzer, upload


def _rate(
    job: Callable[[bytes], object], photos: list[bytes], seconds: float
) -> tuple[float, float]:
    """``job`` run over the photos in turn for ``seconds``: runs per second, CPU s per run."""
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        job(photos[done % len(photos)])
        done += 1
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done


# In a pool process of ParallelBaseline: the upload job, loaded once.
_pool_upload: Callable[[bytes], object] | None = None


def _timed_uploads(args: tuple[list[bytes], float, float]) -> float:
    """In a pool process: upload analyses per second from ``start_at`` for ``seconds``."""
    global _pool_upload
    photos, seconds, start_at = args
    if _pool_upload is None:
        _, _pool_upload = _warm_upload_job(photos)
    while time.time() < start_at:  # every process starts measuring at once
        time.sleep(0.005)
    return _rate(_pool_upload, photos, seconds)[0]


class ParallelBaseline:
    """Upload analyses per second of one process per worker running them at once, with
    no server: what the machine's cores give when all work together (they share caches
    and memory bandwidth, and on a virtual machine their host). The processes stay up
    between measurements."""

    def __init__(self, photos: list[bytes], workers: int) -> None:
        from model.analyze import use_one_thread
        from model.parallel import worker_pool

        self.photos, self.workers = photos, workers
        self.pool = worker_pool(workers, use_one_thread)
        self.measure(0.5, start_in=30.0)  # every process loads the model and warms up

    def measure(self, seconds: float, start_in: float = 0.5) -> float:
        start_at = time.time() + start_in
        tasks = [(self.photos, seconds, start_at)] * self.workers
        return sum(self.pool.map(_timed_uploads, tasks))

    def close(self) -> None:
        self.pool.shutdown()


def multipart_request(photo: bytes, port: int, index: int) -> bytes:
    """A complete HTTP/1.1 upload request, built once so the client costs little CPU."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="subject_ref"\r\n\r\n'
            f"bench-{index}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="{index}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /v1/analyses HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response (status line, headers, Content-Length body): (status, whether
    the server closes the connection after it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection":
            close = value.strip().lower() == "close"
    await reader.readexactly(length)
    return status, close


async def drive(
    port: int, requests: list[bytes], clients: int, duration: float
) -> tuple[list[float], int, int, float]:
    """Run ``clients`` keep-alive connections for ``duration`` s: (latencies, ok, errors, s)."""
    latencies: list[float] = []
    ok = errors = 0
    stop_at = time.perf_counter() + duration

    async def client(number: int) -> None:
        nonlocal ok, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = number
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                writer.write(requests[sent % len(requests)])
                await writer.drain()
                try:
                    status, close = await read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                if close:  # as an HTTP client library would: reconnect for the next one
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies.append(time.perf_counter() - started)
                if status == 201:
                    ok += 1
                else:
                    errors += 1
                sent += clients
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, ok, errors, time.perf_counter() - started


def busy_seconds(times: Any) -> float:
    """CPU seconds the whole machine spent working, from psutil.cpu_times() (guest time
    is already inside user time, so it is not added)."""
    busy = ("user", "nice", "system", "irq", "softirq", "steal")
    return float(sum(getattr(times, name, 0.0) for name in busy))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class MemoryWatch:
    """Peak RSS of every worker process of the server, sampled in a background thread,
    and the workers' CPU time on demand."""

    def __init__(self, parent_pid: int) -> None:
        self.parent = psutil.Process(parent_pid)
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _workers(self) -> list[psutil.Process]:
        workers = []
        for child in self.parent.children(recursive=True):
            try:
                # The server's workers are spawned processes (not the resource tracker).
                if "spawn_main" in " ".join(child.cmdline()):
                    workers.append(child)
            except psutil.Error:
                continue
        return workers or [self.parent]

    def cpu_seconds(self) -> float:
        """CPU seconds (user and system) the workers have used so far."""
        total = 0.0
        for process in self._workers():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            for process in self._workers():
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[process.pid] = max(self.peak.get(process.pid, 0), rss)
            self._stop.wait(0.2)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Round:
    """One round: the single-process baseline just before, then the load."""

    analyze_rate: float
    job_rate: float
    job_cpu: float
    together_rate: float  # the same uploads in one process per worker, no server
    latencies: list[float]
    ok: int
    errors: int
    elapsed: float
    worker_cpu: float  # CPU seconds of the server's workers under load
    client_cpu: float  # CPU seconds of this process (clients, memory sampling)
    machine_busy: float  # CPU seconds the whole machine worked under load

    @property
    def idle_cores(self) -> float:
        return idle_cores(self.machine_busy, self.elapsed)


def idle_cores(machine_busy: float, elapsed: float) -> float:
    """Cores the machine left idle on average, given the CPU seconds it worked."""
    return max(CORES - machine_busy / elapsed, 0.0)


def measure_round(
    baseline: tuple[float, float, float],
    together_rate: float,
    memory: MemoryWatch,
    load: Callable[[], Coroutine[Any, Any, tuple[list[float], int, int, float]]],
) -> Round:
    """Run ``load`` and account for the CPU time it took, after the baselines' rates."""
    worker_before, machine_before = memory.cpu_seconds(), psutil.cpu_times()
    client_before = time.process_time()
    latencies, ok, errors, elapsed = asyncio.run(load())
    return Round(
        *baseline,
        together_rate=together_rate,
        latencies=latencies,
        ok=ok,
        errors=errors,
        elapsed=elapsed,
        worker_cpu=memory.cpu_seconds() - worker_before,
        client_cpu=time.process_time() - client_before,
        machine_busy=busy_seconds(psutil.cpu_times()) - busy_seconds(machine_before),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--clients", type=int, default=None, help="default: 4 per worker")
    parser.add_argument("--megapixels", type=float, default=2.0, help="photo size")
    parser.add_argument("--photos", type=int, default=6, help="distinct photos")
    parser.add_argument("--rounds", type=int, default=4, help="load rounds, each after a baseline")
    parser.add_argument(
        "--baseline-seconds", type=float, default=5.0, help="single-process time per round"
    )
    args = parser.parse_args()

    from service.admin import available_cores

    workers = args.workers or available_cores()
    clients = args.clients or 4 * workers
    photos = render_photos(args.photos, args.megapixels)
    if not photos:
        raise SystemExit("the model rejected every benchmark photo")
    sizes = sorted(len(p) for p in photos)
    print(
        f"photos: {len(photos)} synthetic JPEGs of {args.megapixels} MP "
        f"({sizes[0] // 1024}-{sizes[-1] // 1024} kB)"
    )

    baseline = SingleProcessBaseline(photos)
    together = ParallelBaseline(photos, workers)

    data_dir = Path(tempfile.mkdtemp(prefix="solescan-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "SOLESCAN_DATA_DIR": str(data_dir),
        "SOLESCAN_LOG_LEVEL": "WARNING",
        "SOLESCAN_MAX_PENDING_ANALYSES": str(max(32, clients)),
    }
    env.pop("SOLESCAN_DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENCV_FOR_THREADS_NUM",
    ):
        env.pop(name, None)  # let `solescan serve` choose, as in production
    rounds: list[Round] = []
    try:
        with running_service(
            port=port, workers=workers, env=env, log_path=data_dir / "server.log", cwd=data_dir
        ) as server:
            requests = [multipart_request(photos[i % len(photos)], port, i) for i in range(64)]
            # Warm every worker up (first analyses are slower), then measure.
            asyncio.run(drive(port, requests, clients, min(5.0, args.duration / 4)))
            with MemoryWatch(server.pid) as memory:
                for _ in range(args.rounds):
                    rounds.append(
                        measure_round(
                            baseline.measure(args.baseline_seconds),
                            together.measure(0.6 * args.baseline_seconds),
                            memory,
                            lambda: drive(port, requests, clients, args.duration / args.rounds),
                        )
                    )
    except ServiceDidNotStart as error:
        raise SystemExit(str(error)) from error
    finally:
        together.close()
        shutil.rmtree(data_dir, ignore_errors=True)

    elapsed = sum(r.elapsed for r in rounds)
    ok = sum(r.ok for r in rounds)
    errors = sum(r.errors for r in rounds)
    latencies = [latency for r in rounds for latency in r.latencies]
    throughput = ok / elapsed
    # Each round's baseline ran for the same time: the plain mean is the run's rate.
    job_rate = statistics.fmean(r.job_rate for r in rounds)
    analyze_rate = statistics.fmean(r.analyze_rate for r in rounds)
    job_cpu = statistics.fmean(r.job_cpu for r in rounds)
    together_rate = statistics.fmean(r.together_rate for r in rounds)
    ratio_job = throughput / (workers * job_rate)
    print(
        f"server: {workers} workers, {clients} concurrent clients, {len(rounds)} rounds, "
        f"{elapsed:.1f} s of load"
    )
    for number, r in enumerate(rounds, 1):
        server_rate = r.ok / r.elapsed
        print(
            f"  round {number}: single process {r.job_rate:.2f} uploads/s "
            f"(bare analyze {r.analyze_rate:.2f}/s); {workers} processes at once, no server, "
            f"{r.together_rate:.2f}/s ({r.together_rate / (workers * r.job_rate):.2f} x "
            f"workers x single); server {server_rate:.2f}/s: ratio "
            f"{server_rate / (workers * r.job_rate):.2f}, "
            f"{server_rate / r.together_rate:.2f} of the processes at once, "
            f"idle {r.idle_cores:.2f} cores"
        )
    print(f"throughput: {throughput:.2f} uploads/s ({ok} analysed, {errors} errors)")
    print(
        "latency: p50 {:.0f} ms, p95 {:.0f} ms, p99 {:.0f} ms".format(
            *(1000 * percentile(latencies, q) for q in (50, 95, 99))
        )
    )
    worker_cpu = sum(r.worker_cpu for r in rounds)
    for pid, rss in sorted(memory.peak.items()):
        print(f"worker {pid}: peak RSS {rss / 2**20:.0f} MiB")
    print(
        f"throughput / (workers x single-process upload analysis rate, mean of the rounds' "
        f"{job_rate:.2f}/s) = {ratio_job:.2f}"
    )
    print(
        f"the same uploads in {workers} processes at once, no server: {together_rate:.2f}/s = "
        f"{together_rate / (workers * job_rate):.2f} x workers x the single-process rate "
        f"(what the cores give together); the server reaches "
        f"{throughput / together_rate:.2f} of it (what the server itself costs)"
    )
    print(
        f"throughput / (workers x bare Analyzer.analyze rate, {analyze_rate:.2f}/s) = "
        f"{throughput / (workers * analyze_rate):.2f} (the overlay and the metadata-free "
        "copy are extra work per upload)"
    )
    server_cpu = worker_cpu / max(ok, 1)
    print(
        f"CPU seconds per upload: {job_cpu:.3f} in process, {server_cpu:.3f} in the server "
        f"(all workers): efficiency {job_cpu / server_cpu if server_cpu else 0:.2f}"
    )
    client_cpu = sum(r.client_cpu for r in rounds)
    machine_busy = sum(r.machine_busy for r in rounds)
    print(
        f"where the machine's {CORES} cores went under load: workers "
        f"{worker_cpu / elapsed:.2f} cores, this load generator (clients and memory "
        f"sampling) {client_cpu / elapsed:.2f}, everything else "
        f"{max(machine_busy - worker_cpu - client_cpu, 0) / elapsed:.2f}, "
        f"idle {idle_cores(machine_busy, elapsed):.2f}"
    )
    target_met = ratio_job >= 0.8 and errors == 0
    verdict = "met" if target_met else "NOT met"
    print(f"target (>= 0.8 x workers x single-process rate, no errors): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
