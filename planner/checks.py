"""The independent certifier: every safety rule of shared/design/plan-format.md, checked on a finished plan.

Written from plan-format.md (and profile-format.md for the schedule and the shoes), never from the solver: it is
the formal spec. :func:`check_plan` runs on every plan before anything is written, and ``planner check`` runs it
on a plan.json. One function per rule, ``check_<rule>(plan, profile, facts=None) -> list[Violation]``, plus
:func:`check_structure` (rule 0: the plan is well formed, and its ``rules`` block is what the profile allows).

:func:`check_plan` and :func:`verdicts` certify the plan *as written*: they round-trip it through plan.json
(``Plan.from_dict(plan.to_dict())``, which rounds distances to 0.1 km), so the verdict at generation time is the
verdict ``planner check`` gives later on the file. Rule parameters come from ``plan.rules`` (the values actually
applied); where the profile (or conservative mode) asks for something tighter, the tighter value is used, so a
loosened rules block fails its own rule as well as rule 0.

Readings of the spec. Tolerance is 0.05 km on every distance comparison, in the plan's favour. Where
plan-format.md is ambiguous the stricter reading is taken:

- Weeks are Monday-Sunday; a week's distance is the sum of its runs on the days inside the plan (a partial first or
  last week counts only those days). A *full* week has all 7 days inside the plan. The *race week* is the week
  holding the goal's race date.
- Rule 1: the reference is the latest earlier full week that is not marked recovery, not phase taper or race, and
  holds no unavailable date; before one exists, ``baseline_weekly_km``. The cap applies to every week, the race
  week included. A week marked recovery must be ``<= cutback_ratio * reference``. ``cutback_every`` is enforced
  here too (profile-format: "every Nth week is a recovery week"): no ``cutback_every`` weeks in a row (partial
  weeks count) may pass without a cutback, a cutback being a week marked recovery, a taper or race week, or any
  week at most ``cutback_ratio * reference`` (a holiday week is one in effect).
- Rule 2: weeks i-1..i-4 as they stand in ``plan.weeks`` (a partial first week with its real, smaller distance),
  ``baseline_weekly_km`` for positions before the plan. Every week, the race week (race included) and taper weeks
  too: the stricter reading. The solver plans tapers high enough for a marathon's race week to pass.
- Rule 3: the window is days d-30..d-1; ``baseline_long_run_km`` joins it when d-30 falls before the plan. A window
  inside the plan with no run at all (a break of 30+ days) allows no run of any length.
- Rule 4: a partial week needs ``min(min_rest_days, its days inside the plan)`` rest days. A missing day counts as
  rest (rule 0 reports it). Every stretch of 7+ days with no rest day is one violation.
- Rule 5: the first block must be a warm-up of at least ``warmup_minutes`` and the last a cool-down of at least
  ``cooldown_minutes``, as well as the run's own fields; the race included.
- Rule 7: taper and race weeks are recognised by phase. Qualifying weeks need exactly ``strength_per_week``; every
  week at most that. No strength the day before any hard run, nor on race day or the two days before it.
- Rule 8: the share applies to full weeks, not the race week, holding no unavailable date. Without a profile
  override, the share may not exceed profile-format's default "by run days a week": the days ``schedule.run_days``
  offers (by default all but the rest days), or the most runs the plan puts in any week when that is more (a plan
  running on other days breaks rule 10 as well). A run's
  duration is the larger of ``run.minutes`` and the sum of its blocks; the 180-minute cap needs a goal race of at
  least 42.195 km (26.2 mi is 42.16 km, so it gets 150).
- Rule 9: every week but the race week, partial weeks too. Conservative mode (profile-format: pain of severity 4+,
  or pain older than 14 days at the plan's start) forbids intervals; that is checked here as well.
- Rule 10: the race is a run like any other: on a run day, within the day's ``max_minutes``. The rule names the
  run's minutes; profile-format calls ``max_minutes`` the day's time budget, so the run and a strength session
  the same day must fit it together (the stricter reading), and a strength session alone too.
- Rule 11: peak week = the longest week but the race week. Taper weeks required: none up to 10 km, one for longer
  races below the marathon, two for the marathon and longer (tolerance 0.05 km, so 26.2 mi is a marathon); they
  must be exactly the weeks right before the race week (a plan too short for them fails).
  The first week's "week before" is ``baseline_weekly_km``. Without a race goal no week may be taper or race, no
  run may be a race and ``plan.race`` must be null. ``plan.race`` must agree with the goal.
- Rule 12: a replacement is named ``"<name> (new pair)"``, then ``"<name> (new pair 2)"``... and starts at 0 km;
  its limit is the original's. A reminder is needed before (0-21 days, same day allowed) every run that takes a
  pair past its limit *and* every first run of a replacement pair; it must name the pair being replaced. The race
  shoe needs 30 km before race day. Surface: a trail profile runs in trail shoes if the runner has any, a road
  profile in road shoes if the runner has any (then track shoes do not match); the race included; "mixed" has no
  requirement.
- Rule 0 also holds the ``rules`` block to the profile: every key present and numeric, none looser than the
  profile's value (progression cap, cutback ratio and interval, long-run share and baselines no higher; rest days,
  warm-up, cool-down, easy share and strength sessions no lower), progression cap <= 0.05 in conservative mode.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from .errors import PlanFileError, PlanRuleViolation
from .plan import EASY_TYPES, HARD_TYPES, PHASES, PLAN_FORMAT, RUN_TYPES, Day, Plan, Run, Week
from .profile import KM_PER_MILE, WEEKDAYS, Profile, Shoe

TOL = 0.05  # km, on every distance comparison
ONE_DAY = dt.timedelta(days=1)
WORKLOAD_RATIO_MAX = 1.3
TAPER_WEEK_MAX_SHARE = 0.85
RACE_WEEK_MAX_SHARE = 0.50
RACE_SHOE_MIN_KM = 30.0
REMINDER_MAX_DAYS = 21
MARATHON_KM = 42.195
RUN_MINUTES_CAP = 150
MARATHON_RUN_MINUTES_CAP = 180
BLOCK_KINDS = ("warmup", "main", "cooldown")

STRUCTURE = "Plan structure"
RULES: dict[int, str] = {
    1: "Progression cap",
    2: "Workload ratio",
    3: "Single-run spike",
    4: "Rest",
    5: "Warm-up and cool-down",
    6: "Hard/easy",
    7: "Strength",
    8: "Long run share",
    9: "Intensity",
    10: "Availability",
    11: "Taper and race",
    12: "Shoes",
}
# The rules in plain words, for plan.html. Distances are placeholders filled in the runner's units (rule_texts).
_RULE_WORDS: dict[int, str] = {
    1: "Your weekly distance never grows by more than the progression cap (10% at most) over your last normal "
       "training week, and every few weeks a cutback week is clearly lighter so your body can absorb the work.",
    2: "No week is more than 1.3 times the average of the four weeks before it, so the load rises smoothly "
       "even after a holiday or an easy week.",
    3: "No single run is more than the progression cap longer than your longest run of the past 30 days: "
       "one sudden long run is a known injury risk.",
    4: "Every week has your full rest days (no running, no strength), and you never go seven days without one.",
    5: "Every run starts with a warm-up and ends with a cool-down of at least the minutes your plan sets.",
    6: "Hard sessions (long runs, tempo, intervals, hills, the race) are never on two days in a row.",
    7: "Strength sessions come the set number of times in each normal training week, never two days running, "
       "never the day before a hard run, and not in the last three days before your race.",
    8: "Your long run stays a limited share of the week's distance, and no run but the race lasts more than "
       "150 minutes (180 when you train for a marathon or longer).",
    9: "Most of each week's distance (80% by default) is easy running: easy, recovery and long runs.",
    10: "You only run on the days you said you can, nothing is planned on your rest days or unavailable dates, "
        "and no run is longer than the time you have that day.",
    11: "Before a race your training tapers: each taper week is at most 85% of your biggest week, the race week "
        "(not counting the race) at most half of it, and the race is on its date at its full distance.",
    12: "Every run has a pair of your shoes, worn-out pairs are replaced with a reminder up to three weeks ahead, "
        "trail runs go in trail shoes where you have them, and you never race in shoes with under {race_shoe_min} "
        "on them.",
}


def rule_texts(units: str = "km") -> dict[int, str]:
    """Each rule 1..12 in plain words, its distances in ``units`` ("km" or "mi"): a miles runner reads miles only."""
    value = RACE_SHOE_MIN_KM / KM_PER_MILE if units == "mi" else RACE_SHOE_MIN_KM
    value = math.ceil(value * 10 - 1e-9) / 10  # a minimum, so rounded up: 30 km is 18.64 mi, shown as 18.7 mi
    distance = f"{value:.1f}".removesuffix(".0") + f" {units}"
    return {number: text.format(race_shoe_min=distance) for number, text in _RULE_WORDS.items()}


RULE_TEXT: dict[int, str] = rule_texts("km")

RULE_KEYS = ("progression_cap", "min_rest_days", "cutback_every", "cutback_ratio", "strength_per_week",
             "warmup_minutes", "cooldown_minutes", "long_run_max_share", "easy_share_min",
             "baseline_weekly_km", "baseline_long_run_km")
INT_RULE_KEYS = frozenset({"min_rest_days", "cutback_every", "strength_per_week", "warmup_minutes",
                           "cooldown_minutes"})
# Which way is tighter for each key: -1 = a lower value is tighter, +1 = a higher one is.
_TIGHTER = {"progression_cap": -1, "min_rest_days": +1, "cutback_every": -1, "cutback_ratio": -1,
            "strength_per_week": +1, "warmup_minutes": +1, "cooldown_minutes": +1, "long_run_max_share": -1,
            "easy_share_min": +1, "baseline_weekly_km": -1, "baseline_long_run_km": -1}
CONSERVATIVE_PROGRESSION_CAP = 0.05


@dataclass(frozen=True)
class Violation:
    """One broken rule at one place in the plan."""

    rule: int      # 1..12 as numbered in plan-format.md, 0 for structural problems
    name: str      # the rule's short name, e.g. "Progression cap"
    where: str     # "2027-01-14", "week 5 (2027-01-04)" or "plan"
    message: str   # what is wrong, with the numbers

    def __str__(self) -> str:
        return f"rule {self.rule} ({self.name}), {self.where}: {self.message}"


def _v(rule: int, where: str, message: str) -> Violation:
    return Violation(rule=rule, name=RULES.get(rule, STRUCTURE), where=where, message=message)


def _km(x: float) -> str:
    return f"{x:.1f} km"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# --- facts shared by the checks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WeekFacts:
    """One entry of ``plan.weeks`` with what the rules need to know about it."""

    index: int                      # position in plan.weeks
    week: Week
    monday: dt.date
    dates: tuple[dt.date, ...]      # the week's dates inside the plan
    distance: float                 # sum of the runs on those dates
    full: bool                      # all 7 days inside the plan
    unavailable: bool               # holds an unavailable date inside the plan
    race_week: bool                 # holds the goal's race date

    @property
    def label(self) -> str:
        return f"week {self.week.number} ({self.monday.isoformat()})"


@dataclass(frozen=True)
class PlanFacts:
    """Facts computed once per plan and shared by every check."""

    start: dt.date
    end: dt.date
    days: dict[dt.date, Day]        # first Day object for each date inside the plan
    weeks: tuple[WeekFacts, ...]
    wanted: dict[str, float]        # rule values the profile asks for (profile_rule_values)
    params: dict[str, float]        # rule parameters as applied (tightened to the profile where it asks for more)
    unavailable: frozenset[dt.date]
    race_date: dt.date | None
    race_km: float | None
    conservative: str | None        # why the plan must be conservative (pain), or None

    def run(self, day: dt.date) -> Run | None:
        d = self.days.get(day)
        return d.run if d is not None else None

    def strength(self, day: dt.date) -> bool:
        d = self.days.get(day)
        return d is not None and d.strength is not None

    def rest(self, day: dt.date) -> bool:
        d = self.days.get(day)
        return d is None or (d.run is None and d.strength is None)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def runs(self) -> list[tuple[dt.date, Run]]:
        return [(d, self.days[d].run) for d in sorted(self.days) if self.days[d].run is not None]

    def race_week(self) -> WeekFacts | None:
        return next((w for w in self.weeks if w.race_week), None)


def default_long_run_share(runs_a_week: int) -> float:
    """profile-format's default long-run share for a runner who runs ``runs_a_week`` days a week."""
    return 0.50 if runs_a_week <= 3 else 0.40 if runs_a_week == 4 else 0.35


