"""The group overview of a batch: OUT/index.html (every runner on one page) and OUT/summary.csv.

index.html is one self-contained page like plan.html (inline CSS and SVG, no scripts, nothing fetched). It sorts
without a server and without scripts: each column header is a label for a radio button, and CSS gives every row the
``order`` of its precomputed rank for the chosen column (ranks are inline custom properties). A checkbox hides the
runners who need no attention. This module shapes the outcomes for the template and decides nothing about plans.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .charts import MONTHS
from .html import PHASE_LABELS, Units, long_date, template_environment

if TYPE_CHECKING:  # batch imports this module; the types are only for annotations
    from ..batch import RunnerOutcome, WeekBar

SUMMARY_COLUMNS = ["id", "name", "source", "status", "goal", "race_name", "race_date", "start_date", "end_date",
                   "weeks", "peak_week_km", "longest_run_km", "peak_week", "longest_run", "units", "conservative",
                   "notes", "plan", "feed_url", "message"]
STATUS_LABELS = {"planned": "Planned", "invalid": "Profile has problems", "infeasible": "Goal not reachable safely",
                 "error": "Internal error"}
SPARK_WIDTH, SPARK_HEIGHT = 132, 30
# Sortable columns: (key, header text). Ranks are computed for each; "roster" is the roster's own order.
SORT_COLUMNS = (("runner", "Runner"), ("goal", "Goal"), ("date", "Race / end"), ("weeks", "Weeks"),
                ("peak", "Peak week"), ("long", "Long run"), ("status", "Status"))
_LAST = math.inf  # runners without a plan sort after every planned one on the plan's figures


@dataclass(frozen=True)
class SparkChart:
    """A runner's weekly distance as a tiny bar chart: one path per phase (few elements for big rosters)."""

    width: int
    height: int
    paths: tuple[tuple[str, bool, str], ...]   # (phase, recovery, SVG path data)
    label: str                                 # what the chart says, for screen readers


@dataclass(frozen=True)
class GroupRow:
    """One runner as the overview shows them: texts already formatted in the runner's units."""

    anchor: str
    athlete_id: str | None
    name: str
    source: str
    status: str
    status_label: str
    kind: str                    # "ok", "notes", "pain" or "failed": the row's colour and the filter
    lines: tuple[str, ...]
    goal: str
    goal_detail: str
    date_label: str
    date_iso: str
    weeks: str
    peak: str
    long: str
    notes: tuple[str, ...]
    bent: int
    plan_href: str | None
    feed_href: str | None
    webcal_href: str | None
    chart: SparkChart | None
    ranks: str                   # inline style: "--o-runner:3;--o-goal:7;..."


def render_group_html(outcomes: Sequence[RunnerOutcome], *, roster_name: str, generated_at: str,
                      with_feeds: bool = False) -> str:
    """The group overview page.

    Args:
        outcomes: every runner's outcome, in roster order.
        roster_name: the roster's file or folder name, for the title.
        generated_at: the batch's ISO generation time (shown; the page has no other time in it).
        with_feeds: runners have feed URLs (the batch had a base URL): link to them and say they are private.

    Returns:
        The page (UTF-8 when written). Same outcomes give the same bytes.
    """
    rows = group_rows(outcomes)
    failed = [r for r in rows if r.kind == "failed"]
    context: dict[str, Any] = {
        "title": f"Training plans: {roster_name}",
        "roster_name": roster_name,
        "rows": rows,
        "failed": failed,
        "counts": {"runners": len(rows), "planned": len(rows) - len(failed), "failed": len(failed),
                   "attention": sum(1 for r in rows if r.kind != "ok")},
        "sort_columns": SORT_COLUMNS,
        "phase_labels": PHASE_LABELS,
        "with_feeds": with_feeds,
        "generated": _generated(generated_at),
    }
    return template_environment().get_template("group.html.j2").render(context)


