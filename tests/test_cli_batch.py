"""`planner batch` (planner/cli_batch.py): exit codes, what it prints, and Ctrl-C on a real process.

The Ctrl-C tests run `planner batch` as a process group of its own, as a terminal would; every wait on it is bounded,
and the whole group (workers included) is killed whatever happens, so no test can hang.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import GENERATED_AT, ROOT, planner_command, subprocess_env
from planner.batch import PARTIAL_PREFIX
from planner.batch_pool import RUNNERS_IN_FLIGHT
from planner.cli import app
from test_batch import kill_group, run_bounded
from test_batch import write_csv as roster

runner = CliRunner()
PLAN_FILES = {"plan.json", "plan.csv", "plan.html", "plan.ics"}
CHEAP = {"current.weekly_distance": "20", "current.long_run": "8", "goal.weekly_distance": "22", "weeks": "5",
         "start_date": "2026-12-07", "schedule.run_days": "mon;wed;fri;sun"}
IMPOSSIBLE = {"current.weekly_distance": "10", "current.long_run": "5", "goal.race": "marathon",
              "goal.race_date": "2027-01-10", "start_date": "2026-12-07"}


def invoke(*args):
    return runner.invoke(app, ["batch", *map(str, args)])


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "internal error" not in text, text


def test_all_planned_exits_0_and_says_where_the_overview_is(tmp_path):
    path = roster(tmp_path / "club.csv", [{"name": "Ada", **CHEAP}, {"name": "Bo", "units": "mi", **CHEAP}])
    out = tmp_path / "out"
    result = invoke(path, "-o", out, "--generated-at", GENERATED_AT, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Planned 2 of 2 runners" in result.stdout and f"Group overview: {out / 'index.html'}" in result.stdout
    assert "10 files written, 0 unchanged" in result.stdout
    assert {p.name for p in (out / "ada").iterdir()} == PLAN_FILES and (out / "summary.csv").is_file()
    assert "2/2 runners done" in result.stderr  # not a terminal: plain lines, no progress bar
    again = invoke(path, "-o", out, "--generated-at", GENERATED_AT, "--workers", "1")
    assert again.exit_code == 0 and "0 files written, 10 unchanged" in again.stdout


def test_some_runners_not_planned_exits_1_with_the_count_and_each_reason(tmp_path):
    path = roster(tmp_path / "club.csv", [{"name": "Ada", **CHEAP}, {"name": "Dora", **IMPOSSIBLE},
                                          {"name": "Eve", **CHEAP, "goal.race_nam": "Typo"}])
    out = tmp_path / "out"
    result = invoke(path, "-o", out, "--generated-at", GENERATED_AT, "--workers", "1")
    assert result.exit_code == 1, result.output
    assert_no_traceback(result.stdout, result.stderr)
    assert "Planned 1 of 3 runners" in result.stdout and "2 runners not planned: see" in result.stdout
    assert f"not planned: {path} row 3" in result.stderr and "Not reachable safely: Marathon" in result.stderr
    assert f"not planned: {path} row 4" in result.stderr and "goal.race_nam: unknown key" in result.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["ada"]


def test_defaults_and_feeds_options_reach_the_plans(tmp_path):
    defaults = tmp_path / "club.yaml"
    defaults.write_text("timezone: Asia/Tokyo\nschedule: {start_time: '05:45'}\n", encoding="utf-8")
    path = roster(tmp_path / "club.csv", [{"name": "Ada", **CHEAP}])
    out = tmp_path / "out"
    result = invoke(path, "-o", out, "--defaults", defaults, "--generated-at", GENERATED_AT, "--workers", "1",
                    "--base-url", "https://plans.example.org")
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "ada" / "plan.json").read_text(encoding="utf-8"))
    assert plan["athlete"]["timezone"] == "Asia/Tokyo"
    assert "T054500" in (out / "ada" / "plan.ics").read_text(encoding="utf-8")
    token = json.loads((out / "feeds.json").read_text(encoding="utf-8"))["tokens"]["ada"]
    assert f"https://plans.example.org/feeds/{token}.ics" in (out / "index.html").read_text(encoding="utf-8")


def test_unusable_roster_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "club.csv"
    path.write_text("runner,current.long_run\nAda,8\n", encoding="utf-8")
    result = invoke(path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert_no_traceback(result.stdout, result.stderr)
    assert "no `name` column" in result.stderr and not (tmp_path / "out").exists()


def test_bad_options_exit_2(tmp_path):
    path = roster(tmp_path / "club.csv", [{"name": "Ada", **CHEAP}])
    both = invoke(path, "-o", tmp_path / "out", "--dask", "--scheduler", "tcp://127.0.0.1:8786")
    assert both.exit_code == 2 and "either --scheduler ADDRESS or --dask" in both.stderr
    assert invoke(path, "-o", tmp_path / "out", "--workers", "0").exit_code == 2
    when = invoke(path, "-o", tmp_path / "out", "--generated-at", "soon")
    assert when.exit_code == 2 and "--generated-at" in when.stderr
    assert invoke(path).exit_code == 2  # -o is required


def test_help_explains_the_roster_and_exit_codes():
    result = runner.invoke(app, ["batch", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for text in ("schedule.run_days", "--defaults", "--workers", "--scheduler", "--dask", "--generated-at",
                 "Exit status: 0 all planned, 1 some not planned, 2"):
        assert text in result.stdout, text


class StderrLines:
    """A process's stderr, read line by line in a thread, so that waiting for a line can time out."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: any(text in line for line in self.lines), timeout)

    def text(self) -> str:
        self.thread.join(timeout=30)
        with self.changed:
            return "".join(self.lines)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


