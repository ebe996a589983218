"""planner/replan.py: re-planning a plan from what the activity log says was run.

Plans of the example profiles are built once per session (conftest ``example_plan``); each scenario re-plans one of
them once per module after a synthetic log written from the plan's own runs (all run, a week missed, a week run 30%
long, weeks of illness...). The limits on what comes next are re-computed here from the log, independently of the
engine: rule 1 measured on the volumes actually run (no week credited with more than its plan, a week run at under
half its plan no reference), and rule 2 for the first week back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace

import pytest
from conftest import PROFILES_DIR

from planner import checks
from planner import replan as R
from planner.errors import InfeasibleGoal, PlanFileError, ProfileError
from planner.history import Activity, ActivityLog
from planner.plan import Plan, Reminder
from planner.profile import profile_from_data, read_profile_data
from planner.solver.frame import ActualHistory, Pin, build_frame

REPLANNED_AT = "2027-01-18T06:00:00Z"
MAYA = "maya-half.yaml"
PRIYA = "priya-fitness.json"
SAM = "sam-5k.yaml"
TOL = 0.051  # plan.json keeps one decimal per run


# --- helpers -----------------------------------------------------------------------------------------------------

def monday_of_week(plan: Plan, number: int) -> dt.date:
    """The Monday of plan week ``number`` (1-based)."""
    return plan.weeks[number - 1].start


def log_from(plan: Plan, before: dt.date, share: Callable[[dt.date], float] = lambda d: 1.0,
             extra: tuple[Activity, ...] = ()) -> ActivityLog:
    """A log holding each planned run before ``before`` at ``share(date)`` of its distance (0: not run)."""
    runs = tuple(Activity(d.date, "Run", round(d.run.distance_km * share(d.date), 2), None, None)
                 for d in plan.days if d.run is not None and d.date < before and share(d.date) > 0)
    return ActivityLog(source="activities.csv", format="Strava export", activities=runs + extra)


def run_km(log: ActivityLog, first: dt.date, last: dt.date) -> float:
    return sum(a.distance_km for a in log.runs if first <= a.date <= last)


def planned_km(plan: Plan, first: dt.date, last: dt.date) -> float:
    return sum(d.run.distance_km for d in plan.days if d.run is not None and first <= d.date <= last)


def lived_volumes(previous: Plan, log: ActivityLog, today: dt.date) -> dict[int, tuple[float, bool]]:
    """Plan week number -> (volume credited: run, but no more than planned; missed: run at under half the plan),
    for every week lived in full before ``today``."""
    out = {}
    for week in previous.weeks:
        last = week.start + dt.timedelta(days=6)
        if last >= today:
            break
        first = max(week.start, previous.start_date)
        planned, ran = planned_km(previous, first, last), run_km(log, first, last)
        out[week.number] = (min(planned, ran), ran < 0.5 * planned)
    return out


def is_reference(plan: Plan, profile, week) -> bool:
    """Plan-format rule 1's reference week: full, not recovery, taper or race, no unavailable date."""
    days = [week.start + dt.timedelta(days=i) for i in range(7)]
    off = set(profile.schedule.unavailable_dates())
    full = days[0] >= plan.start_date and days[-1] <= plan.end_date
    return full and not week.recovery and week.phase not in ("taper", "race") and not off.intersection(days)


def actual_rule1_breaches(profile, previous: Plan, plan: Plan, log: ActivityLog, today: dt.date) -> list[str]:
    """Weeks starting on or after ``today`` above (1 + cap) x their reference week measured on actual volumes."""
    cap = plan.rules["progression_cap"]
    lived = lived_volumes(previous, log, today)
    out = []
    for i, week in enumerate(plan.weeks):
        if week.start < today:
            continue
        value, name = plan.rules["baseline_weekly_km"], "baseline"
        for earlier in reversed(plan.weeks[:i]):
            missed = lived.get(earlier.number, (0.0, False))[1]
            if is_reference(plan, profile, earlier) and not missed:
                value = lived[earlier.number][0] if earlier.number in lived else earlier.distance_km
                name = f"week {earlier.number}"
                break
        if week.distance_km > (1 + cap) * value + TOL:
            out.append(f"week {week.number}: {week.distance_km} > {1 + cap} x {value:.1f} ({name})")
    return out


def restart_floor_km(profile, plan: Plan) -> float:
    """The least first week back rules.follow_actual_volumes always allows: 1/share runs of the shortest session,
    over the cutback ratio."""
    frame = build_frame(R.planned_profile(profile, plan), today=plan.start_date, conservative=False)
    runs = math.ceil(1 / plan.rules["long_run_max_share"] - 1e-9)
    return math.ceil(runs * frame.min_easy_dk / plan.rules["cutback_ratio"]) / 10


