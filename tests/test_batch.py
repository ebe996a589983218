"""planner.batch: a roster planned end to end (run_batch), group files, idempotence, options, Ctrl-C in process.

Also home to the helpers the other batch test files share (rosters written as CSV, folder snapshots, a subprocess
runner that can never hang).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from planner import batch
from planner.batch import PARTIAL_PREFIX, load_roster, run_batch

GENERATED_AT = "2026-11-25T10:00:00Z"
PLAN_FILES = {"plan.json", "plan.csv", "plan.html", "plan.ics"}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Cheap runners (short plans solve in tens of milliseconds), varied: race and fitness goals, km and mi.
GOOD_ROWS = [
    {"name": "Ada Lovelace", "current.weekly_distance": "20", "current.long_run": "8", "goal.race": "5k",
     "goal.race_date": "2027-01-31", "start_date": "2026-12-07", "schedule.run_days": "tue;thu;sat;sun"},
    {"name": "Björn Ek", "units": "mi", "current.weekly_distance": "12", "current.long_run": "5",
     "goal.weekly_distance": "14", "weeks": "5", "start_date": "2026-12-07",
     "schedule.run_days": "mon;wed;fri;sun", "shoes[0].name": "Daily", "shoes[0].distance": "200"},
    {"name": "Chen Wei", "id": "chen", "current.weekly_distance": "25", "current.long_run": "9",
     "goal.weekly_distance": "28", "weeks": "6", "start_date": "2026-12-07",
     "schedule.run_days": "mon;tue;thu;sat;sun", "schedule.max_minutes.sun": "120"},
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and mtime (ns)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_bounded(command: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Run ``command`` in a process group of its own; past ``timeout`` seconds, kill the whole group (workers too)
    and fail the test with what it printed, rather than wait for pipes that its children still hold."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, **kwargs)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        stdout, stderr = process.communicate()
        pytest.fail(f"{command[:3]} ran over {timeout} s and was killed\nstdout:\n{stdout}\nstderr:\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def kill_group(process: subprocess.Popen) -> None:
    """Kill every process of ``process``'s group (it was started with start_new_session=True) and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


IMPOSSIBLE = {"name": "Dora Dash", "current.weekly_distance": "10", "current.long_run": "5", "goal.race": "marathon",
              "goal.race_date": "2027-01-10", "start_date": "2026-12-07"}


# --- planning a roster ------------------------------------------------------------------------------------------------

