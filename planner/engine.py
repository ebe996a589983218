"""The plan engine: profile in, certified plan out.

``build_plan`` lays out the frame (calendar, applied rules, targets), asks the CP-SAT model for the best plan that
keeps every rule, writes the sessions, assigns shoes, adds advice and warnings, and has the independent checker
certify the result. A goal the rules cannot reach raises :class:`InfeasibleGoal` naming the rules that block it and
what would work instead (found by solving, not guessed).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from . import checks
from .errors import InfeasibleGoal, ProfileError
from .paces import session_minutes
from .plan import Advice, Athlete, Day, Plan, Race, Run, StrengthSession, Warning, Week
from .profile import NAMED_RACES_KM, WEEKDAYS, Profile
from .sessions import is_conservative, make_run, make_strength, pain_warnings, plan_advice
from .shoes import PlannedRun, assign_shoes
from .solver.frame import Frame, build_frame, plan_dates
from .solver.model import Solution, blocking_rules, is_feasible, solve

STANDARD_RACES = [("50K", 50.0), ("marathon", 42.195), ("half marathon", 21.0975), ("10K", 10.0), ("5K", 5.0)]


def parse_generated_at(value: str | None) -> dt.datetime:
    """``--generated-at`` (ISO 8601, ``Z`` allowed) as an aware UTC datetime; now when None."""
    if value is None:
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ProfileError(f"--generated-at: {value!r} is not an ISO date-time such as 2026-11-25T10:00:00Z") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc).replace(microsecond=0)


def format_stamp(stamp: dt.datetime) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dist(profile: Profile, km: float) -> str:
    value = km / 1.609344 if profile.units == "mi" else km
    return f"{value:.1f} {profile.units}"


def _goal_text(profile: Profile, race_km: float | None = None) -> str:
    if profile.goal.race is None:
        return f"{_dist(profile, profile.goal_weekly_km)} a week"
    if race_km is not None and abs(race_km - (profile.race_km or 0)) > 1e-6:
        return next((n for n, k in STANDARD_RACES if abs(k - race_km) < 1e-6), _dist(profile, race_km))
    return profile.race_label() or "race"


def check_inputs(profile: Profile, start: dt.date, end: dt.date, source: str) -> None:
    """Input conflicts that are the profile's, not the rules': a race before the start, a race on a day off."""
    g = profile.goal
    if g.race_date is not None:
        if g.race_date <= start:
            raise ProfileError(
                f"{source}: goal.race_date: {g.race_date} is not after the plan's start {start}"
                + ("" if profile.start_date else " (the next Monday); set start_date or a later race"),
                source=source)
        wd = WEEKDAYS[g.race_date.weekday()]
        sched = profile.schedule
        if g.race_date in sched.unavailable_dates():
            raise ProfileError(f"{source}: schedule.unavailable: includes the race date {g.race_date}; remove it",
                               source=source)
        if wd not in sched.effective_run_days():
            raise ProfileError(
                f"{source}: schedule.run_days: the race is on a {wd}, which is not a run day; add {wd}"
                + (" and remove it from rest_days" if wd in sched.rest_days else ""), source=source)


def build_plan(profile: Profile, generated_at: str | None = None, *, source: str = "profile") -> Plan:
    """Plan for ``profile``. Raises ProfileError (bad input), InfeasibleGoal (exit 3) or PlanRuleViolation (a bug)."""
    stamp = parse_generated_at(generated_at)
    today = stamp.astimezone(_zone(profile)).date()
    start, end = plan_dates(profile, today)
    check_inputs(profile, start, end, source)
    _refuse_severe_pain(profile, start)
    conservative = is_conservative(profile, start)
    frame = build_frame(profile, today=today, conservative=conservative)
    _check_race_day_budget(frame)
    _check_first_runs(frame)
    solution = solve(frame, reframe=lambda shrink: build_frame(profile, today=today, conservative=conservative,
                                                               shrink=shrink))
    if solution is None:
        raise explain_infeasible(frame, profile, today, conservative)
    plan = compose_plan(solution, profile, format_stamp(stamp))
    checks.assert_plan_ok(plan, profile)
    return plan


def _zone(profile: Profile):
    from zoneinfo import ZoneInfo
    return ZoneInfo(profile.timezone)


def _refuse_severe_pain(profile: Profile, start: dt.date) -> None:
    severe = [p for p in profile.health.pain if p.severity >= 7]
    if severe and not profile.health.cleared_by_professional:
        areas = ", ".join(f"{p.area} ({p.severity}/10)" for p in severe)
        raise InfeasibleGoal(
            f"Not planning: severe pain when running ({areas}). Pain this strong needs a physiotherapist or "
            "doctor before any training plan.", rule="health",
            suggestion="When a professional has cleared you to run, set health.cleared_by_professional: true "
                       "and planner will build a conservative plan.")


def _check_race_day_budget(frame: Frame) -> None:
    if frame.race_day is None:
        return
    day = frame.days[frame.race_day]
    budget = frame.profile.schedule.minutes_on(day.weekday)
    if budget is not None and frame.race_minutes > budget:
        raise InfeasibleGoal(
            f"The race on {day.date} takes about {frame.race_minutes} minutes with warm-up and cool-down, more than "
            f"the {budget} minutes schedule.max_minutes allows on a {day.weekday} (rule 10: availability).",
            rule="availability",
            suggestion=f"Set schedule.max_minutes.{day.weekday} to at least {frame.race_minutes}.")


def _check_first_runs(frame: Frame) -> None:
    """Rule 3 lets no run grow past (1 + cap) x the longest run of the 30 days before it, the profile's long run
    standing in before the plan. When that is shorter than the shortest session (warm-up, a few minutes of
    running, cool-down), no run can ever be planned: say so, rather than certify a plan without a run."""
    profile = frame.profile
    capm = 1000 + int(round(frame.rules["progression_cap"] * 1000))
    wc = frame.rules["warmup_minutes"] + frame.rules["cooldown_minutes"]
    shortest = _dist(profile, frame.min_easy_dk / 10)
    share = frame.rules["long_run_max_share"]
    runs = frame.share_runs_min
    if capm * frame.baseline_dk // 1000 < runs * frame.min_easy_dk:
        smallest = _dist(profile, runs * frame.min_easy_dk / 10)
        raise InfeasibleGoal(
            f"Not reachable safely: your weekly distance ({_dist(profile, profile.weekly_km)}, "
            f"current.weekly_distance) is below the smallest week planner can build: the long-run share rule "
            f"(rule 8: no run over {share:.0%} of the week) needs {runs} runs in a week, each at least the shortest "
            f"session, {shortest} ({wc} minutes of warm-up and cool-down plus a few minutes of easy running), and the "
            f"progression cap (rule 1) keeps the first week within {round(capm / 10 - 100)}% of what you run now.",
            rule="Long run share (rule 8)",
            suggestion=f"What would work: build up with run-walk sessions to about {smallest} a week, then set "
                       f"current.weekly_distance and current.long_run; or shorten rules.warmup_minutes and "
                       f"rules.cooldown_minutes (at least 5 each), which shortens every session.")
    first_cap = capm * frame.baseline_long_dk // 1000
    if first_cap >= frame.min_easy_dk:
        return
    raise InfeasibleGoal(
        f"Not reachable safely: your longest recent run ({_dist(profile, profile.long_run_km)}, current.long_run) is "
        f"shorter than the shortest session planner writes, {shortest} ({wc} minutes of warm-up and cool-down plus a "
        f"few minutes of easy running at your pace), and the single-run spike rule (rule 3) lets no run be more than "
        f"{round(capm / 10 - 100)}% longer than your longest recent run, so no run could ever be planned.",
        rule="Single-run spike (rule 3)",
        suggestion=f"What would work: build up with run-walk sessions until your longest run reaches {shortest}, "
                   f"then set current.long_run to it; or shorten rules.warmup_minutes and rules.cooldown_minutes "
                   f"(at least 5 each), which shortens every session.")


# --- explaining an unreachable goal --------------------------------------------------------------------

def explain_infeasible(frame: Frame, profile: Profile, today: dt.date, conservative: bool) -> InfeasibleGoal:
    # The week caps on runs are a guess to keep the pattern small, not a rule: explain with every run day open, so
    # the rules that block are named rather than the guess.
    blocking = blocking_rules(replace(frame, runs_cap=[frame.max_runs] * len(frame.weeks)))
    names = [name for name, _ in blocking] or ["the schedule (run days, rest days and time budgets)"]
    if names == ["Race readiness"]:
        # readiness alone against the calendar: too few weeks to build up, at the pace rules 1 and 3 allow
        names.append("too few weeks before the race to build up to it at the pace the progression cap (rule 1) "
                     "and the single-run spike rule (rule 3) allow")
    goal = _goal_text(profile)
    lead = (f"Not reachable safely: {goal} on {frame.end} from {_dist(profile, profile.weekly_km)} a week "
            f"(longest run {_dist(profile, profile.long_run_km)})." if profile.goal.race is not None else
            f"No safe plan fits this profile: {goal} from {_dist(profile, profile.weekly_km)} a week.")
    why = f"Blocked by: {'; '.join(names)}."
    if frame.race_km is not None and frame.ready_long_dk:
        why += (f" A {goal.lower()} needs weeks of at least {_dist(profile, frame.ready_week_dk / 10)} and a long run of "
                f"at least {_dist(profile, frame.ready_long_dk / 10)} before race day.")
    suggestions = []
    if profile.goal.race is not None:
        week_most, long_most = schedule_ceiling(frame)
        if week_most < frame.ready_week_dk or long_most < frame.ready_long_dk:
            # no race date helps: the schedule itself caps the weeks below what the race needs
            why += (f" {frame.max_runs} runs a week within your daily time budgets hold at most "
                    f"{_dist(profile, week_most / 10)}, and rule 8 then allows a long run of at most "
                    f"{_dist(profile, long_most / 10)}, whatever the race date.")
            run_days = len(profile.schedule.effective_run_days())
            more_runs = (f" or more runs a week (current.runs_per_week; you have {run_days} run days)"
                         if frame.max_runs < min(run_days, 7 - frame.rules["min_rest_days"]) else
                         " or another run day (schedule.run_days)")
            suggestions.append(f"more time on run days (schedule.max_minutes){more_runs}, so that a week can "
                               "hold what the race needs")
        else:
            later = earliest_ready_date(profile, today, conservative)
            if later is not None:
                suggestions.append(f"the earliest race date at which you can be ready is {later.isoformat()}")
        shorter = longest_reachable_race(profile, today, conservative)
        if shorter is not None:
            suggestions.append(f"by {frame.end} you can safely be ready for a {shorter}")
        elif (profile.race_km or 0) > STANDARD_RACES[-1][1] + 1e-6:
            why += f" No shorter race (5K and up) is within safe reach by {frame.end} either."
    suggestion = ("What would work: " + ", or ".join(suggestions) + ".") if suggestions else (
        "What would work: more run days (schedule.run_days), fewer rest days, or larger daily time budgets.")
    return InfeasibleGoal(f"{lead} {why}", rule=blocking[0][0] if blocking else "schedule", suggestion=suggestion)


def schedule_ceiling(frame: Frame) -> tuple[int, int]:
    """The most volume a week can hold and the longest run rule 8 lets a week hold (tenths of a km), from the time
    budgets alone: a week holds at most ``max_runs`` runs, each within its day's budget, and its longest run L is
    at most long_run_max_share of the week, so L <= share x (L + the other runs), L <= share / (1 - share) x the
    other runs. Race readiness beyond either is out of reach at any race date, which spares the search for one."""
    roomiest: dict[str, int] = {}
    for day in frame.days:
        if day.can_run and not day.is_race:
            roomiest[day.weekday] = max(roomiest.get(day.weekday, 0), day.max_dk)
    share = int(round(frame.rules["long_run_max_share"] * 1000))
    week_most = sum(sorted(roomiest.values(), reverse=True)[:frame.max_runs])
    long_most = 0
    for weekday, budget in roomiest.items():
        others = sum(sorted((b for d, b in roomiest.items() if d != weekday), reverse=True)[:frame.max_runs - 1])
        long_most = max(long_most, min(budget, share * others // max(1000 - share, 1)))
    return week_most, long_most


def earliest_ready_date(profile: Profile, today: dt.date, conservative: bool, max_weeks: int = 78) -> dt.date | None:
    """The first race date (same weekday, whole weeks later) at which a plan keeping every rule exists.

    Each date asks the staged solver, not the one model: a date is suggested where the stages plan the runner,
    and a schedule they cannot settle costs seconds per date in the one model, over up to eight dates (a refused
    marathoner with seven 75-minute run days and three strength sessions a week waited 47 s for his answer)."""
    race = profile.goal.race_date

    def ok(weeks: int) -> bool:
        f = build_frame(profile, today=today, conservative=conservative, race_date=race + dt.timedelta(weeks=weeks))
        return is_feasible(f, one_model=False)

    lo, hi = 0, 1
    while not ok(hi):  # gallop: 1, 2, 4, ... weeks later
        lo = hi
        hi *= 2
        if hi > max_weeks:
            if ok(max_weeks):
                hi = max_weeks
                break
            return None
    while hi - lo > 1:  # the first feasible week count in (lo, hi]
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return race + dt.timedelta(weeks=hi)


def longest_reachable_race(profile: Profile, today: dt.date, conservative: bool) -> str | None:
    """The longest standard race shorter than the goal that the runner can safely be ready for by its date."""
    goal_km = profile.race_km or 0
    for name, km in STANDARD_RACES:
        if km >= goal_km - 1e-6:
            continue
        frame = build_frame(profile, today=today, conservative=conservative, race_km=km)
        # a shorter race is usually reachable: the staged solver finds its plan in milliseconds, where a bare
        # feasibility probe of the one model can take seconds; is_feasible settles what the stages leave open
        if solve(frame, probe=True) is not None or is_feasible(frame):
            return name
    return None


# --- from decisions to sessions ------------------------------------------------------------------------

def _quality_order(phase: str, race_km: float | None, conservative: bool, week_number: int, recovery: bool) -> list[str]:
    """Which workouts a week's quality sessions are, in order: by phase and goal distance."""
    if conservative:
        return ["tempo", "tempo"]
    short_race = race_km is not None and race_km <= 10.05
    if recovery:
        return ["hills"] if phase == "base" else ["tempo"]
    if phase == "base":
        return ["hills", "tempo"]
    if phase == "taper":
        return ["intervals"] if short_race else ["tempo"]
    if phase == "maintain":
        return ["tempo", "intervals"] if week_number % 2 else ["hills", "tempo"]
    if short_race:
        return ["intervals", "tempo"]
    return ["tempo", "intervals"] if phase == "peak" or week_number % 2 else ["tempo", "hills"]