def as_bytes(items) -> bytes:
    return json.dumps([x.to_dict() for x in items], sort_keys=True).encode()


# --- scenarios ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    profile: str                                   # file in profiles/
    week: int                                      # today: the Monday of this plan week...
    weekday: int                                   # ...plus this many days
    share: Callable[[Callable[[int], dt.date], dt.date], float]  # (week Monday, date) -> share of the run run


def _in(first: int, last: int, inside: float, outside: float = 1.0):
    """Runs of plan weeks first..last at ``inside`` of their distance, the others at ``outside``."""
    return lambda W, d: inside if W(first) <= d < W(last + 1) else outside


SCENARIOS = {
    "as planned": Scenario(MAYA, 7, 0, lambda W, d: 1.0),
    "missed week 6": Scenario(MAYA, 7, 0, _in(6, 6, 0.0)),
    "week 6 at 60%": Scenario(MAYA, 7, 0, _in(6, 6, 0.6)),
    "week 6 over-run": Scenario(MAYA, 7, 0, _in(6, 6, 1.3)),
    "every week over-run": Scenario(MAYA, 7, 0, lambda W, d: 1.3),
    "week 5 missed": Scenario(MAYA, 7, 0, _in(5, 5, 0.0)),
    "week 5 missed, week 6 over-run": Scenario(MAYA, 7, 0, lambda W, d: 0.0 if d < W(6) and d >= W(5) else
                                               1.3 if W(6) <= d < W(7) else 1.0),
    "ill weeks 5-6": Scenario(MAYA, 7, 0, _in(5, 6, 0.0)),
    "ill weeks 5-12": Scenario(MAYA, 13, 0, _in(5, 12, 0.0)),
    "race week": Scenario(MAYA, 18, 0, lambda W, d: 1.0),
    "race week, taper missed": Scenario(MAYA, 18, 0, _in(17, 17, 0.0)),
    "Thursday after a missed week": Scenario(MAYA, 7, 3, _in(6, 6, 0.0)),
    "fitness, missed week 6": Scenario(PRIYA, 7, 0, _in(6, 6, 0.0)),
    "fitness, week 5 missed": Scenario(PRIYA, 7, 0, _in(5, 5, 0.0)),
    "fitness, week 5 missed, week 6 over-run": Scenario(PRIYA, 7, 0, lambda W, d: 0.0 if W(5) <= d < W(6) else
                                                        1.3 if W(6) <= d < W(7) else 1.0),
    "5K, ill from week 6": Scenario(SAM, 9, 0, lambda W, d: 0.0 if d >= W(6) else 1.0),
    # within 30 days of the start, where rule 3 measures from the baseline long run as well as the weeks lived
    "5K, week 2 missed": Scenario(SAM, 7, 0, _in(2, 2, 0.0)),
    "every run at 60%": Scenario(MAYA, 5, 0, lambda W, d: 0.6),
}


@dataclass(frozen=True)
class Replanned:
    profile: object
    previous: Plan
    log: ActivityLog
    today: dt.date
    plan: Plan


def run_scenario(example_plan, scenario: Scenario) -> Replanned:
    profile, previous = example_plan(PROFILES_DIR / scenario.profile)
    W = lambda n: monday_of_week(previous, n)
    today = W(scenario.week) + dt.timedelta(days=scenario.weekday)
    log = log_from(previous, today, lambda d: scenario.share(W, d))
    plan = R.replan_plan(profile, previous, log, today=today, generated_at=REPLANNED_AT)
    return Replanned(profile, previous, log, today, plan)


@pytest.fixture(scope="module")
def replanned(example_plan):
    """``replanned(name) -> Replanned``: each scenario solved once per module."""
    cache: dict[str, Replanned] = {}

    def get(name: str) -> Replanned:
        if name not in cache:
            cache[name] = run_scenario(example_plan, SCENARIOS[name])
        return cache[name]

    return get


@pytest.fixture(scope="module")
def maya(example_plan):
    return example_plan(PROFILES_DIR / MAYA)


