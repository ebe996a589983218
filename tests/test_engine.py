"""Tests of planner/engine.py: real plans from the example profiles and from small variations of them.

The example plans are solved once per session (conftest ``example_plan``). Every claim the engine makes about an
unreachable goal is checked by solving: the suggested later race date must give a plan, and so must the suggested
shorter race.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest

from conftest import GENERATED_AT, PROFILES_DIR, example_profile_paths
from planner.checks import RULES, check_plan
from planner.engine import build_plan, parse_generated_at
from planner.errors import InfeasibleGoal, ProfileError
from planner.plan import HARD_TYPES, PHASES, RUN_TYPES, Plan
from planner.profile import NAMED_RACES_KM, WEEKDAYS, load_profile, profile_from_data

TOP_LEVEL_KEYS = ["format", "generated_at", "athlete", "start_date", "end_date", "race", "rules", "weeks", "days",
                  "reminders", "advice", "warnings"]
RULE_KEYS = {"progression_cap", "min_rest_days", "cutback_every", "cutback_ratio", "strength_per_week",
             "warmup_minutes", "cooldown_minutes", "long_run_max_share", "easy_share_min", "baseline_weekly_km",
             "baseline_long_run_km"}
RUN_KEYS = {"type", "distance_km", "minutes", "warmup_minutes", "cooldown_minutes", "blocks", "pace", "shoe"}
TAPER_WEEKS = {"5k": 0, "10k": 0, "half": 1, "marathon": 2, "50k": 2}
RACE_NAMES_KM = {"5k": 5.0, "10k": 10.0, "half marathon": 21.0975, "marathon": 42.195, "50k": 50.0}

# Marathon five weeks after the start from 10 km a week: the example of profile-format.md.
UNREACHABLE = {
    "name": "Quick Marathon",
    "current": {"weekly_distance": 10, "long_run": 5},
    "goal": {"race": "marathon", "race_date": "2027-01-10"},
    "start_date": "2026-12-07",
}


def with_changes(data: dict, **changes) -> dict:
    out = copy.deepcopy(data)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def build(data: dict) -> Plan:
    return build_plan(profile_from_data(data), generated_at=GENERATED_AT)


def week_runs(plan: Plan, week) -> list:
    return [d.run for d in plan.days_of(week) if d.run is not None]


# --- every example profile -------------------------------------------------------------------------------------

def test_there_are_at_least_six_examples_covering_the_issue():
    paths = sorted(p for p in PROFILES_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".toml", ".json"))
    assert len(paths) >= 6
    profiles = [load_profile(p) for p in paths]
    races = {p.goal.race for p in profiles}
    assert {"5k", "10k", "half", "marathon", "50k"} <= races and None in races
    assert any(p.surface == "trail" for p in profiles if p.goal.race == "50k")
    assert any(4 <= pain.severity <= 6 for p in profiles for pain in p.health.pain)
    assert any(p.start_date and p.start_date.weekday() != 0 for p in profiles)
    assert any(p.schedule.unavailable for p in profiles)


def test_example_plan_passes_every_rule(example_path, example_plan):
    profile, plan = example_plan(example_path)
    assert check_plan(plan, profile) == []
    # and again after a round trip through plan.json, as `planner check` will see it
    assert check_plan(Plan.from_dict(plan.to_dict()), profile) == []


def test_example_plan_json_has_exactly_the_keys_of_plan_format(example_path, example_plan):
    profile, plan = example_plan(example_path)
    data = plan.to_dict()
    assert list(data) == TOP_LEVEL_KEYS
    assert data["format"] == "planner-plan/1" and data["generated_at"] == GENERATED_AT
    assert set(data["athlete"]) == {"id", "name", "timezone", "units"}
    assert data["athlete"] == {"id": profile.athlete_id, "name": profile.name, "timezone": profile.timezone,
                               "units": profile.units}
    assert set(data["rules"]) == RULE_KEYS
    assert all(set(w) == {"number", "start", "phase", "recovery", "distance_km"} for w in data["weeks"])
    for day in data["days"]:
        assert set(day) == {"date", "run", "strength"}
        if day["run"] is not None:
            assert set(day["run"]) == RUN_KEYS
            assert all(set(b) == {"kind", "minutes", "text"} for b in day["run"]["blocks"])
        if day["strength"] is not None:
            assert set(day["strength"]) == {"minutes", "focus", "exercises"}
    assert all(set(r) == {"date", "kind", "shoe", "text"} for r in data["reminders"])
    assert all(set(a) == {"topic", "text"} for a in data["advice"])
    assert all(set(w) == {"kind", "text"} for w in data["warnings"])
    if data["race"] is not None:
        assert set(data["race"]) == {"name", "date", "distance_km"}


def test_plan_json_text_is_the_plan_with_a_line_per_day(example_path, example_plan):
    """plan.json parses to exactly the plan's keys in order; each week and day is one line, so a diff of two plans
    shows the days that changed."""
    import json
    _, plan = example_plan(example_path)
    text = plan.to_json()
    assert text.endswith("}\n") and json.loads(text) == plan.to_dict()
    assert list(json.loads(text)) == TOP_LEVEL_KEYS
    lines = text.splitlines()
    for day in plan.days:
        assert sum(1 for line in lines if line.startswith(f'    {{"date": "{day.date}", "run"')) == 1
    assert len(lines) == 2 + len(TOP_LEVEL_KEYS) + sum(
        2 + len(v) - 1 for v in plan.to_dict().values() if isinstance(v, list) and v)


def test_example_plan_days_and_weeks_tile_the_calendar(example_path, example_plan):
    profile, plan = example_plan(example_path)
    dates = [d.date for d in plan.days]
    assert dates[0] == plan.start_date and dates[-1] == plan.end_date
    assert dates == [plan.start_date + dt.timedelta(days=i) for i in range(len(dates))]
    assert [w.number for w in plan.weeks] == list(range(1, len(plan.weeks) + 1))
    assert all(w.start.weekday() == 0 for w in plan.weeks)
    assert plan.weeks[0].start <= plan.start_date < plan.weeks[0].start + dt.timedelta(days=7)
    for week in plan.weeks:
        assert week.phase in PHASES
        assert week.distance_km == pytest.approx(sum(r.distance_km for r in week_runs(plan, week)), abs=0.051)
    assert all(r.type in RUN_TYPES for _, r in plan.runs())
    if profile.start_date:
        assert plan.start_date == profile.start_date


def test_example_plan_has_phases_in_order_and_the_right_taper(example_path, example_plan):
    profile, plan = example_plan(example_path)
    phases = [w.phase for w in plan.weeks]
    if profile.goal.race is None:
        assert set(phases) <= {"build", "maintain"}
        assert phases == sorted(phases, key=["build", "maintain"].index)
        return
    assert phases[-1] == "race" and phases.count("race") == 1
    taper = TAPER_WEEKS[profile.goal.race]
    assert phases.count("taper") == taper
    assert phases[len(phases) - 1 - taper:-1] == ["taper"] * taper
    body = phases[:len(phases) - 1 - taper]
    order = ["base", "build", "peak"]
    assert set(body) <= set(order) and body == sorted(body, key=order.index)
    assert "peak" in body


def test_example_plan_has_recovery_weeks_every_cutback_every_weeks(example_path, example_plan):
    profile, plan = example_plan(example_path)
    every = plan.rules["cutback_every"]
    body = [w for w in plan.weeks if w.phase not in ("taper", "race")]
    recovery = [w for w in body if w.recovery]
    assert len(recovery) >= len(body) // every - 1 >= 1
    assert all(not w.recovery for w in plan.weeks if w.phase in ("taper", "race"))
    # a recovery week is lighter than the last normal week before it (rule 1's reference week)
    off = profile.schedule.unavailable_dates()
    for w in recovery:
        normal = [v for v in plan.weeks[:w.number - 1] if not v.recovery and len(plan.days_of(v)) == 7
                  and not any(d.date in off for d in plan.days_of(v))]
        if normal:
            assert w.distance_km <= plan.rules["cutback_ratio"] * normal[-1].distance_km + 0.05


def test_example_race_plan_ends_with_the_race_on_race_day(example_path, example_plan):
    profile, plan = example_plan(example_path)
    if profile.goal.race is None:
        assert plan.race is None
        assert all(r.type != "race" for _, r in plan.runs())
        assert len(plan.weeks) == profile.weeks
        return
    assert plan.end_date == profile.goal.race_date
    race_day = plan.days[-1]
    assert race_day.date == profile.goal.race_date
    assert race_day.run is not None and race_day.run.type == "race"
    assert race_day.run.distance_km == pytest.approx(round(profile.race_km, 1), abs=0.051)
    assert race_day.strength is None
    assert [r for _, r in plan.runs() if r.type == "race"] == [race_day.run]
    assert plan.race.date == profile.goal.race_date
    assert plan.race.distance_km == pytest.approx(round(NAMED_RACES_KM.get(profile.goal.race, 0)
                                                        or profile.race_km, 1), abs=0.051)
    assert plan.race.name == (profile.goal.race_name or profile.race_label())


def test_example_plan_respects_the_schedule(example_path, example_plan):
    profile, plan = example_plan(example_path)
    run_days = set(profile.schedule.effective_run_days())
    off = profile.schedule.unavailable_dates()
    for day in plan.days:
        wd = WEEKDAYS[day.date.weekday()]
        if day.run is not None:
            assert wd in run_days and day.date not in off
            budget = profile.schedule.minutes_on(wd)
            assert budget is None or day.run.minutes <= budget
        if day.strength is not None:
            assert wd not in profile.schedule.rest_days and day.date not in off


def test_example_plan_rules_block_is_what_was_applied(example_path, example_plan):
    profile, plan = example_plan(example_path)
    r = profile.rules
    assert plan.rules["baseline_weekly_km"] == pytest.approx(round(profile.weekly_km, 1))
    assert plan.rules["baseline_long_run_km"] == pytest.approx(round(profile.long_run_km, 1))
    for key in ("min_rest_days", "cutback_every", "cutback_ratio", "strength_per_week", "warmup_minutes",
                "cooldown_minutes", "easy_share_min"):
        assert plan.rules[key] == getattr(r, key), key
    assert plan.rules["progression_cap"] <= r.progression_cap
    assert 0.2 < plan.rules["long_run_max_share"] <= 0.5


def test_hard_runs_are_never_on_consecutive_days(example_path, example_plan):
    _, plan = example_plan(example_path)
    hard = [d.run is not None and d.run.type in HARD_TYPES for d in plan.days]
    assert not any(a and b for a, b in zip(hard, hard[1:]))


def test_quality_sessions_appear_outside_conservative_plans(example_plan):
    profile, plan = example_plan(PROFILES_DIR / "lena-marathon.toml")
    types = {r.type for _, r in plan.runs()}
    assert {"long", "tempo", "easy", "race"} <= types
    assert types & {"intervals", "hills"}


# --- pain and conservative mode ------------------------------------------------------------------------------

def test_moderate_pain_makes_the_plan_conservative(example_plan):
    profile, plan = example_plan(PROFILES_DIR / "tom-10k-shin.yaml")
    assert max(p.severity for p in profile.health.pain) == 5
    assert plan.rules["progression_cap"] == 0.05
    assert all(r.type != "intervals" for _, r in plan.runs())
    pain = [w for w in plan.warnings if w.kind == "pain"]
    assert pain and any(re.search(r"physio|doctor|professional", w.text) for w in pain)


SHIN = load_profile(PROFILES_DIR / "tom-10k-shin.yaml").model_dump(mode="json", by_alias=True, exclude_none=True)


def test_old_mild_pain_also_makes_the_plan_conservative():
    data = with_changes(SHIN, health={"pain": [{"area": "knee", "severity": 2, "since": "2026-11-01"}]})
    plan = build(data)
    assert plan.rules["progression_cap"] == 0.05
    assert all(r.type != "intervals" for _, r in plan.runs())


def test_recent_mild_pain_does_not():
    data = with_changes(SHIN, health={"pain": [{"area": "knee", "severity": 2, "since": "2026-12-10"}]})
    plan = build(data)
    assert plan.rules["progression_cap"] == 0.10


def test_severe_pain_without_clearance_is_refused():
    data = with_changes(SHIN, health={"pain": [{"area": "shin", "severity": 8}], "cleared_by_professional": False})
    with pytest.raises(InfeasibleGoal) as info:
        build(data)
    exc = info.value
    assert exc.exit_code == 3 and exc.rule
    assert "shin" in exc.message and re.search(r"physio|doctor|professional", exc.message)
    assert exc.suggestion and "cleared_by_professional" in exc.suggestion


@pytest.mark.parametrize("severity", [7, 10])
def test_severe_pain_with_clearance_gives_a_conservative_plan(severity):
    data = with_changes(SHIN, health={"pain": [{"area": "shin", "severity": severity}],
                                      "cleared_by_professional": True})
    profile = profile_from_data(data)
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == []
    assert plan.rules["progression_cap"] == 0.05
    assert all(r.type != "intervals" for _, r in plan.runs())
    assert any(w.kind == "pain" for w in plan.warnings)


# --- dates -----------------------------------------------------------------------------------------------------

def test_default_start_is_the_next_monday_in_the_runners_time_zone():
    data = {"name": "No Start", "current": {"weekly_distance": 20, "long_run": 8}, "goal": {"weekly_distance": 25},
            "weeks": 4}
    # 2026-11-29 23:30 UTC is a Sunday in UTC but already Monday 30 November in Tokyo
    utc = build_plan(profile_from_data(data), generated_at="2026-11-29T23:30:00Z")
    tokyo = build_plan(profile_from_data({**data, "timezone": "Asia/Tokyo"}), generated_at="2026-11-29T23:30:00Z")
    assert utc.start_date == dt.date(2026, 11, 30)
    assert tokyo.start_date == dt.date(2026, 12, 7)
    assert len(utc.weeks) == 4 and utc.end_date == dt.date(2026, 12, 27)


def test_a_non_monday_start_gives_a_partial_first_week(example_plan):
    profile, plan = example_plan(PROFILES_DIR / "sam-5k.yaml")
    assert profile.start_date.weekday() == 2
    assert plan.start_date == profile.start_date
    assert plan.weeks[0].start == profile.start_date - dt.timedelta(days=2)
    assert len(plan.days_of(plan.weeks[0])) == 5


def test_race_before_the_default_start_is_bad_input():
    profile = load_profile(PROFILES_DIR.parent / "tests" / "data" / "bad" / "race-date-before-next-monday.yaml")
    with pytest.raises(ProfileError) as info:
        build_plan(profile, generated_at=GENERATED_AT, source="p.yaml")
    assert info.value.exit_code == 2
    [line] = info.value.lines()
    assert line.startswith("p.yaml: goal.race_date: ") and "2026-11-30" in line


def test_race_on_a_day_that_is_not_a_run_day_is_bad_input():
    data = with_changes(UNREACHABLE, goal={"race": "5k", "race_date": "2027-02-28"},
                        schedule={"run_days": ["tue", "thu", "sat"]})
    with pytest.raises(ProfileError) as info:
        build_plan(profile_from_data(data), generated_at=GENERATED_AT, source="p.yaml")
    [line] = info.value.lines()
    assert line.startswith("p.yaml: schedule.run_days: ") and "sun" in line


def test_race_on_an_unavailable_date_is_bad_input():
    data = with_changes(UNREACHABLE, goal={"race": "5k", "race_date": "2027-02-28"},
                        schedule={"unavailable": [{"from": "2027-02-27", "to": "2027-02-28"}]})
    with pytest.raises(ProfileError) as info:
        build_plan(profile_from_data(data), generated_at=GENERATED_AT, source="p.yaml")
    [line] = info.value.lines()
    assert line.startswith("p.yaml: schedule.unavailable: ") and "2027-02-28" in line


def test_generated_at_is_parsed_and_normalised_to_utc():
    assert parse_generated_at("2026-11-25T10:00:00Z") == dt.datetime(2026, 11, 25, 10, tzinfo=dt.timezone.utc)
    assert parse_generated_at("2026-11-25T12:00:00+02:00") == dt.datetime(2026, 11, 25, 10,
                                                                          tzinfo=dt.timezone.utc)
    assert parse_generated_at("2026-11-25T10:00:00").tzinfo is not None
    with pytest.raises(ProfileError) as info:
        parse_generated_at("yesterday")
    assert "--generated-at" in info.value.message


def test_unavailable_dates_hold_nothing():
    data = with_changes(UNREACHABLE, goal={"race": "10k", "race_date": "2027-03-07"},
                        current={"weekly_distance": 25, "long_run": 9},
                        schedule={"unavailable": ["2026-12-24", {"from": "2027-01-10", "to": "2027-01-16"}]})
    profile = profile_from_data(data)
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == []
    for day in plan.days:
        if day.date in profile.schedule.unavailable_dates():
            assert day.run is None and day.strength is None


# --- determinism -----------------------------------------------------------------------------------------------

def test_building_twice_gives_identical_plans(example_plan):
    path = PROFILES_DIR / "lena-marathon.toml"
    profile, cached = example_plan(path)
    again = build_plan(load_profile(path), generated_at=GENERATED_AT, source=str(path))
    assert again.to_json() == cached.to_json()


def test_generated_at_only_changes_the_stamp(example_plan):
    path = PROFILES_DIR / "maya-half.yaml"
    _, cached = example_plan(path)
    later = build_plan(load_profile(path), generated_at="2026-11-26T08:30:00Z")
    assert later.generated_at == "2026-11-26T08:30:00Z"
    assert {**later.to_dict(), "generated_at": None} == {**cached.to_dict(), "generated_at": None}


# --- goals that cannot be reached safely ---------------------------------------------------------------------

# A marathon 12 weeks out from 20 km a week: unreachable, but close enough that the suggestions solve quickly.
NEAR_MISS = {
    "name": "Near Miss",
    "current": {"weekly_distance": 20, "long_run": 10},
    "goal": {"race": "marathon", "race_date": "2027-02-28"},
    "start_date": "2026-12-07",
}
RACE_KEYS = {5.0: "5k", 10.0: "10k", 21.0975: "half", 42.195: "marathon", 50.0: "50k"}


def refusal(data: dict) -> InfeasibleGoal:
    with pytest.raises(InfeasibleGoal) as info:
        build(data)
    return info.value


@pytest.fixture(scope="module")
def unreachable() -> InfeasibleGoal:
    return refusal(UNREACHABLE)


@pytest.fixture(scope="module")
def near_miss() -> InfeasibleGoal:
    return refusal(NEAR_MISS)


def _names_a_rule(text: str) -> bool:
    return bool(re.search(r"\brule \d+\b", text)) or any(name.lower() in text.lower() for name in RULES.values())


def suggested_date(exc: InfeasibleGoal, after: str) -> dt.date:
    dates = [dt.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", exc.suggestion or "")]
    later = [d for d in dates if d > dt.date.fromisoformat(after)]
    assert later, f"no later race date in {exc.suggestion!r}"
    return later[0]


def suggested_race_km(exc: InfeasibleGoal) -> float:
    m = re.search(r"ready for an? (5K|10K|half marathon|marathon|50K)\b", exc.suggestion or "", re.I)
    assert m, f"no shorter race in {exc.suggestion!r}"
    return RACE_NAMES_KM[m.group(1).lower()]


@pytest.mark.parametrize("which", ["unreachable", "near_miss"])
def test_unreachable_goal_names_the_blocking_rule_and_a_suggestion(which, request):
    exc = request.getfixturevalue(which)
    data = UNREACHABLE if which == "unreachable" else NEAR_MISS
    assert exc.exit_code == 3
    assert exc.rule
    assert _names_a_rule(exc.message)
    assert data["goal"]["race_date"] in exc.message
    assert exc.suggestion and exc.lines()[-1] == exc.suggestion
    assert "earliest race date" in exc.suggestion or "ready for" in exc.suggestion
    suggested_date(exc, data["goal"]["race_date"])
    if which == "near_miss":
        assert suggested_race_km(exc) < 42.195
    else:  # five weeks from 10 km a week: not even a 5K's 12 km weeks, and it says so
        assert "No shorter race (5K and up) is within safe reach by 2027-01-10" in exc.message


def test_the_suggested_race_date_is_the_earliest_that_works(near_miss):
    suggested = suggested_date(near_miss, "2027-02-28")
    assert suggested.weekday() == dt.date(2027, 2, 28).weekday()
    profile = profile_from_data(with_changes(NEAR_MISS, goal={"race": "marathon",
                                                              "race_date": suggested.isoformat()}))
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == [] and plan.end_date == suggested
    week_before = (suggested - dt.timedelta(weeks=1)).isoformat()
    refusal(with_changes(NEAR_MISS, goal={"race": "marathon", "race_date": week_before}))


def test_the_suggested_shorter_race_is_the_longest_reachable_by_the_date(near_miss):
    km = suggested_race_km(near_miss)
    profile = profile_from_data(with_changes(NEAR_MISS, goal={"race": RACE_KEYS[km], "race_date": "2027-02-28"}))
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == []
    longer = min(k for k in RACE_KEYS if k > km)
    if longer < 42.195:  # the goal itself is the marathon, already refused
        refusal(with_changes(NEAR_MISS, goal={"race": RACE_KEYS[longer], "race_date": "2027-02-28"}))


def test_the_plan_at_the_suggested_date_of_the_profile_format_example_is_optimal(unreachable):
    suggested = suggested_date(unreachable, "2027-01-10")
    plan = build(with_changes(UNREACHABLE, goal={"race": "marathon", "race_date": suggested.isoformat()}))
    assert plan.end_date == suggested
    assert plan.extras["optimal"] is True


def test_the_profile_format_example_is_right_that_no_shorter_race_works(unreachable):
    """profile-format's unreachable example (a marathon in five weeks from 10 km a week) suggests no shorter race:
    with seven days on offer rule 8 allows a long run of 35% of the week, and five weeks at 10% more a week (one
    of them a cutback) never hold a 5K's 5 km long run; a 5K on the day is indeed refused, a 5K later is not."""
    assert "ready for" not in unreachable.suggestion
    for race in ("5k", "10k"):
        refusal(with_changes(UNREACHABLE, goal={"race": race, "race_date": "2027-01-10"}))
    profile = profile_from_data(with_changes(UNREACHABLE, goal={"race": "5k", "race_date": "2027-01-31"}))
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []


@pytest.mark.parametrize("current", [{"weekly_distance": 5, "long_run": 3},
                                     {"weekly_distance": 30, "long_run": 3,
                                      "recent_race": {"distance": "5k", "time": "20:00"}}])
def test_a_plan_is_never_empty_for_a_runner_with_a_short_long_run(current):
    data = {"name": "Short Runs", "current": current, "goal": {"weekly_distance": current["weekly_distance"] * 1.5},
            "weeks": 12, "start_date": "2026-12-07"}
    try:
        plan = build(data)
    except InfeasibleGoal as exc:  # refusing, with the real reason, is acceptable too
        assert "long" in exc.message.lower() and exc.suggestion
        return
    assert sum(w.distance_km for w in plan.weeks) > 0


def test_a_plan_is_never_empty_for_a_low_volume_runner_with_four_runs_a_week():
    data = {"name": "Four Short Runs", "current": {"weekly_distance": 10.5, "long_run": 4.9, "runs_per_week": 4},
            "goal": {"weekly_distance": 16.8}, "weeks": 12, "start_date": "2026-12-07"}
    plan = build(data)
    assert all(w.distance_km > 0 for w in plan.weeks)


def test_a_short_long_run_refusal_names_the_real_blocker():
    exc = refusal({"name": "Short Runs", "current": {"weekly_distance": 5, "long_run": 3},
                   "goal": {"race": "10k", "race_date": "2026-12-27"}, "start_date": "2026-12-07"})
    assert "earliest race date" in exc.suggestion or "long_run" in exc.suggestion