def group_rows(outcomes: Sequence[RunnerOutcome]) -> list[GroupRow]:
    """The overview's rows, in roster order, each with its ascending and descending rank for every sortable column."""
    ranks = {key: _ranks(outcomes, fn, key in _FIGURES) for key, fn in _SORT_KEYS.items()}
    rows = []
    for i, o in enumerate(outcomes):
        props = [f"--o-roster:{ranks['roster'][0][i]}"]
        for key, _ in SORT_COLUMNS:
            up, down = ranks[key]
            props += [f"--o-{key}:{up[i]}", f"--d-{key}:{down[i]}"]
        rows.append(_row(o, ";".join(props)))
    return rows


def reason(outcome: RunnerOutcome) -> list[str]:
    """Why a runner was not planned, for the page: the problem lines without the source each of them repeats."""
    lines = list(outcome.lines)
    if len(lines) > 1 and lines[0].endswith(("in the profile", "in the profile.")):
        lines = lines[1:]  # "row 3: 2 problems in the profile" only counts the lines that follow
    prefix = f"{outcome.source}: "
    return [line[len(prefix):] if line.startswith(prefix) else line for line in lines]


def _row(o: RunnerOutcome, ranks: str) -> GroupRow:
    s = o.summary
    name = o.name or o.athlete_id or o.source
    common = {"anchor": f"runner-{o.index + 1}", "athlete_id": o.athlete_id, "name": name, "source": o.source,
              "status": o.status, "status_label": STATUS_LABELS[o.status], "lines": tuple(reason(o)),
              "ranks": ranks}
    if s is None:
        return GroupRow(**common, kind="failed", goal="", goal_detail="", date_label="", date_iso="", weeks="",
                        peak="", long="", notes=(), bent=0, plan_href=None, feed_href=None, webcal_href=None,
                        chart=None)
    u = Units(s.units)
    if s.race_date is not None:
        goal_detail = s.race_name if s.race_name and s.race_name != s.goal else ""
        date_label, date_iso = long_date(s.race_date), s.race_date.isoformat()
    else:
        goal_detail = "fitness goal"
        date_label, date_iso = f"until {long_date(s.end_date)}", s.end_date.isoformat()
    kind = "pain" if s.conservative else "notes" if s.notes else "ok"
    folder = o.athlete_id
    feed = o.feed_url
    return GroupRow(**common, kind=kind, goal=s.goal, goal_detail=goal_detail, date_label=date_label,
                    date_iso=date_iso, weeks=str(s.weeks), peak=u.dist(s.peak_week_km),
                    long=u.dist(s.longest_run_km), notes=s.notes, bent=s.bent, plan_href=f"{folder}/plan.html",
                    feed_href=feed or f"{folder}/plan.ics",
                    webcal_href=("webcal://" + feed.split("://", 1)[1]) if feed else None,
                    chart=spark_chart(s.bars, s.units, s.peak_week_km))


def spark_chart(bars: Sequence[WeekBar], units: str, peak_km: float) -> SparkChart:
    """Bars of weekly distance scaled to the runner's own peak week, one path per phase and recovery state."""
    n = max(1, len(bars))
    top = peak_km if peak_km > 0 else 1.0
    step = SPARK_WIDTH / n
    gap = 1.0 if step >= 3 else 0.0
    groups: dict[tuple[str, bool], list[str]] = {}
    for i, bar in enumerate(bars):
        h = max(1.0, bar.km / top * (SPARK_HEIGHT - 2))
        x, y = i * step, SPARK_HEIGHT - h
        groups.setdefault((bar.phase, bar.recovery), []).append(
            f"M{x:.1f} {y:.1f}h{step - gap:.1f}v{h:.1f}h{-(step - gap):.1f}z")
    paths = tuple((phase, recovery, "".join(parts)) for (phase, recovery), parts in sorted(groups.items()))
    peak_week = max(range(len(bars)), key=lambda i: (bars[i].km, -i)) + 1 if bars else 0
    label = (f"Weekly distance over {len(bars)} week{'s' if len(bars) != 1 else ''}, "
             f"peak {Units(units).dist(peak_km)} in week {peak_week}")
    return SparkChart(SPARK_WIDTH, SPARK_HEIGHT, paths, label)


