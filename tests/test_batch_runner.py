"""planner.batch_runner: one runner planned in memory, then written whole; failures become outcomes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from planner import batch_runner
from planner.batch_roster import load_roster
from planner.batch_runner import (PARTIAL_PREFIX, BatchOptions, RunnerTask, plan_runner, prepare_runner,
                                  remove_partials, write_outcome, write_runner_files)
from planner.engine import build_plan
from planner.errors import InfeasibleGoal
from test_batch import GENERATED_AT, GOOD_ROWS, IMPOSSIBLE, PLAN_FILES, snapshot, write_csv

OPTIONS = BatchOptions(generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    """Ada (a 5k), Björn (fitness, miles), Chen (fitness) and Dora (a marathon she cannot reach safely)."""
    folder = tmp_path_factory.mktemp("roster")
    return load_roster(write_csv(folder / "r.csv", [*GOOD_ROWS, IMPOSSIBLE])).entries


def task(entry, **changes) -> RunnerTask:
    return RunnerTask(entry.index, entry.source, entry.athlete_id, entry.profile, **changes)


def test_prepare_plans_and_renders_without_writing(tmp_path, entries):
    outcome = prepare_runner(task(entries[1]), OPTIONS, tmp_path)
    assert outcome.planned and outcome.athlete_id == "bjorn-ek" and not list(tmp_path.iterdir())
    assert set(outcome.files) == PLAN_FILES and outcome.files_total == 4 and outcome.changed == ()
    assert outcome.solve_s > 0 and outcome.render_s > 0 and outcome.write_s == 0
    summary = outcome.summary
    assert summary.goal == "14 mi a week" and summary.units == "mi" and summary.weeks == 5
    assert len(summary.bars) == 5 and summary.peak_week_km == max(bar.km for bar in summary.bars)
    assert json.loads(outcome.files["plan.json"])["athlete"]["name"] == "Björn Ek"


def test_write_puts_a_new_folder_in_place_whole_then_rewrites_only_what_changed(tmp_path, entries):
    prepared = prepare_runner(task(entries[0]), OPTIONS, tmp_path)
    written = write_outcome(prepared, tmp_path)
    assert set(written.changed) == PLAN_FILES and written.files is None and written.write_s > 0
    assert [p.name for p in tmp_path.iterdir()] == ["ada-lovelace"]  # nothing left aside
    before = snapshot(tmp_path)
    assert write_outcome(prepare_runner(task(entries[0]), OPTIONS, tmp_path), tmp_path).changed == ()
    assert snapshot(tmp_path) == before
    later = write_outcome(prepare_runner(task(entries[0]), BatchOptions("2026-11-26T09:00:00Z"), tmp_path),
                          tmp_path)
    after = snapshot(tmp_path)
    # a day later: the page and plan.json say so; the calendar's events are the same, so plan.ics is left alone
    assert "plan.ics" not in later.changed and after["ada-lovelace/plan.ics"] == before["ada-lovelace/plan.ics"]
    assert {"plan.json", "plan.html"} <= set(later.changed)


def test_remote_workers_get_the_previous_calendar_and_render_the_same_bytes(tmp_path, entries):
    local = plan_runner(task(entries[2]), OPTIONS, tmp_path)
    previous = (tmp_path / "chen" / "plan.ics").read_bytes()
    remote = plan_runner(task(entries[2], previous_ics=previous), BatchOptions("2026-11-26T09:00:00Z"), None)
    assert local.planned and remote.files["plan.ics"] == previous  # every event keeps its DTSTAMP and SEQUENCE
    assert write_outcome(remote, tmp_path).changed == ("plan.json", "plan.html")


def test_an_unreachable_goal_says_what_generate_says(tmp_path, entries):
    dora = entries[3]
    outcome = plan_runner(task(dora), OPTIONS, tmp_path)
    with pytest.raises(InfeasibleGoal) as info:
        build_plan(dora.profile, GENERATED_AT, source=dora.source)
    assert outcome.status == "infeasible" and outcome.exit_code == 3 and not outcome.planned
    assert outcome.lines == tuple(info.value.lines()) and outcome.files is None
    assert not list(tmp_path.iterdir())


def test_a_bug_in_planner_is_an_error_outcome_not_an_exception(tmp_path, entries, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(batch_runner, "build_plan", broken)
    outcome = plan_runner(task(entries[0]), OPTIONS, tmp_path)
    assert outcome.status == "error" and outcome.exit_code == 1
    assert outcome.lines[0].startswith(f"{entries[0].source}: internal error: RuntimeError: solver exploded. ")
    assert "PLANNER_DEBUG=1" in outcome.lines[0] and not list(tmp_path.iterdir())


def test_a_folder_that_cannot_be_written_is_the_runners_failure(tmp_path, entries):
    (tmp_path / "ada-lovelace").write_text("a file where the folder goes", encoding="utf-8")
    outcome = plan_runner(task(entries[0]), OPTIONS, tmp_path)
    assert outcome.status == "error" and outcome.exit_code == 2
    assert f"{tmp_path / 'ada-lovelace'}: cannot write" in outcome.lines[0]
    assert not list(tmp_path.glob(f"{PARTIAL_PREFIX}*"))


def test_ctrl_c_while_a_runner_is_written_waits_until_it_is_whole(tmp_path, monkeypatch):
    calls = []
    real = batch_runner.write_atomic

    def write_then_interrupt(path, data, **kw):
        calls.append(path.name)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first of four files
        return real(path, data, **kw)

    monkeypatch.setattr(batch_runner, "write_atomic", write_then_interrupt)
    files = {name: name.encode() for name in sorted(PLAN_FILES)}
    with pytest.raises(KeyboardInterrupt):
        write_runner_files(tmp_path, "ada", files)
    assert len(calls) == 4
    assert {p.name: p.read_bytes() for p in (tmp_path / "ada").iterdir()} == files
    assert not list(tmp_path.glob(f"{PARTIAL_PREFIX}*"))


def test_removing_one_runners_leftovers_spares_every_other_folder(tmp_path):
    for name in (f"{PARTIAL_PREFIX}ada.k2j4h", f"{PARTIAL_PREFIX}ada-lovelace.x8a1q", "ada", "other"):
        (tmp_path / name).mkdir()
    remove_partials(tmp_path, "ada")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{PARTIAL_PREFIX}ada-lovelace.x8a1q", "ada",
                                                                 "other"])
    remove_partials(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada", "other"]


def test_a_new_folder_is_written_aside_under_a_name_only_its_runner_matches(tmp_path, monkeypatch):
    seen: list[Path] = []
    real = batch_runner.write_atomic

    def spy(path, data, **kw):
        seen.append(path.parent)
        return real(path, data, **kw)

    monkeypatch.setattr(batch_runner, "write_atomic", spy)
    write_runner_files(tmp_path, "ada", {"plan.json": b"{}"})
    (aside,) = set(seen)
    assert aside.parent == tmp_path and aside.name.startswith(f"{PARTIAL_PREFIX}ada.") and not aside.exists()
    assert oct((tmp_path / "ada").stat().st_mode & 0o777) == oct(0o755)
