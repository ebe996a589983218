"""planner.shoes: surfaces, racing shoes, odometers, replacements and their reminders, race-day break-in.

Every assignment is verified by `shoe_problems`, written here from the rules in the brief and plan-format.md rule 12
(not from the module), on synthetic plans and on real plans from profiles/.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest

from planner.errors import InfeasibleGoal, PlannerError, PlanRuleViolation
from planner.profile import KM_PER_MILE, load_profile, profile_from_data
from planner.shoes import PlannedRun, ShoeState, assign_shoes, run_surface

START = dt.date(2026, 12, 7)  # a Monday
QUALITY = {"tempo", "intervals", "hills"}
TOL = 0.05
ROOT = Path(__file__).resolve().parent.parent


def make_profile(shoes, *, surface="road", units="km", **over):
    data = {"name": "Shoe Tester", "units": units, "current": {"weekly_distance": 40, "long_run": 14},
            "goal": {"race": "half", "race_date": "2027-04-11"}, "start_date": START.isoformat(),
            "surface": surface, "shoes": shoes}
    data.update(over)
    return profile_from_data(data)


# A week: Tue tempo, Wed easy, Thu intervals, Sat easy, Sun long (about 46 km).
WEEK = {1: ("tempo", 9.0), 2: ("easy", 7.0), 3: ("intervals", 8.0), 5: ("easy", 6.0), 6: ("long", 16.0)}


def plan_runs(weeks: int, *, race_km: float | None = 21.1, week=WEEK, start=START) -> list[PlannedRun]:
    """Runs of ``weeks`` weeks from ``start``; with ``race_km``, the race replaces the last Sunday's run."""
    runs = [PlannedRun(start + dt.timedelta(days=7 * w + d), t, km)
            for w in range(weeks) for d, (t, km) in sorted(week.items())]
    if race_km is not None:
        race_day = start + dt.timedelta(days=7 * weeks - 1)
        runs = [r for r in runs if r.date != race_day] + [PlannedRun(race_day, "race", race_km)]
    return runs


def race_date(runs):
    return next((r.date for r in runs if r.type == "race"), None)


_NEW = re.compile(r"^(?P<base>.+) \(new pair(?: (?P<n>\d+))?\)$")


def parse_pair(name: str, shoes: dict):
    if name in shoes:
        return shoes[name], 0
    m = _NEW.match(name)
    if m and m.group("base") in shoes:
        return shoes[m.group("base")], int(m.group("n") or 1)
    return None


def pair_name(base: str, n: int) -> str:
    return base if n == 0 else f"{base} (new pair)" if n == 1 else f"{base} (new pair {n})"


def shoe_problems(profile, runs, names, reminders, start) -> list[str]:
    """Everything the rules say about an assignment; [] when it keeps them all."""
    problems = []
    shoes = {s.name: s for s in profile.shoes}
    if not shoes:
        return [] if not names and not reminders else ["assignments without shoes in the profile"]
    # plan-format rule 12: surfaces match where the runner has a matching shoe; a road runner with no road pair
    # runs in track shoes rather than trail ones when there are any (planner's own choice on top)
    surfaces = {s.surface for s in profile.shoes}
    want = {"trail": {"trail"}, "road": {"road"}}.get(profile.surface)
    if want and not surfaces & want:
        want = {"track"} if profile.surface == "road" and "track" in surfaces else None
    racing_fit = [s for s in profile.shoes if s.racing and (want is None or s.surface in want)]
    odometer: dict[str, float] = {}
    first_run: dict[str, dt.date] = {}
    for run in sorted(runs, key=lambda r: r.date):
        name = names.get(run.date)
        parsed = parse_pair(name, shoes) if name else None
        if parsed is None:
            problems.append(f"{run.date}: shoe {name!r} is not a listed shoe or a replacement")
            continue
        shoe, n = parsed
        limit = profile.shoe_limit_km(shoe)
        before = odometer.get(name, profile.km(shoe.distance) if n == 0 else 0.0)
        if before > limit + TOL:
            problems.append(f"{run.date}: starts in {name} at {before:.1f} km, past {limit:.1f}")
        if before > TOL and before + run.distance_km > limit + TOL:
            problems.append(f"{run.date}: {name} should have been replaced before this run")
        if want and shoe.surface not in want:
            problems.append(f"{run.date}: {shoe.surface} shoe {name} on a {profile.surface} profile")
        if (run.type in QUALITY or run.type == "race") and racing_fit and not shoe.racing:
            problems.append(f"{run.date}: {run.type} not in racing shoes")
        if run.type == "race" and before < 30 - TOL:
            problems.append(f"{run.date}: race in {name} with only {before:.1f} km")
        first_run.setdefault(name, run.date)
        odometer[name] = before + run.distance_km
    problems += [f"reminder dated {r.date}, before the plan starts" for r in reminders if r.date < start]
    for name, first in first_run.items():
        shoe, n = parse_pair(name, shoes)
        if n == 0:
            continue
        worn = pair_name(shoe.name, n - 1)
        mine = [r for r in reminders if r.kind == "shoe_replacement" and r.shoe == worn
                and first - dt.timedelta(days=21) <= r.date <= first]
        if not mine:
            problems.append(f"no reminder for {worn} within 21 days before {first}")
        elif not any(r.date >= start and (r.date <= first - dt.timedelta(days=7) or r.date == start) for r in mine):
            problems.append(f"reminder for {worn} neither 7+ days ahead nor on the start date")
    return problems


