"""Benchmark: CP-SAT model build + solve to optimality for 8, 16, 24 and 52-week plans.

Targets (issue 2, on a 2-core machine): 16 weeks <= 150 ms median, 52 weeks <= 1 s. Run with `make bench`.
"""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from planner.solver.frame import build_frame
from planner.solver.model import solve

from .bench_common import fitness_profile, load, race_profile, summary, timed

TODAY = dt.date(2026, 11, 25)


def _solve(profile):
    def reframe(shrink):
        return build_frame(profile, today=TODAY, conservative=False, shrink=shrink)
    solution = solve(reframe(1.0), reframe=reframe)
    assert solution is not None and solution.optimal
    return solution


@pytest.mark.parametrize("weeks", [8, 16, 24, 52])
def test_build_and_solve(weeks):
    race = "marathon" if weeks >= 16 else "half"
    cases = [("race " + race, load(race_profile(weeks, race))), ("fitness", load(fitness_profile(weeks)))]
    for label, profile in cases:
        _solve(profile)  # warm-up: imports, CP-SAT initialisation
        seconds = timed(lambda: _solve(profile), repeat=7)
        print("\n" + summary(f"{weeks:>2}-week plan ({label})", seconds))
        median = statistics.median(seconds)
        limit = 0.150 if weeks == 16 else 1.0 if weeks == 52 else None
        if limit is not None and median > limit:
            print(f"   ABOVE TARGET: {median * 1000:.0f} ms > {limit * 1000:.0f} ms")


# Schedules the staged solver found hard (by sampling random profiles), timed so the tail stays in view: every day
# a 60-minute run day with three strength sessions a week (the pattern stage stops at PATTERN_LIMIT with a plan not
# proven best, 12 s), and a runner whose race-ready weeks need more than three 60-minute weekday runs (every stage
# failed and the one-model solve planned it in 8 s, before rules.leave_room_for_readiness).
HARD = {
    "7 short run days, 3 strength": {
        "name": "Hard One", "start_date": "2026-12-06", "weeks": 25, "goal": {"weekly_distance": 29},
        "current": {"weekly_distance": 23, "long_run": 10},
        "schedule": {"run_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "max_minutes": {"default": 60}},
        "rules": {"min_rest_days": 1, "strength_per_week": 3, "cutback_every": 4}},
    "73 km a week on 60-minute days": {
        "name": "Hard Two", "start_date": "2026-12-10", "goal": {"race": "half", "race_date": "2027-05-09"},
        "current": {"weekly_distance": 73, "long_run": 23},
        "schedule": {"run_days": ["mon", "tue", "wed", "thu", "sat", "sun"], "max_minutes": {"default": 60, "sun": 300}},
        "rules": {"min_rest_days": 2, "strength_per_week": 2, "cutback_every": 3}},
}


@pytest.mark.parametrize("label", list(HARD))
def test_hard_schedules(label):
    profile = load(HARD[label])
    solutions = []
    seconds = timed(lambda: solutions.append(_solve_any(profile)), repeat=1)  # seconds each: once is enough
    print("\n" + summary(f"hard: {label}", seconds) + f"   proven best: {solutions[0].optimal}")


def _solve_any(profile):
    def reframe(shrink):
        return build_frame(profile, today=TODAY, conservative=False, shrink=shrink)
    solution = solve(reframe(1.0), reframe=reframe)
    assert solution is not None
    return solution