# --- sorting ----------------------------------------------------------------------------------------------------------

def _name_key(o: RunnerOutcome) -> tuple:
    return ((o.name or o.athlete_id or o.source).casefold(), o.athlete_id or "", o.index)


def _figure(fn: Callable[[Any], float]) -> Callable[[RunnerOutcome], tuple]:
    return lambda o: (fn(o.summary) if o.summary is not None else _LAST, *_name_key(o))


def _status_key(o: RunnerOutcome) -> tuple:
    s = o.summary
    attention = 0 if s is None else 1 if s.conservative else 2 if s.notes else 3
    return (attention, *_name_key(o))


def _goal_key(o: RunnerOutcome) -> tuple:
    s = o.summary
    if s is None:
        return (_LAST, _LAST, "", *_name_key(o))
    # races by distance then date; fitness goals after every race, by end date
    return (s.race_km if s.race_km is not None else 1e9, (s.race_date or s.end_date).toordinal(), s.goal,
            *_name_key(o))


_SORT_KEYS: dict[str, Callable[[RunnerOutcome], tuple]] = {
    "roster": lambda o: (o.index,),
    "runner": _name_key,
    "goal": _goal_key,
    "date": _figure(lambda s: (s.race_date or s.end_date).toordinal()),
    "weeks": _figure(lambda s: s.weeks),
    "peak": _figure(lambda s: s.peak_week_km),
    "long": _figure(lambda s: s.longest_run_km),
    "status": _status_key,
}


_FIGURES = {"goal", "date", "weeks", "peak", "long"}  # columns runners without a plan have no value in


def _ranks(outcomes: Sequence[RunnerOutcome], key: Callable[[RunnerOutcome], tuple],
           figures: bool) -> tuple[list[int], list[int]]:
    """Each outcome's 1-based position sorted by ``key``, ascending and descending (keys never tie: they end in
    the roster index). In a column of plan figures, runners without a plan come last both ways."""
    order = sorted(range(len(outcomes)), key=lambda i: key(outcomes[i]))
    if figures:
        planned = [i for i in order if outcomes[i].summary is not None]
        down = planned[::-1] + [i for i in order if outcomes[i].summary is None]
    else:
        down = order[::-1]
    up_rank, down_rank = [0] * len(outcomes), [0] * len(outcomes)
    for rank, (i, j) in enumerate(zip(order, down), start=1):
        up_rank[i], down_rank[j] = rank, rank
    return up_rank, down_rank


# --- summary.csv ------------------------------------------------------------------------------------------------------

def render_summary_csv(outcomes: Sequence[RunnerOutcome]) -> str:
    """summary.csv: one row per runner in roster order; distances in km and in the runner's units (UTF-8, ``\\n``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    for o in outcomes:
        s = o.summary
        row: dict[str, Any] = {"id": o.athlete_id or "", "name": o.name or "", "source": o.source,
                               "status": o.status, "message": " | ".join(o.lines)}
        if s is not None:
            u = Units(s.units)
            row.update({
                "goal": s.goal, "race_name": s.race_name or "",
                "race_date": s.race_date.isoformat() if s.race_date else "",
                "start_date": s.start_date.isoformat(), "end_date": s.end_date.isoformat(), "weeks": s.weeks,
                "peak_week_km": f"{s.peak_week_km:.1f}", "longest_run_km": f"{s.longest_run_km:.1f}",
                "peak_week": u.num(s.peak_week_km), "longest_run": u.num(s.longest_run_km), "units": s.units,
                "conservative": "yes" if s.conservative else "no", "notes": " | ".join(s.notes),
                "plan": f"{o.athlete_id}/plan.html", "feed_url": o.feed_url or "",
            })
        writer.writerow([row.get(c, "") for c in SUMMARY_COLUMNS])
    return buffer.getvalue()


def _generated(stamp: str) -> str:
    """``25 Nov 2026, 10:00 UTC`` from an ISO time; the text as it is otherwise."""
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"
