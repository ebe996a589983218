"""`planner replan` (planner/cli_replan.py over planner/api.py replan_plan_files): CliRunner and a real subprocess.

A half-marathon plan is generated once; each test copies its folder and re-plans it after a synthetic Strava log
written from the plan's own days (all run, a week dropped, a week run 30% long, two weeks of illness...). What is
checked is what the runner and their calendar see: the days before --today are kept, every re-planned plan passes
the checker, past calendar events keep UID, SEQUENCE and content, changed future events get SEQUENCE + 1, and a
second identical run changes no file. Exit codes: 0 re-planned, 2 bad input, 3 nothing safe remains.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shlex
import shutil
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import icalendar
import pytest

from conftest import ROOT
from planner import checks
from planner.api import certified_profile, generate_plan_files
from planner.history import read_log
from planner.plan import Plan, load_plan
from planner.profile import load_profile
from test_cli_history import assert_no_traceback, invoke, run_planner

OUTPUT_FILES = ("plan.json", "plan.csv", "plan.html", "plan.ics")
GENERATED_AT = "2026-12-01T10:00:00Z"
REPLANNED_AT = "2027-01-18T06:00:00Z"
TODAY = dt.date(2027, 1, 18)          # Monday of week 7 (a build week after the build week 6)
WEEK_6 = (dt.date(2027, 1, 11), dt.date(2027, 1, 17))
RACE_WEEK = dt.date(2027, 3, 8)       # Monday of the race week; the race is on Sunday 14 March
PROFILE_YAML = """\
name: Rae Plan
id: rae-plan
timezone: Europe/Berlin
units: km
current: {weekly_distance: 30, long_run: 11, runs_per_week: 4}
goal: {race: half, race_date: 2027-03-14, race_name: Test Half}
start_date: 2026-12-07
schedule:
  run_days: [tue, thu, sat, sun]
  long_run_day: sun
  strength_days: [tue, thu]
  max_minutes: {default: 80, sun: 160}
shoes:
  - {name: Pegasus 40, distance: 200, replace_at: 700}
