"""plan.html: the plan as one self-contained web page (inline CSS and SVG, no scripts, no network).

Rendered with Jinja2 from the repository's templates/ folder, autoescaping on, so names and race names are always
text, never markup. This module only shapes the Plan for the templates (weeks as Monday-Sunday rows, distances in
the profile's units, the checker's verdicts); it decides nothing about the plan itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .. import checks
from ..errors import PlannerError
from ..paces import format_duration, zones_for
from ..plan import Actual, ActualDay, ActualWeek, Plan, Reminder, Week
from ..profile import WEEKDAYS, Profile
from . import charts
from .calendar_days import RanText, day_html

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PHASE_LABELS = {"base": "Base", "build": "Build", "peak": "Peak", "taper": "Taper", "race": "Race",
                "maintain": "Maintain", "now": "Now"}
PHASE_MEANING = {"base": "easy volume, the aerobic base", "build": "volume and quality rise",
                 "peak": "the hardest weeks", "taper": "less volume, fresh legs", "race": "race week",
                 "maintain": "hold the volume you built", "now": "your current weekly distance"}
ADVICE_LABELS = {"warmup": "Warm-up and cool-down", "hydration": "Hydration", "footwear": "Footwear",
                 "overtraining": "Signs of overtraining", "pain": "Pain", "strength": "Strength",
                 "recovery": "Recovery"}
UNIT_NAMES = {"km": "kilometres", "mi": "miles"}
# Advice topics that belong with the pain warnings at the top of the page when the runner reports pain.
PAIN_TOPICS = ("pain", "professional", "injury")


def _bytecode_cache():
    """Compiled templates cached on disk between runs (compiling them costs ~200 ms a process; the cache key is
    the template's source, so an edited template is recompiled). No cache when no folder is writable."""
    import os
    import tempfile

    from jinja2 import FileSystemBytecodeCache
    base = os.environ.get("PLANNER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "planner")
    for folder in (os.path.join(base, "templates"), os.path.join(tempfile.gettempdir(), f"planner-{os.getuid()}")):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if os.access(folder, os.W_OK):
                return FileSystemBytecodeCache(folder)
        except OSError:
            continue
    return None


@lru_cache(maxsize=1)
def template_environment() -> Environment:
    """The Jinja2 environment for the page, built once: autoescaping, strict undefined, templates/ folder."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False,
                      bytecode_cache=_bytecode_cache())
    env.filters["day_month"] = _day_month
    env.filters["long_date"] = long_date
    env.filters["percent"] = lambda x: f"{float(x) * 100:g}%"
    return env


def _day_month(date: dt.date) -> str:
    return f"{date.day} {charts.MONTHS[date.month - 1]}"


def long_date(date: dt.date) -> str:
    """``Sun 11 Apr 2027``: unambiguous in every country, no locale involved (deterministic)."""
    return f"{WEEKDAY_NAMES[date.weekday()]} {date.day} {charts.MONTHS[date.month - 1]} {date.year}"


_KM_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)[ \u00a0]?km\b")


class Units:
    """Distance formatting in the profile's units, one decimal, for the templates."""

    def __init__(self, units: str):
        self.units = units
        self.name = UNIT_NAMES[units]

    def num(self, km: float) -> str:
        return f"{charts.to_units(km, self.units):.1f}"

    def dist(self, km: float) -> str:
        return f"{self.num(km)}\u00a0{self.units}"

    def convert_text(self, text: str) -> str:
        """A text written in kilometres (the checker's verdicts: "16.1 km > 0.35 x 40.0 km") in these units."""
        if self.units == "km":
            return text
        return _KM_IN_TEXT.sub(lambda m: self.dist(float(m.group(1))), text)


@dataclass(frozen=True)
class ActualRow:
    """One past week of a re-planned plan, planned against run, in the profile's units (table and week header)."""

    number: int
    dates: str               # "2 Nov – 8 Nov 2026"
    partial: bool            # the week of the re-plan date: only its days before that date count
    planned: str             # "32.5 km"
    ran: str                 # "34.3 km"
    difference: str          # "+1.8 km", "−4.7 km", "±0.0 km"
    share: str               # "106%", or "" when nothing was planned
    verdict: str             # "as planned" (within 10%), "more than planned", "less than planned"
    planned_runs: int
    actual_runs: int
    longest_planned: str
    longest_ran: str


@dataclass(frozen=True)
class WeekRow:
    """One Monday-Sunday week of the calendar, with its figures already in the profile's units."""

    week: Week
    days: Markup            # its seven days, Monday first, as HTML (calendar_days.py)
    current: bool
    total: str              # "33.0 km"
    dates: str              # "7 Dec – 13 Dec 2026"
    facts: tuple[str, ...]  # "4 runs", "3 h 45", "longest 8.8 km", "2 strength"
    actual: ActualRow | None = None  # planned against run, for weeks before the re-plan date


def render_html(plan: Plan, profile: Profile, *, feed_url: str | None = None, today: dt.date | None = None) -> str:
    """Render the plan as a self-contained HTML page.

    Args:
        plan: The plan (plan.json content). Distances in it are kilometres.
        profile: The runner's profile: goal wording, units, shoes, pain, pace zones.
        feed_url: The https URL of the runner's calendar feed, when one is served; adds https:// and webcal://
            subscribe links. A link to the local plan.ics is always there.
        today: Marks the week and day holding this date. None (the default) marks nothing, so the page is the
            same whenever it is rendered.

    Returns:
        The page, as text (UTF-8 when written). Same inputs give the same bytes.

    Raises:
        PlannerError: ``feed_url`` is not an http(s) URL.
    """
    units = Units(profile.units)
    unavailable = profile.schedule.unavailable_dates()
    verdicts = checks.verdicts(plan, profile)
    shoes = charts.shoe_lines(plan, profile)
    zones = zones_for(profile)
    pain_warnings = [w for w in plan.warnings if w.kind == "pain"]
    pain_alert = bool(pain_warnings) or any(p.severity > 0 for p in profile.health.pain)
    weeks = _week_rows(plan, unavailable, today, units)
    chart = chart_narrow = None
    if plan.weeks:
        chart, chart_narrow = charts.weekly_charts(plan, profile, (charts.WIDE, charts.NARROW))
    context: dict[str, Any] = {
        "plan": plan, "profile": profile, "u": units,
        "title": f"Training plan: {plan.athlete.name}",
        "goal": _goal(plan, profile, units, zones),
        "summary": _summary(plan, units),
        "weeks": weeks, "week_groups": _phase_runs(weeks),
        "actual": _actual(plan.actual, profile, units),
        "weekday_names": WEEKDAY_NAMES, "weekday_long": WEEKDAY_LONG,
        "phase_labels": PHASE_LABELS, "phase_meaning": PHASE_MEANING,
        "chart": chart, "chart_narrow": chart_narrow,
        "shoes": shoes, "shoe_chart": charts.shoe_chart(plan, profile, shoes),
        "shoe_chart_narrow": charts.shoe_chart(plan, profile, shoes, narrow=True),
        "zones": zones, "zone_rows": zones.table(),
        "rules": _rule_rows(plan, profile, shoes, verdicts, checks.RULES, checks.rule_texts(profile.units), units),
        "all_rules_hold": all(not v for v in verdicts.values()),
        "pain_alert": pain_alert, "pain_warnings": pain_warnings,
        "pain_advice": [a for a in plan.advice if a.topic.lower().startswith(PAIN_TOPICS)] if pain_alert else [],
        "advice_labels": ADVICE_LABELS,
        "notes": [w for w in plan.warnings if w.kind not in ("pain", "preference")],
        "bent": [w for w in plan.warnings if w.kind == "preference"],
        "feeds": _feeds(feed_url),
        "generated": _generated(plan.generated_at),
    }
    env = template_environment()
    # The calendar is most of the page: rendered on its own, its pieces are joined once instead of passing
    # through the generators of plan.html.j2 and base.html.j2. It is still an autoescaped template (its days come
    # escaped from calendar_days.py); its result is Markup.
    context["calendar"] = Markup(env.get_template("partials/weeks.html.j2").render(context))
    return env.get_template("plan.html.j2").render(context)


def _goal(plan: Plan, profile: Profile, units: Units, zones) -> dict[str, Any]:
    """The goal in words: the race (label, name, date, target) or the weekly distance to reach and hold."""
    if plan.race is not None:
        label = profile.race_label() or f"{units.dist(plan.race.distance_km)} race"
        predicted = zones.predicted_seconds(plan.race.distance_km)
        return {"kind": "race", "label": label, "name": plan.race.name, "date": plan.race.date,
                "target": profile.goal.target_time,
                "predicted": format_duration(predicted) if predicted and zones.source == "recent race" else None}
    weekly = profile.goal_weekly_km
    return {"kind": "fitness", "label": "Fitness", "weekly": units.dist(weekly) if weekly else None}


def _summary(plan: Plan, units: Units) -> list[tuple[str, str]]:
    runs = plan.runs()
    total = sum(r.distance_km for _, r in runs)
    strength = sum(1 for d in plan.days if d.strength is not None)
    hours = sum(r.minutes for _, r in runs) / 60
    return [("Weeks", str(len(plan.weeks))), ("Total distance", units.dist(total)),
            ("Peak week", units.dist(plan.peak_week_km)), ("Longest run", units.dist(plan.longest_run_km)),
            ("Runs", str(len(runs))), ("Running time", f"{hours:.0f}\u00a0h"), ("Strength sessions", str(strength))]


def _week_rows(plan: Plan, unavailable: set[dt.date], today: dt.date | None, units: Units) -> list[WeekRow]:
    """The calendar: every week of the plan as seven cells, Monday first, days outside the plan included."""
    by_date = {d.date: d for d in plan.days}
    reminders: dict[dt.date, list[Reminder]] = {}
    for reminder in plan.reminders:
        reminders.setdefault(reminder.date, []).append(reminder)
    replanned_on = plan.actual.replanned_on if plan.actual is not None else None
    ran = {d.date: d for d in plan.actual.days} if plan.actual is not None else {}
    actual_weeks = {w.start: w for w in plan.actual.weeks} if plan.actual is not None else {}
    rows = []
    for week in plan.weeks:
        days, cells = [], []
        for offset in range(7):
            date = week.start + dt.timedelta(days=offset)
            day = by_date.get(date)
            past = replanned_on is not None and date < replanned_on and day is not None
            days.append(day)
            cells.append(day_html(WEEKDAY_NAMES[offset], _day_month(date), day, units,
                                  unavailable=date in unavailable, today=date == today, past=past,
                                  ran=_ran_text(ran.get(date), units) if past else None,
                                  reminders=reminders.get(date, ())))
        runs = [d.run for d in days if d is not None and d.run is not None]
        minutes = sum(r.minutes for r in runs)
        longest = max((r.distance_km for r in runs if r.type != "race"), default=0.0)
        strength = sum(1 for d in days if d is not None and d.strength is not None)
        facts = [f"{len(runs)} run{'s' if len(runs) != 1 else ''}", f"{minutes // 60}\u00a0h\u00a0{minutes % 60:02d}"]
        if longest:
            facts.append(f"longest {units.dist(longest)}")
        if strength:
            facts.append(f"{strength} strength")
        end = week.start + dt.timedelta(days=6)
        rows.append(WeekRow(
            week=week, days=Markup("\n    ".join(cells)), current=today is not None and week.start <= today <= end,
            total=units.dist(week.distance_km), dates=f"{_day_month(week.start)} \u2013 {_day_month(end)} {end.year}",
            facts=tuple(facts), actual=_actual_row(actual_weeks[week.start], replanned_on, units)
            if week.start in actual_weeks else None))
    return rows


def _phase_runs(rows: list[WeekRow]) -> list[tuple[str, list[WeekRow]]]:
    """The weeks in runs of one phase, in order (the week index names each run's phase in words)."""
    runs: list[tuple[str, list[WeekRow]]] = []
    for row in rows:
        if runs and runs[-1][0] == row.week.phase:
            runs[-1][1].append(row)
        else:
            runs.append((row.week.phase, [row]))
    return runs


# --- planned against run (plans re-planned by `planner replan`) ---------------------------------------------------

AS_PLANNED = 0.10  # a week within 10% of its planned distance was run "as planned" (the progression cap's margin)


def _ran_text(day: ActualDay | None, units: Units) -> RanText | None:
    """A past day's line: what was run against what was planned. None when neither a run was planned nor run."""
    if day is None or (day.planned_km <= 0 and day.actual_km <= 0):
        return None
    if day.actual_km <= 0:
        return RanText("missed", "Not run")
    if day.planned_km <= 0:
        return RanText("extra", f"Ran {units.dist(day.actual_km)}, not planned")
    return RanText("done", f"Ran {units.dist(day.actual_km)}")


def _actual_row(week: ActualWeek, replanned_on: dt.date, units: Units) -> ActualRow:
    end = week.start + dt.timedelta(days=6)
    partial = replanned_on <= end
    shown_end = replanned_on - dt.timedelta(days=1) if partial else end
    delta = round(charts.to_units(week.actual_km, units.units), 1) - round(charts.to_units(week.planned_km,
                                                                                             units.units), 1)
    sign = "+" if delta > 0.05 else "\u2212" if delta < -0.05 else "\u00b1"
    if week.planned_km > 0:
        ratio = week.actual_km / week.planned_km
        verdict = ("more than planned" if ratio > 1 + AS_PLANNED else
                   "less than planned" if ratio < 1 - AS_PLANNED else "as planned")
        share = f"{ratio:.0%}"
    else:
        verdict, share = ("more than planned" if week.actual_km > 0 else "as planned"), ""
    return ActualRow(
        number=week.number, dates=f"{_day_month(week.start)} \u2013 {_day_month(shown_end)} {shown_end.year}",
        partial=partial, planned=units.dist(week.planned_km), ran=units.dist(week.actual_km),
        difference=f"{sign}{abs(delta):.1f}\u00a0{units.units}", share=share, verdict=verdict,
        planned_runs=week.planned_runs, actual_runs=week.actual_runs,
        longest_planned=units.dist(week.longest_planned_km), longest_ran=units.dist(week.longest_actual_km))


def _actual(actual: Actual | None, profile: Profile, units: Units) -> dict[str, Any] | None:
    """The "Planned vs run" section: the re-plan date, the log, a row and a pair of bars per past week, totals."""
    if actual is None:
        return None
    rows = [_actual_row(w, actual.replanned_on, units) for w in actual.weeks]
    planned = sum(w.planned_km for w in actual.weeks)
    ran = sum(w.actual_km for w in actual.weeks)
    return {"replanned_on": actual.replanned_on, "log": actual.log, "rows": rows,
            "total_planned": units.dist(planned), "total_ran": units.dist(ran),
            "total_share": f"{ran / planned:.0%}" if planned > 0 else "",
            "total_planned_runs": sum(w.planned_runs for w in actual.weeks),
            "total_actual_runs": sum(w.actual_runs for w in actual.weeks),
            "chart": charts.actual_chart(actual, profile) if actual.weeks else None}


def _rule_rows(plan: Plan, profile: Profile, shoes: list[charts.ShoeLine], verdicts: dict[int, list],
               names: dict[int, str], texts: dict[int, str], units: Units) -> list[dict[str, Any]]:
    """One row per rule 1..12: its name, plain words, the values this plan applied, and the verdict."""
    applied = _applied_values(plan, profile, shoes, units)
    rows = []
    # Rule 0 (the plan is well formed) is shown only when it fails: it is not one of the twelve rules.
    numbers = sorted(set(names) | {n for n, found in verdicts.items() if found})
    for number in numbers:
        problems = [units.convert_text(_violation_text(v)) for v in verdicts.get(number, [])]
        rows.append({"number": number, "name": names.get(number, "Plan structure"), "text": texts.get(number, ""),
                     "applied": applied.get(number, ""), "holds": not problems,
                     "problems": problems[:5], "more": max(0, len(problems) - 5)})
    return rows


def _violation_text(violation: Any) -> str:
    """``where: message`` for a checker Violation; its plain text for anything else."""
    where, message = getattr(violation, "where", None), getattr(violation, "message", None)
    if isinstance(message, str) and message:
        return f"{where}: {message}" if isinstance(where, str) and where else message
    return str(violation)


def _applied_values(plan: Plan, profile: Profile, shoes: list[charts.ShoeLine], units: Units) -> dict[int, str]:
    """This plan's numbers for each rule, from ``plan.rules`` (the values the checker applied)."""
    r = plan.rules

    def pct(key: str, default: float) -> str:
        return f"{float(r.get(key, default)) * 100:g}%"

    out = {
        1: f"at most +{pct('progression_cap', 0.1)} a week; every {_ordinal(int(r.get('cutback_every', 4)))} week "
           f"a cutback to {pct('cutback_ratio', 0.8)}; starting from "
           f"{units.dist(float(r.get('baseline_weekly_km', 0)))} a week",
        2: "this week \u2264 1.3 \u00d7 the mean of the 4 weeks before",
        3: f"no run beyond +{pct('progression_cap', 0.1)} of the longest in the 30 days before; starting from "
           f"{units.dist(float(r.get('baseline_long_run_km', 0)))}",
        4: f"at least {r.get('min_rest_days', 1)} rest day{'s' if r.get('min_rest_days', 1) != 1 else ''} a week",
        5: f"{r.get('warmup_minutes', 10)} min warm-up, {r.get('cooldown_minutes', 10)} min cool-down",
        7: f"{r.get('strength_per_week', 2)} strength sessions a week",
        8: f"longest run \u2264 {pct('long_run_max_share', 0.35)} of the week" if r.get("long_run_max_share")
           else "",
        9: f"at least {pct('easy_share_min', 0.8)} of each week easy",
    }
    days = [WEEKDAY_NAMES[WEEKDAYS.index(d)] for d in profile.schedule.effective_run_days()]
    away = len(profile.schedule.unavailable_dates())
    out[10] = f"runs on {', '.join(days)}" + (f"; {away} unavailable date{'s' if away != 1 else ''} kept free"
                                              if away else "")
    if plan.race is not None:
        out[11] = f"{plan.race.name}, {long_date(plan.race.date)}, {units.dist(plan.race.distance_km)}"
    if shoes:
        replaced = sum(len(line.replace_on) for line in shoes)
        out[12] = f"{len(shoes)} pair{'s' if len(shoes) != 1 else ''} tracked" + (
            f", {replaced} replacement reminder{'s' if replaced != 1 else ''}" if replaced else "")
    return {k: v for k, v in out.items() if v}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _generated(stamp: str) -> str:
    """``25 Nov 2026, 10:00 UTC`` from the plan's ISO ``generated_at``; the text as it is if it is not ISO."""
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return f"{when.day} {charts.MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"


def _feeds(feed_url: str | None) -> dict[str, str] | None:
    """https:// and webcal:// forms of the feed URL (webcal is what Google's and Apple's subscribe links want)."""
    if feed_url is None:
        return None
    url = feed_url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("https", "http") or not rest or any(c.isspace() for c in url):
        raise PlannerError(f"feed URL {feed_url!r} is not an http(s) address: pass the feed's https:// URL "
                           "(e.g. https://example.org/feeds/<token>.ics)")
    return {"https": url, "webcal": "webcal://" + rest}