def assign(profile, runs, start=START):
    names, reminders, states = assign_shoes(profile, runs, race_date(runs), start)
    problems = shoe_problems(profile, runs, names, reminders, start)
    assert problems == [], problems
    return names, reminders, states


def km_in(names, runs, pair):
    return sum(r.distance_km for r in runs if names[r.date] == pair)


# --- basics ---------------------------------------------------------------------------------------------------------

def test_no_shoes_no_assignment():
    assert assign_shoes(make_profile([]), plan_runs(4), None, START) == ({}, (), ())


def test_every_run_gets_a_shoe_and_the_result_is_deterministic():
    profile = make_profile([{"name": "Daily", "distance": 100}, {"name": "Second", "distance": 50}])
    runs = plan_runs(10)
    names, reminders, states = assign(profile, runs)
    assert set(names) == {r.date for r in runs}
    shuffled = list(runs)
    random.Random(7).shuffle(shuffled)
    assert assign_shoes(profile, shuffled, race_date(runs), START) == (names, reminders, states)
    # Two daily pairs of equal standing are rotated.
    assert km_in(names, runs, "Daily") > 100 and km_in(names, runs, "Second") > 100


def test_two_runs_on_one_day_are_refused():
    profile = make_profile([{"name": "Daily"}])
    day = START + dt.timedelta(days=1)
    with pytest.raises(PlannerError, match="two runs on"):
        assign_shoes(profile, [PlannedRun(day, "easy", 5.0), PlannedRun(day, "tempo", 8.0)], None, START)


# --- surfaces -------------------------------------------------------------------------------------------------------

def test_run_surface():
    assert run_surface(make_profile([], surface="trail"), "tempo") == "trail"
    assert run_surface(make_profile([], surface="road"), "long") == "road"
    mixed = make_profile([], surface="mixed")
    assert [run_surface(mixed, t) for t in ("long", "easy", "recovery", "tempo", "intervals", "hills")] == \
        ["trail", "trail", "trail", "road", "road", "road"]


def test_trail_profile_runs_in_trail_shoes():
    shoes = [{"name": "Clifton", "surface": "road"}, {"name": "Speedgoat", "surface": "trail"}]
    runs = plan_runs(6)
    names, _, _ = assign(make_profile(shoes, surface="trail"), runs)
    assert set(names.values()) == {"Speedgoat"}
    names, _, _ = assign(make_profile(shoes, surface="road"), runs)
    assert set(names.values()) == {"Clifton"}


