"""Re-planning from what was actually run (`planner replan`).

The days before ``today`` are kept exactly as they were planned (so their calendar events never change), the
activity log says what was really run on them, and the plan is solved again from ``today`` with the days lived
pinned. On top of the 12 rules, which the whole plan still keeps as written, rules 1, 2 and 3 are applied once
more to the volumes actually run (solver/rules.py ``follow_actual_volumes``): a missed week lowers what comes next,
an over-run week licenses no bigger jump. When the goal is no longer reachable safely, the nearest safe
alternative is planned instead and the plan says so; only when nothing safe remains is the goal refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import replace

from . import checks
from .engine import (STANDARD_RACES, _bent_warnings, _check_race_day_budget, _goal_text, compose_plan,
                     format_stamp, parse_generated_at)
from .errors import InfeasibleGoal, PlanFileError, ProfileError
from .history import ActivityLog
from .plan import Actual, ActualDay, ActualWeek, Day, Plan, Warning
from .profile import Profile
from .sessions import is_conservative
from .solver.frame import ActualHistory, Frame, Pin, build_frame
from .solver.rules import lived_sessions_need, lived_weeks
from .solver.model import Solution, blocking_rules, is_feasible, solve

KM_PER_MI = 1.609344
QUALITY_TYPES = ("tempo", "intervals", "hills")
ALTERNATIVE_WEEKS = 26  # how much later a race may move when the same race is no longer safe by its date


def replan_plan(profile: Profile, previous: Plan, log: ActivityLog, *, today: dt.date,
                generated_at: str | None = None, source: str = "profile", log_name: str = "") -> Plan:
    """Re-plan ``previous`` from ``today`` after what ``log`` says was run. See the module docstring.

    Raises ProfileError / PlanFileError (bad input: another runner's plan, ``today`` outside the plan, a profile
    changed in a way the days lived contradict) or InfeasibleGoal (nothing safe remains).
    """
    _check_same_runner(profile, previous, source)
    if today < previous.start_date:
        raise ProfileError(f"--today: {today} is before the plan starts ({previous.start_date}); nothing to re-plan "
                           f"yet. Run `planner generate` to plan again from scratch.", source=source)
    if today > previous.end_date:
        raise ProfileError(f"--today: {today} is after the plan's last day ({previous.end_date}); the plan is over. "
                           f"Make a new plan with `planner generate`.", source=source)
    stamp = parse_generated_at(generated_at)
    base = planned_profile(profile, previous)
    _check_lived_days(base, previous, today, source)
    conservative = is_conservative(base, previous.start_date)
    note = _log_note(previous, log, today)
    layout = [(w.phase, w.recovery) for w in previous.weeks if w.start <= today]
    state: dict = {}

    def live_until(first: dt.date, lenient: bool = False) -> None:
        """Pin the days before ``first`` and read what was run before ``today``; the weeks lived, as run (what the
        weeks ahead can grow from), depend on nothing else, so they are worked out once here."""
        pins = pins_from(previous, first)
        history = replace(actual_history(previous, log, today, first), lenient_first_week=lenient)
        lived = pin_frame(build_frame(base, today=previous.start_date, conservative=conservative,
                                      lived_layout=layout), pins, history)
        known, missed = lived_weeks(lived)
        state.update(pins=pins, history=history, known=known, missed=frozenset(missed))

    def frame_for(race_date: dt.date | None = None, race_km: float | None = None, shrink: float = 1.0) -> Frame:
        return pin_frame(build_frame(base, today=previous.start_date, conservative=conservative, race_date=race_date,
                                     race_km=race_km, shrink=shrink, known_weeks=state["known"],
                                     missed_weeks=state["missed"], lived_layout=layout),
                         state["pins"], state["history"])

    live_until(today)

    frame = frame_for()
    _check_race_day_budget(frame)
    actual = compare(previous, log, today, log_name or log.source)
    everything = pins_from(previous, previous.end_date + dt.timedelta(days=1))
    if is_feasible(pin_frame(frame, everything, state["history"])):
        # What was run leaves the rest of the plan safe as it stands: keep it, so no calendar event changes.
        if previous.actual is not None and previous.actual.replanned_on == today:
            warnings = list(previous.warnings)  # re-planned already today, from this log: say what was said then
        else:
            warnings = [w for w in previous.warnings if w.kind != "replan"]
            warnings += [_replan_warning(today, unchanged=True)] + ([Warning("replan", note)] if note else [])
        plan = replace(previous, generated_at=format_stamp(stamp), warnings=tuple(warnings), actual=actual)
        checks.assert_plan_ok(plan, base)
        return plan.with_extras(certified_profile=base)

    # The goal as it is; then, mid-week, two ways around the sessions lived earlier this week, which may need more
    # of the week than what was run allows (a planned tempo keeps rule 9's easy share only in a week big enough).
    monday = today - dt.timedelta(days=today.weekday())
    next_monday = monday + dt.timedelta(days=7)
    variants = [("as is", today, False)]
    if previous.start_date < today and today != monday and lived_sessions_need(frame) > 0:
        variants += [("lenient", today, True)]
        if next_monday <= previous.end_date:
            variants += [("week kept", next_monday, False)]
    target, notes, solution, kept_until = base, [], None, today
    for goal_kept in (True, False):  # the goal in any variant before an alternative goal (in the freest variant)
        for name, first, lenient in (variants if goal_kept else variants[-1:]):
            live_until(first, lenient)
            frame = frame_for()
            if goal_kept:
                solution = solve(frame, reframe=lambda shrink: frame_for(shrink=shrink))
            else:
                found = _nearest_alternative(base, frame, frame_for)
                if found is not None:
                    solution, target, alternative = found
                    notes.append(alternative)
            if solution is not None:
                kept_until = first
                notes += _variant_notes(name, monday, next_monday)
                break
        if solution is not None:
            break
    if solution is None:
        live_until(today)
        _refuse(base, frame_for())
    plan = compose_plan(solution, target, format_stamp(stamp))
    plan = splice(previous, plan, kept_until, solution)
    warnings = [w for w in plan.warnings if w.kind == "pain"] + notes
    warnings.append(_replan_warning(today, unchanged=False))
    warnings += ([Warning("replan", note)] if note else [])
    warnings += _future_bent(solution, target, today)
    # The advice stays as first planned: every calendar event quotes it, and events already lived never change.
    plan = replace(plan, warnings=tuple(warnings), actual=actual, advice=previous.advice)
    checks.assert_plan_ok(plan, target)
    return plan.with_extras(certified_profile=target)


# --- inputs ----------------------------------------------------------------------------------------------------

def _check_same_runner(profile: Profile, previous: Plan, source: str) -> None:
    if previous.athlete.id != profile.athlete_id:
        raise PlanFileError(f"{source}: this profile is {profile.athlete_id!r}, but the plan to re-plan belongs to "
                            f"{previous.athlete.id!r}; give the profile the plan was made from.")
    goal_race = previous.race is not None
    if goal_race != (profile.goal.race is not None):
        raise ProfileError(f"{source}: goal: the plan was made for "
                           f"{'a race' if goal_race else 'a fitness goal'} and the profile now has "
                           f"{'a fitness goal' if goal_race else 'a race'}; a re-plan keeps the goal. Make a new "
                           f"plan with `planner generate`.", source=source)
    if goal_race and profile.goal.race_date != previous.race.date:
        raise ProfileError(f"{source}: goal.race_date: the plan ends with the race on {previous.race.date}, the "
                           f"profile says {profile.goal.race_date}; a re-plan keeps the race date. Make a new plan "
                           f"with `planner generate` for a new date.", source=source)


def planned_profile(profile: Profile, previous: Plan) -> Profile:
    """The profile as the plan was made from it: its start date and the baseline its rules were measured from.

    ``planner import`` may have updated the profile's current block since; the plan's own rules keep the numbers
    its first weeks were built on, and what was run since comes from the log instead.
    """
    factor = KM_PER_MI if profile.units == "mi" else 1.0
    current = profile.current.model_copy(update={
        "weekly_distance": previous.rules["baseline_weekly_km"] / factor,
        "long_run": previous.rules["baseline_long_run_km"] / factor})
    update = {"start_date": previous.start_date, "current": current}
    if profile.goal.race is None:
        update["weeks"] = len(previous.weeks)
    return profile.model_copy(update=update)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_lived_days(profile: Profile, previous: Plan, today: dt.date, source: str) -> None:
    """The days lived cannot change; refuse a profile they no longer satisfy (a schedule or health change)."""
    lived = []
    for v in checks.check_plan(previous, profile):
        found = _DATE.search(v.where)
        if found is None:
            lived.append(v)
            continue
        when = dt.date.fromisoformat(found.group())
        last = when + dt.timedelta(days=6) if v.where.startswith("week") else when
        if last < today:
            lived.append(v)
    if lived:
        listed = "; ".join(f"rule {v.rule} ({v.name}) at {v.where}: {v.message}" for v in lived[:3])
        more = f" and {len(lived) - 3} more" if len(lived) > 3 else ""
        raise ProfileError(
            f"{source}: the profile has changed since the plan was made, and the days already lived no longer fit "
            f"it: {listed}{more}. A re-plan keeps past days as they were; make a new plan with `planner generate`.",
            source=source)


def pins_from(previous: Plan, today: dt.date) -> dict[int, Pin]:
    """Day index -> the day as planned, for every day before ``today``."""
    pins = {}
    for i, day in enumerate(previous.days):
        if day.date >= today:
            break
        run = day.run
        kind = None if run is None else ("quality" if run.type in QUALITY_TYPES else
                                         "easy" if run.type == "recovery" else run.type)
        pins[i] = Pin(kind=kind, distance_dk=int(round(run.distance_km * 10)) if run else 0,
                      strength=day.strength is not None)
    return pins


def actual_history(previous: Plan, log: ActivityLog, today: dt.date, first: dt.date) -> ActualHistory:
    """What was run before ``today``; ``first`` is the first re-planned day (``today``, or a later Monday when the
    rest of this week is kept as planned)."""
    total: dict[dt.date, float] = defaultdict(float)
    longest: dict[dt.date, float] = defaultdict(float)
    for activity in log.runs:
        if activity.date >= today:
            continue
        total[activity.date] += activity.distance_km
        longest[activity.date] = max(longest[activity.date], activity.distance_km)

    def dk(km: float) -> int:
        # rounded down: what was run is never credited with more than it was (rounding each day up by a few
        # tens of metres added up to a week's worth of 0.1 km, enough to let the next week past 1.1 x what was run)
        return int(math.floor(km * 10 + 1e-9))

    return ActualHistory(first_day=(first - previous.start_date).days,
                         day_total_dk={day: dk(km) for day, km in total.items()},
                         day_longest_dk={day: dk(km) for day, km in longest.items()})


def pin_frame(frame: Frame, pins: dict[int, Pin], history: ActualHistory) -> Frame:
    """``frame`` with the lived days pinned; the week caps of the pattern leave room for what was planned."""
    runs_cap, quality_cap = list(frame.runs_cap), list(frame.quality_cap)
    for w, week in enumerate(frame.weeks):
        held = [pins[d] for d in week.days if d in pins]
        runs_cap[w] = max(runs_cap[w], sum(1 for p in held if p.kind))
        quality_cap[w] = max(quality_cap[w], sum(1 for p in held if p.kind == "quality"))
    return replace(frame, pins=dict(pins), actual=history, runs_cap=runs_cap, quality_cap=quality_cap)


def _log_note(previous: Plan, log: ActivityLog, today: dt.date) -> str | None:
    lived = [a for a in log.runs if previous.start_date <= a.date < today]
    planned = sum(1 for d in previous.days if d.date < today and d.run is not None)
    if planned and not lived:
        return (f"The activity log ({log.source}) has no run between {previous.start_date} and {today}: planner "
                f"takes that as nothing run, and re-builds gently. If you did run, export a newer log.")
    return None


# --- when the goal is no longer safe ---------------------------------------------------------------------------

RACE_KEYS = {50.0: "50k", 42.195: "marathon", 21.0975: "half", 10.0: "10k", 5.0: "5k"}


def _nearest_alternative(profile: Profile, frame: Frame, frame_for) -> tuple[Solution, Profile, Warning] | None:
    """The goal is not reachable safely any more. The nearest safe alternative: the longest shorter race on the same
    day (the race the runner entered often has one), else the same distance at the earliest safe later date.
    Returns the solution, the profile it answers (its goal changed; the plan is certified against it) and the
    warning that says so; None when neither exists."""
    goal = _goal_text(profile)
    blocked = _blocked(frame)
    lead = f"After what you ran, the {goal} on {frame.end} is no longer reachable safely (blocked by: {'; '.join(blocked)})."
    if frame.race_km is not None:
        later = _earliest_later_date(frame, frame_for)
        when = (f" The same distance is safely reachable by {later}, the earliest such date." if later else "")
        for name, km in STANDARD_RACES:
            shorter = frame_for(race_km=km) if km < frame.race_km - 1e-6 else None
            if shorter is None or not is_feasible(shorter):
                continue
            solution = solve(shorter, reframe=lambda shrink, km=km: frame_for(race_km=km, shrink=shrink))
            if solution is not None:
                target = _with_goal(profile, race=RACE_KEYS[km], target_time=None)
                return solution, target, Warning("goal", (
                    f"{lead} This plan prepares you for a {name} on the same day instead; many events offer one.{when} "
                    f"Set goal.race to {RACE_KEYS[km]} in the profile (or goal.race_date to a later race) to re-plan "
                    f"from it."))
        if later is not None:
            solution = solve(frame_for(race_date=later), reframe=lambda shrink: frame_for(race_date=later, shrink=shrink))
            if solution is not None:
                return solution, _with_goal(profile, race_date=later), Warning("goal", (
                    f"{lead} No shorter race is safe that day either. This plan aims at the same distance on {later}, "
                    f"the earliest safe date: set goal.race_date to a race on or after it."))
    return None


def _blocked(frame: Frame) -> list[str]:
    """The rules that together leave no plan (CP-SAT's sufficient assumptions), by name."""
    return [name for name, _ in blocking_rules(frame)] or ["the schedule"]


def _refuse(profile: Profile, frame: Frame) -> None:
    goal = _goal_text(profile)
    blocked = _blocked(frame)
    first = frame.days[frame.actual.first_day].date
    raise InfeasibleGoal(
        f"Not reachable safely after what you ran: {goal}, re-planned from {first}. Blocked by: {'; '.join(blocked)}.",
        rule=blocked[0],
        suggestion="What would work: rest until you are well, then make a new plan from your current training with "
                   "`planner import` and `planner generate`.")


def _variant_notes(name: str, monday: dt.date, next_monday: dt.date) -> list[Warning]:
    if name == "lenient":
        return [Warning("replan", (
            f"The rest of the week of {monday} is planned around the sessions already planned earlier in it, which "
            f"need a week of a certain size; from {next_monday} on, what you ran sets the limits. If you are unwell "
            f"or sore, skip this week's remaining runs."))]
    if name == "week kept":
        return [Warning("replan", (
            f"The rest of the week of {monday} stays as it was planned: the sessions already planned earlier in it "
            f"need its other runs to keep the week's balance. From {next_monday} on, the plan follows what you "
            f"actually ran. If you are unwell or sore, skip this week's remaining runs."))]
    return []


def _earliest_later_date(frame: Frame, frame_for) -> dt.date | None:
    """The first race date, whole weeks later (up to ALTERNATIVE_WEEKS), at which the same race is safe: more
    weeks never make a race less reachable, so a galloping search then bisection finds it in a few probes."""
    def safe(weeks: int) -> bool:
        return is_feasible(frame_for(race_date=frame.end + dt.timedelta(weeks=weeks)))

    lo, hi = 0, 1
    while not safe(hi):
        lo, hi = hi, hi * 2
        if hi >= ALTERNATIVE_WEEKS:
            if not safe(ALTERNATIVE_WEEKS):
                return None
            hi = ALTERNATIVE_WEEKS
            break
    while hi - lo > 1:  # the first safe week count in (lo, hi]
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if safe(mid) else (mid, hi)
    return frame.end + dt.timedelta(weeks=hi)


def _with_goal(profile: Profile, **update) -> Profile:
    return profile.model_copy(update={"goal": profile.goal.model_copy(update=update)})


# --- the plan: lived days as planned, the rest re-planned --------------------------------------------------------

def splice(previous: Plan, plan: Plan, today: dt.date, solution: Solution) -> Plan:
    """The re-solved plan with every day before ``today`` (and every reminder dated before it) as previously planned.

    The solver held those days to their planned kind and distance; the copy also keeps their text, shoes and
    strength exercises byte for byte, so calendar events of the past never change.
    """
    lived = {d.date: d for d in previous.days if d.date < today}
    days: tuple[Day, ...] = tuple(lived.get(d.date, d) for d in plan.days)
    # A replacement the new plan brings forward may want its reminder on a day already lived: it comes today
    # instead (still on or before the run that needs the new pair, and no earlier than 21 days before it).
    ahead = [r if r.date >= today else replace(r, date=today) for r in plan.reminders]
    reminders = tuple(sorted(dict.fromkeys([r for r in previous.reminders if r.date < today] + ahead),
                             key=lambda r: (r.date, r.shoe or "", r.text)))
    return replace(plan, days=days, reminders=reminders)


def _replan_warning(today: dt.date, *, unchanged: bool) -> Warning:
    if unchanged:
        return Warning("replan", f"Checked on {today} against the runs logged before it: what you ran keeps the rest "
                                 f"of the plan safe (the 10% cap, the workload ratio and the 30-day longest run, "
                                 f"measured on what you actually ran), so it stays as it was.")
    return Warning("replan", f"Re-planned on {today} from the runs logged before it: the days before {today} are "
                             f"kept as they were planned; from {today} on, the volumes actually run set the limits "
                             f"(the 10% cap, the workload ratio and the 30-day longest run).")


def _future_bent(solution: Solution, profile: Profile, today: dt.date) -> list[Warning]:
    """The preferences the re-planned weeks had to bend (the weeks lived are what they were)."""
    first_week = solution.frame.days[solution.frame.actual.first_day].week + 1
    kept = [b for b in solution.bent if b.week is None or b.week >= first_week]
    return _bent_warnings(replace(solution, bent=kept), profile)


def compare(previous: Plan, log: ActivityLog, today: dt.date, log_name: str) -> Actual:
    """Planned against run, for every week with a day before ``today`` and every such day with either."""
    ran_total: dict[dt.date, float] = defaultdict(float)
    ran_count: dict[dt.date, int] = defaultdict(int)
    ran_longest: dict[dt.date, float] = defaultdict(float)
    for a in log.runs:
        if previous.start_date <= a.date < today:
            ran_total[a.date] += a.distance_km
            ran_count[a.date] += 1
            ran_longest[a.date] = max(ran_longest[a.date], a.distance_km)
    weeks, days = [], []
    for week in previous.weeks:
        dates = [d.date for d in previous.days_of(week) if d.date < today]
        if not dates:
            continue
        planned = [previous.day(x).run for x in dates]
        weeks.append(ActualWeek(
            number=week.number, start=week.start,
            planned_km=sum(r.distance_km for r in planned if r), actual_km=sum(ran_total[x] for x in dates),
            planned_runs=sum(1 for r in planned if r), actual_runs=sum(ran_count[x] for x in dates),
            longest_planned_km=max((r.distance_km for r in planned if r and r.type != "race"), default=0.0),
            longest_actual_km=max((ran_longest[x] for x in dates), default=0.0)))
        for x, run in zip(dates, planned):
            if run is not None or ran_total[x] > 0:
                days.append(ActualDay(date=x, planned_km=run.distance_km if run else 0.0, actual_km=ran_total[x]))
    return Actual(replanned_on=today, log=log_name, weeks=tuple(weeks), days=tuple(days))


def summary_lines(plan: Plan, units: str) -> list[str]:
    """Planned against run for the weeks lived, in the profile's units (for the CLI's report)."""
    if plan.actual is None:
        return []
    factor = KM_PER_MI if units == "mi" else 1.0
    return [f"week {w.number} ({w.start}): planned {w.planned_km / factor:.1f} {units} in {w.planned_runs} "
            f"run{'s' if w.planned_runs != 1 else ''}, ran {w.actual_km / factor:.1f} {units} in {w.actual_runs}"
            for w in plan.actual.weeks]


__all__ = ["replan_plan", "planned_profile", "pins_from", "actual_history", "pin_frame", "splice", "compare",
           "summary_lines"]