# --- what holds for every re-plan ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_days_before_today_are_byte_identical(replanned, name):
    r = replanned(name)
    before = [d for d in r.previous.days if d.date < r.today]
    assert before, "the scenario has days lived"
    assert as_bytes(d for d in r.plan.days if d.date < r.today) == as_bytes(before)
    assert as_bytes(x for x in r.plan.reminders if x.date < r.today) == \
        as_bytes(x for x in r.previous.reminders if x.date < r.today)
    assert r.plan.start_date == r.previous.start_date and r.plan.athlete == r.previous.athlete
    assert r.plan.generated_at == REPLANNED_AT


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_replan_is_certified_against_the_goal_it_aims_at(replanned, name):
    r = replanned(name)
    target = r.plan.extras["certified_profile"]
    assert checks.check_plan(r.plan, target) == []
    if r.plan.race is not None:
        assert target.goal.race_date == r.plan.race.date
        assert target.race_km == pytest.approx(r.plan.race.distance_km, abs=0.06)
    assert r.plan.actual is not None and r.plan.actual.replanned_on == r.today
    assert [w for w in r.plan.warnings if w.kind == "replan" and str(r.today) in w.text]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_week_ahead_respects_rule_1_on_actual_volumes(replanned, name):
    r = replanned(name)
    assert actual_rule1_breaches(r.profile, r.previous, r.plan, r.log, r.today) == []


def test_the_actual_volume_check_of_these_tests_can_fail(replanned):
    """The previous plan, kept after eight weeks ill, breaks rule 1 on actual volumes: the check sees it. (After a
    single missed week it may or may not, by a few hundred metres, depending on the pattern the solver chose.)"""
    r = replanned("ill weeks 5-12")
    assert actual_rule1_breaches(r.profile, r.previous, r.previous, r.log, r.today)


# --- run as planned ------------------------------------------------------------------------------------------------

def test_run_as_planned_leaves_the_plan_unchanged(replanned):
    r = replanned("as planned")
    assert r.plan.days == r.previous.days
    assert r.plan.weeks == r.previous.weeks
    assert r.plan.reminders == r.previous.reminders
    assert r.plan.advice == r.previous.advice and r.plan.race == r.previous.race
    assert [w for w in r.plan.warnings if w.kind != "replan"] == \
        [w for w in r.previous.warnings if w.kind != "replan"]
    notes = [w.text for w in r.plan.warnings if w.kind == "replan"]
    assert len(notes) == 1 and notes[0].startswith(f"Checked on {r.today}") and "stays as it was" in notes[0]


def test_replanning_again_does_not_stack_notes(replanned):
    r = replanned("as planned")
    again = R.replan_plan(r.profile, r.plan, r.log, today=r.today, generated_at=REPLANNED_AT)
    assert again.to_json() == r.plan.to_json()
    later = monday_of_week(r.previous, 9)
    week_9 = R.replan_plan(r.profile, r.plan, log_from(r.previous, later), today=later, generated_at=REPLANNED_AT)
    notes = [w.text for w in week_9.warnings if w.kind == "replan"]
    assert len(notes) == 1 and notes[0].startswith(f"Checked on {later}")
    assert week_9.days == r.previous.days


def test_on_the_first_day_nothing_is_lived_and_nothing_changes(maya):
    profile, previous = maya
    # the log holds the runner's usual weeks before the plan: the long run the profile says, every Sunday
    before = tuple(Activity(previous.start_date - dt.timedelta(days=1 + 7 * i), "Run", profile.long_run_km, None,
                            None) for i in range(5))
    log = ActivityLog(source="before.csv", format="Strava export", activities=before)
    plan = R.replan_plan(profile, previous, log, today=previous.start_date, generated_at=REPLANNED_AT)
    assert plan.days == previous.days and plan.weeks == previous.weeks and plan.actual.weeks == ()
    assert not [w for w in plan.warnings if "has no run" in w.text]  # nothing was due yet


def test_an_empty_log_is_read_as_nothing_run_and_said_so(maya):
    profile, previous = maya
    today = monday_of_week(previous, 3)
    empty = ActivityLog(source="empty.csv", format="Strava export", activities=())
    plan = R.replan_plan(profile, previous, empty, today=today, generated_at=REPLANNED_AT)
    notes = [w.text for w in plan.warnings if w.kind == "replan" and "has no run" in w.text]
    assert len(notes) == 1 and "empty.csv" in notes[0] and f"between {previous.start_date} and {today}" in notes[0]
    assert plan.week_of(today).distance_km < previous.week_of(today).distance_km
    assert checks.check_plan(plan, plan.extras["certified_profile"]) == []


# --- less or more than planned -------------------------------------------------------------------------------------

def test_a_missed_week_lowers_the_next_weeks(replanned):
    r = replanned("missed week 6")
    assert r.plan.race == r.previous.race
    for number in (7, 8, 9):  # the weeks straight after the break
        assert r.plan.weeks[number - 1].distance_km < r.previous.weeks[number - 1].distance_km, number
    assert actual_rule1_breaches(r.profile, r.previous, r.plan, r.log, r.today) == []
    week_6 = next(w for w in r.plan.actual.weeks if w.number == 6)
    assert week_6.actual_km == 0 and week_6.actual_runs == 0 and week_6.planned_km > 0