"""
# The columns of Strava's bulk export that matter, with its repeated names: the first Distance in the athlete's
# display units (km here), the second in metres; the first Elapsed Time in seconds, the second too.
STRAVA_HEADER = ["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Elapsed Time", "Distance",
                 "Activity Gear", "Elapsed Time", "Moving Time", "Distance", "Elevation Gain"]


# --- helpers ---------------------------------------------------------------------------------------------------

def write_strava_log(path: Path, runs: list[tuple[dt.date, float]], *, zone: str = "Europe/Berlin") -> Path:
    """A Strava activities.csv with one run at 07:00 local time (written in UTC, as Strava does) per (date, km),
    and a bike ride each Wednesday between them, which must not count."""
    tz = ZoneInfo(zone)
    rows = []
    first, last = (min(d for d, _ in runs), max(d for d, _ in runs)) if runs else (dt.date.min, dt.date.min)
    rides = [first + dt.timedelta(days=i) for i in range((last - first).days)
             if (first + dt.timedelta(days=i)).weekday() == 2]
    for n, (date, km, kind) in enumerate(sorted([(d, km, "Run") for d, km in runs] +
                                                [(d, 25.0, "Ride") for d in rides])):
        utc = dt.datetime(date.year, date.month, date.day, 7, 0, tzinfo=tz).astimezone(dt.timezone.utc)
        stamp = f"{utc:%b} {utc.day}, {utc.year}, {utc.hour % 12 or 12}:{utc:%M:%S} {'AM' if utc.hour < 12 else 'PM'}"
        seconds = round(km * 6 * 60) if kind == "Run" else round(km * 150)
        rows.append([str(17000000000 + n), stamp, f"Morning {kind}", kind, str(seconds), f"{km:.2f}",
                     "Pegasus 40" if kind == "Run" else "", str(seconds), str(seconds - 30), f"{km * 1000:.1f}",
                     "12.0"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(STRAVA_HEADER)
        writer.writerows(rows)
    return path


def planned_runs(plan: Plan, before: dt.date, factor: Callable[[dt.date], float] = lambda d: 1.0
                 ) -> list[tuple[dt.date, float]]:
    """Each planned run before ``before`` as (date, km), its distance times ``factor(date)``; 0 drops the run."""
    return [(d.date, round(d.run.distance_km * factor(d.date), 2)) for d in plan.days
            if d.run is not None and d.date < before and factor(d.date) > 0]


def in_week_6(date: dt.date) -> bool:
    return WEEK_6[0] <= date <= WEEK_6[1]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {name: ((folder / name).read_bytes(), (folder / name).stat().st_mtime_ns) for name in OUTPUT_FILES}


STAMPS = ("DTSTAMP", "SEQUENCE", "LAST-MODIFIED")


def calendar_events(path: Path) -> dict[str, dict]:
    """plan.ics read with the icalendar library (not planner's own reader): UID -> date, SEQUENCE, stamps, content."""
    events = {}
    for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        start = event.decoded("DTSTART")
        events[str(event["UID"])] = {
            "date": start.date() if isinstance(start, dt.datetime) else start,
            "sequence": int(event.get("SEQUENCE", 0)),
            "dtstamp": event.decoded("DTSTAMP"), "modified": event.decoded("LAST-MODIFIED"),
            "content": {k: event[k].to_ical() if hasattr(event[k], "to_ical") else str(event[k])
                        for k in event if k not in STAMPS},
        }
    return events


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    """The test profile and the folder `planner generate` wrote for it (never changed: tests copy it)."""
    base = tmp_path_factory.mktemp("replan")
    profile = base / "rae.yaml"
    profile.write_text(PROFILE_YAML, encoding="utf-8")
    generate_plan_files(profile, base / "plan", generated_at=GENERATED_AT)
    return profile, base / "plan"


@pytest.fixture
def folder(generated, tmp_path) -> Path:
    """A fresh copy of the generated plan's folder."""
    return Path(shutil.copytree(generated[1], tmp_path / "plan"))


@pytest.fixture
def profile(generated) -> Path:
    return generated[0]


def replan(profile: Path, folder: Path, log: Path, today: dt.date | str, *extra):
    result = invoke("replan", profile, "--log", log, "-o", folder, "--today", str(today),
                    "--generated-at", REPLANNED_AT, *extra)
    assert_no_traceback(result.output)
    return result


def assert_replanned(profile: Path, before: Plan, after: Plan, today: dt.date) -> None:
    """What holds for every re-plan: the days lived kept exactly, the plan certified, the comparison present."""
    assert [d for d in after.days if d.date < today] == [d for d in before.days if d.date < today]
    assert [r for r in after.reminders if r.date < today] == [r for r in before.reminders if r.date < today]
    assert after.start_date == before.start_date
    assert checks.check_plan(after, certified_profile(load_profile(profile), before, after)) == []
    assert after.actual is not None and after.actual.replanned_on == today
    assert after.generated_at == REPLANNED_AT


def assert_calendar_follows(old: dict[str, dict], new: dict[str, dict], today: dt.date) -> int:
    """Past events unchanged (UID, SEQUENCE, stamps, content); future events: SEQUENCE + 1 exactly when changed.

    Returns how many future events changed."""
    stamp = dt.datetime(2027, 1, 18, 6, 0, tzinfo=dt.timezone.utc)
    past = {uid: e for uid, e in old.items() if e["date"] < today}
    assert past, "the plan had events before today"
    for uid, event in past.items():
        assert uid in new, f"past event {uid} on {event['date']} disappeared"
        assert new[uid] == event, f"past event on {event['date']} changed"
    assert not [e for uid, e in new.items() if uid not in old and e["date"] < today], "a past event was added"
    changed = 0
    for uid, event in new.items():
        if uid not in old or event["date"] < today:
            continue
        if event["content"] != old[uid]["content"]:
            changed += 1
            assert event["sequence"] == old[uid]["sequence"] + 1
            assert event["modified"] == event["dtstamp"] == stamp
        else:
            assert (event["sequence"], event["dtstamp"]) == (old[uid]["sequence"], old[uid]["dtstamp"])
    return changed


# --- re-planning after what was run ------------------------------------------------------------------------------

def test_after_a_missed_week_the_next_weeks_are_lower(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    old_events = calendar_events(folder / "plan.ics")
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, TODAY, lambda d: 0.0 if in_week_6(d) else 1.0))
    result = replan(profile, folder, log, TODAY)
    assert result.exit_code == 0, result.output
    after = load_plan(folder / "plan.json")
    assert_replanned(profile, before, after, TODAY)
    old_week, new_week = before.week_of(TODAY), after.week_of(TODAY)
    assert new_week.distance_km < old_week.distance_km
    # rule 1 measured on what was run: week 6 (missed) is no reference, week 5 is: 10% over what was run in it
    week_5 = next(w for w in after.actual.weeks if w.number == 5)
    assert new_week.distance_km <= 1.1 * min(week_5.planned_km, week_5.actual_km) + 0.05
    week_6 = next(w for w in after.actual.weeks if w.number == 6)
    assert (week_6.actual_km, week_6.actual_runs) == (0.0, 0) and week_6.planned_runs == 4
    # the report: planned vs run for the last weeks, the changed weeks, the calendar, the files
    out = result.stdout
    assert f"Rae Plan: re-planned from {TODAY} with {log} (Strava export, " in out
    assert f"week 6 ({WEEK_6[0]}): planned {week_6.planned_km:.1f} km, ran 0.0 km (0%)" in out
    assert f"week {new_week.number} ({new_week.start}): {old_week.distance_km:.1f} km -> " \
           f"{new_week.distance_km:.1f} km" in out
    assert "all 12 rules hold" in out and "Calendar: " in out
    for name in OUTPUT_FILES:
        assert f"wrote {folder / name}" in out
    changed = assert_calendar_follows(old_events, calendar_events(folder / "plan.ics"), TODAY)
    assert changed > 0
    assert re.search(rf"Calendar: {changed} events? updated, \d+ added, \d+ removed, \d+ unchanged\.", out)


