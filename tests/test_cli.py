"""Tests of planner/cli.py: in-process through Typer's CliRunner, and as real subprocesses of the installed command.

Exit codes (architecture.md): 0 ok, 1 failed check or internal error, 2 bad input, 3 goal not reachable safely.
Bad input and unreachable goals must leave no traceback and write nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from conftest import (
    BAD_DIR, GENERATED_AT, PROFILES_DIR, ROOT, example_profile_paths, planner_command, subprocess_env,
)
from planner import __version__
from planner.cli import app

OUTPUT_FILES = ("plan.json", "plan.csv", "plan.html", "plan.ics")
MAYA = PROFILES_DIR / "maya-half.yaml"
runner = CliRunner()

UNREACHABLE_YAML = """\
# A marathon five weeks out from 10 km a week (profile-format.md's example of an unreachable goal).
name: Quick Marathon
current: {weekly_distance: 10, long_run: 5}
goal: {race: marathon, race_date: 2027-01-10}
start_date: 2026-12-07
"""
SEVERE_PAIN_YAML = """\
name: Sore Shin
current: {weekly_distance: 25, long_run: 9}
goal: {race: 10k, race_date: 2027-03-21}
start_date: 2026-12-14
health:
  pain: [{area: shin, severity: 8, since: 2026-11-10}]
  cleared_by_professional: false
