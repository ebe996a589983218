"""Tests of planner/checks.py: a plan that holds and one that is minimally broken, for every rule.

Plans are built by hand with :func:`make_plan` so each test states only what matters: a start date and, for each
day, ``None`` (rest), ``"S"`` (strength only) or ``(type, km, *flags)`` where a flag is ``"S"`` (strength that day)
or a dict of Run fields to override (``shoe``, ``minutes``, ``warmup``...). Blocks, minutes and weeks are derived.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from planner.checks import (
    RULE_TEXT, RULES, Violation, assert_plan_ok, check_long_run_share, check_plan, check_rest, check_shoes, check_structure,
    check_taper_and_race, verdicts,
)
from planner.errors import PlanRuleViolation
from planner.plan import Athlete, Block, Day, Plan, Race, Reminder, Run, StrengthSession, Week
from planner.profile import profile_from_data

ROOT = Path(__file__).resolve().parents[1]
MON = dt.date(2027, 1, 4)  # a Monday
STRENGTH = StrengthSession(minutes=30, focus="glutes, core", exercises=("squats", "planks"))

DEFAULT_RULES = {
    "progression_cap": 0.10, "min_rest_days": 1, "cutback_every": 4, "cutback_ratio": 0.80,
    "strength_per_week": 2, "warmup_minutes": 10, "cooldown_minutes": 10,
    "long_run_max_share": 0.35, "easy_share_min": 0.80,
    "baseline_weekly_km": 30.0, "baseline_long_run_km": 12.0,
}

# A compliant week (29 km) and a compliant cutback week (22 km <= 0.8 x 29) for a runner at 30 km a week.
WEEK = [("easy", 5, "S"), ("easy", 4), ("tempo", 5), ("easy", 4, "S"), None, ("easy", 3), ("long", 8)]
CUTBACK = [("easy", 4, "S"), ("easy", 3), ("tempo", 4), ("easy", 3, "S"), None, ("easy", 2), ("long", 6)]


def d(offset: int) -> dt.date:
    return MON + dt.timedelta(days=offset)


def make_run(kind: str, km: float, *, shoe: str | None = None, minutes: int | None = None,
             warmup: int = 10, cooldown: int = 10) -> Run:
    total = minutes if minutes is not None else max(warmup + cooldown + 5, round(km * 6))
    blocks = (Block("warmup", warmup, "easy jog"), Block("main", total - warmup - cooldown, f"{kind} {km} km"),
              Block("cooldown", cooldown, "walk and stretch"))
    return Run(type=kind, distance_km=float(km), minutes=total, warmup_minutes=warmup, cooldown_minutes=cooldown,
               blocks=blocks, pace="6:00 /km", shoe=shoe)


def make_day(date: dt.date, spec, shoe: str | None) -> Day:
    if spec is None:
        return Day(date)
    if spec == "S":
        return Day(date, strength=STRENGTH)
    kind, km, *flags = spec
    options = {"shoe": shoe}
    for flag in flags:
        options.update(flag if isinstance(flag, dict) else {})
    return Day(date, run=make_run(kind, km, **options), strength=STRENGTH if "S" in flags else None)


def make_plan(spec: list, *, start: dt.date = MON, rules: dict | None = None, phases: dict | None = None,
              recovery: tuple = (), race: Race | None = None, reminders: tuple = (), shoe: str | None = None) -> Plan:
    """A plan from one spec per day; weeks (Monday-Sunday) are computed, phase 'base' unless ``phases`` says."""
    days = tuple(make_day(start + dt.timedelta(days=i), s, shoe) for i, s in enumerate(spec))
    end = days[-1].date
    weeks, monday = [], start - dt.timedelta(days=start.weekday())
    while monday <= end:
        n = len(weeks) + 1
        km = sum(x.run.distance_km for x in days if x.run and monday <= x.date <= monday + dt.timedelta(days=6))
        weeks.append(Week(number=n, start=monday, phase=(phases or {}).get(n, "base"), recovery=n in recovery,
                          distance_km=round(km, 1)))
        monday += dt.timedelta(days=7)
    return Plan(generated_at="2026-11-25T10:00:00Z", athlete=Athlete("test-runner", "Test Runner", "UTC", "km"),
                start_date=start, end_date=end, race=race, rules={**DEFAULT_RULES, **(rules or {})},
                weeks=tuple(weeks), days=days, reminders=tuple(reminders))


def profile(**changes):
    """A fitness-goal runner at 30 km a week (long run 12 km), rest on Fridays, 90 minutes a day."""
    data = {"name": "Test Runner", "current": {"weekly_distance": 30, "long_run": 12},
            "goal": {"weekly_distance": 30}, "start_date": "2027-01-04", "weeks": 4,
            "schedule": {"rest_days": ["fri"], "max_minutes": {"default": 90}}}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict) and key != "goal":
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return profile_from_data(data)


def race_profile(race: str, race_date: str, **changes):
    return profile(goal={"race": race, "race_date": race_date}, weeks=None, **changes)


def assert_only(plan: Plan, prof, rule: int, where: str) -> list[Violation]:
    """The plan breaks exactly ``rule`` (no other), and one violation is at ``where``."""
    found = check_plan(plan, prof)
    assert {v.rule for v in found} == {rule}, "\n".join(map(str, found))
    assert where in {v.where for v in found}, "\n".join(map(str, found))
    return found


def week(n: int) -> str:
    return f"week {n} ({d(7 * (n - 1)).isoformat()})"


# --- compliant plans --------------------------------------------------------------------------------------

def fitness_plan(**kw) -> Plan:
    return make_plan(WEEK * 3 + CUTBACK, recovery=(4,), **kw)


TEN_K = Race("Test 10K", d(20), 10.0)
RACE_WEEK_10K = [("easy", 4, "S"), ("easy", 3), ("easy", 3), None, None, ("easy", 3), ("race", 10)]


def ten_k_plan(race_week=RACE_WEEK_10K, **kw) -> Plan:
    return make_plan(WEEK * 2 + race_week, phases={3: "race"}, race=TEN_K, **kw)


HALF = Race("Test Half", d(27), 21.1)
RACE_WEEK_HALF = [("easy", 4, "S"), None, ("easy", 3), None, None, ("easy", 3), ("race", 21.1)]


def half_plan(taper=CUTBACK, race_week=RACE_WEEK_HALF, phases=None, race=HALF, **kw) -> Plan:
    return make_plan(WEEK * 2 + taper + race_week, phases=phases or {3: "taper", 4: "race"}, race=race, **kw)


def ten_k_profile(**kw):
    return race_profile("10k", "2027-01-24", **kw)


def half_profile(**kw):
    return race_profile("half", "2027-01-31", schedule={"rest_days": ["fri"], "max_minutes": {"default": 90,
                                                                                               "sun": 150}}, **kw)


def test_compliant_plans_pass_every_rule():
    assert check_plan(fitness_plan(), profile()) == []
    assert check_plan(ten_k_plan(), ten_k_profile()) == []
    assert check_plan(half_plan(), half_profile()) == []


def test_verdicts_has_every_rule_and_the_names_and_texts_cover_twelve_rules():
    result = verdicts(fitness_plan(), profile())
    assert sorted(result) == list(range(13))
    assert all(found == [] for found in result.values())
    assert sorted(RULES) == sorted(RULE_TEXT) == list(range(1, 13))
    assert all(len(text) > 40 for text in RULE_TEXT.values())


def test_violation_reads_as_one_line():
    v = Violation(rule=1, name="Progression cap", where="week 5 (2027-01-04)", message="41.3 km > 1.10 x 36.0 km")
    assert str(v) == "rule 1 (Progression cap), week 5 (2027-01-04): 41.3 km > 1.10 x 36.0 km"


def test_assert_plan_ok_raises_listing_every_violation():
    assert_plan_ok(fitness_plan(), profile())  # no exception
    plan = make_plan([("tempo", 5), ("tempo", 5)] + WEEK[2:])
    with pytest.raises(PlanRuleViolation) as info:
        assert_plan_ok(plan, profile())
    assert [v.rule for v in info.value.violations] == [v.rule for v in check_plan(plan, profile())]
    assert any("rule 6 (Hard/easy), 2027-01-05" in line for line in info.value.lines())


def test_violations_are_sorted_by_date_then_rule():
    spec = [("easy", 5, "S"), ("easy", 4), ("tempo", 3), ("tempo", 3), ("easy", 3), None, ("long", 8)]
    found = check_plan(make_plan(spec), profile())
    assert [(v.where, v.rule) for v in found] == [
        (week(1), 7), (week(1), 9), ("2027-01-07", 6), ("2027-01-08", 10)]


# --- rule 0: structure ------------------------------------------------------------------------------------

def test_structure_holds_on_a_built_plan():
    assert check_structure(fitness_plan(), profile()) == []


def test_structure_missing_day():
    plan = fitness_plan()
    plan = replace(plan, days=plan.days[:3] + plan.days[4:])
    found = [v for v in check_plan(plan, profile()) if v.rule == 0]
    assert any("missing: 2027-01-07" in v.message and v.where == "plan" for v in found)


def test_structure_days_out_of_order_and_duplicated():
    plan = fitness_plan()
    swapped = replace(plan, days=(plan.days[1], plan.days[0]) + plan.days[2:])
    assert any("not in date order" in v.message for v in check_structure(swapped, profile()))
    doubled = replace(plan, days=plan.days[:2] + (plan.days[1],) + plan.days[2:])
    assert any("more than once" in v.message for v in check_structure(doubled, profile()))


def test_structure_run_minutes_must_be_the_sum_of_blocks():
    plan = make_plan([("easy", 5, {"minutes": 40})] + WEEK[1:])
    run = replace(plan.days[0].run, minutes=41)
    plan = replace(plan, days=(replace(plan.days[0], run=run),) + plan.days[1:])
    found = check_structure(plan, profile())
    assert [(v.rule, v.where) for v in found] == [(0, "2027-01-04")]
    assert "41" in found[0].message and "40" in found[0].message


def test_structure_bad_run_type_and_phase():
    plan = fitness_plan()
    run = replace(plan.days[0].run, type="jog")
    weeks = (replace(plan.weeks[0], phase="party"),) + plan.weeks[1:]
    plan = replace(plan, days=(replace(plan.days[0], run=run),) + plan.days[1:], weeks=weeks)
    messages = [v.message for v in check_plan(plan, profile()) if v.rule == 0]
    assert any("'jog'" in m for m in messages) and any("'party'" in m for m in messages)


def test_structure_week_distance_must_match_its_runs():
    plan = fitness_plan()
    weeks = (replace(plan.weeks[0], distance_km=plan.weeks[0].distance_km + 0.2),) + plan.weeks[1:]
    found = check_structure(replace(plan, weeks=weeks), profile())
    assert [(v.rule, v.where) for v in found] == [(0, week(1))]


def test_structure_week_start_must_be_the_monday_even_for_a_partial_week():
    spec = WEEK[2:] + WEEK  # starts on a Wednesday
    plan = make_plan(spec, start=d(2))
    assert plan.weeks[0].start == MON and check_structure(plan, profile()) == []
    bad = replace(plan, weeks=(replace(plan.weeks[0], start=d(2)),) + plan.weeks[1:])
    messages = [v.message for v in check_structure(bad, profile())]
    assert any("not a Monday" in m for m in messages)


def test_structure_week_numbers_and_coverage():
    plan = fitness_plan()
    renumbered = replace(plan, weeks=(replace(plan.weeks[0], number=0),) + plan.weeks[1:])
    assert any("numbers" in v.message for v in check_structure(renumbered, profile()))
    dropped = replace(plan, weeks=plan.weeks[:2] + plan.weeks[3:])
    assert any("no entry for the week(s) of 2027-01-18" in v.message for v in check_structure(dropped, profile()))


def test_structure_rules_block_needs_every_key():
    plan = fitness_plan()
    rules = dict(plan.rules)
    del rules["baseline_long_run_km"]
    found = check_structure(replace(plan, rules=rules), profile())
    assert [(v.where, v.message) for v in found] == [("plan", "rules: baseline_long_run_km is missing")]


def test_structure_rules_block_may_not_loosen_the_profile():
    tighter = profile(rules={"progression_cap": 0.05, "min_rest_days": 2})
    found = check_structure(fitness_plan(), tighter)
    assert {v.message.split()[1] for v in found} == {"progression_cap", "min_rest_days"}
    # and the rules themselves use the tighter value: week 1 (29 km) is within 1.05 x 30, so only rest bites
    assert {v.rule for v in check_plan(fitness_plan(), tighter)} == {0, 4}


def test_structure_rules_block_baseline_above_the_profile():
    found = check_structure(fitness_plan(rules={"baseline_weekly_km": 40.0}), profile())
    assert len(found) == 1 and "baseline_weekly_km 40 is looser than the profile's 30" in found[0].message


def test_malformed_values_never_pass_silently():
    plan = fitness_plan()
    run = replace(plan.days[0].run, distance_km="five")
    result = verdicts(replace(plan, days=(replace(plan.days[0], run=run),) + plan.days[1:]), profile())
    assert result[0], "rule 0 must report the bad distance"
    assert any("five" in v.message for v in result[0])


def test_plan_is_checked_as_written_with_distances_rounded():
    # In memory the runs sum to 29.24 km and the week says 29.2; plan.json writes each run as x.0 (sum 29.0).
    spec = [x if x is None else (x[0], x[1] + 0.04, *x[2:]) for x in WEEK]
    plan = make_plan(spec)
    assert check_structure(plan, profile()) == []
    found = check_plan(plan, profile())
    assert [(v.rule, v.where, v.message) for v in found] == [
        (0, week(1), "distance_km 29.2 is not the sum of its runs (29.0 km)")]


# --- rule 1: progression cap ------------------------------------------------------------------------------

BIG_WEEK = [("easy", 6, "S"), ("easy", 5), ("tempo", 5), ("easy", 5, "S"), None, ("easy", 4), ("long", 8)]  # 33


def test_progression_cap_bites_above_ten_percent():
    found = assert_only(make_plan(WEEK + BIG_WEEK), profile(), 1, week(2))
    assert "33.0 km > 1.10 x 29.0 km (reference week 1)" in found[0].message


def test_progression_cap_holds_at_ten_percent_of_baseline():
    assert check_plan(make_plan(BIG_WEEK[:6] + [("long", 7)]), profile()) == []  # 32 km <= 33 km


def test_progression_cap_partial_first_week_does_not_lower_the_bar():
    # Starts on Saturday with 11 km; week 2 (32 km) is measured against the baseline, not the partial week.
    plan = make_plan([("easy", 3), ("long", 8)] + [None] + BIG_WEEK[1:6] + [("long", 8)], start=d(5))
    assert [v for v in check_plan(plan, profile()) if v.rule == 1] == []


def test_progression_cap_recovery_week_does_not_lower_the_bar():
    plan = make_plan(WEEK * 3 + CUTBACK + BIG_WEEK[:6] + [("long", 6)], recovery=(4,))  # 31 <= 1.1 x 29, not 22
    assert check_plan(plan, profile()) == []


def test_progression_cap_recovery_week_must_be_a_real_cutback():
    found = assert_only(make_plan(WEEK * 4, recovery=(4,)), profile(), 1, week(4))
    assert "recovery week of 29.0 km > cutback_ratio 0.80 x 29.0 km" in found[0].message


def test_progression_cap_needs_a_cutback_every_cutback_every_weeks():
    found = assert_only(make_plan(WEEK * 4), profile(), 1, week(4))
    assert "4 weeks in a row (weeks 1-4) without a recovery week" in found[0].message
    assert check_plan(make_plan(WEEK * 4), profile(rules={"cutback_every": 5})) != []  # still 4 > plan's own 4
    assert check_plan(make_plan(WEEK * 4, rules={"cutback_every": 5}), profile(rules={"cutback_every": 5})) == []


# --- rule 2: workload ratio -------------------------------------------------------------------------------

def holiday_profile(days: int):
    last = (MON + dt.timedelta(days=days - 1)).isoformat()
    return profile(schedule={"rest_days": ["fri"], "max_minutes": {"default": 90},
                             "unavailable": [{"from": "2027-01-04", "to": last}]})


def test_workload_ratio_holds_after_one_week_off():
    assert check_plan(make_plan([None] * 7 + WEEK), holiday_profile(7)) == []  # 29 <= 1.3 x 22.5


def test_workload_ratio_bites_after_two_weeks_off():
    found = assert_only(make_plan([None] * 14 + WEEK), holiday_profile(14), 2, week(3))
    assert "29.0 km > 1.3 x 15.0 km" in found[0].message


# --- rule 3: single-run spike -----------------------------------------------------------------------------

def test_single_run_spike_holds_within_cap_of_baseline_long_run():
    low_long = profile(current={"weekly_distance": 30, "long_run": 6})
    plan = make_plan(WEEK[:6] + [("long", 6.6)], rules={"baseline_long_run_km": 6.0})
    assert check_plan(plan, low_long) == []


def test_single_run_spike_bites_above_cap_of_baseline_long_run():
    low_long = profile(current={"weekly_distance": 30, "long_run": 6})
    found = assert_only(make_plan(WEEK, rules={"baseline_long_run_km": 6.0}), low_long, 3, "2027-01-10")
    assert "8.0 km > 1.10 x 6.0 km" in found[0].message and "baseline_long_run_km" in found[0].message


def test_single_run_spike_ignores_the_race():
    assert [v for v in check_plan(half_plan(), half_profile()) if v.rule == 3] == []


def _spikes_by_definition(plan: Plan, cap: float, baseline: float) -> list[tuple[str, str]]:
    """Rule 3 read straight from plan-format: each run but the race against every run of the 30 days before it."""
    runs = [(d.date, d.run) for d in plan.days if d.run is not None]
    out = []
    for day, run in runs:
        if run.type == "race":
            continue
        longest, source = (baseline, "baseline_long_run_km") if day - dt.timedelta(days=30) < plan.start_date \
            else (0.0, "no run")
        for earlier_day, earlier in runs:
            if day - dt.timedelta(days=30) <= earlier_day < day and earlier.distance_km > longest:
                longest, source = earlier.distance_km, f"run on {earlier_day}"
        if run.distance_km > (1 + cap) * longest + 1e-6:
            out.append((day.isoformat(), source))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_single_run_spike_finds_what_the_rule_read_literally_finds(seed):
    """The checker keeps the 30-day window's longest run as it slides; a literal reading compares every pair."""
    import random

    rng = random.Random(seed)
    spec = [None if rng.random() < 0.3 else ("long" if rng.random() < 0.2 else "easy",
                                             round(rng.choice([4.0, 6.0, 6.6, 8.0, 9.5, 12.0, 13.2]), 1))
            for _ in range(rng.randint(20, 90))]
    spec[-1] = ("easy", 5.0)
    plan = make_plan(spec, rules={"baseline_long_run_km": 6.0})
    found = [(v.where, v.message) for v in check_plan(plan, profile(current={"weekly_distance": 30, "long_run": 6}))
             if v.rule == 3]
    expected = _spikes_by_definition(plan, plan.rules["progression_cap"], 6.0)
    assert [where for where, _ in found] == [where for where, _ in expected]
    for (_, message), (_, source) in zip(found, expected):
        assert source in message