def test_a_week_missed_early_in_the_plan_keeps_the_goal(replanned):
    """The weeks lived stay feasible under rule 3 as the model measures it, whatever was run in them."""
    r = replanned("5K, week 2 missed")
    assert r.plan.race == r.previous.race
    assert not [w for w in r.plan.warnings if w.kind == "goal" and "no longer reachable" in w.text]


def test_a_week_run_at_60_percent_is_still_a_reference(replanned):
    """At 60% the week is no break: the week after it grows from what was run in it, not from the week before."""
    r = replanned("week 6 at 60%")
    ran_6 = run_km(r.log, monday_of_week(r.previous, 6), r.today - dt.timedelta(days=1))
    assert r.plan.week_of(r.today).distance_km <= (1 + r.plan.rules["progression_cap"]) * ran_6 + TOL
    assert r.plan.week_of(r.today).distance_km < r.previous.week_of(r.today).distance_km


@pytest.mark.parametrize("name, as_planned", [("week 6 over-run", "as planned"),
                                              ("every week over-run", "as planned"),
                                              ("week 5 missed, week 6 over-run", "week 5 missed"),
                                              ("fitness, week 5 missed, week 6 over-run", "fitness, week 5 missed")])
def test_an_over_run_week_licenses_nothing(replanned, name, as_planned):
    """Over-running is credited as the plan: the days ahead are exactly those of a log that ran week 6 as planned.
    (A missed week may still make a later week bigger than first planned: with less run before it, a short holiday
    week may have to carry more for rule 2's four-week mean to let the weeks after it reach race readiness.)"""
    r, base = replanned(name), replanned(as_planned)
    assert as_bytes(d for d in r.plan.days if d.date >= r.today) == \
        as_bytes(d for d in base.plan.days if d.date >= base.today)
    assert [w.distance_km for w in r.plan.weeks] == [w.distance_km for w in base.plan.weeks]
    if as_planned == "as planned":  # the plan as it stands stays safe: no week changes at all
        assert [w.distance_km for w in r.plan.weeks] == [w.distance_km for w in r.previous.weeks]
    week_6 = next(w for w in r.plan.actual.weeks if w.number == 6)
    assert week_6.actual_km == pytest.approx(1.3 * week_6.planned_km, abs=0.1)
    # the 30% extra licenses nothing: the week after stays within the cap of what week 6 *planned*
    assert r.plan.week_of(r.today).distance_km <= (1 + r.plan.rules["progression_cap"]) * week_6.planned_km + TOL


def test_after_two_weeks_of_illness_the_return_is_gentle(replanned):
    r = replanned("ill weeks 5-6")
    assert checks.check_plan(r.plan, r.plan.extras["certified_profile"]) == []
    # rule 2 measured on what was run: the four weeks before the first week back, two of them empty
    mean = sum(run_km(r.log, monday_of_week(r.previous, n), monday_of_week(r.previous, n) + dt.timedelta(days=6))
               for n in (3, 4, 5, 6)) / 4
    first = r.plan.week_of(r.today).distance_km
    assert first <= max(1.3 * mean, restart_floor_km(r.profile, r.previous)) + TOL
    assert first < 0.7 * r.previous.week_of(r.today).distance_km


# --- the goal ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ill weeks 5-6"])
def test_an_unreachable_race_becomes_a_shorter_race_on_the_same_day(replanned, name):
    r = replanned(name)
    assert r.plan.race.date == r.previous.race.date and r.plan.end_date == r.previous.end_date
    assert r.plan.race.distance_km in (5.0, 10.0) and r.plan.race.distance_km < r.previous.race.distance_km
    race_day = r.plan.day(r.plan.race.date)
    assert race_day.run.type == "race" and race_day.run.distance_km == r.plan.race.distance_km
    notes = [w.text for w in r.plan.warnings if w.kind == "goal" and "no longer reachable safely" in w.text]
    assert len(notes) == 1
    assert f"Half marathon on {r.previous.race.date}" in notes[0] and "on the same day instead" in notes[0]
    key = {5.0: "5k", 10.0: "10k"}[r.plan.race.distance_km]
    assert f"goal.race to {key}" in notes[0]
    assert r.plan.extras["certified_profile"].goal.race == key


@pytest.mark.parametrize("name", ["5K, ill from week 6",
                                  # eight weeks ill, six to go: the first runs back are the shortest session over
                                  # rules 1 and 3, too short to grow to even a 5K's 5 km long run by race day
                                  "ill weeks 5-12"])
