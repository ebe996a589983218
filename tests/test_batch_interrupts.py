"""planner.batch_interrupts: Ctrl-C as a flag in the batch's process, deferred around writes, blocked in workers."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from planner.batch_interrupts import InterruptWatch, interrupts_deferred, sigint_blocked, sigint_ignored
from test_batch import run_bounded

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, masks and FIFOs")
needs_sigmask = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/<pid>/status")


def test_ctrl_c_under_a_watch_is_a_flag_and_wakes_a_wait():
    previous = signal.getsignal(signal.SIGINT)
    with InterruptWatch() as watch:
        assert watch.active and not watch.interrupted
        assert select.select([watch], [], [], 0)[0] == []
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt
        assert select.select([watch], [], [], 60)[0] == [watch]
        assert watch.interrupted and watch.interrupted  # stays set
    assert signal.getsignal(signal.SIGINT) is previous and watch.fileno() == -1


@needs_sigmask
def test_a_watch_hears_a_ctrl_c_the_system_gave_to_another_thread():
    # A process's SIGINT goes to any thread that does not block it; Python runs the handler in the main thread only
    # when that thread next runs Python code. Here the main thread blocks SIGINT, so a helper thread must take it,
    # and the watch's descriptor wakes a wait all the same.
    release = threading.Event()
    helper = threading.Thread(target=release.wait)
    helper.start()
    try:
        with InterruptWatch() as watch:
            with sigint_blocked():
                os.kill(os.getpid(), signal.SIGINT)
                assert select.select([watch], [], [], 60)[0] == [watch] and watch.interrupted
    finally:
        release.set()
        helper.join()


def test_rearm_puts_the_handler_back_after_a_library_reset_it():
    with InterruptWatch() as watch:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # what a solver's own handling leaves behind
        watch.rearm()
        os.kill(os.getpid(), signal.SIGINT)
        assert watch.interrupted


def test_nothing_is_watched_outside_the_main_thread_or_where_ctrl_c_is_ignored():
    results = []

    def in_thread():
        with InterruptWatch() as watch:
            results.append((watch.active, watch.interrupted, watch.fileno()))

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert results == [(False, False, -1)]
    with sigint_ignored():
        with InterruptWatch() as watch:
            assert not watch.active
            os.kill(os.getpid(), signal.SIGINT)  # ignored, as before the watch
            assert not watch.interrupted
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_deferred_ctrl_c_raises_after_the_block():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("rest of the block")
    assert done == ["rest of the block"] and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_deferred_ctrl_c_under_a_watch_only_sets_its_flag():
    with InterruptWatch() as watch:
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
        assert watch.interrupted


def test_nothing_is_deferred_where_ctrl_c_is_ignored():
    with sigint_ignored():
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


@needs_sigmask
def test_a_ctrl_c_while_blocked_arrives_when_the_block_ends():
    with InterruptWatch() as watch:
        with sigint_blocked():
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # pending, not delivered
            assert signal.SIGINT in signal.sigpending()
        assert signal.SIGINT not in signal.sigpending() and watch.interrupted
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


@needs_sigmask
@needs_proc
def test_processes_started_while_blocked_never_see_ctrl_c(tmp_path):
    script = ("import os, signal, sys, time\n"
              "sys.stdout.write(open('/proc/self/status').read()); sys.stdout.flush()\n"
              "os.kill(os.getpid(), signal.SIGINT)\n"      # stays pending: no KeyboardInterrupt
              "time.sleep(0.2)\n"
              "print('survived', signal.SIGINT in signal.sigpending())\n")
    with sigint_blocked():
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                   start_new_session=True)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    status = dict(line.split(":", 1) for line in output.splitlines() if ":" in line)
    assert int(status["SigBlk"], 16) & (1 << (signal.SIGINT - 1))
    assert output.rstrip().endswith("survived True") and process.returncode == 0


@needs_sigmask
@needs_proc
def test_a_worker_started_blocked_keeps_ctrl_c_blocked_through_an_or_tools_solve():
    # CP-SAT installs its own SIGINT handler during a solve and leaves SIGINT at the system default after it (a
    # Ctrl-C would then kill the process). Started blocked, as the pool starts its workers, every thread of the
    # process (those that imports start too) keeps it blocked, and SIGINT reaches neither.
    script = (
        "import os, signal, sys\n"
        "from planner.batch_interrupts import block_sigint_here\n"
        "block_sigint_here()\n"
        "from ortools.sat.python import cp_model\n"
        "model = cp_model.CpModel(); x = model.new_int_var(0, 9, 'x'); model.maximize(x)\n"
        "print(cp_model.CpSolver().solve(model) == cp_model.OPTIMAL)\n"
        "bit = 1 << (signal.SIGINT - 1)\n"
        "masks = [open(f'/proc/self/task/{t}/status').read().split('SigBlk:')[1].split()[0]"
        " for t in os.listdir('/proc/self/task')]\n"
        "print(len(masks), all(int(m, 16) & bit for m in masks))\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "print('alive', signal.SIGINT in signal.sigpending())\n")
    with sigint_blocked():
        done = run_bounded([sys.executable, "-c", script], timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    solved, masks, alive = done.stdout.splitlines()
    assert solved == "True" and masks.endswith(" True") and alive == "alive True"


def test_block_sigint_here_ignores_it_in_the_main_thread():
    script = ("import signal\nfrom planner.batch_interrupts import block_sigint_here\nblock_sigint_here()\n"
              "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN,"
              " signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))\n")
    done = run_bounded([sys.executable, "-c", script], timeout=120, cwd=ROOT)
    assert done.stdout.split() == ["True", "True"], done.stderr