def test_batch_plans_every_good_runner_and_reports_the_bad_ones(tmp_path):
    rows = [GOOD_ROWS[0], {**GOOD_ROWS[1], "schedule.rundays": "mon"}, IMPOSSIBLE, GOOD_ROWS[2],
            {**GOOD_ROWS[2], "name": "Chen Copy"}]
    roster = load_roster(write_csv(tmp_path / "r.csv", rows))
    out = tmp_path / "out"
    result = run_batch(roster, out, workers=1, generated_at=GENERATED_AT)
    status = {o.source.rsplit(" ", 1)[1]: o.status for o in result.outcomes}
    assert status == {"2": "planned", "3": "invalid", "4": "infeasible", "5": "invalid", "6": "invalid"}
    assert (result.planned, result.failed, result.exit_code) == (1, 4, 1)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["ada-lovelace"]
    assert {p.name for p in (out / "ada-lovelace").iterdir()} == PLAN_FILES
    assert not list(out.glob(f"{PARTIAL_PREFIX}*"))
    assert result.executor == "inline" and result.workers == 1
    assert result.outcomes[2].lines[0].startswith("Not reachable safely: Marathon")
    assert "schedule.rundays: unknown key" in "\n".join(result.outcomes[1].lines)

    # summary.csv: a row per runner, in roster order, with the reason for those not planned
    with (out / "summary.csv").open(encoding="utf-8") as handle:
        summary = list(csv.DictReader(handle))
    assert [r["status"] for r in summary] == ["planned", "invalid", "infeasible", "invalid", "invalid"]
    assert summary[0]["plan"] == "ada-lovelace/plan.html" and summary[0]["weeks"] == "8"
    assert summary[2]["message"].startswith("Not reachable safely: Marathon")
    assert "is also the id of" in summary[3]["message"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "4 runners not planned" in html and 'href="ada-lovelace/plan.html"' in html
    # feed tokens for every valid profile (an unreachable goal keeps its URL for when the goal is fixed)
    tokens = json.loads((out / "feeds.json").read_text(encoding="utf-8"))["tokens"]
    assert sorted(tokens) == ["ada-lovelace", "dora-dash"]


def test_second_run_changes_nothing_and_one_change_rewrites_only_that_runner(tmp_path):
    csv_path = write_csv(tmp_path / "r.csv", GOOD_ROWS)
    out = tmp_path / "out"
    first = run_batch(load_roster(csv_path), out, workers=1, generated_at=GENERATED_AT,
                      base_url="https://plans.example.org")
    assert first.exit_code == 0 and first.files_changed == 3 * 4 + 2
    before = snapshot(out)
    again = run_batch(load_roster(csv_path), out, workers=1, generated_at=GENERATED_AT,
                      base_url="https://plans.example.org")
    assert again.files_changed == 0 and snapshot(out) == before

    write_csv(csv_path, [GOOD_ROWS[0], {**GOOD_ROWS[1], "current.weekly_distance": "13"}, GOOD_ROWS[2]])
    third = run_batch(load_roster(csv_path), out, workers=1, generated_at=GENERATED_AT,
                      base_url="https://plans.example.org")
    after = snapshot(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {f"bjorn-ek/{f}" for f in PLAN_FILES} | {"index.html", "summary.csv"}
    assert after["feeds.json"] == before["feeds.json"]
    assert {o.athlete_id for o in third.outcomes if o.changed} == {"bjorn-ek"}
    assert set(third.outcomes[1].changed) == PLAN_FILES

    # a runner whose goal becomes unreachable is reported; the plan of the last good run stays in place
    write_csv(csv_path, [{**GOOD_ROWS[0], "goal.race": "marathon"}, *GOOD_ROWS[1:]])
    fourth = run_batch(load_roster(csv_path), out, workers=1, generated_at=GENERATED_AT,
                       base_url="https://plans.example.org")
    assert fourth.outcomes[0].status == "infeasible" and fourth.kept == ("ada-lovelace",)
    assert snapshot(out)["ada-lovelace/plan.ics"] == after["ada-lovelace/plan.ics"]



def test_processes_write_the_same_bytes_as_one_process(tmp_path):
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS + [IMPOSSIBLE]))
    options = {"generated_at": GENERATED_AT, "base_url": "https://plans.example.org"}
    inline = tmp_path / "inline"
    run_batch(roster, inline, workers=1, **options)
    expected = {k: v[0] for k, v in snapshot(inline).items()}
    for workers in (1, 2):  # one worker as a process of its own, as `planner batch --workers 1` runs it
        out = tmp_path / f"processes-{workers}"
        out.mkdir()
        (out / "feeds.json").write_bytes((inline / "feeds.json").read_bytes())  # the same tokens, the same links
        result = run_batch(roster, out, workers=workers, in_process=False, **options)
        assert (result.executor, result.workers) == ("processes", workers)
        assert {k: v[0] for k, v in snapshot(out).items()} == expected


def test_ctrl_c_in_process_stops_after_the_runner_in_hand(tmp_path):
    rows = [{**GOOD_ROWS[0], "name": f"Runner {i}"} for i in range(4)]
    roster = load_roster(write_csv(tmp_path / "r.csv", rows))
    previous = signal.getsignal(signal.SIGINT)
    seen = []

    def ctrl_c(outcome, done, total):
        seen.append(outcome.athlete_id)
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        run_batch(roster, tmp_path / "out", workers=1, generated_at=GENERATED_AT, progress=ctrl_c)
    assert seen == ["runner-0"] and [p.name for p in (tmp_path / "out").iterdir() if p.is_dir()] == ["runner-0"]
    assert not (tmp_path / "out" / "index.html").exists()  # the group files describe finished batches only
    assert signal.getsignal(signal.SIGINT) is previous


def test_an_exception_in_the_progress_callback_stops_the_batch(tmp_path):
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS))

    def broken(outcome, done, total):
        raise KeyboardInterrupt  # as a Ctrl-C raised in the caller's own code would

    with pytest.raises(KeyboardInterrupt):
        run_batch(roster, tmp_path / "out", workers=1, generated_at=GENERATED_AT, progress=broken)
    assert [p.name for p in (tmp_path / "out").iterdir() if p.is_dir()] == ["ada-lovelace"]


