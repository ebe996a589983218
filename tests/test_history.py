"""planner.history: summarising runs, updating a profile from the summary, and `planner import` in one call.

Reading the logs is tested in test_activity_logs.py (whose Strava CSV helpers are used here), writing profiles in
test_profile_writer.py.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
import yaml

import planner.history
from conftest import PROFILES_DIR, ROOT
from planner.errors import ProfileError
from planner.history import (
    Activity, HistoryError, HistorySummary, WeekTotal, gear_notes, import_history, summarise, update_profile_data,
)
from planner.profile import KM_PER_MILE, _YamlLoader, load_profile, profile_from_data, read_profile_data
from test_activity_logs import STRAVA_HEADER, strava_row, write_csv

EXAMPLES = ROOT / "examples"
MAYA = PROFILES_DIR / "maya-half.yaml"
MONDAY = dt.date(2026, 11, 30)


def run(date: dt.date, km: float, gear: str | None = None, kind: str = "Run") -> Activity:
    return Activity(date=date, kind=kind, distance_km=km, moving_seconds=km * 360, gear=gear)


# --- the names callers import from planner.history ------------------------------------------------------------------

REEXPORTED = {
    "planner.activity_logs": ("Activity", "ActivityLog", "HistoryError", "is_run_kind", "read_activities", "read_log",
                              "MAX_PLAUSIBLE_RUN_KM", "MAX_PROBLEMS", "RUN_KINDS", "STRAVA_GPX_RUN_TYPE"),
    "planner.profile_writer": ("render_profile", "write_profile"),
}


@pytest.mark.parametrize("module, name", [(module, name) for module, names in REEXPORTED.items() for name in names])
def test_planner_history_re_exports_the_reading_and_writing_names(module, name):
    # replan, api, cli_history and the tests import these from planner.history: they must be the very same objects.
    assert getattr(planner.history, name) is getattr(importlib.import_module(module), name)
    assert name in planner.history.__all__


# --- summarise -------------------------------------------------------------------------------------------------------

def test_the_window_is_the_four_full_weeks_before_todays_week():
    today = dt.date(2026, 12, 2)   # a Wednesday: Mon 30 Nov and Tue 1 Dec are this (partial) week
    runs = [run(dt.date(2026, 11, 1), 50.0),    # Sunday before the window
            run(dt.date(2026, 11, 2), 10.0),    # first day of the window
            run(dt.date(2026, 11, 15), 12.0),
            run(dt.date(2026, 11, 29), 14.0),   # last day of the window
            run(dt.date(2026, 11, 30), 20.0),   # this week: not in the weekly average...
            run(dt.date(2026, 12, 2), 30.0)]    # ...and today: not counted at all
    summary = summarise(runs, today)
    assert [w.monday for w in summary.weeks] == [dt.date(2026, 11, d) for d in (2, 9, 16, 23)]
    assert summary.window == (dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    assert [w.km for w in summary.weeks] == [10.0, 12.0, 0.0, 14.0]
    assert summary.weekly_km == pytest.approx(9.0)
    assert summary.long_run_km == 20.0 and summary.long_run_date == dt.date(2026, 11, 30)
    assert summary.runs == 5 and any("1 run on or after 2026-12-02 not counted" in n for n in summary.notes)


def test_on_a_sunday_the_window_ends_the_sunday_before():
    summary = summarise([run(dt.date(2026, 11, 22), 9.0), run(dt.date(2026, 11, 29), 11.0)], dt.date(2026, 11, 29))
    assert summary.window == (dt.date(2026, 10, 26), dt.date(2026, 11, 22))
    assert summary.weeks[-1].km == 9.0 and summary.long_run_km == 9.0


def test_the_longest_run_is_of_the_30_days_before_today():
    today = MONDAY
    runs = [run(today - dt.timedelta(days=31), 25.0), run(today - dt.timedelta(days=30), 16.0),
            run(today - dt.timedelta(days=3), 12.0), run(today, 30.0)]
    summary = summarise(runs, today)
    assert summary.long_run_km == 16.0 and summary.long_run_date == today - dt.timedelta(days=30)
    assert summarise(runs[:1], today).long_run_km is None


def test_non_runs_do_not_make_the_long_run():
    summary = summarise([run(MONDAY - dt.timedelta(days=2), 60.0, kind="Ride"),
                         run(MONDAY - dt.timedelta(days=3), 8.0)], MONDAY)
    assert summary.long_run_km == 8.0 and summary.weeks[-1].km == 8.0 and summary.weeks[-1].runs == 1


@pytest.mark.parametrize("runs_in_window, expected", [(16, 4), (17, 4), (18, 5), (19, 5), (2, 1), (1, 0)])
def test_runs_per_week_is_the_rounded_average(runs_in_window, expected):
    start = dt.date(2026, 11, 2)
    runs = [run(start + dt.timedelta(days=(i * 27) // max(1, runs_in_window - 1)), 5.0) for i in range(runs_in_window)]
    assert summarise(runs, MONDAY).runs_per_week == expected


def test_gear_totals_are_summed_by_name_ignoring_case_and_spaces():
    runs = [run(dt.date(2026, 10, 1), 10.0, "Pegasus 40"), run(dt.date(2026, 10, 2), 5.5, "pegasus 40 "),
            run(dt.date(2026, 10, 3), 4.5, "  PEGASUS  40"), run(dt.date(2026, 10, 4), 10.0, "Vaporfly 3"),
            run(dt.date(2026, 10, 5), 7.0, None), run(dt.date(2026, 10, 6), 9.0, "Pegasus 40", kind="Walk"),
            run(MONDAY, 12.0, "Vaporfly 3")]   # today: not yet history
    summary = summarise(runs, MONDAY)
    assert summary.gear_km == {"PEGASUS 40": pytest.approx(20.0), "Vaporfly 3": pytest.approx(10.0)}


def test_a_log_starting_inside_the_window_is_noted():
    summary = summarise([run(dt.date(2026, 11, 20), 10.0)], MONDAY)
    assert any("the log starts on 2026-11-20" in n for n in summary.notes)
    assert any("is the export old" in n for n in summarise([run(dt.date(2026, 11, 5), 10.0)], MONDAY).notes)


# --- update_profile_data ---------------------------------------------------------------------------------------------

def summary_of(weekly_km: float, long_km: float | None, runs_per_week: int = 4,
               gear: dict[str, float] | None = None) -> HistorySummary:
    weeks = tuple(WeekTotal(dt.date(2026, 11, 2) + dt.timedelta(weeks=i), weekly_km, runs_per_week) for i in range(4))
    return HistorySummary(today=MONDAY, weeks=weeks, weekly_km=weekly_km, runs_per_week=runs_per_week,
                          long_run_km=long_km, long_run_date=dt.date(2026, 11, 29) if long_km else None,
                          gear_km=gear or {}, runs=4 * runs_per_week)


def test_update_sets_current_and_says_what_changed():
    data = read_profile_data(MAYA)
    before = json.dumps(data, default=str)
    new, changes = update_profile_data(data, summary_of(31.44, 13.96, 5, {"vaporfly 3 ": 75.04}), "km")
    assert json.dumps(data, default=str) == before                       # the input is not changed
    assert new["current"]["weekly_distance"] == 31.4 and new["current"]["long_run"] == 14.0
    assert new["current"]["runs_per_week"] == 5
    assert new["current"]["recent_race"] == data["current"]["recent_race"]
    assert [s["distance"] for s in new["shoes"]] == [420, 75.0]
    assert changes[0].startswith("current.weekly_distance: 30 -> 31.4 km (average of the 4 weeks 2026-11-02 to "
                                 "2026-11-29)")
    assert changes[1].startswith("current.long_run: 12 -> 14 km")
    assert changes[2].startswith("current.runs_per_week: 4 -> 5")
    assert changes[3] == "shoes[Vaporfly 3].distance: 60 -> 75 km (run in them, as logged)"
    assert len(changes) == 4


def test_no_change_lines_when_the_profile_already_agrees():
    data = read_profile_data(MAYA)
    new, changes = update_profile_data(data, summary_of(30.0, 12.0, 4), "km")
    assert changes == [] and new == data


def test_update_in_miles():
    data = {"name": "M", "units": "mi", "current": {"weekly_distance": 20, "long_run": 8},
            "goal": {"weekly_distance": 25}, "shoes": [{"name": "Ghost 16", "distance": 100}]}
    new, changes = update_profile_data(data, summary_of(40.0, 16.0934, 4, {"Ghost 16": 321.87}), "mi")
    assert new["current"]["weekly_distance"] == round(40 / KM_PER_MILE, 1) == 24.9
    assert new["current"]["long_run"] == 10.0 and new["shoes"][0]["distance"] == 200.0
    assert "current.runs_per_week: (not set) -> 4" in changes[2]
    assert all(" mi" in c for c in changes if "distance" in c or "long_run" in c)


def test_the_long_run_is_capped_at_the_weekly_distance():
    new, changes = update_profile_data(read_profile_data(MAYA), summary_of(10.0, 21.1, 1), "km")
    assert new["current"]["long_run"] == 10.0
    assert "capped at the weekly distance" in changes[1] and "21.1 km on 2026-11-29" in changes[1]
    assert profile_from_data(new).current.long_run == 10.0


def test_no_recent_long_run_keeps_the_profiles_unless_too_long():
    data = read_profile_data(MAYA)
    new, _ = update_profile_data(data, summary_of(20.0, None), "km")
    assert new["current"]["long_run"] == 12
    new, changes = update_profile_data(data, summary_of(8.0, None), "km")
    assert new["current"]["long_run"] == 8.0 and any("no run in the last 30 days" in c for c in changes)


def test_shoe_distances_never_go_down_and_match_names_loosely():
    data = {**read_profile_data(MAYA), "shoes": [{"name": " PEGASUS 40", "distance": 420},
                                                  {"name": "Vaporfly 3", "distance": 60},
                                                  {"name": "Spikes"}]}
    new, changes = update_profile_data(data, summary_of(30, 12, 4, {"Pegasus 40": 250.0, "Vaporfly 3": 59.0,
                                                                    "spikes": 12.34}), "km")
    assert [s.get("distance") for s in new["shoes"]] == [420, 60, 12.3]
    assert [c for c in changes if c.startswith("shoes")] == ["shoes[Spikes].distance: (not set) -> 12.3 km "
                                                             "(run in them, as logged)"]
    notes = gear_notes(data, summary_of(30, 12, 4, {"Pegasus 40": 250.0, "Old Clifton": 80.0}), "km")
    assert any("shoe ' PEGASUS 40' kept at 420 km: the log has 250 km" in n for n in notes)
    assert any("gear 'Old Clifton' (80 km logged) matches no shoe" in n for n in notes)
    assert any("shoe 'Vaporfly 3' is not named in the log" in n for n in notes)


def test_runs_per_week_stays_within_the_profiles_range():
    new, _ = update_profile_data(read_profile_data(MAYA), summary_of(60, 15, 9), "km")
    assert new["current"]["runs_per_week"] == 7
    new, _ = update_profile_data(read_profile_data(MAYA), summary_of(5, 5, 0), "km")
    assert new["current"]["runs_per_week"] == 1


def test_no_runs_in_the_window_is_refused():
    with pytest.raises(HistoryError, match="no runs in the 4 full weeks from 2026-11-02 to 2026-11-29"):
        update_profile_data(read_profile_data(MAYA), summary_of(0.0, None, 0), "km")
    with pytest.raises(HistoryError):   # 0.04 km a week rounds to nothing
        update_profile_data(read_profile_data(MAYA), summary_of(0.04, 0.04, 1), "km")


# --- import_history --------------------------------------------------------------------------------------------------

def test_import_without_output_writes_nothing(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = import_history(EXAMPLES / "activities.csv", MAYA, today="2026-11-30")
    assert result.written is None and sorted(p.name for p in tmp_path.iterdir()) == before
    assert result.current_text.startswith("current:\n  weekly_distance: ")
    assert yaml.load(result.current_text, Loader=_YamlLoader) == {"current": result.data["current"]}
    assert any(c.startswith("current.weekly_distance: 30 -> ") for c in result.changes)


@pytest.mark.parametrize("source, target", [("maya-half.yaml", "new.yaml"), ("lena-marathon.toml", "new.toml"),
                                            ("priya-fitness.json", "new.json"), ("maya-half.yaml", "new.toml"),
                                            ("lena-marathon.toml", "new.json")])
def test_import_writes_a_profile_that_loads_with_the_new_numbers(tmp_path, source, target):
    result = import_history(EXAMPLES / "activities.csv", PROFILES_DIR / source, output=tmp_path / target,
                            today=dt.date(2026, 11, 30))
    profile = load_profile(tmp_path / target)
    assert profile.current.weekly_distance == round(result.summary.weekly_km, 1)
    assert profile.current.long_run == round(result.summary.long_run_km, 1)
    assert profile.current.runs_per_week == result.summary.runs_per_week
    original = load_profile(PROFILES_DIR / source)
    assert profile.goal == original.goal and profile.schedule == original.schedule
    text = (tmp_path / target).read_text(encoding="utf-8")
    assert ("Updated by `planner import` from activities.csv, as of 2026-11-30." in text) == (not target.endswith("json"))


def test_import_updates_the_example_shoes(tmp_path):
    result = import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "maya.yaml", today="2026-11-30")
    shoes = {s.name: s.distance for s in load_profile(tmp_path / "maya.yaml").shoes}
    assert shoes["Pegasus 40"] == 420                                  # more than the log knows of: kept
    assert shoes["Vaporfly 3"] == round(result.summary.gear_km["Vaporfly 3"], 1) > 60
    assert any("Pegasus 40' kept at 420 km" in n for n in result.notes)


def test_import_is_deterministic_and_idempotent(tmp_path):
    import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "a.yaml", today="2026-11-30")
    import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "b.yaml", today="2026-11-30")
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    again = import_history(EXAMPLES / "activities.csv", tmp_path / "a.yaml", output=tmp_path / "a.yaml",
                           today="2026-11-30")
    assert again.changes == () and (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


@pytest.mark.parametrize("output, message", [("new.txt", "must end in .yaml, .yml, .toml or .json"),
                                             (".", "is a folder")])
def test_import_refuses_bad_outputs(tmp_path, output, message):
    with pytest.raises(HistoryError, match=message):
        import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / output, today="2026-11-30")


def test_import_refuses_to_overwrite_the_log(tmp_path):
    log = tmp_path / "log.json"
    log.write_text("{}")
    with pytest.raises(HistoryError, match="is the activity log itself"):
        import_history(log, MAYA, output=log, today="2026-11-30")


def test_import_with_a_bad_today_or_profile(tmp_path):
    with pytest.raises(HistoryError, match="--today: '30/11/2026' is not a date"):
        import_history(EXAMPLES / "activities.csv", MAYA, today="30/11/2026")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\n")
    with pytest.raises(ProfileError):
        import_history(EXAMPLES / "activities.csv", bad, today="2026-11-30")


def test_import_of_a_log_that_makes_an_invalid_profile(tmp_path):
    # 500 km a week is beyond what a profile may say (current.weekly_distance <= 400): refused, naming the key.
    rows = [STRAVA_HEADER] + [strava_row(f"Nov {d}, 2026, 6:00:00 AM", "Run", "71", "71500") for d in range(2, 30)]
    log = write_csv(tmp_path / "activities.csv", rows)
    with pytest.raises(HistoryError, match="do not make a valid profile") as err:
        import_history(log, MAYA, output=tmp_path / "new.yaml", today="2026-11-30")
    assert any("current.weekly_distance" in p for p in err.value.problems)
    assert not (tmp_path / "new.yaml").exists()
