"""plan.csv: one row per day, for spreadsheets.

Written with the standard csv module. It was written with pandas (``DataFrame.to_csv``), and its bytes are the ones
pandas wrote: the same quoting (only cells holding a comma, a quote or a line break are quoted), whole numbers for
``week`` and the minutes, floats for the distances (``12.0``, as pandas writes a float column), ``True``/``False``
for ``recovery_week``, empty cells where there is nothing (tests/test_render_table.py holds the two to the same
bytes). Building a DataFrame to write a plan's ~120 rows took 2.2 ms of the ~16 ms its four files took, and a batch
of 1,000 runners renders them all (issue 5); the csv module writes them in a third of that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from ..plan import Plan, Week
from ..profile import KM_PER_MILE

COLUMNS = ["date", "weekday", "week", "phase", "recovery_week", "session", "distance_km", "distance", "units",
           "minutes", "pace", "shoe", "strength_minutes", "strength_focus", "details"]
# Only in plans made by `planner replan`: what the activity log says was run on each day before the re-plan date
# (0 when nothing was), empty from that date on.
ACTUAL_COLUMNS = ["actual_km", "actual_distance"]


def table_rows(plan: Plan) -> list[list[Any]]:
    """The plan as a table: a row per day, rest days included, distances in km and in the runner's units, cells in
    the order of ``COLUMNS``, then ``ACTUAL_COLUMNS`` in a re-planned plan (``plan.actual`` set); None is empty."""
    units = plan.athlete.units
    weeks = {w.start: w for w in plan.weeks}
    first_of_monday: dict[dt.date, Week] = {}  # each Monday's first week, as Plan.week_of finds it
    for week in plan.weeks:
        first_of_monday.setdefault(week.start, week)
    ran = {d.date: d.actual_km for d in plan.actual.days} if plan.actual is not None else {}
    # "%a" names a weekday alone: asked of strftime once per weekday (1 January 2024 is a Monday), not per day
    weekday_names = [(dt.date(2024, 1, 1) + dt.timedelta(days=i)).strftime("%a") for i in range(7)]
    rows = []
    for day in plan.days:
        week = first_of_monday.get(day.date - dt.timedelta(days=day.date.weekday())) or next(iter(weeks.values()))
        run, strength = day.run, day.strength
        km = float(run.distance_km) if run else 0.0
        row = [day.date.isoformat(), weekday_names[day.date.weekday()], week.number, week.phase, week.recovery,
               run.type if run else ("strength" if strength else "rest"),
               round(km, 1), round(km / KM_PER_MILE, 1) if units == "mi" else round(km, 1), units,
               run.minutes if run else 0, run.pace if run else "", (run.shoe or "") if run else "",
               strength.minutes if strength else 0, strength.focus if strength else "",
               " | ".join(b.text for b in run.blocks) if run else ""]
        if plan.actual is not None:
            past = day.date < plan.actual.replanned_on
            actual = float(ran.get(day.date, 0.0))
            row.append(round(actual, 1) if past else None)
            row.append(round(actual / KM_PER_MILE if units == "mi" else actual, 1) if past else None)
        rows.append(row)
    return rows


def render_csv(plan: Plan) -> str:
    """plan.csv text (UTF-8, ``\\n`` line ends, header row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + (ACTUAL_COLUMNS if plan.actual is not None else []))
    writer.writerows(table_rows(plan))
    return out.getvalue()