def test_single_run_spike_counts_the_run_exactly_30_days_before():
    spec = [("long", 12.0)] + [("easy", 4.0) if i % 2 else None for i in range(29)] + [("long", 13.0)]
    plan = make_plan(spec, rules={"baseline_long_run_km": 12.0})
    assert [v for v in check_plan(plan, profile()) if v.rule == 3] == []
    # a day later the 12 km run has left the window
    late = make_plan(spec[:-1] + [None, ("long", 13.0)], rules={"baseline_long_run_km": 12.0})
    assert [v.where for v in check_plan(late, profile()) if v.rule == 3] == [late.days[-1].date.isoformat()]


# --- rule 4: rest -----------------------------------------------------------------------------------------

NO_REST_DAYS = {"rest_days": [], "max_minutes": {"default": 90}}


def test_rest_bites_in_a_week_without_rest():
    spec = [("easy", 2, "S"), ("easy", 4), ("tempo", 5), ("easy", 4, "S"), ("easy", 3), ("easy", 3), ("long", 8)]
    found = assert_only(make_plan(spec), profile(schedule=NO_REST_DAYS), 4, week(1))
    assert {v.message for v in found} == {"0 rest day(s) < 1 (min_rest_days 1, 7 day(s) of the week in the plan)",
                                          "7 days in a row without a rest day (2027-01-04 to 2027-01-10)"}