def test_an_unreachable_race_with_no_shorter_one_moves_to_the_earliest_safe_date(replanned, name):
    r = replanned(name)
    assert r.plan.race.distance_km == r.previous.race.distance_km
    assert r.plan.race.date > r.previous.race.date
    assert (r.plan.race.date - r.previous.race.date).days % 7 == 0  # whole weeks later, same weekday
    assert r.plan.end_date == r.plan.race.date and len(r.plan.weeks) > len(r.previous.weeks)
    notes = [w.text for w in r.plan.warnings if w.kind == "goal" and "no longer reachable safely" in w.text]
    assert len(notes) == 1
    assert f"same distance on {r.plan.race.date}, the earliest safe date" in notes[0]
    assert r.plan.extras["certified_profile"].goal.race_date == r.plan.race.date


def test_nothing_safe_left_is_infeasible_goal(maya):
    profile, previous = maya
    today = monday_of_week(previous, 18)  # the race week, after nine weeks of nothing
    log = log_from(previous, today, lambda d: 0.0 if d >= monday_of_week(previous, 2) else 1.0)
    with pytest.raises(InfeasibleGoal) as err:
        R.replan_plan(profile, previous, log, today=today, generated_at=REPLANNED_AT)
    assert "Not reachable safely" in err.value.message and str(today) in err.value.message
    assert err.value.rule and err.value.rule in err.value.message
    assert "planner import" in err.value.suggestion


def test_the_race_week_replan_keeps_the_race(replanned):
    for name in ("race week", "race week, taper missed"):
        r = replanned(name)
        assert r.plan.race == r.previous.race and r.plan.end_date == r.previous.end_date
        race_day = r.plan.day(r.plan.race.date)
        assert race_day.run.type == "race" and race_day.run.distance_km == r.previous.race.distance_km
        assert not [w for w in r.plan.warnings if "no longer reachable" in w.text]
        assert [w.number for w in r.plan.actual.weeks] == [w.number for w in r.previous.weeks[:-1]]


# --- mid-week ------------------------------------------------------------------------------------------------------

def test_a_thursday_replan_keeps_monday_to_wednesday(replanned):
    r = replanned("Thursday after a missed week")
    assert r.today.weekday() == 3
    monday = r.today - dt.timedelta(days=3)
    for i in range(3):
        day = monday + dt.timedelta(days=i)
        assert r.plan.day(day).to_dict() == r.previous.day(day).to_dict()
    # the missed week still lowers what is to come from Thursday on
    assert r.plan.week_of(r.today).distance_km < r.previous.week_of(r.today).distance_km
    current = r.plan.actual.weeks[-1]
    assert current.start == monday
    assert current.planned_runs == sum(1 for i in range(3) if r.previous.day(monday + dt.timedelta(days=i)).run)


def test_variant_notes_say_which_week_was_kept():
    monday, nxt = dt.date(2027, 1, 18), dt.date(2027, 1, 25)
    assert R._variant_notes("as is", monday, nxt) == []
    (lenient,) = R._variant_notes("lenient", monday, nxt)
    (kept,) = R._variant_notes("week kept", monday, nxt)
    assert lenient.kind == kept.kind == "replan"
    assert f"week of {monday} is planned around" in lenient.text and f"from {nxt} on" in lenient.text
    assert f"week of {monday} stays as it was planned" in kept.text and f"From {nxt} on" in kept.text


# --- bad input -----------------------------------------------------------------------------------------------------

def _maya_data():
    return read_profile_data(PROFILES_DIR / MAYA)


def test_today_outside_the_plan_is_a_profile_error(maya):
    profile, previous = maya
    log = log_from(previous, previous.end_date)
    with pytest.raises(ProfileError, match="before the plan starts"):
        R.replan_plan(profile, previous, log, today=previous.start_date - dt.timedelta(days=1))
    with pytest.raises(ProfileError, match="after the plan's last day"):
        R.replan_plan(profile, previous, log, today=previous.end_date + dt.timedelta(days=1))


def test_another_runners_plan_is_a_plan_file_error(maya):
    _, previous = maya
    data = _maya_data()
    data["name"], data["id"] = "Sol Other", "sol-other"
    other = profile_from_data(data, source="other.yaml")
    with pytest.raises(PlanFileError) as err:
        R.replan_plan(other, previous, log_from(previous, monday_of_week(previous, 3)),
                      today=monday_of_week(previous, 3), source="other.yaml")
    assert "'sol-other'" in err.value.message and "'maya-okafor'" in err.value.message