def test_after_an_over_run_week_no_bigger_jump(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    old_events = calendar_events(folder / "plan.ics")
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, TODAY, lambda d: 1.3 if in_week_6(d) else 1.0))
    result = replan(profile, folder, log, TODAY)
    assert result.exit_code == 0, result.output
    after = load_plan(folder / "plan.json")
    assert_replanned(profile, before, after, TODAY)
    week_6 = next(w for w in after.actual.weeks if w.number == 6)
    assert week_6.actual_km == pytest.approx(1.3 * week_6.planned_km, abs=0.15)
    # the 30% extra licenses nothing: week 7 stays within 10% of what week 6 *planned*, and later weeks do not
    # outgrow the plan they replace either
    assert after.week_of(TODAY).distance_km <= 1.1 * week_6.planned_km + 0.05
    for old, new in zip(before.weeks, after.weeks):
        assert new.distance_km <= old.distance_km + 0.5, f"week {new.number} grew"
    assert f"week 6 ({WEEK_6[0]}): planned {week_6.planned_km:.1f} km, ran {week_6.actual_km:.1f} km (130%)" \
        in result.stdout
    assert_calendar_follows(old_events, calendar_events(folder / "plan.ics"), TODAY)


def test_after_two_weeks_of_illness_the_return_is_gentle(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    old_events = calendar_events(folder / "plan.ics")
    ill = (dt.date(2027, 1, 4), WEEK_6[1])  # weeks 5 and 6: nothing run
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, TODAY, lambda d: 0.0 if ill[0] <= d <= ill[1] else 1.0))
    result = replan(profile, folder, log, TODAY)
    assert result.exit_code == 0, result.output
    after = load_plan(folder / "plan.json")
    assert_replanned(profile, before, after, TODAY)
    # rule 2 measured on what was run: at most 1.3 x the mean of the 4 weeks before (two of them empty)
    lived = {w.number: w for w in after.actual.weeks}
    mean = sum(min(lived[n].planned_km, lived[n].actual_km) for n in (3, 4, 5, 6)) / 4
    first = after.week_of(TODAY)
    assert first.distance_km <= 1.3 * mean + 0.05
    assert first.distance_km < 0.7 * before.week_of(TODAY).distance_km
    # Eight weeks out, the half may or may not still be safe. If it is, the goal is kept and nothing says otherwise;
    # if not, the plan aims at the nearest safe alternative (a shorter race that day, or the half later) and says
    # so, on the terminal and on the page. (A fresh plan for a 10K by the race day from this runner's 4-week mean
    # is feasible, so "nothing safe remains", exit 3, would be wrong here.)
    goal_notes = [w.text for w in after.warnings if w.kind == "goal" and "no longer reachable safely" in w.text]
    if after.race == before.race:
        assert goal_notes == []
    else:
        assert (after.race.distance_km < before.race.distance_km and after.race.date == before.race.date) or \
            (after.race.distance_km == before.race.distance_km and after.race.date > before.race.date)
        assert len(goal_notes) == 1 and f"goal: {goal_notes[0]}" in result.stdout
        assert goal_notes[0][:40] in (folder / "plan.html").read_text(encoding="utf-8")
    assert_calendar_follows(old_events, calendar_events(folder / "plan.ics"), TODAY)
    # the page re-checks the plan against the goal it aims at: every rule holds there
    html = (folder / "plan.html").read_text(encoding="utf-8")
    assert "All 12 safety rules hold." in html and 'class="verdict bad"' not in html