def test_rest_bites_on_seven_days_in_a_row_across_weeks():
    first = [None, ("easy", 4, "S"), ("easy", 5), ("tempo", 5), ("easy", 4, "S"), ("easy", 3), ("long", 8)]
    second = [("easy", 4, "S"), ("easy", 5), ("tempo", 5), ("easy", 4, "S"), ("easy", 3), ("long", 8), None]
    found = assert_only(make_plan(first + second), profile(schedule=NO_REST_DAYS), 4, "2027-01-05")
    assert "12 days in a row without a rest day (2027-01-05 to 2027-01-16)" in found[0].message
    assert check_plan(make_plan(WEEK + WEEK), profile(schedule=NO_REST_DAYS)) == []


def test_rest_counts_in_a_partial_week():
    found = assert_only(make_plan([("easy", 3), ("long", 8)], start=d(5)), profile(schedule=NO_REST_DAYS), 4, week(1))
    assert "(min_rest_days 1, 2 day(s) of the week in the plan)" in found[0].message


def test_strength_alone_is_not_rest():
    spec = WEEK[:4] + ["S"] + WEEK[5:]
    assert 4 in {v.rule for v in check_plan(make_plan(spec), profile(schedule=NO_REST_DAYS))}


# --- rule 5: warm-up and cool-down ------------------------------------------------------------------------