def profile_rule_values(profile: Profile, plan_runs_a_week: int = 0) -> dict[str, float]:
    """The rule values the profile asks for (its overrides or the defaults), in km where a distance.

    Args:
        profile: the runner profile.
        plan_runs_a_week: the most runs the plan puts in one week; with the days ``schedule.run_days`` offers
            (the larger counts) it sets the default long-run share.
    """
    r = profile.rules
    runs_a_week = max(plan_runs_a_week, len(profile.schedule.effective_run_days()))
    return {
        "progression_cap": r.progression_cap, "min_rest_days": r.min_rest_days, "cutback_every": r.cutback_every,
        "cutback_ratio": r.cutback_ratio, "strength_per_week": r.strength_per_week,
        "warmup_minutes": r.warmup_minutes, "cooldown_minutes": r.cooldown_minutes,
        "long_run_max_share": r.long_run_max_share if r.long_run_max_share is not None
        else default_long_run_share(runs_a_week),
        "easy_share_min": r.easy_share_min,
        "baseline_weekly_km": profile.weekly_km, "baseline_long_run_km": profile.long_run_km,
    }


def conservative_reason(profile: Profile, start: dt.date) -> str | None:
    """Why profile-format's conservative mode applies (pain of severity 4+ or older than 14 days), or None."""
    for pain in profile.health.pain:
        if pain.severity >= 4:
            return f"pain in {pain.area}, severity {pain.severity}"
        if pain.since is not None and (start - pain.since).days > 14:
            return f"pain in {pain.area} since {pain.since.isoformat()}"
    return None