def test_road_profile_accepts_track_shoes_and_falls_back_when_it_has_no_road_shoe():
    names, _, _ = assign(make_profile([{"name": "Spikes", "surface": "track"}, {"name": "Trail", "surface": "trail"}]),
                         plan_runs(4))
    assert set(names.values()) == {"Spikes"}
    names, _, _ = assign(make_profile([{"name": "Trail", "surface": "trail"}]), plan_runs(4))
    assert set(names.values()) == {"Trail"}  # no road shoe: no requirement


def test_mixed_profile_prefers_each_runs_surface():
    shoes = [{"name": "Road", "surface": "road"}, {"name": "Trail", "surface": "trail"}]
    runs = plan_runs(6)
    names, _, _ = assign(make_profile(shoes, surface="mixed"), runs)
    for run in runs:
        expected = "Trail" if run.type in ("easy", "long", "recovery") else "Road"
        assert names[run.date] == expected, run


# --- racing shoes ---------------------------------------------------------------------------------------------------

def test_racing_shoes_take_quality_runs_and_the_race():
    shoes = [{"name": "Daily", "distance": 100}, {"name": "Racer", "distance": 60, "racing": True}]
    runs = plan_runs(8)
    names, _, _ = assign(make_profile(shoes), runs)
    for run in runs:
        assert names[run.date] == ("Racer" if run.type in QUALITY | {"race"} else "Daily"), run


def test_racing_shoe_of_the_wrong_surface_is_not_used_on_a_road_profile():
    shoes = [{"name": "Daily"}, {"name": "Trail racer", "surface": "trail", "racing": True}]
    names, _, _ = assign(make_profile(shoes), plan_runs(4))
    assert set(names.values()) == {"Daily"}


def test_new_racing_shoes_are_broken_in_before_the_race():
    # A racing pair with nothing on it and only one short quality run a week: easy runs break it in.
    week = {1: ("tempo", 6.0), 3: ("easy", 8.0), 6: ("long", 14.0)}
    runs = plan_runs(3, week=week, race_km=10.0)
    shoes = [{"name": "Daily", "distance": 100}, {"name": "Racer", "distance": 0, "racing": True}]
    names, _, _ = assign(make_profile(shoes), runs)
    race = runs[-1]
    assert names[race.date] == "Racer"
    assert km_in(names, runs[:-1], "Racer") >= 30
    assert any(names[r.date] == "Racer" for r in runs if r.type in ("easy", "long"))


# --- replacements ---------------------------------------------------------------------------------------------------

def test_switch_at_the_first_run_that_would_pass_the_limit_with_a_timely_reminder():
    profile = make_profile([{"name": "Pegasus", "distance": 600, "replace_at": 700}])
    runs = plan_runs(12)
    names, reminders, states = assign(profile, runs)
    first_new = next(r for r in runs if names[r.date] == "Pegasus (new pair)")
    old_km = 600 + km_in(names, runs, "Pegasus")
    assert old_km <= 700 + TOL and old_km + first_new.distance_km > 700
    assert all(names[r.date] == "Pegasus" for r in runs if r.date < first_new.date)
    (reminder,) = reminders
    assert reminder.kind == "shoe_replacement" and reminder.shoe == "Pegasus"
    assert 7 <= (first_new.date - reminder.date).days <= 21
    assert "Pegasus (new pair)" in reminder.text and "700 km" in reminder.text
    old, new = states
    assert old == ShoeState("Pegasus", "road", 600.0, 700.0, round(old_km, 1),
                            max(r.date for r in runs if names[r.date] == "Pegasus"), runs[0].date)
    assert new.name == "Pegasus (new pair)" and new.start_km == 0 and new.limit_km == 700
    assert new.first_used == first_new.date and new.retired_on is None


def test_many_replacements_are_numbered_and_each_is_reminded():
    profile = make_profile([{"name": "Cheap", "distance": 0, "replace_at": 120}])
    runs = plan_runs(12)
    names, reminders, states = assign(profile, runs)
    pairs = [s.name for s in states]
    assert pairs[:4] == ["Cheap", "Cheap (new pair)", "Cheap (new pair 2)", "Cheap (new pair 3)"]
    assert [r.shoe for r in reminders] == pairs[:-1]
    assert all(s.end_km <= 120 + TOL for s in states)


