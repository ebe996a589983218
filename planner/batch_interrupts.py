"""Ctrl-C during a batch: taken by the batch's own process only, as a flag at points where stopping is safe.

A terminal sends SIGINT to every process of its foreground group, so a batch's worker processes get Ctrl-C too. They
must never act on it:

- OR-Tools CP-SAT installs a SIGINT handler of its own during every solve (``catch_sigint_signal`` is on by
  default). That handler logs and allocates inside the signal handler: a Ctrl-C landing while the solver holds the
  allocator's lock deadlocks the solve for good (seen: a worker stuck in ``malloc`` under
  ``SigintHandler::Register``'s lambda), and one delivered to another thread aborts the process
  (``std::bad_function_call``: the handler is thread-local). After each solve it resets SIGINT to the system default,
  so a later Ctrl-C kills the process outright, whatever Python set.
- A worker still importing planner when Ctrl-C arrives dies with a KeyboardInterrupt traceback.

So worker processes are started with SIGINT blocked (:func:`sigint_blocked`; a blocked signal is never delivered,
whatever handler is installed, and a child inherits the block) and keep it blocked (:func:`block_sigint_here`).

In the batch's own process, a KeyboardInterrupt raised at an arbitrary line could leave a lock or a pipe of the
executor in a state that hangs the clean-up. :class:`InterruptWatch` turns Ctrl-C into a flag instead, plus a file
descriptor to wait on, so the batch notices it at once even while it waits for its workers, and stops at a point of
its choosing.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class InterruptWatch:
    """Ctrl-C (SIGINT) while the ``with`` block runs, as a flag and a readable descriptor; never an exception.

    Python runs signal handlers in the main thread only, so elsewhere this watches nothing (and SIGINT keeps the
    handler the program gave it). Nothing is watched either where SIGINT is ignored (a background job): Ctrl-C was
    not meant for this process.

    Use ``interrupted`` to check, ``fileno()`` to wait (with ``select`` or ``multiprocessing.connection.wait``): it
    becomes readable when SIGINT arrives, whichever thread the system delivered it to.
    """

    def __init__(self) -> None:
        self._flag = False
        self._active = False
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self._previous_handler: Any = None
        self._previous_fd = -1

    def __enter__(self) -> "InterruptWatch":
        if not _main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            return self
        # a socket pair rather than a pipe: set_wakeup_fd and connection.wait take sockets on every platform
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous_handler = signal.signal(signal.SIGINT, self._record)
        self._active = True
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        self._active = False
        previous = self._previous_handler
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._drain()
        for sock in (self._reader, self._writer):
            if sock is not None:
                sock.close()

    def _record(self, signum: int, frame: object) -> None:
        self._flag = True

    @property
    def active(self) -> bool:
        """Whether Ctrl-C is being watched (main thread, SIGINT not ignored, inside the ``with`` block)."""
        return self._active

    @property
    def interrupted(self) -> bool:
        """Whether Ctrl-C arrived since the block began."""
        self._drain()
        return self._flag

    def fileno(self) -> int:
        """A descriptor that becomes readable when Ctrl-C arrives (-1 when nothing is watched)."""
        return self._reader.fileno() if self._active and self._reader is not None else -1

    def rearm(self) -> None:
        """Install the handler again: OR-Tools resets SIGINT to the system default after each solve in this process."""
        if self._active:
            signal.signal(signal.SIGINT, self._record)

    def _drain(self) -> None:
        # The C-level handler writes the signal's number here before Python runs ``_record`` (which it does in the
        # main thread, maybe later): reading it is what makes the flag exact the moment the descriptor wakes a wait.
        if self._reader is None or self._reader.fileno() < 0:
            return
        while True:
            try:
                data = self._reader.recv(512)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                self._flag = True


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then hand it to the SIGINT handler that was in place.

    By default that raises KeyboardInterrupt after the block (so a runner's folder is written whole first); under an
    :class:`InterruptWatch` it sets the watch's flag. Nothing to do outside the main thread or where SIGINT is
    ignored (worker processes). A Ctrl-C during a block that raises is dropped: the exception stops things anyway.
    """
    if not _main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN or previous is None:  # None: a handler not set from Python; leave it alone
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if callable(previous):
            previous(signal.SIGINT, None)
        else:  # SIG_DFL: the process would have ended; end the work instead
            raise KeyboardInterrupt


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread for the block: processes started inside inherit the block and never see Ctrl-C.

    A Ctrl-C meanwhile is not lost: it stays pending and is delivered when the block ends (or, if another thread of
    this process takes it, the :class:`InterruptWatch` hears of it). POSIX only; elsewhere a no-op.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def block_sigint_here() -> None:
    """For a worker process: Ctrl-C is never delivered to it (the batch's process handles Ctrl-C and stops it).

    Blocked rather than ignored, because OR-Tools replaces the handler during each solve but leaves the mask alone.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    if _main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT for the block (main thread only): processes started inside keep ignoring it.

    For Dask's LocalCluster, whose worker processes are started from Dask's own threads, out of reach of
    :func:`sigint_blocked`. A Ctrl-C during the block is lost.
    """
    if not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