def _applied_params(plan: Plan, wanted: dict[str, float], conservative: str | None) -> dict[str, float]:
    rules = plan.rules if isinstance(plan.rules, dict) else {}
    out: dict[str, float] = {}
    for key in RULE_KEYS:
        value = rules.get(key)
        if not _is_number(value):
            out[key] = float(wanted[key])
        elif key == "strength_per_week":
            out[key] = float(value)  # "exactly N": no direction is safer; rule 0 holds it to the profile
        else:
            pick = min if _TIGHTER[key] < 0 else max
            out[key] = float(pick(value, wanted[key]))
    if conservative:
        out["progression_cap"] = min(out["progression_cap"], CONSERVATIVE_PROGRESSION_CAP)
    return out


def build_facts(plan: Plan, profile: Profile) -> PlanFacts:
    """Compute the facts every check uses. Robust to a malformed plan (rule 0 reports what is wrong)."""
    start, end = plan.start_date, plan.end_date
    days: dict[dt.date, Day] = {}
    for day in plan.days:
        if start <= day.date <= end:
            days.setdefault(day.date, day)
    unavailable = frozenset(profile.schedule.unavailable_dates())
    race_date = profile.goal.race_date if profile.goal.race is not None else None
    weeks = []
    for i, week in enumerate(plan.weeks):
        monday = _monday(week.start)
        dates = tuple(d for d in (monday + dt.timedelta(days=k) for k in range(7)) if start <= d <= end)
        # a non-numeric distance counts as 0 here; rule 0 reports it and the rules that read it say so
        distance = sum(days[d].run.distance_km for d in dates
                       if d in days and days[d].run is not None and _is_number(days[d].run.distance_km))
        weeks.append(WeekFacts(
            index=i, week=week, monday=monday, dates=dates, distance=distance, full=len(dates) == 7,
            unavailable=any(d in unavailable for d in dates),
            race_week=race_date is not None and monday <= race_date <= monday + dt.timedelta(days=6)))
    conservative = conservative_reason(profile, start)
    runs_a_week = max((sum(1 for d in w.dates if d in days and days[d].run is not None) for w in weeks), default=0)
    wanted = profile_rule_values(profile, runs_a_week)
    return PlanFacts(start=start, end=end, days=days, weeks=tuple(weeks), wanted=wanted,
                     params=_applied_params(plan, wanted, conservative), unavailable=unavailable,
                     race_date=race_date, race_km=profile.race_km, conservative=conservative)


def _is_reference_week(w: WeekFacts) -> bool:
    return w.full and not w.week.recovery and w.week.phase not in ("taper", "race") and not w.unavailable


def _run_minutes(run: Run) -> int:
    """A run's duration: the larger of its stated minutes and the sum of its blocks."""
    return max(run.minutes, sum(b.minutes for b in run.blocks))


# --- rule 0 -----------------------------------------------------------------------------------------------