@pytest.mark.parametrize("goal, message", [
    ({"race": "half", "race_date": "2027-04-18"}, "goal.race_date"),
    ({"weekly_distance": 40}, "a re-plan keeps the goal"),
])
def test_a_changed_goal_is_a_profile_error(maya, goal, message):
    _, previous = maya
    data = _maya_data()
    data["goal"] = goal
    if "race" not in goal:
        data["weeks"] = 18
    changed = profile_from_data(data, source="maya.yaml")
    today = monday_of_week(previous, 3)
    with pytest.raises(ProfileError, match=message):
        R.replan_plan(changed, previous, log_from(previous, today), today=today, source="maya.yaml")


def test_a_schedule_the_lived_days_contradict_is_a_profile_error(maya):
    """Sunday runs were planned (and lived); a profile without Sunday runs cannot keep them as they were."""
    _, previous = maya
    data = _maya_data()
    data["schedule"]["run_days"] = ["mon", "tue", "thu", "sat"]
    data["schedule"]["long_run_day"] = "sat"
    changed = profile_from_data(data, source="maya.yaml")
    today = monday_of_week(previous, 3)
    with pytest.raises(ProfileError, match="the days already lived no longer fit"):
        R.replan_plan(changed, previous, log_from(previous, today), today=today, source="maya.yaml")


# --- building blocks -----------------------------------------------------------------------------------------------

def test_planned_profile_keeps_the_plans_start_and_baseline(example_plan):
    for name in (MAYA, SAM, PRIYA):
        profile, plan = example_plan(PROFILES_DIR / name)
        data = read_profile_data(PROFILES_DIR / name)
        data["current"] = {**data["current"], "weekly_distance": 99, "long_run": 33}  # as `planner import` may
        data.pop("start_date")
        imported = profile_from_data(data, source=name)
        base = R.planned_profile(imported, plan)
        assert base.start_date == plan.start_date
        assert base.weekly_km == pytest.approx(plan.rules["baseline_weekly_km"])  # miles converted back (Sam)
        assert base.long_run_km == pytest.approx(plan.rules["baseline_long_run_km"])
        if plan.race is None:
            assert base.weeks == len(plan.weeks)
        assert base.goal == profile.goal and base.schedule == profile.schedule


def test_pins_from_holds_each_lived_day_as_planned(maya):
    _, plan = maya
    today = monday_of_week(plan, 4)
    pins = R.pins_from(plan, today)
    lived = [d for d in plan.days if d.date < today]
    assert sorted(pins) == list(range(len(lived)))
    kinds = {"tempo": "quality", "intervals": "quality", "hills": "quality", "recovery": "easy", "easy": "easy",
             "long": "long", "race": "race"}
    assert {d.run.type for d in lived if d.run} & {"tempo", "hills", "intervals"}, "some quality session lived"
    for i, day in enumerate(lived):
        expected = Pin(kind=kinds[day.run.type] if day.run else None,
                       distance_dk=round(day.run.distance_km * 10) if day.run else 0,
                       strength=day.strength is not None)
        assert pins[i] == expected, day.date
    everything = R.pins_from(plan, plan.end_date + dt.timedelta(days=1))
    assert len(everything) == len(plan.days) and everything[len(plan.days) - 1].kind == "race"


def test_actual_history_counts_runs_before_today_by_date(maya):
    _, plan = maya
    today = dt.date(2026, 12, 20)
    log = ActivityLog(source="x", format="Strava export", activities=(
        Activity(dt.date(2026, 12, 1), "Run", 5.0, None, None),      # before the plan: kept (rule 3's window)
        Activity(dt.date(2026, 12, 8), "Run", 6.04, None, None),
        Activity(dt.date(2026, 12, 8), "Run", 3.0, None, None),      # a second run that day
        Activity(dt.date(2026, 12, 9), "Ride", 40.0, None, None),    # not a run
        Activity(dt.date(2026, 12, 20), "Run", 9.0, None, None),     # today: not history yet
    ))
    history = R.actual_history(plan, log, today, today + dt.timedelta(days=1))
    assert history.first_day == (today + dt.timedelta(days=1) - plan.start_date).days
    assert history.day_total_dk == {dt.date(2026, 12, 1): 50, dt.date(2026, 12, 8): 90}
    assert history.day_longest_dk == {dt.date(2026, 12, 1): 50, dt.date(2026, 12, 8): 60}
    assert history.lenient_first_week is False