def test_on_the_race_week_the_race_stays(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    old_events = calendar_events(folder / "plan.ics")
    log = write_strava_log(tmp_path / "activities.csv", planned_runs(before, RACE_WEEK))
    result = replan(profile, folder, log, RACE_WEEK)
    assert result.exit_code == 0, result.output
    after = load_plan(folder / "plan.json")
    assert_replanned(profile, before, after, RACE_WEEK)
    assert after.race == before.race and after.end_date == before.end_date
    race_day = after.day(after.race.date)
    assert race_day.run is not None and race_day.run.type == "race"
    assert race_day.run.distance_km == pytest.approx(before.race.distance_km)
    assert not [w for w in after.warnings if "no longer reachable" in w.text]
    assert len(after.actual.weeks) == len(after.weeks) - 1  # every week but the race week lies before today
    # everything was run as planned (and the Wednesday rides do not count): planned and run agree week by week
    for week in after.actual.weeks:
        assert (week.actual_km, week.actual_runs, week.longest_actual_km) == \
            pytest.approx((week.planned_km, week.planned_runs, week.longest_planned_km), abs=0.051)
    assert "Planned vs run, the last 4 weeks before 2027-03-08:" in result.stdout
    assert_calendar_follows(old_events, calendar_events(folder / "plan.ics"), RACE_WEEK)


def test_from_the_middle_of_a_week(profile, folder, tmp_path):
    today = dt.date(2027, 1, 20)  # a Wednesday: Monday and Tuesday of week 7 are kept
    before = load_plan(folder / "plan.json")
    old_events = calendar_events(folder / "plan.ics")
    log = write_strava_log(tmp_path / "activities.csv", planned_runs(before, today))
    result = replan(profile, folder, log, today)
    assert result.exit_code == 0, result.output
    after = load_plan(folder / "plan.json")
    assert_replanned(profile, before, after, today)
    current = after.actual.weeks[-1]
    assert current.start == dt.date(2027, 1, 18)
    tuesday = before.day(dt.date(2027, 1, 19))
    assert current.planned_runs == (1 if tuesday.run else 0)
    assert_calendar_follows(old_events, calendar_events(folder / "plan.ics"), today)


def test_the_same_replan_twice_changes_no_file(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, TODAY, lambda d: 0.0 if in_week_6(d) else 1.0))
    first = replan(profile, folder, log, TODAY)
    assert first.exit_code == 0, first.output
    files = snapshot(folder)
    second = replan(profile, folder, log, TODAY)
    assert second.exit_code == 0, second.output
    assert snapshot(folder) == files
    for name in OUTPUT_FILES:
        assert f"unchanged {folder / name}" in second.stdout
    assert "Calendar: 0 events updated, 0 added, 0 removed" in second.stdout
    assert "From 2027-01-18 to 2027-03-14: 0 days changed, 0 weeks with a new distance." in second.stdout