def _dates_list(dates: list[dt.date], limit: int = 10) -> str:
    shown = ", ".join(d.isoformat() for d in dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def check_structure(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 0: the plan is well formed and its rules block is what the profile allows."""
    out: list[Violation] = []
    if plan.format != PLAN_FORMAT:
        out.append(_v(0, "plan", f"format is {plan.format!r}, expected {PLAN_FORMAT!r}"))
    if plan.end_date < plan.start_date:
        out.append(_v(0, "plan", f"end_date {plan.end_date} is before start_date {plan.start_date}"))
        return out
    f = facts or build_facts(plan, profile)
    out += _check_days_cover(plan, f)
    for day in plan.days:
        out += _check_day_fields(day)
    out += _check_weeks(plan, f)
    out += _check_rules_block(plan, profile, f)
    return out


def _check_days_cover(plan: Plan, f: PlanFacts) -> list[Violation]:
    out = []
    expected = f.dates()
    actual = [d.date for d in plan.days]
    if actual == expected:
        return out
    seen = set(actual)
    missing = [d for d in expected if d not in seen]
    if missing:
        out.append(_v(0, "plan", f"days: {len(missing)} date(s) from start_date to end_date missing: "
                                 f"{_dates_list(missing)}"))
    outside = sorted({d for d in actual if not f.start <= d <= f.end})
    if outside:
        out.append(_v(0, "plan", f"days: {len(outside)} date(s) outside {f.start}..{f.end}: {_dates_list(outside)}"))
    twice = sorted({d for d in actual if actual.count(d) > 1})
    if twice:
        out.append(_v(0, "plan", f"days: date(s) listed more than once: {_dates_list(twice)}"))
    if not missing and not outside and not twice:
        out.append(_v(0, "plan", "days: not in date order"))
    return out


def _check_day_fields(day: Day) -> list[Violation]:
    where = day.date.isoformat()
    out = []
    run = day.run
    if run is not None:
        if run.type not in RUN_TYPES:
            out.append(_v(0, where, f"run.type {run.type!r} is not one of {', '.join(RUN_TYPES)}"))
        if not _is_number(run.distance_km) or run.distance_km <= 0:
            out.append(_v(0, where, f"run.distance_km {run.distance_km!r} is not a positive number"))
        numbers = {"minutes": run.minutes, "warmup_minutes": run.warmup_minutes,
                   "cooldown_minutes": run.cooldown_minutes}
        for key, value in numbers.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                out.append(_v(0, where, f"run.{key} {value!r} is not a whole number of minutes"))
        for block in run.blocks:
            if block.kind not in BLOCK_KINDS:
                out.append(_v(0, where, f"block kind {block.kind!r} is not one of {', '.join(BLOCK_KINDS)}"))
            if not isinstance(block.minutes, int) or isinstance(block.minutes, bool) or block.minutes < 0:
                out.append(_v(0, where, f"block minutes {block.minutes!r} is not a whole number"))
        if all(isinstance(b.minutes, int) for b in run.blocks) and isinstance(run.minutes, int):
            total = sum(b.minutes for b in run.blocks)
            if total != run.minutes:
                out.append(_v(0, where, f"run.minutes {run.minutes} is not the sum of its blocks ({total})"))
    if day.strength is not None and (not isinstance(day.strength.minutes, int) or day.strength.minutes <= 0):
        out.append(_v(0, where, f"strength.minutes {day.strength.minutes!r} is not a positive whole number"))
    return out


def _check_weeks(plan: Plan, f: PlanFacts) -> list[Violation]:
    out = []
    expected, monday = [], _monday(f.start)
    while monday <= f.end:
        expected.append(monday)
        monday += dt.timedelta(days=7)
    starts = [w.start for w in plan.weeks]
    if starts != expected:
        missing = [m for m in expected if m not in starts]
        extra = [s for s in starts if s not in expected]
        detail = []
        if missing:
            detail.append(f"no entry for the week(s) of {_dates_list(missing)}")
        if extra:
            detail.append(f"entries that are not Mondays of the plan's weeks: {_dates_list(extra)}")
        if not detail:
            detail.append("not one entry per week in date order")
        out.append(_v(0, "plan", "weeks: " + "; ".join(detail)))
    numbers = [w.number for w in plan.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(_v(0, "plan", f"weeks: numbers are {numbers[:8]}{'...' if len(numbers) > 8 else ''}, "
                                 f"expected 1..{len(numbers)} in order"))
    for w in f.weeks:
        if w.week.start.weekday() != 0:
            out.append(_v(0, w.label, f"start {w.week.start} is a {WEEKDAYS[w.week.start.weekday()]}, not a Monday"))
        if w.week.phase not in PHASES:
            out.append(_v(0, w.label, f"phase {w.week.phase!r} is not one of {', '.join(PHASES)}"))
        if not isinstance(w.week.recovery, bool):
            out.append(_v(0, w.label, f"recovery {w.week.recovery!r} is not true or false"))
        if not _is_number(w.week.distance_km):
            out.append(_v(0, w.label, f"distance_km {w.week.distance_km!r} is not a number"))
        elif abs(w.week.distance_km - w.distance) > TOL:
            out.append(_v(0, w.label, f"distance_km {w.week.distance_km:.1f} is not the sum of its runs "
                                      f"({_km(w.distance)})"))
    return out


def _check_rules_block(plan: Plan, profile: Profile, f: PlanFacts) -> list[Violation]:
    if not isinstance(plan.rules, dict):
        return [_v(0, "plan", "rules is not a mapping of rule values")]
    out = []
    wanted = f.wanted
    for key in RULE_KEYS:
        if key not in plan.rules:
            out.append(_v(0, "plan", f"rules: {key} is missing"))
            continue
        value = plan.rules[key]
        if not _is_number(value) or (key in INT_RULE_KEYS and not float(value).is_integer()):
            kind = "a whole number" if key in INT_RULE_KEYS else "a number"
            out.append(_v(0, "plan", f"rules: {key} {value!r} is not {kind}"))
            continue
        margin = TOL if key.endswith("_km") else 1e-9
        if _TIGHTER[key] < 0 and value > wanted[key] + margin:
            out.append(_v(0, "plan", f"rules: {key} {value:g} is looser than the profile's {wanted[key]:g}"))
        elif _TIGHTER[key] > 0 and value < wanted[key] - margin:
            out.append(_v(0, "plan", f"rules: {key} {value:g} is looser than the profile's {wanted[key]:g}"))
    cap = plan.rules.get("progression_cap")
    if f.conservative and _is_number(cap) and cap > CONSERVATIVE_PROGRESSION_CAP + 1e-9:
        out.append(_v(0, "plan", f"rules: progression_cap {cap:g} > {CONSERVATIVE_PROGRESSION_CAP:g} "
                                 f"(conservative mode: {f.conservative})"))
    return out


# --- rules 1-4 ------------------------------------------------------------------------------------------------

def check_progression_cap(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 1: weekly distance within (1 + cap) x the reference week; recovery weeks real; cutbacks regular."""
    f = facts or build_facts(plan, profile)
    cap, ratio = f.params["progression_cap"], f.params["cutback_ratio"]
    every = max(1, int(f.params["cutback_every"]))
    reference, ref_name = f.params["baseline_weekly_km"], "baseline_weekly_km"
    out, streak = [], []
    for w in f.weeks:
        if w.distance > (1 + cap) * reference + TOL:
            out.append(_v(1, w.label, f"{_km(w.distance)} > {1 + cap:.2f} x {_km(reference)} ({ref_name})"))
        if w.week.recovery and w.distance > ratio * reference + TOL:
            out.append(_v(1, w.label, f"recovery week of {_km(w.distance)} > cutback_ratio {ratio:.2f} x "
                                      f"{_km(reference)} ({ref_name})"))
        cutback = w.week.recovery or w.week.phase in ("taper", "race") or w.distance <= ratio * reference + TOL
        streak = [] if cutback else streak + [w]
        if len(streak) >= every:
            out.append(_v(1, w.label, f"{every} weeks in a row (weeks {streak[0].week.number}-{w.week.number}) "
                                      f"without a recovery week; cutback_every is {every}"))
            streak = []
        if _is_reference_week(w):
            reference, ref_name = w.distance, f"reference week {w.week.number}"
    return out


def check_workload_ratio(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 2: each week, the race week included, <= 1.3 x the mean of the four weeks before it."""
    f = facts or build_facts(plan, profile)
    baseline = f.params["baseline_weekly_km"]
    out = []
    for i, w in enumerate(f.weeks):
        before = [f.weeks[j].distance if j >= 0 else baseline for j in range(i - 4, i)]
        mean = sum(before) / 4
        if w.distance > WORKLOAD_RATIO_MAX * mean + TOL:
            ratio = f"{w.distance / mean:.2f}" if mean > 0 else "unbounded"
            out.append(_v(2, w.label, f"{_km(w.distance)} > {WORKLOAD_RATIO_MAX} x {_km(mean)} (mean of the 4 weeks "
                                      f"before; ratio {ratio})"))
    return out


def check_single_run_spike(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 3: no run but the race longer than (1 + cap) x the longest run of the 30 days before it."""
    f = facts or build_facts(plan, profile)
    cap, baseline = f.params["progression_cap"], f.params["baseline_long_run_km"]
    runs = f.runs()  # by date, one a day
    out = []
    # The runs of the 30 days before ``day``, a sliding window kept longest first (of equal ones the earliest first,
    # the run a report names): a run is dropped once a longer one follows it, as it can never be the longest again.
    window: deque[tuple[dt.date, float]] = deque()
    entered = 0
    for day, run in runs:
        window_start = day - dt.timedelta(days=30)
        while entered < len(runs) and runs[entered][0] < day:
            earlier_day, earlier = runs[entered]
            while window and window[-1][1] < earlier.distance_km:
                window.pop()
            window.append((earlier_day, earlier.distance_km))
            entered += 1
        while window and window[0][0] < window_start:
            window.popleft()
        if run.type == "race":
            continue
        longest, source = 0.0, "no run in the 30 days before"
        if window_start < f.start:
            longest, source = baseline, "baseline_long_run_km"
        if window and window[0][1] > longest:
            longest, source = window[0][1], f"run on {window[0][0]}"
        if run.distance_km > (1 + cap) * longest + TOL:
            out.append(_v(3, day.isoformat(), f"{run.type} run of {_km(run.distance_km)} > {1 + cap:.2f} x "
                                              f"{_km(longest)} (longest of the 30 days before: {source})"))
    return out


def check_rest(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 4: min_rest_days rest days each week, and no 7 days in a row without one."""
    f = facts or build_facts(plan, profile)
    min_rest = int(f.params["min_rest_days"])
    out = []
    for w in f.weeks:
        rest = sum(1 for d in w.dates if f.rest(d))
        # A week only partly in the plan needs as many as its days can hold; the race day cannot be a rest day,
        # so a race on a Monday (Boston) makes a race week of one day that needs none. The 7-day rule still holds.
        need = min(min_rest, len(w.dates) - (1 if w.race_week else 0))
        if rest < need:
            out.append(_v(4, w.label, f"{rest} rest day(s) < {need} (min_rest_days {min_rest}, "
                                      f"{len(w.dates)} day(s) of the week in the plan)"))
    stretch: list[dt.date] = []
    for day in f.dates() + [None]:
        if day is not None and not f.rest(day):
            stretch.append(day)
            continue
        if len(stretch) >= 7:
            out.append(_v(4, stretch[0].isoformat(), f"{len(stretch)} days in a row without a rest day "
                                                     f"({stretch[0]} to {stretch[-1]})"))
        stretch = []
    return out


# --- rules 5-8 --------------------------------------------------------------------------------------------

def check_warmup_cooldown(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 5: every run has its warm-up and cool-down, as fields and as first and last blocks."""
    f = facts or build_facts(plan, profile)
    warm, cool = int(f.params["warmup_minutes"]), int(f.params["cooldown_minutes"])
    out = []
    for day, run in f.runs():
        where = day.isoformat()
        if run.warmup_minutes < warm:
            out.append(_v(5, where, f"warmup_minutes {run.warmup_minutes} < {warm}"))
        if run.cooldown_minutes < cool:
            out.append(_v(5, where, f"cooldown_minutes {run.cooldown_minutes} < {cool}"))
        blocks = run.blocks
        if not blocks or blocks[0].kind != "warmup":
            out.append(_v(5, where, f"blocks begin with {blocks[0].kind if blocks else 'nothing'!r}, not 'warmup'"))
        elif blocks[0].minutes < warm:
            out.append(_v(5, where, f"warm-up block of {blocks[0].minutes} min < {warm}"))
        if len(blocks) < 2 or blocks[-1].kind != "cooldown":
            last = blocks[-1].kind if len(blocks) >= 2 else "no separate block"
            out.append(_v(5, where, f"blocks end with {last!r}, not 'cooldown'"))
        elif blocks[-1].minutes < cool:
            out.append(_v(5, where, f"cool-down block of {blocks[-1].minutes} min < {cool}"))
    return out


def check_hard_easy(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 6: no two hard runs on consecutive days."""
    f = facts or build_facts(plan, profile)
    out = []
    for day, run in f.runs():
        before = f.run(day - ONE_DAY)
        if run.type in HARD_TYPES and before is not None and before.type in HARD_TYPES:
            out.append(_v(6, day.isoformat(), f"hard {run.type} run the day after a hard {before.type} run"))
    return out


def check_strength(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 7: strength_per_week sessions in each qualifying week, well placed."""
    f = facts or build_facts(plan, profile)
    per_week = int(f.params["strength_per_week"])
    out = []
    for w in f.weeks:
        count = sum(1 for d in w.dates if f.strength(d))
        qualifying = w.full and w.week.phase not in ("taper", "race") and not w.unavailable
        if qualifying and count != per_week:
            out.append(_v(7, w.label, f"{count} strength session(s), expected exactly {per_week}"))
        elif count > per_week:
            out.append(_v(7, w.label, f"{count} strength session(s) > {per_week}"))
    race_days = set()
    if f.race_date is not None:
        race_days = {f.race_date - dt.timedelta(days=k) for k in range(3)}
    for day in f.dates():
        if not f.strength(day):
            continue
        where = day.isoformat()
        if f.strength(day - ONE_DAY):
            out.append(_v(7, where, "strength on two consecutive days"))
        after = f.run(day + ONE_DAY)
        if after is not None and after.type in HARD_TYPES:
            out.append(_v(7, where, f"strength the day before a hard {after.type} run"))
        if day in race_days:
            when = "on race day" if day == f.race_date else f"{(f.race_date - day).days} day(s) before the race"
            out.append(_v(7, where, f"strength {when} ({f.race_date})"))
    return out


def check_long_run_share(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 8: longest run <= long_run_max_share x week distance; no run but the race past 150 (180) minutes."""
    f = facts or build_facts(plan, profile)
    share = f.params["long_run_max_share"]
    out = []
    for w in f.weeks:
        if not w.full or w.race_week or w.unavailable:
            continue
        runs = [f.run(d) for d in w.dates if f.run(d) is not None and f.run(d).type != "race"]
        longest = max((r.distance_km for r in runs), default=0.0)
        if longest > share * w.distance + TOL:
            out.append(_v(8, w.label, f"longest run {_km(longest)} > {share:.2f} x {_km(w.distance)} "
                                      f"(long_run_max_share)"))
    marathon = f.race_km is not None and f.race_km >= MARATHON_KM - 1e-9
    cap = MARATHON_RUN_MINUTES_CAP if marathon else RUN_MINUTES_CAP
    for day, run in f.runs():
        if run.type != "race" and _run_minutes(run) > cap:
            reason = "marathon or longer goal" if marathon else "goal shorter than a marathon"
            out.append(_v(8, day.isoformat(), f"{run.type} run of {_run_minutes(run)} min > {cap} min ({reason})"))
    return out


# --- rules 9-12 -------------------------------------------------------------------------------------------

def check_intensity(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 9: easy km >= easy_share_min x week distance (but the race week); no intervals in conservative mode."""
    f = facts or build_facts(plan, profile)
    share = f.params["easy_share_min"]
    out = []
    for w in f.weeks:
        if w.race_week:
            continue
        easy = sum(f.run(d).distance_km for d in w.dates if f.run(d) is not None and f.run(d).type in EASY_TYPES)
        if easy < share * w.distance - TOL:
            out.append(_v(9, w.label, f"easy {_km(easy)} < {share:.2f} x {_km(w.distance)} (easy_share_min)"))
    if f.conservative:
        for day, run in f.runs():
            if run.type == "intervals":
                out.append(_v(9, day.isoformat(), f"intervals in conservative mode ({f.conservative})"))
    return out


def check_availability(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 10: runs on run days only, nothing on rest days or unavailable dates, runs within max_minutes."""
    f = facts or build_facts(plan, profile)
    schedule = profile.schedule
    run_days = set(schedule.effective_run_days())
    out = []
    for day in f.dates():
        d = f.days.get(day)
        if d is None or (d.run is None and d.strength is None):
            continue
        where, weekday = day.isoformat(), WEEKDAYS[day.weekday()]
        what = " and ".join(x for x, present in (("run", d.run), ("strength", d.strength)) if present)
        if day in f.unavailable:
            out.append(_v(10, where, f"{what} on an unavailable date"))
        if weekday in schedule.rest_days:
            out.append(_v(10, where, f"{what} on a rest day ({weekday} is in schedule.rest_days)"))
        if d.run is not None and weekday not in run_days and weekday not in schedule.rest_days:
            out.append(_v(10, where, f"{d.run.type} run on {weekday}, not one of the run days "
                                     f"({', '.join(sorted(run_days, key=WEEKDAYS.index))})"))
        limit = schedule.minutes_on(weekday)
        if limit is None:
            continue
        run_minutes = _run_minutes(d.run) if d.run is not None else 0
        strength_minutes = d.strength.minutes if d.strength is not None else 0
        if d.run is not None and run_minutes > limit:
            out.append(_v(10, where, f"{d.run.type} run of {run_minutes} min > max_minutes {limit} for {weekday}"))
        elif run_minutes + strength_minutes > limit:
            # max_minutes is the day's time budget (profile-format), so a strength session counts against it too
            what = f"{d.run.type} run of {run_minutes} min and " if d.run is not None else ""
            out.append(_v(10, where, f"{what}strength of {strength_minutes} min = {run_minutes + strength_minutes} "
                                     f"min > max_minutes {limit} for {weekday} (the day's time budget)"))
    return out


def taper_weeks_needed(race_km: float) -> int:
    """Taper weeks before the race week: none for 5k/10k, one for the half (and races between it and the marathon),
    two for the marathon and longer."""
    return 0 if race_km <= 10.0 + TOL else 1 if race_km < MARATHON_KM - TOL else 2


def check_taper_and_race(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 11: the plan ends with the race on race day, after the right taper."""
    f = facts or build_facts(plan, profile)
    out = []
    if f.race_date is None:
        for day, run in f.runs():
            if run.type == "race":
                out.append(_v(11, day.isoformat(), "a race run, but the profile's goal has no race"))
        for w in f.weeks:
            if w.week.phase in ("taper", "race"):
                out.append(_v(11, w.label, f"phase {w.week.phase}, but the profile's goal has no race"))
        if plan.race is not None:
            out.append(_v(11, "plan", "race is set, but the profile's goal has no race"))
        return out

    race_date, race_km = f.race_date, round(f.race_km, 1)
    if f.end != race_date:
        out.append(_v(11, "plan", f"end_date {f.end} is not the race date {race_date}"))
    if plan.race is None:
        out.append(_v(11, "plan", "race is null, but the goal is a race"))
    else:
        if plan.race.date != race_date:
            out.append(_v(11, "plan", f"race.date {plan.race.date} is not the goal's race date {race_date}"))
        if abs(plan.race.distance_km - race_km) > TOL:
            out.append(_v(11, "plan", f"race.distance_km {plan.race.distance_km:.1f} is not the race distance "
                                      f"{race_km:.1f}"))
    race_run = f.run(race_date)
    if race_run is None or race_run.type != "race":
        out.append(_v(11, race_date.isoformat(), "no race run on the race date" if race_run is None
                      else f"the run on the race date is {race_run.type!r}, not 'race'"))
        race_run = None
    elif abs(race_run.distance_km - race_km) > TOL:
        out.append(_v(11, race_date.isoformat(), f"race run of {_km(race_run.distance_km)} is not the race "
                                                 f"distance {_km(race_km)}"))
    for day, run in f.runs():
        if run.type == "race" and day != race_date:
            out.append(_v(11, day.isoformat(), f"a race run on {day}, not the race date {race_date}"))

    race_week = f.race_week()
    if race_week is None:
        out.append(_v(11, "plan", f"no week holds the race date {race_date}"))
        return out
    if race_week.week.phase != "race":
        out.append(_v(11, race_week.label, f"the race week has phase {race_week.week.phase!r}, not 'race'"))
    for w in f.weeks:
        if w.week.phase == "race" and not w.race_week:
            out.append(_v(11, w.label, "phase race, but the race is not in this week"))

    needed = taper_weeks_needed(f.race_km)
    expected = [w for w in f.weeks if 0 < (race_week.monday - w.monday).days <= 7 * needed]
    expected_index = {w.index for w in expected}
    if len(expected) < needed:
        out.append(_v(11, race_week.label, f"needs {needed} taper week(s) before the race week, the plan has "
                                           f"{len(expected)} week(s) before it"))
    for w in expected:
        if w.week.phase != "taper":
            out.append(_v(11, w.label, f"phase {w.week.phase!r}, expected 'taper' ({needed} taper week(s) "
                                       f"before a {race_km:.1f} km race)"))
    peak = max((w.distance for w in f.weeks if not w.race_week), default=0.0)
    for w in f.weeks:
        if w.week.phase != "taper":
            continue
        if w.index not in expected_index:
            out.append(_v(11, w.label, f"phase taper, but only the {needed} week(s) right before the race week "
                                       f"taper"))
        if w.distance > TAPER_WEEK_MAX_SHARE * peak + TOL:
            out.append(_v(11, w.label, f"taper week of {_km(w.distance)} > {TAPER_WEEK_MAX_SHARE} x peak week "
                                       f"{_km(peak)}"))
        before = f.weeks[w.index - 1].distance if w.index > 0 else f.params["baseline_weekly_km"]
        if w.distance > before + TOL:
            out.append(_v(11, w.label, f"taper week of {_km(w.distance)} > the week before it ({_km(before)})"))
    rest_of_week = race_week.distance - (race_run.distance_km if race_run is not None else 0.0)
    if rest_of_week > RACE_WEEK_MAX_SHARE * peak + TOL:
        out.append(_v(11, race_week.label, f"race week without the race {_km(rest_of_week)} > "
                                           f"{RACE_WEEK_MAX_SHARE} x peak week {_km(peak)}"))
    return out


_REPLACEMENT = re.compile(r"^(?P<base>.+) \(new pair(?: (?P<n>[2-9]|[1-9]\d+))?\)$")


def replacement_name(base: str, n: int) -> str:
    """The name of the n-th pair of a shoe: 0 the original, 1 ``"<base> (new pair)"``, 2 ``"(new pair 2)"``..."""
    return base if n == 0 else f"{base} (new pair)" if n == 1 else f"{base} (new pair {n})"


def _parse_shoe(name: Any, shoes: dict[str, Shoe]) -> tuple[Shoe, int] | None:
    if not isinstance(name, str):
        return None
    if name in shoes:
        return shoes[name], 0
    m = _REPLACEMENT.match(name)
    if m and m.group("base") in shoes:
        return shoes[m.group("base")], int(m.group("n") or 1)
    return None


def check_shoes(plan: Plan, profile: Profile, facts: PlanFacts | None = None) -> list[Violation]:
    """Rule 12: listed shoes (or replacements), surfaces, wear limits with timely reminders, worn-in race shoes."""
    if not profile.shoes:
        return []
    f = facts or build_facts(plan, profile)
    shoes: dict[str, Shoe] = {}
    for shoe in profile.shoes:
        shoes.setdefault(shoe.name, shoe)
    want = {"trail": ("trail",), "road": ("road",)}.get(profile.surface)
    if want and not any(s.surface in want for s in profile.shoes):
        want = None  # the runner has no shoe for the surface: no requirement
    out = []
    odometer: dict[str, float] = {}
    triggers: list[tuple[dt.date, str, str]] = []  # (run date, pair to replace, why)
    for day, run in f.runs():
        where = day.isoformat()
        parsed = _parse_shoe(run.shoe, shoes)
        if parsed is None:
            listed = ", ".join(sorted(shoes))
            out.append(_v(12, where, f"shoe {run.shoe!r} is none of the profile's shoes ({listed}) nor a "
                                     f"replacement named '<shoe> (new pair)'"))
            continue
        shoe, n = parsed
        limit = profile.shoe_limit_km(shoe)
        before = odometer.get(run.shoe, profile.km(shoe.distance) if n == 0 else 0.0)
        after = before + run.distance_km
        if before > limit + TOL:
            out.append(_v(12, where, f"run in {run.shoe!r} with {_km(before)} on them, past replace_at "
                                     f"{_km(limit)}"))
        elif after > limit + TOL:
            triggers.append((day, run.shoe, f"this run takes {run.shoe!r} to {_km(after)}, past {_km(limit)}"))
        if n > 0 and run.shoe not in odometer:
            old = replacement_name(shoe.name, n - 1)
            triggers.append((day, old, f"first run in {run.shoe!r}"))
        odometer[run.shoe] = after
        if want and shoe.surface not in want:
            out.append(_v(12, where, f"{run.type} run in {shoe.surface} shoes {run.shoe!r} on a "
                                     f"{profile.surface} profile that has {' or '.join(want)} shoes"))
        if run.type == "race" and before < RACE_SHOE_MIN_KM - TOL:
            out.append(_v(12, where, f"race in {run.shoe!r} with only {_km(before)} on them "
                                     f"(< {RACE_SHOE_MIN_KM:.0f} km)"))
    reminders = [r for r in plan.reminders if r.kind == "shoe_replacement"]
    for day, worn, why in triggers:
        earliest = day - dt.timedelta(days=REMINDER_MAX_DAYS)
        if not any(r.shoe == worn and earliest <= r.date <= day for r in reminders):
            out.append(_v(12, day.isoformat(), f"no shoe_replacement reminder for {worn!r} dated {earliest} to "
                                               f"{day} ({why})"))
    return out


# --- all rules ----------------------------------------------------------------------------------------------

CHECKS: dict[int, Callable[..., list[Violation]]] = {
    0: check_structure,
    1: check_progression_cap,
    2: check_workload_ratio,
    3: check_single_run_spike,
    4: check_rest,
    5: check_warmup_cooldown,
    6: check_hard_easy,
    7: check_strength,
    8: check_long_run_share,
    9: check_intensity,
    10: check_availability,
    11: check_taper_and_race,
    12: check_shoes,
}


def as_written(plan: Plan) -> Plan:
    """The plan as plan.json holds it (distances rounded to 0.1 km); the plan itself if it cannot be written."""
    try:
        return Plan.from_dict(plan.to_dict())
    except (PlanFileError, TypeError, ValueError, AttributeError, KeyError):
        return plan  # malformed values: check what we were given, rule 0 says what is wrong


def verdicts(plan: Plan, profile: Profile) -> dict[int, list[Violation]]:
    """Check every rule on the plan as written.

    Args:
        plan: the plan to certify.
        profile: the runner profile it was made from (schedule, shoes, surface, goal).

    Returns:
        For each rule 0..12 (0 = structure), its violations; an empty list means the rule holds.
        A rule that cannot be evaluated on a malformed plan gets a violation saying so, never a silent pass.
    """
    global _last
    if _last is not None and _last[0] is plan and _last[1] is profile:
        return {number: list(found) for number, found in _last[2].items()}
    out = _verdicts(plan, profile)
    _last = (plan, profile, out)
    return {number: list(found) for number, found in out.items()}


# The last verdicts given, by identity of the (frozen) plan and its profile: the engine certifies a plan and the page
# then shows the same verdicts; checking it twice cost a plan 4 ms.
_last: tuple[Plan, Profile, dict[int, list[Violation]]] | None = None


def _verdicts(plan: Plan, profile: Profile) -> dict[int, list[Violation]]:
    written = as_written(plan)
    try:
        facts = build_facts(written, profile)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        problem = [_v(0, "plan", f"the plan cannot be read for checking: {exc}")]
        return {0: problem, **{n: [_v(n, "plan", "not checked: the plan is malformed")] for n in RULES}}
    out: dict[int, list[Violation]] = {}
    for number, check in CHECKS.items():
        try:
            found = check(written, profile, facts)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError) as exc:
            found = [_v(number, "plan", f"could not be checked on this malformed plan ({type(exc).__name__}: "
                                        f"{exc})")]
        out[number] = sorted(found, key=_sort_key)
    return out


_WEEK_WHERE = re.compile(r"^week \d+ \((\d{4}-\d{2}-\d{2})\)$")


def _sort_key(v: Violation) -> tuple:
    if v.where == "plan":
        when = dt.date.min
    else:
        m = _WEEK_WHERE.match(v.where)
        try:
            when = dt.date.fromisoformat(m.group(1) if m else v.where)
        except ValueError:
            when = dt.date.max
    return when, v.rule, v.where, v.message


def check_plan(plan: Plan, profile: Profile) -> list[Violation]:
    """Every violation of the plan as written, sorted by date (week Monday) and rule. Empty = certified."""
    return sorted((v for found in verdicts(plan, profile).values() for v in found), key=_sort_key)


def assert_plan_ok(plan: Plan, profile: Profile) -> None:
    """Raise :class:`~planner.errors.PlanRuleViolation` listing every violation, if there is any."""
    violations = check_plan(plan, profile)
    if violations:
        rules = sorted({v.rule for v in violations})
        raise PlanRuleViolation(
            f"the plan for {plan.athlete.name} ({plan.start_date} to {plan.end_date}) fails the safety check: "
            f"{len(violations)} violation(s) of rule(s) {', '.join(map(str, rules))}. This is a bug in planner; "
            f"please report it with the profile.", violations=violations)