def test_pin_frame_makes_room_for_the_lived_sessions(maya):
    profile, plan = maya
    frame = build_frame(R.planned_profile(profile, plan), today=plan.start_date, conservative=False)
    tight = replace(frame, runs_cap=[1] * len(frame.weeks), quality_cap=[0] * len(frame.weeks))
    pins = R.pins_from(plan, monday_of_week(plan, 3))
    history = ActualHistory(first_day=14, day_total_dk={}, day_longest_dk={})
    pinned = R.pin_frame(tight, pins, history)
    assert pinned.pins == pins and pinned.actual is history
    for w in (0, 1):
        days = plan.days_of(plan.weeks[w])
        assert pinned.runs_cap[w] == sum(1 for d in days if d.run)
        assert pinned.quality_cap[w] == sum(1 for d in days if d.run and d.run.type in R.QUALITY_TYPES)
    assert pinned.runs_cap[2:] == tight.runs_cap[2:] and pinned.quality_cap[2:] == tight.quality_cap[2:]
    assert tight.pins == {} and tight.actual is None and tight.runs_cap == [1] * len(frame.weeks)  # not changed


def test_earliest_later_date_finds_the_first_safe_week_in_few_probes(monkeypatch):
    end = dt.date(2027, 3, 6)
    frame = SimpleNamespace(end=end)
    for weeks_needed in (1, 2, 3, 5, 8, 13, 17, 26):
        probes: list[dt.date] = []
        threshold = end + dt.timedelta(weeks=weeks_needed)
        monkeypatch.setattr(R, "is_feasible",
                            lambda day, probes=probes, threshold=threshold: probes.append(day) or day >= threshold)
        assert R._earliest_later_date(frame, lambda race_date: race_date) == threshold
        assert len(probes) <= 12, probes
    probes = []
    monkeypatch.setattr(R, "is_feasible", lambda day: probes.append(day) or False)
    assert R._earliest_later_date(frame, lambda race_date: race_date) is None
    assert max(probes) == end + dt.timedelta(weeks=R.ALTERNATIVE_WEEKS)


# --- planned against run -------------------------------------------------------------------------------------------

def test_compare_counts_planned_and_run_per_week_and_day(maya):
    _, plan = maya
    today = monday_of_week(plan, 3)
    week_1 = [d for d in plan.days_of(plan.weeks[0]) if d.run]
    week_2 = [d for d in plan.days_of(plan.weeks[1]) if d.run]
    rest_day = next(d.date for d in plan.days_of(plan.weeks[1]) if d.run is None)
    skipped = week_2[0].date
    runs = [Activity(d.date, "Run", d.run.distance_km, None, None) for d in week_1]
    runs += [Activity(week_1[0].date, "Trail Run", 2.5, None, None)]                        # twice that day
    runs += [Activity(d.date, "Run", round(d.run.distance_km * 1.2, 2), None, None) for d in week_2[1:]]
    runs += [Activity(rest_day, "Run", 4.0, None, None),                                     # unplanned
             Activity(dt.date(2026, 12, 1), "Run", 8.0, None, None),                         # before the plan
             Activity(week_1[1].date, "Ride", 30.0, None, None),                             # not a run
             Activity(today, "Run", 7.0, None, None)]                                         # today: not yet lived
    log = ActivityLog(source="log.csv", format="Strava export", activities=tuple(runs))
    actual = R.compare(plan, log, today, "my-log.csv")
    assert actual.replanned_on == today and actual.log == "my-log.csv"
    assert [w.number for w in actual.weeks] == [1, 2]
    w1, w2 = actual.weeks
    assert w1.planned_km == pytest.approx(sum(d.run.distance_km for d in week_1))
    assert w1.actual_km == pytest.approx(w1.planned_km + 2.5)
    assert (w1.planned_runs, w1.actual_runs) == (len(week_1), len(week_1) + 1)
    assert w1.longest_planned_km == max(d.run.distance_km for d in week_1)
    assert w1.longest_actual_km == pytest.approx(max(d.run.distance_km for d in week_1))
    assert w2.planned_km == pytest.approx(sum(d.run.distance_km for d in week_2))
    assert w2.actual_km == pytest.approx(sum(round(d.run.distance_km * 1.2, 2) for d in week_2[1:]) + 4.0)
    assert (w2.planned_runs, w2.actual_runs) == (len(week_2), len(week_2))
    days = {d.date: d for d in actual.days}
    assert set(days) == {d.date for d in week_1 + week_2} | {rest_day}
    assert days[week_1[0].date].actual_km == pytest.approx(week_1[0].run.distance_km + 2.5)
    assert (days[skipped].planned_km, days[skipped].actual_km) == (week_2[0].run.distance_km, 0.0)
    assert (days[rest_day].planned_km, days[rest_day].actual_km) == (0.0, 4.0)