def test_warmup_bites_when_short():
    plan = make_plan([("easy", 5, "S", {"warmup": 5})] + WEEK[1:])
    found = assert_only(plan, profile(), 5, "2027-01-04")
    assert {v.message for v in found} == {"warmup_minutes 5 < 10", "warm-up block of 5 min < 10"}


def test_cooldown_block_must_end_the_run():
    plan = make_plan(WEEK)
    run = plan.days[1].run
    run = replace(run, blocks=(run.blocks[0], run.blocks[2], run.blocks[1]))
    plan = replace(plan, days=(plan.days[0], replace(plan.days[1], run=run)) + plan.days[2:])
    found = assert_only(plan, profile(), 5, "2027-01-05")
    assert "blocks end with 'main', not 'cooldown'" in found[0].message


def test_warmup_follows_the_rules_block():
    assert check_plan(make_plan(WEEK, rules={"warmup_minutes": 12}), profile()) != []
    assert check_plan(make_plan([("easy", 5, "S", {"warmup": 12})] + WEEK[1:]), profile()) == []


# --- rule 6: hard/easy ------------------------------------------------------------------------------------

def test_hard_easy_bites_on_back_to_back_hard_days():
    second = [("tempo", 5, "S"), ("easy", 4), ("easy", 5), ("easy", 4, "S"), None, ("easy", 3), ("long", 8)]
    found = assert_only(make_plan(WEEK + second), profile(), 6, "2027-01-11")
    assert found[0].message == "hard tempo run the day after a hard long run"