def test_a_race_too_long_for_the_race_day_time_budget_is_explained():
    data = with_changes(UNREACHABLE, goal={"race": "10k", "race_date": "2027-03-07"},
                        current={"weekly_distance": 30, "long_run": 12},
                        schedule={"max_minutes": {"default": 60, "sun": 40}})
    with pytest.raises(InfeasibleGoal) as info:
        build(data)
    assert _names_a_rule(info.value.message) and "max_minutes" in info.value.suggestion


def test_a_fitness_goal_is_planned_for_its_weeks(example_plan):
    profile, plan = example_plan(PROFILES_DIR / "priya-fitness.json")
    assert profile.goal.race is None and len(plan.weeks) == profile.weeks
    body = [w for w in plan.weeks if not w.recovery]
    # it grows towards the goal volume and never passes the cap
    assert max(w.distance_km for w in body) > profile.weekly_km
    assert max(w.distance_km for w in plan.weeks) <= profile.goal_weekly_km + 0.05


# --- minimal examples of the failures the property test found (tests/test_properties.py, 260 examples) ----------

def test_runs_per_week_above_the_run_days_is_planned_and_certified():
    data = {"name": "Three Days", "current": {"weekly_distance": 30, "long_run": 12, "runs_per_week": 4},
            "goal": {"weekly_distance": 35}, "weeks": 8, "start_date": "2026-12-07",
            "schedule": {"run_days": ["tue", "thu", "sat"]}}
    profile = profile_from_data(data)
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []



@pytest.mark.parametrize("race_date, min_rest_days", [("2027-03-01", 1), ("2027-03-02", 2), ("2027-03-03", 3)])
def test_a_race_early_in_the_week_can_be_planned(race_date, min_rest_days):
    """Boston is on a Monday: the race week then holds the race day alone, which cannot be a rest day."""
    data = {"name": "Monday Race", "current": {"weekly_distance": 30, "long_run": 12},
            "goal": {"race": "10k", "race_date": race_date}, "start_date": "2026-12-07",
            "rules": {"min_rest_days": min_rest_days}}
    profile = profile_from_data(data)
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == [] and plan.days[-1].run.type == "race"


def test_the_same_race_later_in_that_week_is_planned():
    """The control for the test above: Thursday of the same week is fine."""
    data = {"name": "Thursday Race", "current": {"weekly_distance": 30, "long_run": 12},
            "goal": {"race": "10k", "race_date": "2027-03-04"}, "start_date": "2026-12-07"}
    profile = profile_from_data(data)
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []


FAST_RUNNER_WITH_A_BREAK = {
    "name": "Fast Runner", "current": {"weekly_distance": 40.2, "long_run": 10.5,
                                       "recent_race": {"distance": "marathon", "time": "2:23:13"}},
    "start_date": "2026-11-28", "goal": {"race": "10k", "race_date": "2027-05-02"},
    "schedule": {"unavailable": [{"from": "2026-12-02", "to": "2026-12-11"}]}, "rules": {"cutback_ratio": 0.6},
}