def test_replacement_in_the_first_week_is_reminded_on_the_start_date():
    profile = make_profile([{"name": "Old", "distance": 690, "replace_at": 700}])
    runs = plan_runs(4)
    names, reminders, _ = assign(profile, runs)
    assert names[runs[0].date] == "Old" and names[runs[1].date] == "Old (new pair)"
    assert [(r.date, r.shoe) for r in reminders] == [(START, "Old")]


def test_a_pair_past_its_limit_at_the_start_is_replaced_from_the_first_run():
    profile = make_profile([{"name": "Worn", "distance": 720, "replace_at": 700}])
    runs = plan_runs(6)
    names, reminders, states = assign(profile, runs)
    assert set(names.values()) == {"Worn (new pair)"}
    assert [(r.date, r.shoe) for r in reminders] == [(START, "Worn")]
    assert "already past" in reminders[0].text
    worn = states[0]
    assert (worn.name, worn.first_used, worn.retired_on, worn.end_km) == ("Worn", None, START, 720.0)


def test_a_worn_pair_first_needed_weeks_later_is_reminded_at_most_21_days_ahead():
    # A mixed profile's worn road shoe is only needed for quality runs, which start in week 6.
    shoes = [{"name": "Trail", "surface": "trail"}, {"name": "Worn road", "distance": 800}]
    week = {2: ("easy", 8.0), 6: ("long", 15.0)}
    runs = plan_runs(5, week=week, race_km=None) + [PlannedRun(START + dt.timedelta(days=37), "tempo", 10.0)]
    names, reminders, _ = assign(make_profile(shoes, surface="mixed"), runs)
    (reminder,) = reminders
    assert names[runs[-1].date] == "Worn road (new pair)"
    assert 0 <= (runs[-1].date - reminder.date).days <= 21


def test_a_replacement_due_just_before_the_race_is_introduced_early_enough():
    # The pair would pass its limit three days before the race: the new pair starts earlier to get 30 km.
    runs = plan_runs(8)
    race = runs[-1]
    before_race = [r for r in runs if r.date < race.date]
    cut = next(i for i, r in enumerate(before_race) if r.date >= race.date - dt.timedelta(days=3))
    used = sum(r.distance_km for r in before_race[:cut])
    profile = make_profile([{"name": "Daily", "distance": round(700 - used, 1), "replace_at": 700}])
    names, reminders, _ = assign(profile, runs)
    assert names[race.date] == "Daily (new pair)"
    assert km_in(names, before_race, "Daily (new pair)") >= 30
    first_new = min(r.date for r in runs if names[r.date] == "Daily (new pair)")
    assert first_new < race.date - dt.timedelta(days=3)
    (reminder,) = reminders
    assert reminder.shoe == "Daily" and "race day" in reminder.text


def test_a_race_pair_that_cannot_be_broken_in_gives_way_to_another_pair():
    # A racing pair with a 25 km limit can never hold 30 km: the race is run in the broken-in daily pair instead.
    shoes = [{"name": "Daily", "distance": 200}, {"name": "Flimsy racer", "replace_at": 25, "racing": True}]
    runs = plan_runs(2, race_km=5.0)
    names, reminders, _ = assign_shoes(make_profile(shoes), runs, race_date(runs), START)
    assert names[runs[-1].date] == "Daily"
    for reminder in reminders:
        assert reminder.shoe.startswith("Flimsy racer")


# --- units ----------------------------------------------------------------------------------------------------------

def test_miles_profile_limits_and_texts():
    profile = make_profile([{"name": "Ghost", "distance": 380, "replace_at": 400}], units="mi",
                           current={"weekly_distance": 25, "long_run": 9})
    runs = plan_runs(6)
    names, reminders, states = assign(profile, runs)
    limit = 400 * KM_PER_MILE
    assert states[0].limit_km == round(limit, 1) and states[0].start_km == round(380 * KM_PER_MILE, 1)
    assert 380 * KM_PER_MILE + km_in(names, runs, "Ghost") <= limit + TOL
    (reminder,) = reminders
    assert "400 mi" in reminder.text and " km" not in reminder.text