def test_hard_easy_holds_with_an_easy_day_between():
    second = [("easy", 5), ("tempo", 4, "S"), ("easy", 5), ("easy", 4, "S"), None, ("easy", 3), ("long", 8)]
    assert check_plan(make_plan(WEEK + second), profile()) == []


# --- rule 7: strength -------------------------------------------------------------------------------------

def test_strength_needs_exactly_the_sessions_in_a_full_week():
    spec = WEEK[:3] + [("easy", 4)] + WEEK[4:]
    found = assert_only(make_plan(spec), profile(), 7, week(1))
    assert "1 strength session(s), expected exactly 2" in found[0].message


def test_strength_not_the_day_before_a_hard_run():
    spec = [("easy", 5), ("easy", 4, "S"), ("tempo", 5), ("easy", 4, "S"), None, ("easy", 3), ("long", 8)]
    found = assert_only(make_plan(spec), profile(), 7, "2027-01-05")
    assert "the day before a hard tempo run" in found[0].message


def test_strength_not_on_consecutive_days():
    spec = [("easy", 5), ("easy", 4), ("tempo", 5, "S"), ("easy", 4, "S"), None, ("easy", 3), ("long", 8)]
    found = assert_only(make_plan(spec), profile(), 7, "2027-01-07")
    assert found[0].message == "strength on two consecutive days"


def test_strength_not_in_the_last_days_before_the_race():
    no_rest = {"rest_days": [], "max_minutes": {"default": 90}}
    race_week = RACE_WEEK_10K[:4] + ["S"] + RACE_WEEK_10K[5:]
    found = assert_only(ten_k_plan(race_week), ten_k_profile(schedule=no_rest), 7, "2027-01-22")
    assert "2 day(s) before the race" in found[0].message


def test_strength_no_week_has_more_than_the_count():
    race_week = [("easy", 4, "S"), ("easy", 3), ("easy", 3, "S"), None, None, ("easy", 3), ("race", 10)]
    assert check_plan(ten_k_plan(race_week), ten_k_profile()) == []  # 2 in the race week is fine
    plan = ten_k_plan(race_week, rules={"strength_per_week": 1})
    found = assert_only(plan, ten_k_profile(rules={"strength_per_week": 1}), 7, week(3))
    assert "2 strength session(s) > 1" in {v.message for v in found}


def test_strength_not_required_in_a_week_with_an_unavailable_date():
    spec = WEEK[:3] + [None] + WEEK[4:]
    away = profile(schedule={"rest_days": ["fri"], "max_minutes": {"default": 90}, "unavailable": ["2027-01-07"]})
    assert check_plan(make_plan(spec), away) == []
    assert {v.rule for v in check_plan(make_plan(spec), profile())} == {7}


# --- rule 8: long run share and duration ------------------------------------------------------------------

def test_long_run_share_bites():
    spec = [("easy", 4, "S"), ("easy", 3), ("tempo", 4), ("easy", 3, "S"), None, ("easy", 3), ("long", 11)]
    found = assert_only(make_plan(spec), profile(), 8, week(1))
    assert "longest run 11.0 km > 0.35 x 28.0 km" in found[0].message


def test_long_run_share_holds_at_the_share():
    spec = [("easy", 5, "S"), ("easy", 4), ("tempo", 4), ("easy", 4, "S"), None, ("easy", 3), ("long", 10)]
    assert check_plan(make_plan(spec), profile()) == []  # 10 <= 0.35 x 30 = 10.5


def test_long_run_share_skips_partial_weeks():
    assert check_plan(make_plan([None, ("easy", 3), ("long", 8)], start=d(4)), profile()) == []  # 8 > 0.35 x 11


def test_run_duration_cap_150_minutes_below_a_marathon():
    long_day = {"rest_days": ["fri"], "max_minutes": {"default": 90, "sun": 200}}
    ok = make_plan(WEEK[:6] + [("long", 8, {"minutes": 150})])
    assert check_plan(ok, profile(schedule=long_day)) == []
    slow = make_plan(WEEK[:6] + [("long", 8, {"minutes": 151})])
    found = assert_only(slow, profile(schedule=long_day), 8, "2027-01-10")
    assert "long run of 151 min > 150 min" in found[0].message


def test_run_duration_cap_180_minutes_for_a_marathon_goal():
    slow = make_plan(WEEK[:6] + [("long", 8, {"minutes": 170})])
    marathon = race_profile("marathon", "2027-05-02")
    assert [v for v in check_long_run_share(slow, marathon) if "min" in v.message] == []
    assert len(check_long_run_share(slow, race_profile("half", "2027-05-02"))) == 1


THREE_RUNS = [("easy", 5, "S"), None, ("easy", 6), "S", None, None, ("long", 10)]  # 21 km, long run 48%


