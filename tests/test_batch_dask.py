"""planner.batch_dask: the same batch on a Dask cluster, files written by the batch's own process."""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import socket

import pytest

from planner import batch_dask
from planner.batch import BatchError, load_roster, run_batch
from test_batch import GENERATED_AT, GOOD_ROWS, IMPOSSIBLE, PLAN_FILES, snapshot, write_csv

distributed = pytest.importorskip("distributed")
OPTIONS = {"generated_at": GENERATED_AT, "base_url": "https://plans.example.org"}


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(240, exit=True)  # a hang ends the run with every thread's stack
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def cluster():
    """Two worker threads in this process: quick to start, and what the workers run can be patched here."""
    # its HTTP server on a free port: the LocalCluster a batch starts takes Dask's default one
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address="127.0.0.1:0") as local:
        yield local


def test_a_cluster_writes_the_same_bytes_as_one_process(tmp_path, cluster):
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS + [IMPOSSIBLE]))
    inline, out = tmp_path / "inline", tmp_path / "dask"
    run_batch(roster, inline, workers=1, **OPTIONS)
    out.mkdir()
    shutil.copy(inline / "feeds.json", out / "feeds.json")  # the same secret tokens, so the same links
    result = run_batch(roster, out, scheduler=cluster.scheduler_address, **OPTIONS)
    assert (result.executor, result.workers) == ("dask", 2)  # the cluster's own threads
    assert {k: v[0] for k, v in snapshot(out).items()} == {k: v[0] for k, v in snapshot(inline).items()}

    # a second run on the cluster rewrites nothing either
    before = snapshot(out)
    assert run_batch(roster, out, scheduler=cluster.scheduler_address, **OPTIONS).files_changed == 0
    assert snapshot(out) == before
    # a day later the plans are the same: the workers got the previous plan.ics, so every event keeps its DTSTAMP
    # and SEQUENCE and the calendar file is not rewritten; plan.json is
    run_batch(roster, out, scheduler=cluster.scheduler_address, **dict(OPTIONS, generated_at="2026-11-26T09:00:00Z"))
    after = snapshot(out)
    for runner in ("ada-lovelace", "bjorn-ek", "chen"):
        assert after[f"{runner}/plan.ics"] == before[f"{runner}/plan.ics"]
        assert after[f"{runner}/plan.json"][0] != before[f"{runner}/plan.json"][0]


def test_a_task_that_fails_on_the_cluster_costs_only_its_runners(tmp_path, cluster, monkeypatch):
    real = batch_dask.prepare_runner

    def flaky(task, options, out_dir):
        if task.athlete_id == "bjorn-ek":
            raise MemoryError("worker out of memory")
        return real(task, options, out_dir)

    monkeypatch.setattr(batch_dask, "prepare_runner", flaky)  # the cluster's workers are threads of this process
    monkeypatch.setattr(batch_dask, "MAX_CHUNK", 1)
    result = run_batch(load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS)), tmp_path / "out",
                       scheduler=cluster.scheduler_address, **OPTIONS)
    assert [o.status for o in result.outcomes] == ["planned", "error", "planned"]
    assert "the Dask task planning it failed (MemoryError: worker out of memory)" in result.outcomes[1].lines[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir()) == ["ada-lovelace", "chen"]


def test_ctrl_c_stops_between_two_runners_writes(tmp_path, cluster):
    rows = [{**GOOD_ROWS[2], "name": f"Runner {i}", "id": f"runner-{i}"} for i in range(6)]
    out = tmp_path / "out"
    done = []

    def ctrl_c(outcome, count, total):
        done.append(outcome.athlete_id)
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        run_batch(load_roster(write_csv(tmp_path / "r.csv", rows)), out, scheduler=cluster.scheduler_address,
                  progress=ctrl_c, **OPTIONS)
    assert len(done) == 1 and [p.name for p in out.iterdir() if p.is_dir()] == done
    assert {p.name for p in (out / done[0]).iterdir()} == PLAN_FILES and not (out / "index.html").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    import dask
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS[:1]))
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(BatchError) as info:
            run_batch(roster, tmp_path / "out", generated_at=GENERATED_AT, scheduler=f"tcp://127.0.0.1:{port}")
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in str(info.value)
    assert info.value.exit_code == 2 and not (tmp_path / "out").exists()


def test_a_local_cluster_started_for_the_batch_gives_the_same_plans(tmp_path):
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS[:2]))
    inline = run_batch(roster, tmp_path / "inline", workers=1, generated_at=GENERATED_AT)
    result = run_batch(roster, tmp_path / "dask", workers=1, generated_at=GENERATED_AT, scheduler="local")
    assert (result.executor, result.workers, result.planned) == ("dask", 1, 2)
    for outcome in inline.outcomes:
        name = f"{outcome.athlete_id}/plan.json"
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "inline" / name).read_bytes()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
