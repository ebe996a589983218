"""plan.csv: one row per day, for spreadsheets (pandas)."""

from __future__ import annotations

import pandas as pd

from ..plan import Plan
from ..profile import KM_PER_MILE

COLUMNS = ["date", "weekday", "week", "phase", "recovery_week", "session", "distance_km", "distance", "units",
           "minutes", "pace", "shoe", "strength_minutes", "strength_focus", "details"]


def plan_table(plan: Plan) -> pd.DataFrame:
    """The plan as a table: a row per day, rest days included, distances in km and in the runner's units."""
    units = plan.athlete.units
    weeks = {w.start: w for w in plan.weeks}
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
    return pd.DataFrame(rows, columns=COLUMNS)


def render_csv(plan: Plan) -> str:
    """plan.csv text (UTF-8, ``\\n`` line ends, header row)."""
    return plan_table(plan).to_csv(index=False, lineterminator="\n")