def test_a_fast_runner_with_a_break_can_race_a_10k_in_may():
    """The control for the test below: this runner, already past 10K readiness, gets a plan for 2 May (it takes
    about 80 s today: every staged solve fails and the whole model runs to its time limit)."""
    profile = profile_from_data(FAST_RUNNER_WITH_A_BREAK)
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []


def test_a_later_race_date_is_never_harder_than_an_earlier_one():
    profile = profile_from_data(with_changes(FAST_RUNNER_WITH_A_BREAK,
                                             goal={"race": "10k", "race_date": "2027-08-01"}))
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []


# --- a schedule that cannot hold the race, whatever its date ---------------------------------------------------

SHORT_WEEKDAYS = {
    "name": "Short Weekdays", "current": {"weekly_distance": 20, "long_run": 7,
                                          "recent_race": {"distance": "5k", "time": "27:10"}},
    "goal": {"race": "half", "race_date": "2027-05-30"}, "start_date": "2027-01-18",
    "schedule": {"run_days": ["tue", "thu", "sat", "sun"], "max_minutes": {"default": 40, "sun": 210}},
}


def test_a_schedule_too_short_for_the_race_is_refused_with_what_to_change():
    """Four run days with 40-minute weekdays hold a long run of at most about 10 km under rule 8 (0.40 of the week
    with four run days), short of the 16 km a half needs, on any date: the refusal says so and points at the
    schedule rather than at a later race date."""
    exc = refusal(SHORT_WEEKDAYS)
    assert "whatever the race date" in exc.message and "Long run share (rule 8)" in exc.message
    assert "schedule.max_minutes" in exc.suggestion and "schedule.run_days" in exc.suggestion
    assert "earliest race date" not in exc.suggestion
    assert suggested_race_km(exc) < 21.0975  # a shorter race by the date still works


