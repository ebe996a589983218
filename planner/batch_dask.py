"""Planning on a Dask cluster: an existing one (``tcp://HOST:8786``) or a LocalCluster started for the batch.

Remote workers cannot reach the output folder, so they plan and render only; each runner's files come back and are
written by the batch's own process, exactly as a local worker would have written them (the previous plan.ics goes
out with the runner, so events keep their SEQUENCE). The output is byte for byte the same as with local processes.

Runners go out in chunks (a round trip to a cluster costs more than one to a local process), a few chunks per
worker at a time, so memory stays bounded for any roster. Ctrl-C stops the batch between two runners' writes.
"""

from __future__ import annotations

import itertools
import queue
import socket
from collections.abc import Iterator, Sequence
from dataclasses import replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from .batch_interrupts import InterruptWatch, sigint_ignored
from .batch_roster import BatchError
from .batch_runner import (SYNC_EACH_FILE, BatchOptions, RunnerOutcome, RunnerTask, internal_error, prepare_runner,
                           write_outcome)

MAX_CHUNK = 8           # runners per Dask task: amortises the round trip, keeps progress smooth
CHUNKS_PER_WORKER = 2   # Dask tasks in flight per worker: enough to keep it busy, few enough to bound memory


def plan_remote(tasks: Sequence[RunnerTask], options: BatchOptions) -> list[RunnerOutcome]:
    """On a Dask worker: plan and render a few runners; their files come back in the outcomes, unwritten."""
    return [prepare_runner(task, options, None) for task in tasks]


class DaskRun:
    """A connection to a Dask cluster for one batch (``scheduler`` "local" starts a LocalCluster of ``workers``
    processes for it). Reaching the scheduler happens here, before anything is written.

    Raises:
        BatchError: Dask is not installed, or the scheduler cannot be reached.
    """

    def __init__(self, options: BatchOptions, out_dir: Path, scheduler: str, workers: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchError("--scheduler and --dask need Dask: pip install 'planner[dask]'") from None
        self.options, self.out_dir = options, Path(out_dir)
        self.cluster = None
        try:
            if scheduler == "local":
                # Dask starts its worker processes from threads of its own, out of reach of a signal mask: SIGINT is
                # ignored while they start, so that they ignore it for good (Ctrl-C is the batch's to handle).
                with sigint_ignored():
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None)
            self.client = Client(self.cluster if self.cluster is not None else scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the address "
                             "(tcp://HOST:8786) and that the scheduler is running") from None
        # an existing cluster decides how many runners it plans at once: size the chunks and the window for it
        self.workers = workers if self.cluster is not None else max(1, sum(self.client.nthreads().values()))

    def run(self, tasks: Sequence[RunnerTask], interrupts: InterruptWatch) -> Iterator[RunnerOutcome]:
        """Plan ``tasks`` on the cluster, writing each runner's files here; yields outcomes as runners are done."""
        finished: queue.SimpleQueue = queue.SimpleQueue()
        # Dask calls back from a thread of its own; the socket wakes this thread's wait, as Ctrl-C does
        wake_reader, wake_writer = socket.socketpair()
        wake_reader.setblocking(False)
        wake_writer.setblocking(False)

        def on_done(future: Any) -> None:
            finished.put(future)
            try:
                wake_writer.send(b"x")
            except OSError:
                pass  # the buffer is full (the wait will wake anyway) or the run is over

        chunks = iter(_chunks(tasks, self.workers))
        in_flight: dict[Any, list[RunnerTask]] = {}

        def submit(chunk: list[RunnerTask]) -> None:
            with_previous = [replace(t, previous_ics=_read_previous(self.out_dir / t.athlete_id / "plan.ics"))
                             for t in chunk]
            future = self.client.submit(plan_remote, with_previous, self.options, pure=False)
            in_flight[future] = chunk
            future.add_done_callback(on_done)

        try:
            for chunk in itertools.islice(chunks, self.workers * CHUNKS_PER_WORKER):
                submit(chunk)
            while in_flight:
                if interrupts.interrupted:
                    return
                wait([wake_reader, interrupts] if interrupts.active else [wake_reader])
                _drain(wake_reader)
                while True:
                    try:
                        future = finished.get_nowait()
                    except queue.Empty:
                        break
                    chunk = in_flight.pop(future)
                    following = next(chunks, None)
                    if following is not None and not interrupts.interrupted:
                        submit(following)
                    for outcome in _outcomes(future, chunk):
                        if interrupts.interrupted:
                            return
                        yield write_outcome(outcome, self.out_dir, sync=SYNC_EACH_FILE)
        finally:
            if in_flight:
                self.client.cancel(list(in_flight))
            wake_reader.close()
            wake_writer.close()

    def close(self) -> None:
        """Disconnect (and stop the LocalCluster this run started)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _outcomes(future: Any, chunk: list[RunnerTask]) -> list[RunnerOutcome]:
    try:
        return future.result()
    except Exception as exc:  # the task failed on the cluster (a worker lost, a cancellation): its runners say so
        return [internal_error(task, f"the Dask task planning it failed ({type(exc).__name__}: {exc})")
                for task in chunk]


def _chunks(tasks: Sequence[RunnerTask], workers: int) -> list[list[RunnerTask]]:
    size = max(1, min(MAX_CHUNK, len(tasks) // (workers * 8)))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def _drain(sock: socket.socket) -> None:
    while True:
        try:
            if not sock.recv(512):
                return
        except (BlockingIOError, InterruptedError):
            return


def _read_previous(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