def test_rest_day_events_and_alarms_are_kept_unless_asked(profile, generated, tmp_path):
    folder = tmp_path / "plan"
    generate = invoke("generate", profile, "-o", folder, "--generated-at", GENERATED_AT, "--rest-days", "--alarms")
    assert generate.exit_code == 0, generate.output
    before = load_plan(folder / "plan.json")
    log = write_strava_log(tmp_path / "activities.csv", planned_runs(before, TODAY))
    assert replan(profile, folder, log, TODAY).exit_code == 0
    ics = (folder / "plan.ics").read_text(encoding="utf-8")
    assert "CATEGORIES:Rest" in ics and "BEGIN:VALARM" in ics
    assert replan(profile, folder, log, TODAY, "--no-rest-days", "--no-alarms").exit_code == 0
    ics = (folder / "plan.ics").read_text(encoding="utf-8")
    assert "CATEGORIES:Rest" not in ics and "BEGIN:VALARM" not in ics
    # a plan generated without them does not get them from a re-plan
    plain = tmp_path / "plain"
    shutil.copytree(generated[1], plain)
    assert replan(profile, plain, log, TODAY).exit_code == 0
    ics = (plain / "plan.ics").read_text(encoding="utf-8")
    assert "CATEGORIES:Rest" not in ics and "BEGIN:VALARM" not in ics


def test_planner_check_accepts_the_replanned_plan(profile, folder, tmp_path):
    before = load_plan(folder / "plan.json")
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, TODAY, lambda d: 0.0 if in_week_6(d) else 1.0))
    assert replan(profile, folder, log, TODAY).exit_code == 0
    result = invoke("check", profile, folder / "plan.json")
    assert result.exit_code == 0, result.output
    assert "all 12 rules hold" in result.stdout


def test_default_today_is_today_in_the_profiles_time_zone(tmp_path):
    zone = "Pacific/Auckland"  # far from UTC, so a UTC "today" would often be another day
    today = dt.datetime.now(ZoneInfo(zone)).date()
    start = today - dt.timedelta(days=today.weekday() + 14)  # the Monday two weeks before this week's
    profile = tmp_path / "now.yaml"
    profile.write_text(PROFILE_YAML.replace("Europe/Berlin", zone)
                       .replace("2026-12-07", start.isoformat())
                       .replace("2027-03-14", (start + dt.timedelta(weeks=14, days=6)).isoformat()), encoding="utf-8")
    folder = tmp_path / "plan"
    generate_plan_files(profile, folder, generated_at=f"{start - dt.timedelta(days=3)}T10:00:00Z")
    before = load_plan(folder / "plan.json")
    log = write_strava_log(tmp_path / "activities.csv", planned_runs(before, today), zone=zone)
    result = invoke("replan", profile, "--log", log, "-o", folder)
    assert result.exit_code == 0, result.output
    assert load_plan(folder / "plan.json").actual.replanned_on == today
    assert f"re-planned from {today}" in result.stdout


# --- bad input: exit 2, nothing written --------------------------------------------------------------------------

def test_no_plan_in_the_folder_says_to_generate_first(profile, tmp_path):
    log = write_strava_log(tmp_path / "activities.csv", [(dt.date(2026, 12, 8), 6.0)])
    empty = tmp_path / "empty"
    result = invoke("replan", profile, "--log", log, "-o", empty, "--today", "2027-01-18")
    assert result.exit_code == 2
    assert "no plan to re-plan" in result.stderr and f"planner generate {profile} -o {empty}" in result.stderr
    assert not empty.exists()


@pytest.mark.parametrize("today, message", [
    ("18/01/2027", "--today: '18/01/2027' is not a date"),
    ("2026-11-30", "before the plan starts"),
    ("2027-04-01", "after the plan's last day"),
])
def test_bad_today_is_bad_input(profile, folder, tmp_path, today, message):
    before = snapshot(folder)
    log = write_strava_log(tmp_path / "activities.csv", [(dt.date(2026, 12, 8), 6.0)])
    result = invoke("replan", profile, "--log", log, "-o", folder, "--today", today)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert_no_traceback(result.output)
    assert snapshot(folder) == before