def test_long_run_share_default_follows_the_run_days_a_week():
    """profile-format's default share goes "by run days a week": the days the schedule offers, or the plan's runs
    a week where a plan runs on more days than that."""
    rules = {"long_run_max_share": 0.5, "baseline_weekly_km": 21.0, "baseline_long_run_km": 10.0}
    three_days = profile(current={"weekly_distance": 21, "long_run": 10, "runs_per_week": 3},
                         schedule={"run_days": ["mon", "wed", "sun"], "rest_days": ["fri"],
                                   "max_minutes": {"default": 90}})
    assert check_plan(make_plan(THREE_RUNS, rules=rules), three_days) == []
    # the same three runs, but four days on offer: the default is 0.40, and a 48% long run breaks it
    four_days = profile(current={"weekly_distance": 21, "long_run": 10, "runs_per_week": 3},
                        schedule={"run_days": ["mon", "wed", "thu", "sun"], "rest_days": ["fri"],
                                  "max_minutes": {"default": 90}})
    found = check_plan(make_plan(THREE_RUNS, rules=rules), four_days)
    assert [(v.rule, v.where) for v in found] == [(0, "plan"), (8, week(1))]
    assert "long_run_max_share 0.5 is looser than the profile's 0.4" in found[0].message
    # no run_days given: every day but the rest day is on offer (six), so 0.35, whatever the runner usually runs
    found = check_plan(make_plan(THREE_RUNS, rules=rules),
                       profile(current={"weekly_distance": 21, "long_run": 10, "runs_per_week": 3}))
    assert "long_run_max_share 0.5 is looser than the profile's 0.35" in found[0].message
    # the runner's usual count is where they are today, not the days on offer: five runs a week, three days, 0.50
    usual_five = profile(current={"weekly_distance": 21, "long_run": 10, "runs_per_week": 5},
                         schedule={"run_days": ["mon", "wed", "sun"], "rest_days": ["fri"],
                                   "max_minutes": {"default": 90}})
    assert check_plan(make_plan(THREE_RUNS, rules=rules), usual_five) == []
    # and four runs in a week count too when the schedule offers only three days (a plan may not, but a checker
    # of any plan must say so)
    four = THREE_RUNS[:3] + [("easy", 2, "S")] + THREE_RUNS[4:]
    found = check_plan(make_plan(four, rules=rules), three_days)
    assert (8, week(1)) in [(v.rule, v.where) for v in found]


# --- rule 9: intensity ------------------------------------------------------------------------------------

def test_intensity_bites_below_easy_share():
    spec = [("easy", 5, "S"), ("easy", 4), ("tempo", 7), ("easy", 4, "S"), None, ("easy", 3), ("long", 6)]
    found = assert_only(make_plan(spec), profile(), 9, week(1))
    assert "easy 22.0 km < 0.80 x 29.0 km" in found[0].message


def test_intensity_skips_the_race_week():
    assert check_plan(ten_k_plan(), ten_k_profile()) == []  # race week: 13 easy of 23 km


def test_intensity_no_intervals_in_conservative_mode():
    sore = profile(health={"pain": [{"area": "shin", "severity": 5}]})
    assert check_plan(make_plan(WEEK, rules={"progression_cap": 0.05}), sore) == []
    intervals = WEEK[:2] + [("intervals", 5)] + WEEK[3:]
    found = assert_only(make_plan(intervals, rules={"progression_cap": 0.05}), sore, 9, "2027-01-06")
    assert "conservative mode" in found[0].message
    found = check_structure(make_plan(WEEK), sore)
    assert len(found) == 1 and "conservative mode" in found[0].message


def test_conservative_mode_from_old_pain():
    old = profile(health={"pain": [{"area": "knee", "severity": 2, "since": "2026-12-01"}]})
    assert check_structure(make_plan(WEEK), old) != []
    recent = profile(health={"pain": [{"area": "knee", "severity": 2, "since": "2026-12-28"}]})
    assert check_structure(make_plan(WEEK), recent) == []


# --- rule 10: availability --------------------------------------------------------------------------------

def test_availability_bites_on_a_rest_day():
    spec = WEEK[:4] + [("easy", 3)] + [None, ("long", 8)]
    found = assert_only(make_plan(spec), profile(), 10, "2027-01-08")
    assert "run on a rest day (fri is in schedule.rest_days)" in found[0].message


def test_availability_bites_on_strength_on_an_unavailable_date():
    away = profile(schedule={"rest_days": ["fri"], "max_minutes": {"default": 90}, "unavailable": ["2027-01-07"]})
    found = assert_only(make_plan(WEEK), away, 10, "2027-01-07")
    assert found[0].message == "run and strength on an unavailable date"


def test_availability_runs_only_on_run_days():
    days = {"run_days": ["mon", "tue", "wed", "thu", "sat"], "max_minutes": {"default": 90}}
    found = assert_only(make_plan(WEEK), profile(schedule=days), 10, "2027-01-10")
    assert "long run on sun, not one of the run days (mon, tue, wed, thu, sat)" in found[0].message


def test_availability_max_minutes_per_day():
    short_sunday = {"rest_days": ["fri"], "max_minutes": {"default": 90, "sun": 45}}
    found = assert_only(make_plan(WEEK), profile(schedule=short_sunday), 10, "2027-01-10")
    assert found[0].message == "long run of 48 min > max_minutes 45 for sun"
    assert check_plan(make_plan(WEEK), profile(schedule={**short_sunday, "max_minutes": {"sun": 48}})) == []


def test_availability_holds_the_run_and_the_strength_session_of_a_day_to_its_budget():
    """max_minutes is the day's time budget: Monday's 30-minute run and 30-minute strength session fit 60 minutes,
    not 55; Thursday's 25 + 30 fit 55."""
    fits = {"rest_days": ["fri"], "max_minutes": {"default": 90, "mon": 60, "thu": 55}}
    assert check_plan(make_plan(WEEK), profile(schedule=fits)) == []
    tight = {"rest_days": ["fri"], "max_minutes": {"default": 90, "mon": 55}}
    found = assert_only(make_plan(WEEK), profile(schedule=tight), 10, "2027-01-04")
    assert found[0].message == ("easy run of 30 min and strength of 30 min = 60 min > max_minutes 55 for mon "
                                "(the day's time budget)")


def test_availability_holds_a_strength_session_alone_to_its_budget():
    spec = ["S"] + WEEK[1:2] + [("easy", 4)] + WEEK[3:]  # strength alone on Monday, an easy Wednesday
    short_monday = {"rest_days": ["fri"], "max_minutes": {"default": 90, "mon": 25}}
    found = assert_only(make_plan(spec), profile(schedule=short_monday), 10, "2027-01-04")
    assert found[0].message.startswith("strength of 30 min = 30 min > max_minutes 25 for mon")


def test_availability_applies_to_the_race():
    short_sunday = {"rest_days": ["fri"], "max_minutes": {"default": 90, "sun": 50}}
    found = assert_only(ten_k_plan(), ten_k_profile(schedule=short_sunday), 10, "2027-01-24")
    assert "race run of 60 min > max_minutes 50" in found[0].message


