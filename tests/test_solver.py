"""The CP-SAT model, rule by rule: each rule function holds in the full model, and bites when it is left out.

"Bites" is shown the honest way: drop one rule from the model, push the objective straight against it (more
volume, longer runs, more sessions), and the independent checker (planner.checks) then finds a violation of exactly
that rule. With the rule in place the same push yields a plan the checker passes for that rule.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ortools.sat.python import cp_model

from planner import checks
from planner.engine import compose_plan
from planner.profile import profile_from_data
from planner.solver import rules as R
from planner.solver.frame import build_frame
from planner.solver.model import Solution, solve
from planner.solver.variables import PlanVars

TODAY = dt.date(2026, 11, 25)
START = dt.date(2026, 12, 7)


def _profile(**over):
    data = {
        "name": "Rule Tester",
        "current": {"weekly_distance": 30, "long_run": 12, "runs_per_week": 5},
        "goal": {"race": "half", "race_date": (START + dt.timedelta(days=7 * 9 - 1)).isoformat()},
        "start_date": START.isoformat(),
        "schedule": {"max_minutes": {"default": 120, "sun": 200}},
    }
    for key, value in over.items():
        data[key] = value
    return profile_from_data(data, source="test")


def _push(name: str, model: cp_model.CpModel, v: PlanVars, f) -> None:
    """An objective pushing against rule ``name``."""
    days = range(len(f.days))
    training = [d for d in days if not f.days[d].is_race]
    if name in ("Progression cap (rule 1)", "Workload ratio (rule 2)", "Taper and race (rule 11)"):
        model.Maximize(sum(v.week_distance(w) for w in range(len(f.weeks))))
    elif name in ("Single-run spike (rule 3)", "Long run share (rule 8)"):
        model.Maximize(sum(v.week_longest(w) for w in range(len(f.weeks))))
    elif name == "Rest days (rule 4)":
        model.Maximize(sum(v.run(d) + v.strength(d) for d in days))
    elif name == "Hard/easy (rule 6)":
        model.Maximize(sum(v.quality(d) + v.long(d) for d in training))
    elif name == "Strength sessions (rule 7)":
        model.Maximize(sum(v.strength(d) for d in days))
    elif name == "Intensity (rule 9)":
        model.Maximize(sum(v.quality_distance(d) for d in training))
    else:  # pragma: no cover
        raise AssertionError(name)


def _solve_pushed(profile, skip: str | None, push: str):
    f = build_frame(profile, today=TODAY, conservative=False)
    # loosen the week pattern so only the rule under test stands in the way
    f.runs_cap = [7] * len(f.weeks)
    f.quality_cap = [3] * len(f.weeks)
    f.max_runs = 7
    model = cp_model.CpModel()
    v = PlanVars(model, f)
    R.link_day_booleans(model, v, f)
    R.link_distances(model, v, f)
    for name, _, _, fn in R.HARD_RULES:
        if name != skip and name != "Race readiness":
            fn(model, v, f)
    _push(push, model, v, f)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 1.0  # a feasible push is enough to show a rule biting or holding
    status = solver.Solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE), solver.status_name(status)
    solution = Solution(frame=f, decisions=v.extract(solver),
                        week_dk=[solver.Value(v.week_distance(w)) for w in range(len(f.weeks))],
                        bent=[], objective=0, optimal=False)
    plan = compose_plan(solution, profile, "2026-11-25T10:00:00Z")
    return checks.verdicts(plan, profile)


CASES = [
    ("Progression cap (rule 1)", 1, {}),
    # back from a two-week holiday: rule 1 would allow the old level at once, rule 2 holds the return gentle
    ("Workload ratio (rule 2)", 2, {"goal": {"weekly_distance": 40}, "weeks": 8,
                                    "schedule": {"max_minutes": {"default": 120, "sun": 200},
                                                 "unavailable": [{"from": "2026-12-21", "to": "2027-01-03"}]}}),
    # three run days: the long run may be half the week (rule 8), so only rule 3 holds it back
    ("Single-run spike (rule 3)", 3, {"current": {"weekly_distance": 30, "long_run": 12, "runs_per_week": 3},
                                      "schedule": {"run_days": ["tue", "thu", "sun"],
                                                   "max_minutes": {"default": 120, "sun": 200}}}),
    ("Rest days (rule 4)", 4, {"rules": {"strength_per_week": 3}}),
    ("Hard/easy (rule 6)", 6, {}),
    ("Strength sessions (rule 7)", 7, {}),
    ("Long run share (rule 8)", 8, {}),
    ("Intensity (rule 9)", 9, {}),
    ("Taper and race (rule 11)", 11, {}),
]


@pytest.mark.parametrize("name,number,over", CASES, ids=[c[0] for c in CASES])
def test_rule_bites_when_left_out(name, number, over):
    verdicts = _solve_pushed(_profile(**over), skip=name, push=name)
    assert verdicts[number], f"pushing against {name} without it should break it"


@pytest.mark.parametrize("name,number,over", CASES, ids=[c[0] for c in CASES])
def test_rule_holds_when_in_the_model(name, number, over):
    verdicts = _solve_pushed(_profile(**over), skip=None, push=name)
    assert verdicts[number] == [], [str(v) for v in verdicts[number]]


def test_full_solve_is_optimal_and_deterministic():
    profile = _profile()
    frame = build_frame(profile, today=TODAY, conservative=False)
    first, second = solve(frame), solve(build_frame(profile, today=TODAY, conservative=False))
    assert first is not None and first.optimal
    assert first.objective == second.objective
    assert first.decisions == second.decisions


def test_held_pattern_and_joint_model_agree_on_feasibility():
    """The staged solve refuses nothing the one-model solve would accept (here: a plan exists in both)."""
    profile = _profile()
    frame = build_frame(profile, today=TODAY, conservative=False)
    model = cp_model.CpModel()
    v = PlanVars(model, frame)
    R.add_hard_rules(model, v, frame)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5.0
    assert solver.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert solve(frame) is not None