def test_the_schedule_named_in_that_refusal_is_what_blocks_it():
    """Holds: the same runner with 75-minute weekdays gets a certified plan for the same race."""
    data = with_changes(SHORT_WEEKDAYS, schedule={**SHORT_WEEKDAYS["schedule"],
                                                  "max_minutes": {"default": 75, "sun": 210}})
    profile = profile_from_data(data)
    assert check_plan(build_plan(profile, generated_at=GENERATED_AT), profile) == []


@pytest.mark.parametrize("path", example_profile_paths(), ids=lambda p: p.name)
def test_the_schedule_ceiling_is_never_below_what_a_plan_reaches(path, example_plan):
    """The ceiling only ever refuses what no plan can do: every example plan stays within it (the long run in the
    weeks rule 8's share applies to: full, not the race week, no unavailable date)."""
    from planner.engine import schedule_ceiling
    from planner.solver.frame import build_frame
    profile, plan = example_plan(path)
    frame = build_frame(profile, today=plan.start_date, conservative=bool(plan.extras.get("conservative")))
    week_most, long_most = schedule_ceiling(frame)
    assert max(w.distance_km for w in plan.weeks if w.phase != "race") <= week_most / 10 + 0.05
    off = profile.schedule.unavailable_dates()
    for week in plan.weeks:
        days = [d for d in plan.days if week.start <= d.date < week.start + dt.timedelta(days=7)]
        if len(days) == 7 and week.phase != "race" and not any(d.date in off for d in days):
            longest = max((d.run.distance_km for d in days if d.run is not None), default=0.0)
            assert longest <= long_most / 10 + 0.05, week.number


