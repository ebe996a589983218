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
