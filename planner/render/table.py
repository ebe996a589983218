"""plan.csv: one row per day, for spreadsheets (pandas)."""

from __future__ import annotations

import pandas as pd

from ..plan import Plan
from ..profile import KM_PER_MILE

COLUMNS = ["date", "weekday", "week", "phase", "recovery_week", "session", "distance_km", "distance", "units",
           "minutes", "pace", "shoe", "strength_minutes", "strength_focus", "details"]
# Only in plans made by `planner replan`: what the activity log says was run on each day before the re-plan date
# (0 when nothing was), empty from that date on.
ACTUAL_COLUMNS = ["actual_km", "actual_distance"]


def plan_table(plan: Plan) -> pd.DataFrame:
    """The plan as a table: a row per day, rest days included, distances in km and in the runner's units.

    A re-planned plan (``plan.actual`` set) has two more columns, ``actual_km`` and ``actual_distance``.
    """
    units = plan.athlete.units
    weeks = {w.start: w for w in plan.weeks}
    ran = {d.date: d.actual_km for d in plan.actual.days} if plan.actual is not None else {}
    rows = []
    for day in plan.days:
        week = plan.week_of(day.date) or next(iter(weeks.values()))
        run, strength = day.run, day.strength
        km = run.distance_km if run else 0.0
        rows.append({
            "date": day.date.isoformat(),
            "weekday": day.date.strftime("%a"),
            "week": week.number,
            "phase": week.phase,
            "recovery_week": week.recovery,
            "session": run.type if run else ("strength" if strength else "rest"),
            "distance_km": round(km, 1),
            "distance": round(km / KM_PER_MILE, 1) if units == "mi" else round(km, 1),
            "units": units,
            "minutes": run.minutes if run else 0,
            "pace": run.pace if run else "",
            "shoe": (run.shoe or "") if run else "",
            "strength_minutes": strength.minutes if strength else 0,
            "strength_focus": strength.focus if strength else "",
            "details": " | ".join(b.text for b in run.blocks) if run else "",
        })
        if plan.actual is not None:
            past = day.date < plan.actual.replanned_on
            actual = ran.get(day.date, 0.0)
            rows[-1]["actual_km"] = round(actual, 1) if past else None
            rows[-1]["actual_distance"] = (round(actual / KM_PER_MILE if units == "mi" else actual, 1)
                                           if past else None)
    return pd.DataFrame(rows, columns=COLUMNS + (ACTUAL_COLUMNS if plan.actual is not None else []))


def render_csv(plan: Plan) -> str:
    """plan.csv text (UTF-8, ``\\n`` line ends, header row)."""
    return plan_table(plan).to_csv(index=False, lineterminator="\n")