@pytest.mark.parametrize("content, message", [
    (None, "no such file or folder"),
    ("name,when\nx,y\n", "not a Strava or Garmin Connect activities export"),
    ("", "the file is empty"),
])
def test_a_log_that_cannot_be_read_is_bad_input(profile, folder, tmp_path, content, message):
    before = snapshot(folder)
    log = tmp_path / "activities.csv"
    if content is not None:
        log.write_text(content, encoding="utf-8")
    result = invoke("replan", profile, "--log", log, "-o", folder, "--today", "2027-01-18")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and str(log) in result.stderr
    assert snapshot(folder) == before


def test_another_runners_plan_is_bad_input(folder, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(PROFILE_YAML.replace("name: Rae Plan\nid: rae-plan", "name: Sol Other\nid: sol-other"),
                     encoding="utf-8")
    before = snapshot(folder)
    log = write_strava_log(tmp_path / "activities.csv", [(dt.date(2026, 12, 8), 6.0)])
    result = invoke("replan", other, "--log", log, "-o", folder, "--today", "2027-01-18")
    assert result.exit_code == 2, result.output
    assert "'rae-plan'" in result.stderr and "'sol-other'" in result.stderr
    assert snapshot(folder) == before


def test_nothing_safe_remaining_exits_3_and_writes_nothing(profile, folder, tmp_path):
    before_files = snapshot(folder)
    before = load_plan(folder / "plan.json")
    # nothing run for the nine weeks before the race week: no race distance is safe any more, at any date
    log = write_strava_log(tmp_path / "activities.csv",
                           planned_runs(before, RACE_WEEK, lambda d: 0.0 if d >= dt.date(2027, 1, 4) else 1.0))
    result = invoke("replan", profile, "--log", log, "-o", folder, "--today", RACE_WEEK)
    assert result.exit_code == 3, result.output
    assert "Not reachable safely" in result.stderr and "What would work" in result.stderr
    assert_no_traceback(result.output)
    assert snapshot(folder) == before_files


def test_help_names_every_option():
    result = invoke("replan", "--help")
    assert result.exit_code == 0
    for option in ("--log", "--output", "--today", "--generated-at", "--base-url", "--rest-days", "--alarms"):
        assert option in result.stdout


# --- the README walkthrough, as a real subprocess ----------------------------------------------------------------

def readme_replan_commands() -> list[list[str]]:
    """The shell block of README.md's "Re-planning from what was run" section, as argument lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Re-planning from what was run", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_readme_walkthrough_works_as_written(tmp_path):
    commands = readme_replan_commands()
    assert [c[:2] for c in commands] == [["planner", "generate"], ["planner", "replan"]]
    out = commands[0][commands[0].index("-o") + 1]
    for command in commands:
        args = [str(tmp_path / "ana") if a == out else a for a in command[1:]]
        result = run_planner(*args)
        assert result.returncode == 0, result.stderr
        assert_no_traceback(result.stdout, result.stderr)
    report = result.stdout
    assert "Ana Lima: re-planned from 2026-11-30 with examples/activities.csv (Strava export, 38 runs)" in report
    assert "Planned vs run, the last 4 weeks before 2026-11-30:" in report
    plan = load_plan(tmp_path / "ana" / "plan.json")
    assert plan.actual is not None and plan.actual.log == "examples/activities.csv"
    assert [w.number for w in plan.actual.weeks] == [1, 2, 3, 4, 5, 6]
    # each week as the example log has it: its runs (not the rides, swims, walks or hikes) in Berlin time
    log = read_log(ROOT / "examples" / "activities.csv", units="km", timezone="Europe/Berlin")
    for week in plan.actual.weeks:
        runs = [a for a in log.runs if week.start <= a.date <= week.start + dt.timedelta(days=6)]
        assert week.actual_runs == len(runs) and week.actual_runs >= 4
        assert week.actual_km == round(sum(a.distance_km for a in runs), 1)
    html = (tmp_path / "ana" / "plan.html").read_text(encoding="utf-8")
    assert 'id="actual"' in html and "Re-planned on <time" in html
