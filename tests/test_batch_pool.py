"""planner.batch_pool: worker processes, leave to write, Ctrl-C at any moment, a worker that dies.

These tests start real worker processes. A bug that made the batch wait for ever would hang the test run, so each
test runs under a watchdog that dumps every thread's stack and ends the run instead.
"""

from __future__ import annotations

import faulthandler
import json
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from planner import batch_pool
from planner.batch import PARTIAL_PREFIX, load_roster, run_batch
from test_batch import GENERATED_AT, GOOD_ROWS, PLAN_FILES, write_csv

WATCHDOG_S = 240
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, masks and FIFOs")


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
    assert multiprocessing.active_children() == []  # every worker has ended, whatever happened


def club(tmp_path: Path, count: int):
    rows = [{**GOOD_ROWS[2], "name": f"Runner {i}", "id": f"runner-{i}"} for i in range(count)]
    return load_roster(write_csv(tmp_path / "club.csv", rows))


def gate(out: Path, athlete_id: str) -> None:
    """Make a runner's planning wait for ever: the worker reads the previous plan.ics, here a FIFO nobody writes to
    (like a solve that does not end)."""
    (out / athlete_id).mkdir(parents=True)
    os.mkfifo(out / athlete_id / "plan.ics")


def assert_whole(out: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Every runner folder holds the four files, each complete; nothing is left aside. Returns the folders."""
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name not in skip)
    for name in folders:
        assert {p.name for p in (out / name).iterdir()} == PLAN_FILES, name
        json.loads((out / name / "plan.json").read_text(encoding="utf-8"))
    assert not list(out.glob(f"{PARTIAL_PREFIX}*")) and not list(out.rglob("*.tmp"))
    return folders


def test_ctrl_c_stops_at_once_even_with_a_runner_that_would_never_finish(tmp_path, capfd):
    roster, out = club(tmp_path, 8), tmp_path / "out"
    gate(out, "runner-1")  # among the first runners sent out: a worker is stuck in it from the start
    done = []

    def ctrl_c(outcome, count, total):
        done.append(outcome.athlete_id)
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        run_batch(roster, out, workers=2, generated_at=GENERATED_AT, progress=ctrl_c, in_process=False)
    assert len(done) == 1  # no outcome is reported once Ctrl-C came
    folders = assert_whole(out, skip=("runner-1",))
    assert done[0] in folders and len(folders) <= 2  # and at most the runner another worker was writing
    assert not (out / "index.html").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert "Traceback" not in capfd.readouterr().err  # the workers never saw it


def test_ctrl_c_while_the_workers_start(tmp_path, monkeypatch):
    real = batch_pool._Pool._start_worker
    started = []

    def start_then_ctrl_c(pool):
        worker = real(pool)
        started.append(worker)
        if len(started) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # the first worker is importing planner; the second is not started
        return worker

    monkeypatch.setattr(batch_pool._Pool, "_start_worker", start_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_batch(club(tmp_path, 4), tmp_path / "out", workers=2, generated_at=GENERATED_AT, in_process=False)
    assert len(started) == 2 and all(w.process.exitcode == 0 for w in started)  # both told to quit, both did
    assert not [p for p in (tmp_path / "out").iterdir() if p.is_dir()]  # no runner was planned


def test_every_thread_of_every_worker_has_ctrl_c_blocked(tmp_path):
    if not Path("/proc/self/task").is_dir():
        pytest.skip("reads /proc/<pid>/task")
    seen: dict[int, list[bool]] = {}
    bit = 1 << (signal.SIGINT - 1)

    def inspect(outcome, count, total):
        for child in multiprocessing.active_children():
            tasks = Path(f"/proc/{child.pid}/task")
            seen[child.pid] = [bool(int(_status(t)["SigBlk"], 16) & bit) for t in tasks.iterdir()]

    result = run_batch(club(tmp_path, 4), tmp_path / "out", workers=2, generated_at=GENERATED_AT, progress=inspect,
                       in_process=False)
    assert result.planned == 4 and len(seen) == 2, seen
    assert all(masks and all(masks) for masks in seen.values()), seen  # after their solves, too


def _status(task: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)


def test_a_worker_that_dies_costs_only_the_runner_it_was_planning(tmp_path):
    killed = []

    def kill_a_worker(outcome, count, total):
        if not killed:
            victim = min(multiprocessing.active_children(), key=lambda p: p.pid)
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    roster, out = club(tmp_path, 8), tmp_path / "out"
    result = run_batch(roster, out, workers=2, generated_at=GENERATED_AT, progress=kill_a_worker, in_process=False)
    errors = [o for o in result.outcomes if not o.planned]
    assert len(errors) == 1 and result.planned == 7 and result.exit_code == 1
    assert errors[0].status == "error" and "the worker process planning this runner ended unexpectedly " \
                                           "(killed by SIGKILL)" in errors[0].lines[0]
    # every planned runner has its folder; the lost one has none, unless it was killed between putting its folder
    # in place and saying so (then the folder is whole all the same)
    extra = set(assert_whole(out)) - {o.athlete_id for o in result.outcomes if o.planned}
    assert extra <= {errors[0].athlete_id} and len(assert_whole(out)) >= 7
    assert result.workers == 2 and (out / "index.html").is_file()


def test_workers_are_told_to_quit_when_the_roster_is_done(tmp_path, monkeypatch):
    pools = []
    real = batch_pool._Pool.stop

    def stop(pool):
        pools.append([w.process for w in pool.workers])
        real(pool)

    monkeypatch.setattr(batch_pool._Pool, "stop", stop)
    result = run_batch(club(tmp_path, 3), tmp_path / "out", workers=3, generated_at=GENERATED_AT, in_process=False)
    assert result.planned == 3 and result.executor == "processes" and result.workers == 3
    assert [p.exitcode for p in pools[0]] == [0, 0, 0]  # quit when asked, not killed
