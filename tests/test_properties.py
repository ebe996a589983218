"""Property tests: many generated valid profiles, each planned for real.

The contract (issue 2): every valid profile yields a plan that passes the independent checker, or InfeasibleGoal
(exit 3) with an explanation that names what blocks it and a suggestion. Examples are derandomized, so a run is
reproducible (a fixed seed); ``PLANNER_PROPERTY_EXAMPLES=300 pytest tests/test_properties.py`` explores more,
``PLANNER_PROPERTY_SEED=7`` another sequence, ``PLANNER_PROPERTY_SHRINK=1`` shrinks a failure to a minimal example.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, seed, settings
from hypothesis import strategies as st

from conftest import GENERATED_AT
from planner.checks import RULES, check_plan
from planner.engine import build_plan
from planner.errors import InfeasibleGoal
from planner.paces import format_duration, predict_seconds
from planner.profile import KM_PER_MILE, NAMED_RACES_KM, WEEKDAYS, profile_from_data, profile_json_schema

EXAMPLES = int(os.environ.get("PLANNER_PROPERTY_EXAMPLES", "25"))
# Shrinking a failing plan takes minutes (every step solves); the failing example is printed in full anyway
# (`note`). PLANNER_PROPERTY_SHRINK=1 shrinks it to a minimal one.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("PLANNER_PROPERTY_SHRINK") else [])
# A fixed seed keeps runs reproducible. Seed 2's 25 examples plan in about 15 s (15 plans, 10 refusals); some other
# sequences meet a profile whose solve falls back to the whole model and takes about 100 s (a known performance
# bug, see test_engine.test_the_plan_at_the_suggested_date_of_the_profile_format_example_is_optimal).
# PLANNER_PROPERTY_SEED=<n> explores another sequence.
SEED = int(os.environ.get("PLANNER_PROPERTY_SEED", "2"))
PLANNING = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None, print_blob=True,
                    phases=PHASES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Generating and validating is cheap: many more examples for the pure-data properties.
DATA_ONLY = settings(max_examples=max(EXAMPLES, 200), deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow])

DEFAULT_START = dt.date(2026, 11, 30)  # the next Monday after it
ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]
RACES = ["5k", "10k", "half", "marathon", "50k"]


def _round(x: float) -> float:
    return round(x, 1)


@st.composite
def valid_profiles(draw) -> dict:
    """Profile data (as a JSON-shaped dict) that load_profile accepts and that is not bad input for the engine."""
    units = draw(st.sampled_from(["km", "mi"]))
    per_unit = KM_PER_MILE if units == "mi" else 1.0

    def in_units(km: float) -> float:
        return max(0.1, _round(km / per_unit))

    weekly_km = draw(st.floats(5, 120, allow_nan=False))
    long_km = max(1.5, weekly_km * draw(st.floats(0.15, 0.6)))
    current: dict = {"weekly_distance": in_units(weekly_km), "long_run": in_units(long_km)}
    if draw(st.booleans()):
        current["runs_per_week"] = draw(st.integers(2, 6))
    if draw(st.booleans()):
        race = draw(st.sampled_from(["5k", "10k", "half", "marathon"]))
        seconds = predict_seconds(draw(st.floats(28, 70)), NAMED_RACES_KM[race])
        current["recent_race"] = {"distance": race, "time": format_duration(seconds)}

    start = draw(st.none() | st.dates(dt.date(2026, 11, 26), dt.date(2027, 3, 31)))
    first = start or DEFAULT_START
    data: dict = {"name": draw(st.sampled_from(["Ana Lima", "Zoë Ängström", "O'Brien & Co", "李雷"])),
                  "timezone": draw(st.sampled_from(ZONES)), "units": units, "current": current}
    if start is not None:
        data["start_date"] = start.isoformat()

    race_date = None
    if draw(st.booleans()):
        race = draw(st.sampled_from(RACES) | st.floats(3, 60).map(lambda km: in_units(km)))
        race_date = first + dt.timedelta(days=7 * draw(st.integers(3, 40)) + draw(st.integers(0, 6)))
        data["goal"] = {"race": race, "race_date": race_date.isoformat()}
        if draw(st.booleans()):
            data["goal"]["race_name"] = draw(st.sampled_from(["Spring 10", "Stadtlauf <Köln> & Co"]))
    else:
        data["goal"] = {"weekly_distance": in_units(weekly_km * draw(st.floats(0.8, 1.6)))}
        data["weeks"] = draw(st.integers(3, 30))

    # schedule: run days (the race day among them), rest days, preferences, budgets, unavailable dates
    run_days = set(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=3, max_size=7)))
    if race_date is not None:
        run_days.add(WEEKDAYS[race_date.weekday()])
    others = [d for d in WEEKDAYS if d not in run_days]
    rest_days = draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []
    schedule: dict = {}
    if draw(st.booleans()) or rest_days:
        schedule["run_days"] = [d for d in WEEKDAYS if d in run_days]
    if rest_days:
        schedule["rest_days"] = rest_days
    if draw(st.booleans()):
        schedule["long_run_day"] = draw(st.sampled_from(sorted(run_days)))
    if draw(st.booleans()):
        schedule["strength_days"] = draw(st.lists(st.sampled_from([d for d in WEEKDAYS if d not in rest_days]),
                                                  unique=True, min_size=1, max_size=3))
    if draw(st.booleans()):
        budgets = {"default": draw(st.integers(35, 120))}
        for day in draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=2)):
            budgets[day] = draw(st.integers(60, 330))
        schedule["max_minutes"] = budgets
    if draw(st.booleans()):
        schedule["start_time"] = {"default": draw(st.sampled_from(["05:30", "07:00", "18:15"]))}
    unavailable = []
    for _ in range(draw(st.integers(0, 2))):
        day = first + dt.timedelta(days=draw(st.integers(0, 120)))
        length = draw(st.integers(0, 9))
        if race_date is not None and day <= race_date <= day + dt.timedelta(days=length):
            continue
        unavailable.append(day.isoformat() if length == 0 else
                           {"from": day.isoformat(), "to": (day + dt.timedelta(days=length)).isoformat()})
    if unavailable:
        schedule["unavailable"] = unavailable
    if schedule:
        data["schedule"] = schedule

    rules: dict = {}
    bounds = {
        "progression_cap": st.sampled_from([0.05, 0.07, 0.1]),
        "min_rest_days": st.integers(1, 3),
        "cutback_every": st.integers(3, 5),
        "cutback_ratio": st.sampled_from([0.6, 0.7, 0.8, 0.9]),
        "strength_per_week": st.integers(0, 3),
        "warmup_minutes": st.integers(5, 15),
        "cooldown_minutes": st.integers(5, 15),
        "long_run_max_share": st.sampled_from([0.3, 0.35, 0.4, 0.5]),
        "easy_share_min": st.sampled_from([0.7, 0.8, 0.9]),
    }
    for key in draw(st.lists(st.sampled_from(sorted(bounds)), unique=True, max_size=4)):
        rules[key] = draw(bounds[key])
    if rules:
        data["rules"] = rules

    shoes = []
    for i in range(draw(st.integers(0, 3))):
        shoe = {"name": f"Pair {i + 1}", "distance": in_units(draw(st.floats(0, 650))),
                "surface": draw(st.sampled_from(["road", "trail", "track"]))}
        if draw(st.booleans()):
            shoe["replace_at"] = in_units(draw(st.floats(300, 900)))
        if draw(st.booleans()):
            shoe["racing"] = True
        shoes.append(shoe)
    if shoes:
        data["shoes"] = shoes
    data["surface"] = draw(st.sampled_from(["road", "trail", "mixed"]))
    data["climate"] = draw(st.sampled_from(["temperate", "hot", "humid"]))
    if draw(st.booleans()):
        severity = draw(st.integers(0, 8))
        since = first - dt.timedelta(days=draw(st.integers(0, 40)))
        data["health"] = {"pain": [{"area": "knee", "severity": severity, "since": since.isoformat()}],
                          "cleared_by_professional": draw(st.booleans())}
    return data


def _names_a_rule(exc: InfeasibleGoal) -> bool:
    text = f"{exc.message} {exc.rule}"
    return bool(re.search(r"\brule \d+\b", text)) or any(n.lower() in text.lower() for n in RULES.values()) \
        or exc.rule in ("health", "availability")


@seed(SEED)
@PLANNING
@given(valid_profiles())
def test_every_valid_profile_gets_a_certified_plan_or_an_explained_refusal(data):
    note(json.dumps(data, ensure_ascii=False))
    profile = profile_from_data(data)
    try:
        plan = build_plan(profile, generated_at=GENERATED_AT)
    except InfeasibleGoal as exc:
        note(f"refused: {exc.lines()}")
        assert exc.exit_code == 3
        assert exc.message.strip() and _names_a_rule(exc), exc.lines()
        assert exc.suggestion and exc.suggestion.strip(), exc.lines()
        return
    assert check_plan(plan, profile) == []
    assert plan.generated_at == GENERATED_AT
    assert plan.days[0].date == plan.start_date and plan.days[-1].date == plan.end_date
    assert len(plan.days) == (plan.end_date - plan.start_date).days + 1
    if profile.goal.race is not None:
        assert plan.end_date == profile.goal.race_date and plan.days[-1].run.type == "race"
    else:  # a runner too far below the smallest safe week is refused (engine._check_first_runs), never left empty
        assert sum(w.distance_km for w in plan.weeks) > 0, "a plan with no training in it"


@DATA_ONLY
@given(valid_profiles())
def test_the_json_schema_accepts_every_valid_profile(data):
    jsonschema = pytest.importorskip("jsonschema")
    profile_from_data(data)
    validator = jsonschema.Draft202012Validator(_schema())
    assert [e.message for e in validator.iter_errors(data)] == []


_SCHEMA: list = []


def _schema() -> dict:
    if not _SCHEMA:
        _SCHEMA.append(profile_json_schema())
    return _SCHEMA[0]


@DATA_ONLY
@given(valid_profiles())
def test_the_same_profile_in_yaml_and_json_loads_the_same(data):
    import tempfile
    from pathlib import Path

    import yaml
    from planner.profile import load_profile
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "p.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (folder / "p.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        assert load_profile(folder / "p.yaml") == load_profile(folder / "p.json")
