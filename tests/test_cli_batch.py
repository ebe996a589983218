"""`planner batch` (planner/cli_batch.py): exit codes, what it prints, and Ctrl-C on a real process."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from typer.testing import CliRunner

from conftest import GENERATED_AT, ROOT, planner_command, subprocess_env
from planner.batch import PARTIAL_PREFIX
from planner.cli import app

runner = CliRunner()
PLAN_FILES = {"plan.json", "plan.csv", "plan.html", "plan.ics"}
CHEAP = {"current.weekly_distance": "20", "current.long_run": "8", "goal.weekly_distance": "22", "weeks": "5",
         "start_date": "2026-12-07", "schedule.run_days": "mon;wed;fri;sun"}
IMPOSSIBLE = {"current.weekly_distance": "10", "current.long_run": "5", "goal.race": "marathon",
              "goal.race_date": "2027-01-10", "start_date": "2026-12-07"}


def roster(path: Path, rows: list[dict[str, str]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


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


def test_ctrl_c_on_a_running_batch_exits_130_and_leaves_only_whole_folders(tmp_path):
    # Fitness plans of 12 weeks (tens of ms each): the batch is still running when Ctrl-C arrives.
    rows = [{"name": f"Runner {i:02d}", **CHEAP, "weeks": "12", "goal.weekly_distance": "26"} for i in range(30)]
    path = roster(tmp_path / "club.csv", rows)
    out = tmp_path / "out"
    process = subprocess.Popen([*planner_command(), "batch", str(path), "-o", str(out), "--workers", "2",
                                "--generated-at", GENERATED_AT], cwd=ROOT, env=subprocess_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        first = process.stderr.readline()  # "3/30 runners done": the pool is up and planning
        assert "runners done" in first, first
        os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group on Ctrl-C
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, (stdout, stderr)
    assert "Interrupted: nothing half-written was left behind." in stderr
    assert_no_traceback(stdout, stderr)
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert 3 <= len(folders) < 30
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == PLAN_FILES, folder
        json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert not list(out.glob(f"{PARTIAL_PREFIX}*")) and not list(out.rglob("*.tmp"))
    assert not (out / "index.html").exists()
    # the next run completes the batch and keeps what was written
    before = {p.name: (p / "plan.json").stat().st_mtime_ns for p in folders}
    time.sleep(0.01)
    done = subprocess.run([*planner_command(), "batch", str(path), "-o", str(out), "--workers", "1",
                           "--generated-at", GENERATED_AT], cwd=ROOT, env=subprocess_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert all((out / name / "plan.json").stat().st_mtime_ns == mtime for name, mtime in before.items())
    assert len([p for p in out.iterdir() if p.is_dir()]) == 30
