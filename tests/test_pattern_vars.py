"""The week pattern's one-hot variables (planner.solver.pattern_vars) against the kind booleans of PlanVars.

PatternVars states the days' structure by which states it offers (day_states); PlanVars states it with
constraints (rules.link_day_booleans). The two must allow exactly the same days, and so give the pattern stage the
same optimum: both are checked here, day by day and on whole patterns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from planner.profile import load_profile, profile_from_data
from planner.solver import rules as R
from planner.solver.frame import Pin, build_frame
from planner.solver.model import _parameters, build_model
from planner.solver.objective import add_objective
from planner.solver.pattern_vars import PatternVars, day_states
from planner.solver.variables import PlanVars

TODAY = dt.date(2026, 11, 25)
START = dt.date(2026, 12, 7)
PROFILES = Path(__file__).resolve().parents[1] / "profiles"
ALL_STATES = [(kind, strength) for kind in (None, "easy", "long", "quality", "race") for strength in (False, True)]


def _frame(**schedule):
    data = {
        "name": "Pattern Tester",
        "current": {"weekly_distance": 30, "long_run": 12, "runs_per_week": 4},
        "goal": {"race": "10k", "race_date": (START + dt.timedelta(days=7 * 8 - 1)).isoformat()},
        "start_date": START.isoformat(),
        "schedule": {"run_days": ["mon", "tue", "thu", "sat", "sun"], "rest_days": ["fri"], "strength_days": ["tue", "wed"],
                     "max_minutes": {"default": 60, "tue": 45, "thu": 35, "sun": 150},
                     **schedule},
        "rules": {"strength_per_week": 2},
    }
    return build_frame(profile_from_data(data, source="test"), today=TODAY, conservative=False)


def _plan_vars_allow(frame, d: int, state) -> bool:
    """Whether PlanVars under link_day_booleans' day structure lets day ``d`` be ``state``."""
    model = cp_model.CpModel()
    v = PlanVars(model, frame, with_distances=False)
    R._link_kinds(model, v, frame)
    kind, strength = state
    model.add(v.run(d) == int(kind is not None))
    model.add(v.long(d) == int(kind == "long"))
    model.add(v.quality(d) == int(kind == "quality"))
    model.add(v.strength(d) == int(strength))
    if kind == "race" and not frame.days[d].is_race or kind not in (None, "race") and frame.days[d].is_race:
        return False  # a race run is the race day's run, and the race day's run is the race
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _distinct_days(frame) -> list[int]:
    """One day of each kind the frame has (schedule-wise), the race day and the lived days among them."""
    seen, out = set(), []
    for d, day in enumerate(frame.days):
        key = (day.is_race, day.can_run, day.can_strength, day.max_dk, day.max_dk_strength, d in frame.pins)
        if key not in seen or d in frame.pins:
            seen.add(key)
            out.append(d)
    return out


@pytest.mark.parametrize("beside", [True, False], ids=["strength beside runs", "strength kept off cut runs"])
def test_day_states_are_what_the_kind_booleans_allow(beside):
    frame = replace(_frame(), strength_beside_runs=beside)
    days = _distinct_days(frame)
    assert len(days) >= 6 and frame.race_day in days  # run days with and without room for strength, rest days
    for d in days:
        allowed = {state for state in ALL_STATES if _plan_vars_allow(frame, d, state)}
        assert set(day_states(frame, d)) == allowed, frame.days[d]


def test_lived_days_take_the_one_state_they_had():
    frame = _frame()
    pins = {0: Pin("quality", 80, True), 1: Pin(None, 0, False), 2: Pin("easy", 60, False)}
    frame = replace(frame, pins=pins)
    for d, pin in pins.items():
        assert day_states(frame, d) == [(pin.kind, pin.strength)]
        assert {s for s in ALL_STATES if _plan_vars_allow(frame, d, s)} == {(pin.kind, pin.strength)}