def compose_plan(solution: Solution, profile: Profile, generated_at: str) -> Plan:
    """Turn the solver's decisions into a Plan with sessions, shoes, advice and warnings."""
    f = solution.frame
    rules = f.rules
    zones = f.zones
    decisions = solution.decisions
    # run types first (shoes need them), then the sessions
    types: list[str | None] = []
    quality_seen: dict[int, int] = defaultdict(int)
    for dec in decisions:
        day = f.days[dec.index]
        week = f.weeks[day.week]
        if dec.kind is None:
            types.append(None)
        elif dec.kind in ("long", "race"):
            types.append(dec.kind)
        elif dec.kind == "quality":
            order = _quality_order(week.phase, f.race_km, f.conservative, week.number, week.recovery)
            types.append(order[min(quality_seen[day.week], len(order) - 1)])
            quality_seen[day.week] += 1
        else:
            prev_hard = dec.index > 0 and types[dec.index - 1] in ("long", "tempo", "intervals", "hills")
            types.append("recovery" if prev_hard else "easy")

    strides_weeks: dict[int, int] = defaultdict(int)
    runs: list[tuple[int, str, float]] = []
    for dec, rtype in zip(decisions, types):
        if rtype is not None:
            runs.append((dec.index, rtype, dec.distance_dk / 10))
    shoe_of, reminders, shoe_states = assign_shoes(
        profile, [PlannedRun(date=f.days[i].date, type=t, distance_km=km) for i, t, km in runs],
        f.days[f.race_day].date if f.race_day is not None else None, f.start)

    days: list[Day] = []
    total_weeks = len(f.weeks)
    strength_seen: dict[int, int] = defaultdict(int)
    longest_minutes = 0
    for dec, rtype in zip(decisions, types):
        day = f.days[dec.index]
        week = f.weeks[day.week]
        run = None
        if rtype is not None:
            km = dec.distance_dk / 10
            minutes = f.race_minutes if rtype == "race" else session_minutes(zones, km, f.pause_minutes)
            strides = False
            if rtype == "easy" and week.phase not in ("race",) and strides_weeks[day.week] < (1 if week.recovery else 2):
                nxt = types[dec.index + 1] if dec.index + 1 < len(types) else None
                if nxt not in ("long", "tempo", "intervals", "hills", "race"):
                    strides = True
                    strides_weeks[day.week] += 1
            run = make_run(rtype, km, minutes, zones=zones, warmup_minutes=rules["warmup_minutes"],
                           cooldown_minutes=rules["cooldown_minutes"], phase=week.phase, week_number=week.number,
                           units=profile.units, strides=strides,
                           race_name=profile.goal.race_name or profile.race_label(), race_km=f.race_km)
            if shoe_of:
                run = replace(run, shoe=shoe_of.get(day.date))
            if rtype != "race":
                longest_minutes = max(longest_minutes, run.minutes)
        strength = None
        if dec.strength:
            strength = make_strength(week.number, total_weeks, week.phase, strength_seen[day.week],
                                     conservative=f.conservative)
            strength_seen[day.week] += 1
        days.append(Day(date=day.date, run=run, strength=strength))

    weeks = tuple(Week(number=w.number, start=w.monday, phase=w.phase, recovery=w.recovery,
                       distance_km=solution.week_dk[i] / 10) for i, w in enumerate(f.weeks))
    race = None
    if f.race_km is not None:
        race = Race(name=profile.goal.race_name or profile.race_label() or "Race", date=f.end,
                    distance_km=f.race_dk / 10)
    warnings = tuple(pain_warnings(profile, f.start)) + tuple(_bent_warnings(solution, profile))
    advice = tuple(plan_advice(profile, conservative=f.conservative, longest_run_minutes=longest_minutes))
    plan = Plan(generated_at=generated_at,
                athlete=Athlete(id=profile.athlete_id, name=profile.name, timezone=profile.timezone,
                                units=profile.units),
                start_date=f.start, end_date=f.end, race=race, rules=dict(rules), weeks=weeks, days=tuple(days),
                reminders=tuple(sorted(reminders, key=lambda r: (r.date, r.shoe or ""))), advice=advice,
                warnings=warnings)
    return plan.with_extras(zones=zones, shoe_states=shoe_states, conservative=f.conservative,
                            goal=_goal_text(profile), target_week_km=f.target_week_dk / 10,
                            target_long_km=f.target_long_dk / 10, optimal=solution.optimal,
                            objective=solution.objective)