def test_ctrl_c_while_the_group_files_are_written_lets_them_finish(tmp_path, monkeypatch):
    real = batch.write_atomic

    def write_then_interrupt(path, data, **kw):
        if path.name == "index.html":
            os.kill(os.getpid(), signal.SIGINT)
        return real(path, data, **kw)

    monkeypatch.setattr(batch, "write_atomic", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_batch(load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS)), tmp_path / "out", workers=1,
                  generated_at=GENERATED_AT)
    assert (tmp_path / "out" / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    with (tmp_path / "out" / "summary.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_folders_of_runners_no_longer_in_the_roster_are_reported_not_deleted(tmp_path):
    out = tmp_path / "out"
    old = out / "gone-runner"
    old.mkdir(parents=True)
    (old / "plan.json").write_text("{}", encoding="utf-8")
    leftover = out / f"{PARTIAL_PREFIX}x-123"  # what a killed batch left aside
    leftover.mkdir()
    result = run_batch(load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS[:1])), out, workers=1,
                       generated_at=GENERATED_AT)
    assert result.stale == ("gone-runner",) and old.is_dir() and not leftover.exists()


@pytest.mark.parametrize("options, expected", [
    ({"workers": 0}, "--workers"),
    ({"generated_at": "yesterday"}, "--generated-at"),
    ({"base_url": "plans.example.org"}, "base URL"),
    ({"workers": 2, "in_process": True}, "in_process plans one runner at a time"),
])
def test_unusable_options_fail_before_any_work(tmp_path, options, expected):
    roster = load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS[:1]))
    with pytest.raises(Exception) as info:
        run_batch(roster, tmp_path / "out", **{"generated_at": GENERATED_AT, **options})
    assert getattr(info.value, "exit_code", None) == 2 and expected in str(info.value)
    assert not (tmp_path / "out").exists()


def test_library_example_runs(tmp_path):
    done = run_bounded([sys.executable, str(EXAMPLES / "library_api.py"), str(tmp_path / "out")], timeout=300,
                       cwd=EXAMPLES.parent)
    assert done.returncode == 0, done.stderr
    assert "Maya Okafor: 18 weeks to Berlin Half" in done.stdout
    assert done.stdout.count(": ") >= 3 and (tmp_path / "out" / "index.html").is_file()


def test_runner_files_reach_the_disk_in_one_flush_at_the_end(tmp_path, monkeypatch):
    """An fsync per file was most of a batch's writing time: the runners' files are flushed once, after the last
    runner (the rename still keeps each whole for its readers); the group files, written after it, are synced as
    they are written."""
    synced: list[str] = []
    flushes: list[int] = []
    real_fsync = os.fsync

    def fsync(fd):
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name  # ".plan.json.k2j4h.tmp"
        synced.append(name.lstrip(".").rsplit(".", 2)[0])
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", lambda: flushes.append(len(synced)))
    result = run_batch(load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS)), tmp_path / "out", workers=1,
                       generated_at=GENERATED_AT)
    assert sum(o.planned for o in result.outcomes) >= 2
    assert len(flushes) == 1
    assert not [name for name in synced if name.startswith("plan.")]
    assert sorted(synced[flushes[0]:]) == ["index.html", "summary.csv"]


def test_without_os_sync_each_runner_file_is_synced_as_it_is_written(tmp_path, monkeypatch):
    """Where os.sync does not exist (Windows), SYNC_EACH_FILE makes a batch sync every file as planner generate does."""
    from planner import batch_runner

    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name.lstrip(".").rsplit(".", 2)[0])
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", lambda: pytest.fail("os.sync called although each file was synced"))
    monkeypatch.setattr(batch_runner, "SYNC_EACH_FILE", True)
    monkeypatch.setattr(batch, "SYNC_EACH_FILE", True)
    result = run_batch(load_roster(write_csv(tmp_path / "r.csv", GOOD_ROWS)), tmp_path / "out", workers=1,
                       generated_at=GENERATED_AT)
    planned = sum(o.planned for o in result.outcomes)
    assert planned >= 2 and sorted(n for n in synced if n.startswith("plan.")) == sorted(list(PLAN_FILES) * planned)