"""


def run_planner(*args: str | Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real `planner` command in a subprocess."""
    return subprocess.run([*planner_command(), *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          env={**subprocess_env(), **(env or {})}, timeout=timeout, cwd=ROOT)


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


# --- generate ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """maya-half.yaml generated twice by subprocesses with different hash seeds, and sam-5k once in-process."""
    base = tmp_path_factory.mktemp("generated")
    out = {}
    for name, seed in (("first", "1"), ("second", "2")):
        result = run_planner("generate", MAYA, "-o", base / name, "--generated-at", GENERATED_AT,
                             env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        assert_no_traceback(result.stdout, result.stderr)
        out[name] = base / name
    return out


def test_generate_writes_the_four_files(generated):
    folder = generated["first"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUT_FILES)
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert plan["format"] == "planner-plan/1" and plan["generated_at"] == GENERATED_AT
    assert plan["athlete"]["id"] == "maya-okafor"
    rows = list(csv.DictReader(io.StringIO((folder / "plan.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(plan["days"])
    html = (folder / "plan.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "Maya Okafor" in html
    ics = (folder / "plan.ics").read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.rstrip().endswith(b"END:VCALENDAR")


def test_generate_is_byte_identical_across_runs(generated):
    for name in OUTPUT_FILES:
        first = (generated["first"] / name).read_bytes()
        second = (generated["second"] / name).read_bytes()
        assert first == second, f"{name} differs between two runs"


def test_generate_reports_a_summary_and_the_files(tmp_path):
    result = invoke("generate", PROFILES_DIR / "sam-5k.yaml", "-o", tmp_path / "sam", "--generated-at", GENERATED_AT)
    assert result.exit_code == 0, result.output
    assert "Sam Whitfield" in result.stdout and "all 12 rules hold" in result.stdout
    assert re.search(r"peak week \d+\.\d mi", result.stdout)  # a miles profile is reported in miles
    for name in OUTPUT_FILES:
        assert f"wrote {tmp_path / 'sam' / name}" in result.stdout
    again = invoke("generate", PROFILES_DIR / "sam-5k.yaml", "-o", tmp_path / "sam", "--generated-at", GENERATED_AT)
    assert again.exit_code == 0 and "unchanged" in again.stdout


@pytest.mark.parametrize("path", example_profile_paths(), ids=lambda p: p.name)
def test_generate_every_example_in_process(path, tmp_path, example_plan):
    result = invoke("generate", path, "-o", tmp_path, "--generated-at", GENERATED_AT)
    assert result.exit_code == 0, result.output
    _, plan = example_plan(path)
    assert (tmp_path / "plan.json").read_text(encoding="utf-8") == plan.to_json()


def test_generate_creates_nested_output_folders(tmp_path):
    out = tmp_path / "a" / "b" / "c"
    result = invoke("generate", PROFILES_DIR / "priya-fitness.json", "-o", out, "--generated-at", GENERATED_AT)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


def test_python_dash_m_planner_works(tmp_path):
    import sys
    result = subprocess.run([sys.executable, "-m", "planner", "generate", str(PROFILES_DIR / "sam-5k.yaml"), "-o",
                             str(tmp_path), "--generated-at", GENERATED_AT], capture_output=True, text=True,
                            env=subprocess_env(), timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.json").exists()


# --- bad input: exit 2, a message, no traceback, nothing written ------------------------------------------

BAD_FILES = sorted(p for p in BAD_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.mark.parametrize("path", BAD_FILES + [BAD_DIR / "missing.yaml"], ids=lambda p: p.name)
def test_bad_profile_exits_2_with_a_message_and_writes_nothing(path, tmp_path):
    out = tmp_path / "out"
    result = invoke("generate", path, "-o", out, "--generated-at", GENERATED_AT)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{path}: ") for line in lines), lines
    assert_no_traceback(result.stderr)
    assert not out.exists()


@pytest.mark.parametrize("name", ["unknown-key-nested.yaml", "invalid-syntax.toml", "several-problems.yaml",
                                  "race-date-before-next-monday.yaml"])
def test_bad_profile_in_a_subprocess_leaves_an_existing_folder_untouched(name, tmp_path, generated):
    out = tmp_path / "out"
    out.mkdir()
    before = {}
    for f in OUTPUT_FILES:
        (out / f).write_bytes((generated["first"] / f).read_bytes())
        before[f] = ((out / f).read_bytes(), (out / f).stat().st_mtime_ns)
    result = run_planner("generate", BAD_DIR / name, "-o", out, "--generated-at", GENERATED_AT)
    assert result.returncode == 2
    assert_no_traceback(result.stdout, result.stderr)
    assert str(BAD_DIR / name) in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    for f in OUTPUT_FILES:
        assert ((out / f).read_bytes(), (out / f).stat().st_mtime_ns) == before[f]


def test_several_problems_give_several_lines(tmp_path):
    path = BAD_DIR / "several-problems.yaml"
    result = invoke("generate", path, "-o", tmp_path / "out")
    problems = [line for line in result.stderr.splitlines() if re.match(re.escape(str(path)) + r": [\w.\[\]]+: ",
                                                                         line)]
    assert len(problems) == 4


def test_bad_generated_at_is_bad_input(tmp_path):
    result = invoke("generate", MAYA, "-o", tmp_path / "out", "--generated-at", "next tuesday")
    assert result.exit_code == 2
    assert "--generated-at" in result.stderr and not (tmp_path / "out").exists()


def test_output_path_that_is_a_file_is_bad_input(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = invoke("generate", PROFILES_DIR / "sam-5k.yaml", "-o", target, "--generated-at", GENERATED_AT)
    assert result.exit_code == 2
    assert str(target) in result.stderr
    assert_no_traceback(result.stderr)
    assert target.read_text() == "not a folder"


# --- goals that cannot be reached safely: exit 3 -------------------------------------------------------------

def test_unreachable_goal_exits_3_with_the_rule_and_a_suggestion(tmp_path):
    profile = tmp_path / "quick-marathon.yaml"
    profile.write_text(UNREACHABLE_YAML, encoding="utf-8")
    out = tmp_path / "out"
    result = run_planner("generate", profile, "-o", out, "--generated-at", GENERATED_AT)
    assert result.returncode == 3, result.stderr
    assert_no_traceback(result.stdout, result.stderr)
    assert re.search(r"\brule \d+\b", result.stderr), result.stderr
    assert re.search(r"earliest race date .*\d{4}-\d{2}-\d{2}|you can safely be ready for a", result.stderr)
    assert not out.exists()


def test_severe_pain_without_clearance_exits_3(tmp_path):
    profile = tmp_path / "sore.yaml"
    profile.write_text(SEVERE_PAIN_YAML, encoding="utf-8")
    out = tmp_path / "out"
    result = run_planner("generate", profile, "-o", out, "--generated-at", GENERATED_AT)
    assert result.returncode == 3
    assert_no_traceback(result.stdout, result.stderr)
    assert re.search(r"physiotherapist|doctor|professional", result.stderr)
    assert "cleared_by_professional" in result.stderr
    assert not out.exists()


def test_severe_pain_with_clearance_plans(tmp_path):
    profile = tmp_path / "cleared.yaml"
    profile.write_text(SEVERE_PAIN_YAML.replace("cleared_by_professional: false", "cleared_by_professional: true"),
                       encoding="utf-8")
    result = invoke("generate", profile, "-o", tmp_path / "out", "--generated-at", GENERATED_AT)
    assert result.exit_code == 0, result.output
    assert "note:" in result.stdout  # the pain warning is shown


# --- check ----------------------------------------------------------------------------------------------------

def test_check_passes_a_generated_plan(generated):
    result = run_planner("check", MAYA, generated["first"] / "plan.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 12 rules hold" in result.stdout


def _tampered(plan_path: Path, out: Path, week_index: int = 5, factor: float = 1.3) -> Path:
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    week = data["weeks"][week_index]
    start = dt.date.fromisoformat(week["start"])
    total = 0.0
    for day in data["days"]:
        if start <= dt.date.fromisoformat(day["date"]) < start + dt.timedelta(days=7) and day["run"]:
            day["run"]["distance_km"] = round(day["run"]["distance_km"] * factor, 1)
            total += day["run"]["distance_km"]
    week["distance_km"] = round(total, 1)
    out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return out


def test_check_finds_a_week_bumped_by_30_percent(generated, tmp_path):
    tampered = _tampered(generated["first"] / "plan.json", tmp_path / "plan.json")
    result = run_planner("check", MAYA, tampered)
    assert result.returncode == 1
    assert_no_traceback(result.stdout, result.stderr)
    lines = result.stdout.strip().splitlines()
    assert lines and all(re.match(r"rule \d+ \(.+\), .+: .+", line) for line in lines), lines
    assert any(line.startswith("rule 1 (Progression cap), week 6") for line in lines)
    assert re.search(r"\d+ violations?", result.stderr)


def test_check_in_process_lists_every_violation(generated, tmp_path):
    tampered = _tampered(generated["first"] / "plan.json", tmp_path / "plan.json")
    result = invoke("check", MAYA, tampered)
    assert result.exit_code == 1
    rules = {int(m.group(1)) for m in re.finditer(r"^rule (\d+) ", result.stdout, re.M)}
    assert {1, 2} <= rules


def test_check_against_the_wrong_profile_fails(generated):
    result = invoke("check", PROFILES_DIR / "sam-5k.yaml", generated["first"] / "plan.json")
    assert result.exit_code == 1 and "rule " in result.stdout


@pytest.mark.parametrize("content", [None, "{not json", '{"format": "planner-plan/9"}', "[1, 2]"])
def test_check_with_an_unreadable_plan_is_bad_input(content, tmp_path):
    plan = tmp_path / "plan.json"
    if content is not None:
        plan.write_text(content, encoding="utf-8")
    result = invoke("check", MAYA, plan)
    assert result.exit_code == 2
    assert str(plan) in result.stderr
    assert_no_traceback(result.stderr)


def test_check_with_a_bad_profile_is_bad_input(generated):
    result = invoke("check", BAD_DIR / "unknown-key-top.yaml", generated["first"] / "plan.json")
    assert result.exit_code == 2 and "colour" in result.stderr


# --- schema and version ------------------------------------------------------------------------------------------

def test_schema_prints_a_json_schema_that_validates_the_examples():
    jsonschema = pytest.importorskip("jsonschema")
    from planner.profile import read_profile_data
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in example_profile_paths():
        data = json.loads(json.dumps(read_profile_data(path), default=lambda v: v.isoformat()))
        assert list(validator.iter_errors(data)) == [], path.name
    assert list(validator.iter_errors({"name": "x"}))  # current and goal are required


def test_schema_in_a_subprocess_is_plain_json():
    result = run_planner("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"]


def test_version():
    result = invoke("version")
    assert result.exit_code == 0 and result.stdout.strip() == f"planner {__version__}"


# --- help and the README -------------------------------------------------------------------------------------

def command_paths() -> list[tuple[str, ...]]:
    """Every command of the CLI as a path of names: ("generate",), ("feeds", "list"), ..."""
    root = typer.main.get_command(app)
    out: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name, command in sorted(group.commands.items()):
            path = (*prefix, name)
            out.append(path)
            if isinstance(command, click.Group):
                walk(command, path)

    walk(root, ())
    return out


def test_the_cli_has_the_commands_of_the_issue():
    paths = command_paths()
    assert {("generate",), ("check",), ("schema",)} <= set(paths)


def test_top_level_help():
    result = invoke("--help")
    assert result.exit_code == 0
    for path in command_paths():
        if len(path) == 1:
            assert path[0] in result.stdout


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help(path):
    root = typer.main.get_command(app)
    command = root
    for name in path:
        command = command.commands[name]
    assert (command.help or command.short_help or "").strip(), f"{' '.join(path)} has no help text"
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and path[-1] in result.stdout


def test_help_works_in_a_subprocess():
    result = run_planner("generate", "--help")
    assert result.returncode == 0 and "--generated-at" in result.stdout


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_is_in_the_readme(path):
    readme = ROOT / "README.md"
    assert readme.exists(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    assert re.search(r"planner\s+" + r"\s+".join(map(re.escape, path)) + r"\b", text), \
        f"`planner {' '.join(path)}` is not in README.md's command reference"


# --- the console entry point ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, code", [(["version"], 0), (["check", "missing.yaml", "missing.json"], 2),
                                        (["generate", "--help"], 0)])
def test_commands_that_hold_nothing_open_end_the_process_at_once_with_their_exit_code(argv, code, monkeypatch,
                                                                                        capsys):
    """generate, check, schema, version, import and replan skip Python's teardown once their output is flushed;
    the exit code is the command's."""
    from planner import cli
    ended: list[int] = []

    def fake_exit(status: int) -> None:
        ended.append(status)
        raise SystemExit(status)  # stands in for os._exit, which would end pytest too

    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(cli.sys, "argv", ["planner", *argv])
    with pytest.raises(SystemExit):
        cli.main()
    assert ended == [code]
    out = capsys.readouterr()
    assert out.out or out.err


def test_other_commands_end_the_ordinary_way(monkeypatch):
    from planner import cli
    monkeypatch.setattr(cli.os, "_exit", lambda status: pytest.fail("serve and batch must end the ordinary way"))
    monkeypatch.setattr(cli.sys, "argv", ["planner", "feeds", "--help"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 0


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`planner generate ... | true`: the files are written, the report's reader is gone; no 'internal error',
    no traceback, and the exit status a shell expects of a command whose pipe closed (141)."""
    proc = subprocess.Popen([*planner_command(), "generate", str(PROFILES_DIR / "maya-half.yaml"), "-o",
                             str(tmp_path / "out"), "--generated-at", GENERATED_AT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env())
    proc.stdout.close()  # the reader is gone before the plan is solved, so the first line of the report hits it
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert "internal error" not in err and "Traceback" not in err
    assert code == 141
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plan.csv", "plan.html", "plan.ics", "plan.json"]