def test_the_states_bite_where_the_schedule_says_no():
    frame = _frame()
    thu = next(d for d, day in enumerate(frame.days) if day.weekday == "thu")  # 35 minutes: no room beside a run
    wed = next(d for d, day in enumerate(frame.days) if day.weekday == "wed")  # no run day
    fri = next(d for d, day in enumerate(frame.days) if day.weekday == "fri")  # a rest day
    assert not any(strength for kind, strength in day_states(frame, thu) if kind is not None)
    assert set(day_states(frame, wed)) == {(None, False), (None, True)}
    assert day_states(frame, fri) == [(None, False)]
    assert day_states(frame, frame.race_day) in ([("race", False)], [("race", False), ("race", True)])


def _pattern_optimum(frame, one_hot: bool) -> float:
    if one_hot:
        model, _, _ = build_model(frame, stage="pattern")
    else:
        model = cp_model.CpModel()
        v = PlanVars(model, frame, with_distances=False)
        R.add_hard_rules(model, v, frame, stage="pattern")
        add_objective(model, v, frame, stage="pattern")
    solver = cp_model.CpSolver()
    _parameters(solver)
    solver.parameters.linearization_level = 2
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value


@pytest.mark.parametrize("name", sorted(p.name for p in PROFILES.iterdir()))
def test_one_hot_pattern_has_the_optimum_of_the_kind_booleans(name):
    profile = load_profile(PROFILES / name)
    from planner.sessions import is_conservative
    from planner.solver.frame import plan_dates
    start, _ = plan_dates(profile, TODAY)
    frame = build_frame(profile, today=TODAY, conservative=is_conservative(profile, start))
    assert _pattern_optimum(frame, one_hot=True) == _pattern_optimum(frame, one_hot=False)


def test_pattern_vars_read_back_the_days_they_hold():
    frame = _frame()
    model, v, _ = build_model(frame, stage="pattern")
    assert isinstance(v, PatternVars)
    solver = cp_model.CpSolver()
    _parameters(solver)
    assert solver.solve(model) == cp_model.OPTIMAL
    for dec in v.extract(solver):
        d = dec.index
        assert solver.value(v.run(d)) == int(dec.kind is not None)
        assert solver.value(v.long(d)) == int(dec.kind == "long")
        assert solver.value(v.quality(d)) == int(dec.kind == "quality")
        assert solver.value(v.strength(d)) == int(dec.strength)
        assert solver.value(v.rest(d)) == int(dec.kind is None and not dec.strength)
        assert solver.value(v.run_and_strength(d)) == int(dec.kind is not None and dec.strength)
        assert solver.value(v.strength_on_long(d)) == int(dec.kind == "long" and dec.strength)
        assert (dec.kind, dec.strength) in day_states(frame, d)


def _optimum_and_quality(frame, built=None):
    model, v, _ = built if built is not None else build_model(frame, stage="pattern")
    solver = cp_model.CpSolver()
    _parameters(solver)
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value, [sum(1 for d in week.days if solver.value(v.quality(d))) for week in frame.weeks]


def test_lowering_the_quality_caps_of_a_built_model_is_building_it_with_them():
    """The pattern is planned again with fewer quality sessions on the same model (model.solve): its caps are
    variables fixed to a value. Lowered, they give the optimum of a model built anew with the lower caps."""
    frame = _frame()
    assert sum(frame.quality_cap) >= 4
    lower = [max(0, cap - 1) if w % 2 else cap for w, cap in enumerate(frame.quality_cap)]
    built = build_model(frame, stage="pattern")
    _, placed = _optimum_and_quality(frame, built)
    assert any(p > c for p, c in zip(placed, lower))  # the first optimum needs a cap the lower ones take away
    built[1].set_quality_caps(lower)
    again, placed_again = _optimum_and_quality(frame, built)
    fresh, _ = _optimum_and_quality(replace(frame, quality_cap=lower))
    assert again == fresh and placed_again != placed
    assert all(p <= c for p, c in zip(placed_again, lower))