def test_every_main_block_lasts_what_its_distance_takes_at_the_planning_pace(example_path, example_plan):
    """A session's distance is its warm-up and cool-down jogging plus its main block: the main block's minutes are
    what the rest of the distance takes at the planning pace (drills and stretches cover no distance). Before,
    a 25-minute easy run of 3.1 km gave its main block 5 minutes for 1.6 km."""
    from planner.sessions import drill_minutes, stretch_minutes
    _, plan = example_plan(example_path)
    pace = plan.extras["zones"].planning_easy_s_per_km
    checked = 0
    for day in plan.days:
        run = day.run
        if run is None or run.type == "race":
            continue
        jog = (run.warmup_minutes - drill_minutes(run.warmup_minutes)
               + run.cooldown_minutes - stretch_minutes(run.cooldown_minutes))
        main = next(b for b in run.blocks if b.kind == "main")
        running = (run.distance_km - jog * 60 / pace) * pace / 60
        assert abs(main.minutes - running) <= 1.0, (day.date, run.type, run.distance_km, main.minutes, running)
        checked += 1
    assert checked > 10


def test_tight_weekday_budgets_hold_the_run_and_the_strength_session_together():
    """A runner with 45-minute weekdays and two strength sessions a week: no day's run and strength together pass
    its budget (a strength day's run is shorter, or the day holds one of them), and the plan is certified."""
    data = {"name": "Busy Weekdays", "current": {"weekly_distance": 25, "long_run": 9},
            "goal": {"race": "10k", "race_date": "2027-03-07"}, "start_date": "2026-12-07",
            "schedule": {"run_days": ["mon", "tue", "thu", "sat", "sun"], "max_minutes": {"default": 45, "sun": 120}}}
    profile = profile_from_data(data)
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == []
    strength_days = [d for d in plan.days if d.strength is not None]
    assert strength_days
    for day in plan.days:
        budget = profile.schedule.minutes_on(WEEKDAYS[day.date.weekday()])
        used = (day.run.minutes if day.run else 0) + (day.strength.minutes if day.strength else 0)
        assert used <= budget, day.date


def test_a_runner_already_ready_may_race_a_5k_six_days_out():
    """A 30 km-a-week runner asks for a 5K on Sunday from Monday: a plan exists (rest, then the race) and is made,
    not refused; a runner not yet ready for it is still refused."""
    data = {"name": "Six Days", "current": {"weekly_distance": 30, "long_run": 12},
            "goal": {"race": "5k", "race_date": "2026-12-13"}, "start_date": "2026-12-07"}
    profile = profile_from_data(data)
    plan = build_plan(profile, generated_at=GENERATED_AT)
    assert check_plan(plan, profile) == [] and len(plan.weeks) == 1
    assert [d.run.type for d in plan.days if d.run] == ["race"]
    refusal(with_changes(data, current={"weekly_distance": 8, "long_run": 3}))