MOMENTS = {  # when Ctrl-C comes; the batch cannot have finished at any of them (one of its runners never does)
    "as the workers start": lambda out, lines: wait_until(lambda: (out / "feeds.json").exists(), 120),
    "mid-run": lambda out, lines: lines.wait_for("1/12 runners done", 120),
    # the other worker has planned every runner it could: all but those sent to the stuck one
    "near the end": lambda out, lines: lines.wait_for(f"{12 - RUNNERS_IN_FLIGHT}/12 runners done", 120),
}


@pytest.mark.skipif(os.name != "posix", reason="a terminal's Ctrl-C to a process group; a FIFO")
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_at_any_moment_exits_130_at_once_leaving_only_whole_folders(tmp_path, moment):
    path = roster(tmp_path / "club.csv", [{"name": f"Runner {i:02d}", **CHEAP} for i in range(12)])
    out = tmp_path / "out"
    # runner-01's previous calendar is a FIFO nobody writes to: planning it never ends, like a solve that takes for
    # ever, so the batch is surely still running when Ctrl-C comes, and it must not wait for that runner
    (out / "runner-01").mkdir(parents=True)
    os.mkfifo(out / "runner-01" / "plan.ics")
    process = subprocess.Popen([*planner_command(), "batch", str(path), "-o", str(out), "--workers", "2",
                                "--generated-at", GENERATED_AT], cwd=ROOT, env=subprocess_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        lines = StderrLines(process)
        assert MOMENTS[moment](out, lines), lines.text()
        os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group on Ctrl-C
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running 60 s after Ctrl-C {moment}")
    finally:
        kill_group(process)  # whatever is left of the group, workers included (nothing, when all went well)
    stderr = lines.text()
    assert process.returncode == 130, stderr
    assert "Interrupted: nothing half-written was left behind." in stderr
    assert_no_traceback(stderr)
    folders = [p for p in out.iterdir() if p.is_dir() and p.name != "runner-01"]
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == PLAN_FILES, folder
        json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert not list(out.glob(f"{PARTIAL_PREFIX}*")) and not list(out.rglob("*.tmp"))
    assert not (out / "index.html").exists()
    if moment == "near the end":
        assert len(folders) == 12 - RUNNERS_IN_FLIGHT
    if moment == "mid-run":  # the next run completes the batch and keeps what was written
        (out / "runner-01" / "plan.ics").unlink()
        before = {p.name: (p / "plan.json").stat().st_mtime_ns for p in folders}
        done = run_bounded([*planner_command(), "batch", str(path), "-o", str(out), "--generated-at", GENERATED_AT],
                           timeout=300, cwd=ROOT, env=subprocess_env())
        assert done.returncode == 0, done.stderr
        assert all((out / name / "plan.json").stat().st_mtime_ns == mtime for name, mtime in before.items())
        assert len([p for p in out.iterdir() if p.is_dir()]) == 12