def test_default_limits_by_surface():
    trail = make_profile([{"name": "T", "surface": "trail", "distance": 590}], surface="trail")
    names, _, states = assign(trail, plan_runs(2))
    assert states[0].limit_km == 600 and "T (new pair)" in names.values()
    road = make_profile([{"name": "R", "distance": 590}])
    names, _, states = assign(road, plan_runs(2, race_km=None))
    assert states[0].limit_km == 700 and set(names.values()) == {"R"}


# --- the checker's view on real plans -------------------------------------------------------------------------------

def _profiles_with_shoes():
    out = []
    for path in sorted((ROOT / "profiles").glob("*")):
        if path.suffix.lower() in (".yaml", ".yml", ".toml", ".json") and load_profile(path).shoes:
            out.append(path)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("path", _profiles_with_shoes(), ids=lambda p: p.stem)
def test_real_plans_keep_the_shoe_rules(path, example_plan):
    try:
        profile, plan = example_plan(path)  # solved once per session (tests/conftest.py)
    except PlanRuleViolation as exc:
        shoe_rule = [str(v) for v in exc.violations if v.rule == 12]
        assert shoe_rule == [], shoe_rule
        pytest.skip(f"the engine's checker rejects this plan for other rules: {exc.message}")
    except InfeasibleGoal as exc:
        pytest.skip(f"the engine finds the goal unreachable: {exc.message}")
    runs = [PlannedRun(d, r.type, r.distance_km) for d, r in plan.runs()]
    names = {d: r.shoe for d, r in plan.runs()}
    problems = shoe_problems(profile, runs, names, plan.reminders, plan.start_date)
    assert problems == [], problems
    # The plan holds exactly what assign_shoes gives for its runs: shoes, reminders and the timeline's states.
    assert (names, plan.reminders, plan.extras["shoe_states"]) == \
        assign_shoes(profile, runs, plan.race.date if plan.race else None, plan.start_date)


# --- any shoes, any plan ----------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_shoe = st.fixed_dictionaries({
    "distance": st.integers(0, 900), "replace_at": st.one_of(st.none(), st.integers(100, 900)),
    "surface": st.sampled_from(["road", "trail", "track"]), "racing": st.booleans()})
_day = st.one_of(st.none(), st.tuples(st.sampled_from(["easy", "recovery", "long", "tempo", "intervals", "hills"]),
                                      st.integers(30, 300).map(lambda dk: dk / 10)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shoes=st.lists(_shoe, min_size=1, max_size=4), surface=st.sampled_from(["road", "trail", "mixed"]),
       units=st.sampled_from(["km", "mi"]), weeks=st.integers(3, 20),
       week=st.lists(_day, min_size=7, max_size=7).filter(
           lambda w: sum(d is not None for d in w) >= 3 and sum(d[1] for d in w if d) >= 20),
       race_km=st.one_of(st.none(), st.sampled_from([5.0, 10.0, 21.1, 42.2])))
def test_any_plan_keeps_the_shoe_rules(shoes, surface, units, weeks, week, race_km):
    """Limits of 100 km and more, and at least 20 km a week: every rule can be kept, so every rule is."""
    listed = [dict(s, name=f"Shoe {i}") for i, s in enumerate(shoes)]
    profile = make_profile(listed, surface=surface, units=units)
    pattern = {d: day for d, day in enumerate(week) if day is not None}
    runs = plan_runs(weeks, week=pattern, race_km=race_km)
    assign(profile, runs)


def test_a_road_runner_with_road_shoes_never_runs_in_track_shoes():
    """Racing flats for the road and spikes for the track: every run of a road profile is in a road pair (the
    racing pair for quality and the race), never in the spikes, though they are not racing shoes."""
    profile = make_profile([{"name": "Flats", "distance": 40, "surface": "road", "racing": True},
                            {"name": "Spikes", "distance": 0, "surface": "track"}])
    runs = plan_runs(3)
    names, _, _ = assign(profile, runs)
    assert set(names.values()) == {"Flats"}