# --- rule 11: taper and race ------------------------------------------------------------------------------

def test_race_must_be_on_the_race_date_at_the_race_distance():
    race_week = RACE_WEEK_10K[:6] + [("race", 9.5)]
    found = assert_only(ten_k_plan(race_week), ten_k_profile(), 11, "2027-01-24")
    assert "race run of 9.5 km is not the race distance 10.0 km" in found[0].message


def test_plan_must_end_on_the_race_date():
    found = [v for v in check_plan(ten_k_plan(), race_profile("10k", "2027-01-31")) if v.rule == 11]
    assert "end_date 2027-01-24 is not the race date 2027-01-31" in {v.message for v in found}


def test_race_week_must_have_phase_race():
    plan = make_plan(WEEK * 2 + RACE_WEEK_10K, race=TEN_K)
    found = check_plan(plan, ten_k_profile())  # a race week not marked race also owes its strength sessions
    assert [(v.rule, v.where) for v in found] == [(7, week(3)), (11, week(3))]
    assert "not 'race'" in found[1].message


def test_half_needs_one_taper_week():
    plan = half_plan(phases={4: "race"})
    found = [v for v in check_plan(plan, half_profile()) if v.rule == 11]
    assert [(v.where, v.message) for v in found] == [
        (week(3), "phase 'base', expected 'taper' (1 taper week(s) before a 21.1 km race)")]


def test_ten_k_has_no_taper_week():
    plan = make_plan(WEEK + CUTBACK + RACE_WEEK_10K, phases={2: "taper", 3: "race"}, race=TEN_K)
    found = assert_only(plan, ten_k_profile(), 11, week(2))
    assert "only the 0 week(s) right before the race week taper" in found[0].message


def test_taper_week_at_most_85_percent_of_peak():
    taper = [("easy", 5, "S"), ("easy", 3), ("tempo", 4), ("easy", 3, "S"), None, ("easy", 4), ("long", 6)]  # 25
    found = assert_only(half_plan(taper), half_profile(), 11, week(3))
    assert "taper week of 25.0 km > 0.85 x peak week 29.0 km" in found[0].message


def test_race_week_without_the_race_at_most_half_the_peak():
    race_week = [("easy", 5, "S"), None, ("easy", 5), ("easy", 5), None, None, ("race", 10)]
    found = assert_only(ten_k_plan(race_week), ten_k_profile(), 11, week(3))
    assert "race week without the race 15.0 km > 0.5 x peak week 29.0 km" in found[0].message


def test_taper_week_no_longer_than_the_week_before():
    taper = [("easy", 4, "S"), ("easy", 4), ("tempo", 4), ("easy", 3, "S"), None, ("easy", 3), ("long", 6)]  # 24
    plan = make_plan(WEEK + CUTBACK + taper + RACE_WEEK_HALF, phases={3: "taper", 4: "race"}, recovery=(2,),
                     race=HALF)
    found = assert_only(plan, half_profile(), 11, week(3))
    assert "taper week of 24.0 km > the week before it (22.0 km)" in found[0].message


def test_marathon_needs_two_taper_weeks():
    marathon = race_profile("marathon", "2027-01-31")
    race_week = RACE_WEEK_HALF[:6] + [("race", 42.2)]
    plan = half_plan(race_week=race_week, race=Race("M", d(27), 42.2))
    found = check_taper_and_race(plan, marathon)
    assert [(v.where, v.message) for v in found] == [
        (week(2), "phase 'base', expected 'taper' (2 taper week(s) before a 42.2 km race)")]


def test_no_race_run_without_a_race_goal():
    plan = make_plan(WEEK[:6] + [("race", 8)])
    found = [v for v in check_plan(plan, profile()) if v.rule == 11]
    assert [v.where for v in found] == ["2027-01-10"]


# --- rule 12: shoes ---------------------------------------------------------------------------------------

def shoe_profile(shoes, surface="road", **kw):
    return profile(shoes=shoes, surface=surface, **kw)


PEGASUS = {"name": "Pegasus", "distance": 100, "surface": "road"}


def test_shoes_hold_when_every_run_names_a_listed_shoe():
    assert check_plan(make_plan(WEEK, shoe="Pegasus"), shoe_profile([PEGASUS])) == []


def test_shoes_every_run_names_a_listed_shoe():
    found = assert_only(make_plan(WEEK[:6] + [("long", 8, {"shoe": "Clifton"})], shoe="Pegasus"),
                        shoe_profile([PEGASUS]), 12, "2027-01-10")
    assert "shoe 'Clifton' is none of the profile's shoes" in found[0].message
    assert {v.rule for v in check_plan(make_plan(WEEK), shoe_profile([PEGASUS]))} == {12}  # no shoe at all


def worn(reminder_date: dt.date | None, sat_shoe="Pegasus (new pair)"):
    """Pegasus at 680 of 700 km: 698 km after Thursday, so Saturday's run needs the new pair."""
    spec = WEEK[:5] + [("easy", 3, {"shoe": sat_shoe}), ("long", 8, {"shoe": "Pegasus (new pair)"})]
    reminders = () if reminder_date is None else (
        Reminder(reminder_date, "shoe_replacement", "Pegasus", "Buy new Pegasus"),)
    return make_plan(spec, shoe="Pegasus", reminders=reminders)


WORN = {"name": "Pegasus", "distance": 680, "replace_at": 700, "surface": "road"}


def test_shoe_replacement_holds_with_a_reminder_in_time():
    assert check_plan(worn(MON), shoe_profile([WORN])) == []
    assert check_plan(worn(d(5) - dt.timedelta(days=21)), shoe_profile([WORN])) == []


def test_shoe_replacement_needs_a_reminder():
    found = assert_only(worn(None), shoe_profile([WORN]), 12, "2027-01-09")
    assert "no shoe_replacement reminder for 'Pegasus'" in found[0].message