def _weeks_text(weeks: list[int]) -> str:
    weeks = sorted(set(weeks))
    return ("week " if len(weeks) == 1 else "weeks ") + ", ".join(str(w) for w in weeks)


def _bent_warnings(solution: Solution, profile: Profile) -> list[Warning]:
    """The preferences the plan had to bend, in words: grouped by preference, with the weeks."""
    f = solution.frame
    grouped: dict[str, list] = defaultdict(list)
    for b in solution.bent:
        if b.kind in ("preference", "target", "sessions"):
            grouped[b.name].append(b)
    out: list[Warning] = []
    for name, items in sorted(grouped.items()):
        weeks = [b.week for b in items if b.week is not None]
        if name == "peak volume short of target":
            best = max(dk for dk, w in zip(solution.week_dk, f.weeks) if w.phase != "race") / 10
            if best >= f.target_week_dk / 10 - 0.5:
                continue
            room = max(sum(f.days[d].max_dk for d in wk.days if f.days[d].can_run) for wk in f.weeks) / 10
            why = (f"the progression cap and workload ratio limit how fast volume can safely grow from "
                   f"{_dist(profile, profile.weekly_km)} a week" if room * 0.9 >= f.target_week_dk / 10 else
                   "your schedule holds it back: run days, daily time budgets (schedule.max_minutes) and the "
                   "long-run share rule; more time on weekdays or another run day would let it grow")
            out.append(Warning("goal", f"Peak week reaches {_dist(profile, best)} of the "
                                       f"{_dist(profile, f.target_week_dk / 10)} aimed for: {why}."))
        elif name == "long run short of target":
            best = max((d.distance_dk for d in solution.decisions if d.kind in ("long", "easy", "quality")),
                       default=0) / 10  # the longest run, whether or not the week calls it the long run
            if best >= f.target_long_dk / 10 - 0.5:
                continue
            out.append(Warning("goal", f"Longest run reaches {_dist(profile, best)} of the "
                                       f"{_dist(profile, f.target_long_dk / 10)} aimed for, limited by the single-run "
                                       f"and long-run-share rules."))
        elif name == "quality session dropped":
            out.append(Warning("preference", f"Fewer quality sessions than the phase calls for in "
                                             f"{_weeks_text(weeks)}: the easy-share and hard/easy rules left no room."))
        elif name == "strength session dropped":
            out.append(Warning("preference", f"Fewer strength sessions than usual in {_weeks_text(weeks)} "
                                             f"(short, holiday or taper weeks)."))
        elif name == "run dropped":
            out.append(Warning("preference", f"Fewer runs than the week's pattern in {_weeks_text(weeks)}: the "
                                             f"volume those weeks may safely hold had no room for another run of "
                                             f"the shortest session."))
        elif name == "runs a week differ from usual":
            continue  # expected as volume grows or shrinks; not a bent wish
        else:
            out.append(Warning("preference", f"{name[0].upper()}{name[1:]} in {_weeks_text(weeks)}."))
    return out
