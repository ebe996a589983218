"""Planning runners in worker processes on this machine, with Ctrl-C handled by the batch's process alone.

Each worker is a process of its own (started with "spawn": forking a parent that may hold OR-Tools or Dask threads
can deadlock), connected to the batch by a pipe of its own; no lock, queue or event is shared, so no worker can
leave one in a state that hangs the others. Workers are started with Ctrl-C blocked (see
:mod:`planner.batch_interrupts`) and never act on it.

A worker plans a runner in memory, then asks the batch for leave to write its folder, and writes it only when
given it. That makes stopping exact: on Ctrl-C the batch gives no more leave, kills at once every worker that is not
writing (a runner in the solver may take many seconds; killing it loses nothing, as nothing of it is on disk), lets
a worker that is writing finish that runner (milliseconds), then kills it too. A worker that dies on its own (a
crash, the out-of-memory killer) costs the runner it was planning, which is reported; another worker takes over.

Conversation (each message a tuple)::

    batch -> worker   ("plan", RunnerTask)   up to RUNNERS_IN_FLIGHT at a time
                      ("write",)             leave to write the runner just planned
                      ("quit",)
    worker -> batch   ("ready", index)       planned, asks leave to write
                      ("done", RunnerOutcome)
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .batch_interrupts import InterruptWatch, block_sigint_here, sigint_blocked
from .batch_runner import (SYNC_EACH_FILE, BatchOptions, RunnerOutcome, RunnerTask, internal_error, prepare_runner,
                           remove_partials, write_outcome)

START_METHOD = "spawn"
RUNNERS_IN_FLIGHT = 2   # per worker: the one it plans and the next, so that it never waits for work
QUIT_GRACE_S = 10.0     # an idle worker asked to quit that has not within this is killed (it has nothing to lose)


def run_in_processes(tasks: Sequence[RunnerTask], options: BatchOptions, out_dir: Path, workers: int,
                     interrupts: InterruptWatch) -> Iterator[RunnerOutcome]:
    """Plan ``tasks`` in ``workers`` processes, yielding each runner's outcome (its files written) as it is done.

    Stops early, with every runner folder whole, when ``interrupts`` reports Ctrl-C or when the caller stops
    iterating (closing the generator); by then every worker process has ended.
    """
    pool = _Pool(options, Path(out_dir), interrupts)
    try:
        yield from pool.run(tasks, workers)
    finally:
        pool.stop()


@dataclass(eq=False)
class _Worker:
    process: Any                                   # multiprocessing's Process of the spawn context
    conn: Connection
    in_flight: deque[RunnerTask] = field(default_factory=deque)  # sent, not done; the first is being planned
    writing: bool = False                          # given leave to write, not done yet


class _Pool:
    """The workers of one batch and the runners still to send; one thread (the caller's) drives it all."""

    def __init__(self, options: BatchOptions, out_dir: Path, interrupts: InterruptWatch):
        self.options, self.out_dir, self.interrupts = options, out_dir, interrupts
        self.context = multiprocessing.get_context(START_METHOD)
        self.workers: list[_Worker] = []
        self.todo: deque[RunnerTask] = deque()
        self.stopped = False

    def run(self, tasks: Sequence[RunnerTask], workers: int) -> Iterator[RunnerOutcome]:
        self.todo.extend(tasks)
        for _ in range(min(workers, len(self.todo))):
            self._start_worker()
        for worker in self.workers:
            self._feed(worker)
        while any(w.in_flight for w in self.workers):
            if self.interrupts.interrupted:
                return
            watched: list[Any] = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
            if self.interrupts.active:
                watched.append(self.interrupts)
            ready = set(wait(watched))
            for worker in list(self.workers):
                if worker.conn in ready or worker.process.sentinel in ready:
                    outcome = self._hear(worker)
                    if outcome is not None:
                        yield outcome
                        if self.interrupts.interrupted:
                            return

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self.context.Pipe(duplex=True)
        process = self.context.Process(target=worker_main, args=(child_end, self.options, self.out_dir),
                                       name="planner batch worker", daemon=True)
        _start_resource_tracker()
        with sigint_blocked():  # the worker inherits the block from its first instruction (imports included)
            process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        return worker

    def _feed(self, worker: _Worker) -> None:
        while len(worker.in_flight) < RUNNERS_IN_FLIGHT and self.todo and not self.interrupts.interrupted:
            task = self.todo.popleft()
            worker.in_flight.append(task)
            try:
                worker.conn.send(("plan", task))
            except OSError:
                return  # the worker is gone: its sentinel says so next, and its runners go to another

    def _hear(self, worker: _Worker) -> RunnerOutcome | None:
        """Take one message from a worker whose pipe or sentinel is ready; an outcome when a runner is done."""
        try:
            if not worker.conn.poll():
                return self._lost(worker)  # the sentinel only: the process ended and said nothing more
            message = worker.conn.recv()
        except (EOFError, OSError):
            return self._lost(worker)
        if message[0] == "ready":
            if not self.interrupts.interrupted:  # no leave once Ctrl-C came: the worker is killed with nothing written
                worker.writing = True
                self._send(worker, ("write",))
            return None
        worker.in_flight.popleft()
        worker.writing = False
        self._feed(worker)
        return message[1]

    def _send(self, worker: _Worker, message: tuple) -> None:
        try:
            worker.conn.send(message)
        except OSError:
            pass  # the worker is gone; its sentinel says so next

    def _lost(self, worker: _Worker) -> RunnerOutcome | None:
        """A worker ended without being asked to: its runner in hand is reported, the others go to a new worker."""
        worker.process.join()
        worker.conn.close()
        self.workers.remove(worker)
        if not worker.in_flight:
            return None
        task = worker.in_flight.popleft()
        self.todo.extendleft(reversed(worker.in_flight))
        if worker.writing:
            remove_partials(self.out_dir, task.athlete_id)  # a new folder half-written aside; never a real one
        if self.todo and not self.interrupts.interrupted:
            self._feed(self._start_worker())
        return internal_error(task, f"the worker process planning this runner ended unexpectedly "
                                    f"({_describe_exit(worker.process.exitcode)})")

    def stop(self) -> None:
        """End every worker. Idle ones quit; on Ctrl-C or an error, a worker writing a runner finishes it first and
        every other one is killed where it is."""
        if self.stopped:
            return
        self.stopped = True
        busy = [w for w in self.workers if w.in_flight]
        for worker in self.workers:
            if not worker.in_flight:
                self._send(worker, ("quit",))
            elif not worker.writing:
                worker.process.kill()
        for worker in busy:
            if worker.writing:
                _await_done(worker)
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(QUIT_GRACE_S if worker not in busy else None)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers.clear()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, outside :func:`sigint_blocked`.

    Spawning a process starts the tracker first if it is not running, and starting it ends with
    ``pthread_sigmask(SIG_UNBLOCK, {SIGINT, SIGTERM})`` in the calling thread (seen in CPython 3.11): inside our block
    that would unblock Ctrl-C just before the first worker is spawned, and that worker would import planner open to
    Ctrl-C (its import-time threads for good).
    """
    if os.name == "posix":
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()


def _await_done(worker: _Worker) -> None:
    """Wait until a worker writing a runner has written it (or has died)."""
    while True:
        ready = wait([worker.conn, worker.process.sentinel])
        try:
            if worker.conn in ready and worker.conn.recv()[0] == "done":
                return
        except (EOFError, OSError):
            return
        if worker.conn not in ready:
            return  # ended without a word


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


# --- in the worker process --------------------------------------------------------------------------------------------

def worker_main(conn: Connection, options: BatchOptions, out_dir: Path) -> None:
    """A worker's life: plan the runners it is sent, write each one when given leave, until told to quit."""
    block_sigint_here()
    _warm_templates()
    backlog: deque[tuple] = deque()
    try:
        while True:
            message = backlog.popleft() if backlog else conn.recv()
            if message[0] == "quit":
                return
            outcome = prepare_runner(message[1], options, out_dir)
            if outcome.files is not None:
                conn.send(("ready", outcome.index))
                while (reply := conn.recv())[0] != "write":
                    if reply[0] == "quit":
                        return
                    backlog.append(reply)
                outcome = write_outcome(outcome, out_dir, sync=SYNC_EACH_FILE)
            conn.send(("done", outcome))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the batch has gone: nothing is left to do


def _warm_templates() -> None:
    """Load the page templates once per worker, not once per runner."""
    from .render.html import template_environment
    env = template_environment()
    for name in ("plan.html.j2", "partials/weeks.html.j2"):
        env.get_template(name)