def test_shoe_replacement_reminder_not_after_and_not_over_21_days_before():
    assert {v.where for v in check_plan(worn(d(6)), shoe_profile([WORN]))} == {"2027-01-09"}
    too_early = d(5) - dt.timedelta(days=22)
    assert {v.where for v in check_plan(worn(too_early), shoe_profile([WORN]))} == {"2027-01-09"}


def test_no_run_starts_in_a_worn_out_shoe():
    # Saturday in the old pair takes it to 701 km (needs a reminder, has one); Sunday would start past 700.
    spec = WEEK[:6] + [("long", 8)]
    plan = make_plan(spec, shoe="Pegasus", reminders=(Reminder(MON, "shoe_replacement", "Pegasus", "x"),))
    found = assert_only(plan, shoe_profile([WORN]), 12, "2027-01-10")
    assert "with 701.0 km on them, past replace_at 700.0 km" in found[0].message


def test_shoe_surface_matches_a_trail_profile():
    shoes = [PEGASUS, {"name": "Speedgoat", "distance": 50, "surface": "trail"}]
    assert check_plan(make_plan(WEEK, shoe="Speedgoat"), shoe_profile(shoes, "trail")) == []
    plan = make_plan(WEEK[:6] + [("long", 8, {"shoe": "Pegasus"})], shoe="Speedgoat")
    found = assert_only(plan, shoe_profile(shoes, "trail"), 12, "2027-01-10")
    assert "road shoes 'Pegasus' on a trail profile" in found[0].message
    assert check_plan(plan, shoe_profile(shoes, "mixed")) == []


def test_second_replacement_pair_needs_its_own_reminder():
    small = shoe_profile([{"name": "Pegasus", "distance": 0, "replace_at": 10}])
    def spec(third_pair: str) -> list:
        shoes = ["Pegasus", "Pegasus", "Pegasus (new pair)", "Pegasus (new pair)", None, third_pair, third_pair]
        return [s if s is None else (*s, {"shoe": shoe}) for s, shoe in zip(WEEK[:6] + [("long", 6)], shoes)]

    both = (Reminder(d(0), "shoe_replacement", "Pegasus", "x"),
            Reminder(d(2), "shoe_replacement", "Pegasus (new pair)", "y"))
    assert check_shoes(make_plan(spec("Pegasus (new pair 2)"), reminders=both), small) == []
    found = check_shoes(make_plan(spec("Pegasus (new pair 2)"), reminders=both[:1]), small)
    assert [(v.where, v.message.split(" dated")[0]) for v in found] == [
        ("2027-01-09", "no shoe_replacement reminder for 'Pegasus (new pair)'")]
    misnamed = check_shoes(make_plan(spec("Pegasus (new pair 1)"), reminders=both), small)
    assert {v.where for v in misnamed} == {"2027-01-09", "2027-01-10"}
    assert "shoe 'Pegasus (new pair 1)' is none of the profile's shoes" in misnamed[0].message


def test_race_shoes_need_30_km():
    shoes = [PEGASUS, {"name": "Vaporfly", "distance": 0, "surface": "road", "racing": True}]
    race_week = RACE_WEEK_10K[:6] + [("race", 10, {"shoe": "Vaporfly"})]
    found = assert_only(ten_k_plan(race_week, shoe="Pegasus"), ten_k_profile(shoes=shoes), 12, "2027-01-24")
    assert "race in 'Vaporfly' with only 0.0 km on them" in found[0].message
    worn_in = RACE_WEEK_10K[:6] + [("race", 10, {"shoe": "Pegasus"})]
    assert check_plan(ten_k_plan(worn_in, shoe="Pegasus"), ten_k_profile(shoes=shoes)) == []


# --- real plans -------------------------------------------------------------------------------------------

PROFILES = sorted(p for ext in ("yaml", "yml", "toml", "json") for p in (ROOT / "profiles").glob(f"*.{ext}"))


@pytest.mark.slow  # each profile is a full solve
@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_every_example_profile_yields_a_certified_plan(path):
    from planner.engine import build_plan
    from planner.profile import load_profile

    prof = load_profile(path)
    plan = build_plan(prof, generated_at="2026-11-25T10:00:00Z")
    assert check_plan(plan, prof) == []


def test_rest_holds_in_a_race_week_of_the_race_day_alone():
    """A race on a Monday (Boston): the race week is that one day, which cannot be a rest day."""
    race = Race("Monday 10K", d(21), 10.0)
    plan = make_plan(WEEK * 3 + [("race", 10)], phases={4: "race"}, race=race)
    prof = race_profile("10k", d(21).isoformat())
    assert [v for v in check_rest(plan, prof) if v.where.startswith("week 4")] == []


def test_rest_bites_in_a_race_week_with_a_day_before_the_race_and_no_rest():
    race = Race("Tuesday 10K", d(22), 10.0)
    plan = make_plan(WEEK * 3 + [("easy", 3), ("race", 10)], phases={4: "race"}, race=race)
    prof = race_profile("10k", d(22).isoformat())
    found = [v for v in check_rest(plan, prof) if v.where.startswith("week 4")]
    assert [v.message for v in found] == ["0 rest day(s) < 1 (min_rest_days 1, 2 day(s) of the week in the plan)"]


@pytest.mark.parametrize("race_km, tapers", [(5.0, 0), (10.0, 0), (10.04, 0), (12.0, 1), (21.0975, 1), (30.0, 1),
                                             (42.0, 1), (42.165, 2), (42.195, 2), (50.0, 2)])
def test_taper_weeks_follow_the_named_distances_by_the_letter(race_km, tapers):
    """Rule 11: none for 5k/10k, one for the half, two for the marathon and longer; a 30 km race is not a
    marathon (one week), 26.2 mi is one within the 0.05 km tolerance (two)."""
    from planner.checks import taper_weeks_needed
    from planner.solver.frame import taper_weeks_for
    assert taper_weeks_needed(race_km) == tapers == taper_weeks_for(race_km)
