"""`planner import` (planner/cli_history.py): through Typer's CliRunner and as a real subprocess.

Exit codes: 0 done, 2 the log, the profile or the options cannot be used; bad input leaves no traceback and no file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import GENERATED_AT, PROFILES_DIR, ROOT, planner_command, subprocess_env
from planner.cli import app
from planner.history import import_history
from planner.plan import load_plan
from planner.profile import KM_PER_MILE, load_profile

EXAMPLES = ROOT / "examples"
STRAVA = EXAMPLES / "activities.csv"
MAYA = PROFILES_DIR / "maya-half.yaml"
TODAY = "2026-11-30"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def run_planner(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*planner_command(), *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          env=subprocess_env(), timeout=timeout, cwd=ROOT)


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


def test_import_prints_the_changes_and_writes_nothing(tmp_path):
    expected = import_history(STRAVA, MAYA, today=TODAY)
    before = MAYA.read_bytes()
    result = invoke("import", STRAVA, "--profile", MAYA, "--today", TODAY)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(Strava export): 58 activities, 38 runs, 2026-09-29 to 2026-11-29." in out
    assert "The 4 full weeks before 2026-11-30 (2026-11-02 to 2026-11-29):" in out
    for change in expected.changes:
        assert f"  {change}\n" in out
    assert f"current.weekly_distance: 30 -> {round(expected.summary.weekly_km, 1):g} km" in out
    assert "shoes[Vaporfly 3].distance: 60 -> " in out
    assert "nothing written: pass -o NEW_PROFILE" in out and "Wrote" not in out
    assert out.rstrip().endswith(expected.current_text.rstrip())
    assert MAYA.read_bytes() == before


def test_import_writes_a_profile_that_plans(tmp_path):
    new = tmp_path / "maya-now.yaml"
    result = run_planner("import", STRAVA, "--profile", MAYA, "-o", new, "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert f"Wrote {new}" in result.stdout and "current.weekly_distance: 30 -> " in result.stdout
    profile = load_profile(new)
    summary = import_history(STRAVA, MAYA, today=TODAY).summary
    assert profile.current.weekly_distance == round(summary.weekly_km, 1) != 30
    assert profile.current.long_run == round(summary.long_run_km, 1)

    out = tmp_path / "plan"
    generated = run_planner("generate", new, "-o", out, "--generated-at", GENERATED_AT)
    assert generated.returncode == 0, generated.stderr
    plan = load_plan(out / "plan.json")
    assert plan.athlete.name == "Maya Okafor" and plan.weeks
    checked = run_planner("check", new, out / "plan.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("source, target", [("lena-marathon.toml", "lena.toml"), ("priya-fitness.json", "p.json"),
                                            ("maya-half.yaml", "maya.toml")])
def test_import_keeps_or_switches_the_format_by_extension(tmp_path, source, target):
    result = invoke("import", STRAVA, "--profile", PROFILES_DIR / source, "-o", tmp_path / target, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert load_profile(tmp_path / target).name == load_profile(PROFILES_DIR / source).name
    if target.endswith(".json"):
        json.loads((tmp_path / target).read_text(encoding="utf-8"))


def test_import_garmin_in_miles_and_gpx():
    km = invoke("import", EXAMPLES / "garmin-activities.csv", "--profile", MAYA, "--today", TODAY)
    mi = invoke("import", EXAMPLES / "garmin-activities.csv", "--profile", MAYA, "--today", TODAY, "--units", "mi")
    assert km.exit_code == 0 and mi.exit_code == 0, km.output + mi.output
    assert "(Garmin Connect export): 8 activities, 5 runs" in km.stdout
    assert re.search(r"week of 2026-11-23: +34\.7 km, 4 runs", km.stdout)
    assert re.search(rf"week of 2026-11-23: +{34.74 * KM_PER_MILE:.1f} km, 4 runs", mi.stdout)   # read as miles
    assert "read in mi (the column does not say; change with --units)" in mi.stdout
    gpx = invoke("import", EXAMPLES / "gpx", "--profile", MAYA, "--today", TODAY)
    assert gpx.exit_code == 0 and "(GPX folder): 3 activities, 2 runs" in gpx.stdout


def test_import_bad_log_exits_2_naming_the_file_and_column(tmp_path):
    log = tmp_path / "export.csv"
    log.write_text("Activity ID,Activity Date,Activity Type\n1,\"Nov 3, 2026, 6:00:00 AM\",Run\n", encoding="utf-8")
    new = tmp_path / "new.yaml"
    result = run_planner("import", log, "--profile", MAYA, "-o", new, "--today", TODAY)
    assert result.returncode == 2
    assert_no_traceback(result.stdout, result.stderr)
    assert "export.csv" in result.stderr and "'Distance'" in result.stderr
    assert not new.exists()


@pytest.mark.parametrize("args, message", [
    (("import", ROOT / "no-such-log.csv", "--profile", MAYA), "no such file or folder"),
    (("import", STRAVA, "--profile", MAYA, "--today", "tomorrow"), "--today: 'tomorrow' is not a date"),
    (("import", STRAVA, "--profile", PROFILES_DIR / "missing.yaml"), "no such file"),
    (("import", STRAVA, "--profile", MAYA, "--today", "2020-01-06"), "no runs in the 4 full weeks"),
])
def test_import_bad_input_exits_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert_no_traceback(result.output)


def test_import_rejects_unknown_units():
    result = invoke("import", STRAVA, "--profile", MAYA, "--units", "furlongs")
    assert result.exit_code == 2 and "furlongs" in result.output


def test_import_help():
    result = invoke("import", "--help")
    assert result.exit_code == 0
    assert re.search(r"planner import \[OPTIONS\] \{?LOG\}?", result.stdout)
    for word in ("--profile", "--output", "NEW_PROFILE", "--today", "--units", "Strava", "Garmin", "GPX"):
        assert word in result.stdout