def test_summary_lines_in_the_profiles_units(replanned):
    r = replanned("missed week 6")
    lines = R.summary_lines(r.plan, "km")
    assert len(lines) == len(r.plan.actual.weeks) == 6
    w6 = r.plan.actual.weeks[5]
    assert lines[5] == f"week 6 ({w6.start}): planned {w6.planned_km:.1f} km in {w6.planned_runs} runs, ran 0.0 km in 0"
    miles = R.summary_lines(r.plan, "mi")
    w1 = r.plan.actual.weeks[0]
    assert miles[0].startswith(f"week 1 ({w1.start}): planned {w1.planned_km / 1.609344:.1f} mi in")
    assert R.summary_lines(r.previous, "km") == []


# --- splice --------------------------------------------------------------------------------------------------------

def test_splice_keeps_the_past_and_brings_past_reminders_to_today(maya):
    _, previous = maya
    today = monday_of_week(previous, 5)
    old = (Reminder(today - dt.timedelta(days=10), "shoe_replacement", "Pegasus 40", "old, lived"),
           Reminder(today + dt.timedelta(days=5), "shoe_replacement", "Pegasus 40", "old, still ahead"))
    previous = replace(previous, reminders=old)
    # a re-solved plan: every run a little shorter, and its own reminders, one of them on a day already lived
    shorter = tuple(replace(d, run=replace(d.run, distance_km=d.run.distance_km - 0.1)) if d.run else d
                    for d in previous.days)
    new = (Reminder(today - dt.timedelta(days=3), "shoe_replacement", "Pegasus 40", "new, brought forward"),
           Reminder(today + dt.timedelta(days=12), "shoe_replacement", "Vaporfly 3", "new, ahead"))
    solved = replace(previous, days=shorter, reminders=new)
    spliced = R.splice(previous, solved, today, None)
    assert [d for d in spliced.days if d.date < today] == [d for d in previous.days if d.date < today]
    assert [d for d in spliced.days if d.date >= today] == [d for d in shorter if d.date >= today]
    assert spliced.reminders == (
        old[0],
        Reminder(today, "shoe_replacement", "Pegasus 40", "new, brought forward"),
        new[1],
    )


# --- determinism ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["missed week 6", "Thursday after a missed week", "5K, ill from week 6"])
def test_the_same_inputs_give_the_same_plan(example_plan, replanned, name):
    first = replanned(name).plan
    second = run_scenario(example_plan, SCENARIOS[name]).plan
    assert second.to_json() == first.to_json()


def test_a_tuesday_replan_after_a_rest_monday_is_bounded_like_the_monday_one(example_plan):
    """Nothing lived on the Monday needs room in the week, so what was run bounds it as on the Monday."""
    profile, previous = example_plan(PROFILES_DIR / "lena-marathon.toml")
    W = lambda n: monday_of_week(previous, n)  # noqa: E731
    tuesday = W(11) + dt.timedelta(days=1)
    assert previous.day(W(11)).run is None
    log = log_from(previous, tuesday, lambda d: 0.0 if W(9) <= d < W(11) else 1.0)
    plan = R.replan_plan(profile, previous, log, today=tuesday, generated_at=REPLANNED_AT)
    mean = sum(run_km(log, W(n), W(n) + dt.timedelta(days=6)) for n in (7, 8, 9, 10)) / 4
    assert plan.week_of(tuesday).distance_km <= max(1.3 * mean, restart_floor_km(profile, previous)) + TOL


def test_running_the_first_days_as_planned_keeps_the_plan(example_plan):
    """A log that does not reach back before the plan: the profile's long run stands in for those days."""
    profile, previous = example_plan(PROFILES_DIR / "maya-half.yaml")
    today = previous.start_date + dt.timedelta(days=3)
    plan = R.replan_plan(profile, previous, log_from(previous, today), today=today, generated_at=REPLANNED_AT)
    assert plan.race == previous.race and plan.days == previous.days


def test_actual_history_never_credits_more_than_was_run(maya):
    """Each day's distance is rounded down: five runs of 7.32 km are 36.6 km, not 5 x 7.3 rounded up to 36.5 + ..."""
    _, plan = maya
    today = dt.date(2026, 12, 21)
    runs = tuple(Activity(dt.date(2026, 12, 14) + dt.timedelta(days=i), "Run", km, None, None)
                 for i, km in enumerate([7.36, 5.05, 9.99, 4.449, 12.0]))
    history = R.actual_history(plan, ActivityLog(source="x", format="Strava export", activities=runs), today, today)
    assert history.day_total_dk[dt.date(2026, 12, 16)] == 99 and history.day_longest_dk[dt.date(2026, 12, 16)] == 99
    assert history.day_total_dk[dt.date(2026, 12, 17)] == 44
    assert history.day_total_dk[dt.date(2026, 12, 18)] == 120  # whole tenths stay whole
    assert sum(history.day_total_dk.values()) <= 10 * sum(a.distance_km for a in runs)
