"""Using planner as a library: one runner's plan in memory, then a whole club with the batch API.

Run from the repository root:

    .venv/bin/python examples/library_api.py [OUT]

It prints Maya's plan week by week, then plans three runners of the example club (examples/club/roster.csv with
its defaults) into OUT (default: out/library-example) and prints a line per runner. Nothing here needs the CLI:
each step is one call of the library, and every error is a PlannerError with a message for people.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner import InfeasibleGoal, PlannerError, build_plan, check_plan, load_profile
from planner.batch import Roster, load_roster, run_batch

ROOT = Path(__file__).resolve().parent.parent
GENERATED_AT = "2026-11-25T10:00:00Z"  # fixed, so the output is the same on every run


def one_runner() -> None:
    """Load a profile, build its certified plan, and look at it without writing any file."""
    profile = load_profile(ROOT / "profiles" / "maya-half.yaml")
    try:
        plan = build_plan(profile, GENERATED_AT, source="maya-half.yaml")
    except InfeasibleGoal as exc:  # the goal cannot be reached safely: the message says what would work
        print("\n".join(exc.lines()))
        return
    assert check_plan(plan, profile) == []  # build_plan already had the independent checker certify it
    print(f"{plan.athlete.name}: {len(plan.weeks)} weeks to {plan.race.name} on {plan.race.date}")
    for week in plan.weeks:
        recovery = " (recovery)" if week.recovery else ""
        print(f"  week {week.number:2d}  {week.start}  {week.phase:<8} {week.distance_km:5.1f} km{recovery}")


def a_club(out_dir: Path) -> None:
    """Plan part of a club roster with the batch API, in this process (workers=1), and report each runner."""
    roster = load_roster(ROOT / "examples" / "club" / "roster.csv", ROOT / "examples" / "club" / "defaults.yaml")
    few = Roster(path=roster.path, entries=roster.entries[:3], defaults=roster.defaults)
    result = run_batch(few, out_dir, workers=1, generated_at=GENERATED_AT)
    for outcome in result.outcomes:
        if outcome.planned:
            s = outcome.summary
            print(f"  {outcome.athlete_id}: {s.goal}, {s.weeks} weeks, peak {s.peak_week_km:.1f} km")
        else:
            print(f"  {outcome.source}: not planned: {outcome.lines[0]}")
    print(f"Group overview: {out_dir / 'index.html'}; exit status would be {result.exit_code}")


if __name__ == "__main__":  # the guard matters: worker processes (workers > 1) import this module
    try:
        one_runner()
        a_club(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "library-example")
    except PlannerError as exc:
        print("\n".join(exc.lines()), file=sys.stderr)
        sys.exit(exc.exit_code)
