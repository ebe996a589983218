"""The plan's frame: the calendar, the applied rules, phases, recovery weeks and the targets, before any solving.

Everything here is decided from the profile alone, so the model can use it as constants: which weeks are recovery,
taper or race weeks, which week each week is measured against (plan-format rule 1's reference week), which days may
hold a run or a strength session and how long a run each day's time budget allows.

Targets (what "race-ready" means) follow common published plans; they are aims for the objective, never rules:
peak weekly volume and longest run by race, from Higdon's intermediate plans, Pfitzinger & Douglas (*Advanced
Marathoning*, *Faster Road Racing*) and Daniels (*Daniels' Running Formula*); readiness minimums (a plan that cannot
reach them is refused as not reachable safely) are the low ends of novice plans (Higdon's Novice 1 half: 10 mi long
run; novice marathon plans: 16-20 mi) and are capped by what the duration rule (rule 8) allows.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field, replace

from ..paces import PaceZones, max_distance_dk, min_distance_dk, zones_for
from ..profile import WEEKDAYS, Profile
from ..sessions import make_strength, pause_minutes

# race km -> (peak weekly km, longest run km), aims for the objective.
RACE_TARGETS: list[tuple[float, float, float]] = [
    (5.0, 40.0, 12.0),
    (10.0, 50.0, 16.0),
    (21.0975, 55.0, 21.0),
    (42.195, 70.0, 32.0),
    (50.0, 80.0, 35.0),
]
# race km -> (least weekly km, least longest run km) a runner must reach to start that race.
RACE_READY: list[tuple[float, float, float]] = [
    (5.0, 12.0, 5.0),
    (10.0, 18.0, 8.0),
    (21.0975, 28.0, 16.0),
    (42.195, 40.0, 26.0),
    (50.0, 45.0, 28.0),
]
# plan-format rule 11: no taper week for 5k/10k, one for the half, two for the marathon and longer; between the named
# distances the steps go by the letter ("two for the marathon and longer": a 30 km race gets one), with the spec's
# 0.05 km tolerance (26.2 mi, 42.165 km, is a marathon)
TAPER_WEEKS = [(10.05, 0), (42.145, 1)]  # race km below -> taper weeks; the marathon and longer: 2
TAPER_AIM = {1: 0.75, 2: 0.62}  # taper week counted back from the race week -> share of peak we aim for
STRENGTH_CUT_TOLERATED = 0.9  # share of a run's length that a strength session beside it may leave
MIN_MAIN_EASY = 5  # minutes of running between warm-up and cool-down in the shortest easy run (25 min in all)
MIN_MAIN_QUALITY = 20  # ... in the shortest quality session


def interpolate(table: list[tuple[float, float, float]], km: float) -> tuple[float, float]:
    """Linear interpolation in a (race km -> a, b) table, flat beyond its ends."""
    if km <= table[0][0]:
        return table[0][1], table[0][2]
    for (k0, a0, b0), (k1, a1, b1) in zip(table, table[1:]):
        if km <= k1:
            t = (km - k0) / (k1 - k0)
            return a0 + t * (a1 - a0), b0 + t * (b1 - b0)
    return table[-1][1], table[-1][2]


def taper_weeks_for(race_km: float) -> int:
    for limit, n in TAPER_WEEKS:
        if race_km < limit:
            return n
    return 2


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class FrameDay:
    index: int
    date: dt.date
    week: int  # index into Frame.weeks
    weekday: str
    can_run: bool
    can_strength: bool
    unavailable: bool
    max_dk: int  # longest training run this day allows (budget and the duration cap), tenths of a km
    is_race: bool
    # longest run the day allows beside its week's strength session (the budget holds both; profile-format calls
    # max_minutes the day's time budget)
    max_dk_strength: int = 0

    @property
    def strength_shortens_run(self) -> bool:
        """Whether a strength session beside this day's run leaves room for a shorter run only."""
        return self.can_run and self.can_strength and self.max_dk_strength < self.max_dk

    @property
    def strength_cuts_run(self) -> bool:
        """Whether a strength session beside this day's run costs it more than STRENGTH_CUT_TOLERATED of its
        length: what model.solve's second try keeps strength away from (a long-run day that loses a few minutes
        to it is no such day)."""
        return self.strength_shortens_run and self.max_dk_strength < STRENGTH_CUT_TOLERATED * self.max_dk


@dataclass(frozen=True)
class FrameWeek:
    index: int  # 0-based; plan week number is index + 1
    monday: dt.date
    days: tuple[int, ...]  # day indexes inside the plan
    phase: str
    recovery: bool
    has_unavailable: bool

    @property
    def full(self) -> bool:
        return len(self.days) == 7

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_reference(self) -> bool:
        """Plan-format rule 1: full, not recovery or taper (or race), no unavailable date."""
        return self.full and not self.recovery and self.phase not in ("taper", "race") and not self.has_unavailable


@dataclass(frozen=True)
class Pin:
    """A day already lived when re-planning: held exactly as it was planned (``kind`` as in DayDecision)."""

    kind: str | None  # None (no run), "easy", "long", "quality", "race"
    distance_dk: int
    strength: bool


@dataclass(frozen=True)
class ActualHistory:
    """What the runner really ran before re-planning, for the rules applied to actual volumes (rules.py).

    ``first_day`` is the index of the first re-planned day; the days before it are pinned. Distances per date are
    tenths of a km: the day's total and its longest single run. Dates before the plan's start may appear (the
    30 days before a run can reach back before the plan).
    """

    first_day: int
    day_total_dk: dict[dt.date, int]
    day_longest_dk: dict[dt.date, int]
    # True: the week of the first re-planned day is not bounded by what was run before it (rules 1 and 2), only by
    # the rules as written; for when the sessions already lived in that week need more of it than that bound
    lenient_first_week: bool = False


@dataclass
class Frame:
    """Constants of one plan: the model reads these, never the profile."""

    profile: Profile
    zones: PaceZones
    start: dt.date
    end: dt.date
    days: list[FrameDay]
    weeks: list[FrameWeek]
    rules: dict  # plan.json's `rules` block: the values applied
    conservative: bool
    race_km: float | None
    race_dk: int | None
    race_minutes: int | None
    race_day: int | None  # day index
    target_week_dk: int
    target_long_dk: int
    ready_week_dk: int
    ready_long_dk: int
    desired_runs: int
    max_runs: int
    quality_cap: list[int]  # per week, most quality sessions wanted
    runs_cap: list[int]  # per week, most runs the expected volume fits (each run has a least distance)
    runs_aim: list[int]  # per week, the runs it should hold: the usual count, more when its volume needs them
    volume_estimate: list[int]  # per week, the volume (tenths of a km) the plan is expected to reach
    week_bound: list[int]  # per week, the most volume rules 1 and 2 can ever allow (tenths of a km)
    long_bound: list[int]  # per week, the longest run rule 3 can ever allow (tenths of a km)
    min_easy_dk: int
    min_quality_dk: int
    pause_minutes: int  # minutes of every session that cover no distance (warm-up drills, cool-down stretches)
    long_cap_dk: int  # duration cap (rule 8) as distance
    share_runs_min: int  # rule 8: a full week with any run holds at least this many (1 / long_run_max_share)
    restart_dk: int  # the least first week back after a break when re-planning (rules.follow_actual_volumes)
    long_run_pref: str | None
    strength_pref: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    pins: dict[int, Pin] = field(default_factory=dict)  # day index -> the day as planned (re-planning only)
    actual: ActualHistory | None = None  # what was run before the first re-planned day (re-planning only)
    # False: the week pattern keeps strength off run days it would cut short (FrameDay.strength_cuts_run;
    # model.solve's second try when the shortened runs cannot carry the volumes the rules ask for)
    strength_beside_runs: bool = True

    # --- queries -----------------------------------------------------------------------------------
    def run_room(self, d: int, strength: bool) -> int:
        """The longest training run day ``d`` allows, beside a strength session or not (tenths of a km)."""
        day = self.days[d]
        return day.max_dk_strength if strength else day.max_dk

    def reference_week(self, w: int) -> int | None:
        """The latest earlier reference week of week ``w`` (rule 1), None before there is one (baseline)."""
        for k in range(w - 1, -1, -1):
            if self.weeks[k].is_reference:
                return k
        return None

    @property
    def race_week(self) -> int | None:
        return None if self.race_day is None else self.days[self.race_day].week

    @property
    def baseline_dk(self) -> int:
        return int(round(self.rules["baseline_weekly_km"] * 10))

    @property
    def baseline_long_dk(self) -> int:
        return int(round(self.rules["baseline_long_run_km"] * 10))


def default_long_share(run_days_per_week: int) -> float:
    """Plan-format rule 8: 0.50 with 3 or fewer run days a week, 0.40 with 4, 0.35 with 5 or more."""
    if run_days_per_week <= 3:
        return 0.50
    if run_days_per_week == 4:
        return 0.40
    return 0.35


def desired_runs_per_week(profile: Profile) -> int:
    if profile.current.runs_per_week:
        return profile.current.runs_per_week
    km = profile.weekly_km
    return 3 if km < 15 else 4 if km < 35 else 5 if km < 60 else 6


def plan_dates(profile: Profile, today: dt.date, race_date: dt.date | None = None) -> tuple[dt.date, dt.date]:
    start = profile.start_date or next_monday(today)
    if race_date is None:
        race_date = profile.goal.race_date
    if race_date is not None:
        return start, race_date
    weeks = profile.weeks or 12
    end = monday_of(start) + dt.timedelta(days=7 * weeks - 1)
    return start, end


def build_frame(profile: Profile, *, today: dt.date, conservative: bool,
                race_date: dt.date | None = None, race_km: float | None = None, shrink: float = 1.0,
                known_weeks: dict[int, int] | None = None, missed_weeks: frozenset[int] = frozenset(),
                lived_layout: list[tuple[str, bool]] | None = None) -> Frame:
    """Lay out the plan's calendar and constants. ``race_date``/``race_km`` override the goal (what-if solving).

    Re-planning passes ``known_weeks`` (week index -> tenths of a km actually run, no more than planned) for the
    weeks already lived, and the ``missed_weeks`` among them, so the volumes expected from there on (and with them
    how many runs and quality sessions the weeks are given) start from what was really run, and the
    ``lived_layout`` (phase, recovery) of the weeks with a day lived, which keep what they were planned as.
    """
    zones = zones_for(profile)
    start, end = plan_dates(profile, today, race_date)
    race_km = race_km if race_km is not None else profile.race_km
    sched = profile.schedule
    run_days = set(sched.effective_run_days())
    rest_days = set(sched.rest_days)
    unavailable = sched.unavailable_dates()
    marathon_or_longer = race_km is not None and race_km >= 42.195 - 1e-9
    long_cap_minutes = 180 if marathon_or_longer else 150
    r = profile.rules
    # drills and stretches: minutes of every session that cover no distance
    pause = pause_minutes(r.warmup_minutes, r.cooldown_minutes)
    long_cap_dk = max_distance_dk(zones, long_cap_minutes, pause)

    # The runner's usual count is where the plan starts; as the volume grows a week may use every day the schedule
    # offers (current.runs_per_week is where the runner is today, not a limit for the plan), and the objective
    # keeps each week near the runs its volume needs (runs_aim).
    desired = desired_runs_per_week(profile)
    max_runs = max(1, min(len(run_days), 7 - r.min_rest_days))
    desired = min(desired, max_runs)
    # plan-format rule 8's default share goes "by run days a week": the days the schedule offers for running
    # (schedule.run_days, by default every day but the rest days), as the spec's own example reads it (five run
    # days, 0.35). A plan never runs on more days than that, so reading it as the runs the plan puts in a week
    # would give the same share or a looser one: this is the strictest reading and the literal one.
    share_runs = len(run_days)
    share = r.long_run_max_share if r.long_run_max_share is not None else default_long_share(share_runs)
    cap = min(r.progression_cap, 0.05) if conservative else r.progression_cap
    rules = {
        "progression_cap": round(cap, 4), "min_rest_days": r.min_rest_days, "cutback_every": r.cutback_every,
        "cutback_ratio": r.cutback_ratio, "strength_per_week": r.strength_per_week,
        "warmup_minutes": r.warmup_minutes, "cooldown_minutes": r.cooldown_minutes,
        "long_run_max_share": share, "easy_share_min": r.easy_share_min,
        "baseline_weekly_km": round(profile.weekly_km, 1), "baseline_long_run_km": round(profile.long_run_km, 1),
    }
    wc = r.warmup_minutes + r.cooldown_minutes
    min_easy_dk = min_distance_dk(zones, wc + MIN_MAIN_EASY, pause)
    min_quality_dk = min_distance_dk(zones, wc + MIN_MAIN_QUALITY, pause)

    # --- days and weeks ------------------------------------------------------------------------
    n_days = (end - start).days + 1
    days: list[FrameDay] = []
    week_days: dict[dt.date, list[int]] = {}
    for i in range(n_days):
        date = start + dt.timedelta(days=i)
        wd = WEEKDAYS[date.weekday()]
        monday = monday_of(date)
        week_days.setdefault(monday, []).append(i)
        off = date in unavailable
        budget = sched.minutes_on(wd)
        max_dk = long_cap_dk if budget is None else min(long_cap_dk, max_distance_dk(zones, budget, pause))
        is_race = race_km is not None and date == end
        days.append(FrameDay(index=i, date=date, week=len(week_days) - 1, weekday=wd,
                             can_run=(wd in run_days and not off and max_dk >= min_easy_dk) or is_race,
                             can_strength=wd not in rest_days and not off,
                             unavailable=off, max_dk=max_dk if not off else 0, is_race=is_race))

    mondays = sorted(week_days)
    n_weeks = len(mondays)
    phases = _phases(n_weeks, race_km, profile, days, mondays)
    recovery = _recovery_weeks(phases, r.cutback_every,
                               [sum(1 for i in week_days[m] if days[i].unavailable) for m in mondays])
    for w, (phase, rec) in enumerate((lived_layout or [])[:n_weeks]):
        # re-planning: the weeks lived keep the phase and recovery mark they were planned with
        if phases[w] not in ("taper", "race") and phase not in ("taper", "race"):
            phases[w], recovery[w] = phase, rec
    weeks = [FrameWeek(index=w, monday=m, days=tuple(week_days[m]), phase=phases[w], recovery=recovery[w],
                       has_unavailable=any(days[i].unavailable for i in week_days[m]))
             for w, m in enumerate(mondays)]
    # each week's strength session (sessions.make_strength: the same length for every session of a week) takes part
    # of the day's time budget: a day too short for it holds none, and a run beside it is shorter
    strength_minutes = [make_strength(wk.number, len(weeks), wk.phase, 0, conservative=conservative).minutes
                        for wk in weeks]
    for i, day in enumerate(days):
        budget = sched.minutes_on(day.weekday)
        if budget is None or day.unavailable:
            days[i] = replace(day, max_dk_strength=day.max_dk)
            continue
        left = budget - strength_minutes[day.week]
        days[i] = replace(day, can_strength=day.can_strength and left >= 0,
                          max_dk_strength=min(day.max_dk, max_distance_dk(zones, left, pause)) if left > 0 else 0)

    # --- targets -------------------------------------------------------------------------------
    if race_km is not None:
        t_week, t_long = interpolate(RACE_TARGETS, race_km)
        r_week, r_long = interpolate(RACE_READY, race_km)
    else:
        t_week = profile.goal_weekly_km or profile.weekly_km
        t_long = min(t_week * share, max(profile.long_run_km, t_week * 0.3))
        r_week, r_long = 0.0, 0.0
    # never aim below where the runner already is
    t_week = max(t_week, profile.weekly_km)
    t_long = max(t_long, min(profile.long_run_km, t_week * share))
    longest_possible = max((d.max_dk for d in days if d.can_run and not d.is_race), default=0)
    t_long = min(t_long, longest_possible / 10)
    # readiness is capped by what the duration rule and the day budgets allow, minus 5% of slack
    r_long = min(r_long, math.floor(longest_possible * 0.95) / 10)

    race_day = n_days - 1 if race_km is not None else None
    race_dk = int(round(race_km * 10)) if race_km is not None else None
    race_minutes = None
    if race_km is not None:
        predicted = zones.predicted_seconds(race_km)
        if profile.goal.target_time and not profile.current.recent_race:
            from ..profile import parse_duration
            predicted = parse_duration(profile.goal.target_time)
        if predicted is None:  # effort-only runner: a touch quicker than the planning pace
            predicted = race_km * zones.planning_easy_s_per_km * 0.92
        race_minutes = r.warmup_minutes + math.ceil(predicted / 60) + r.cooldown_minutes

    # rule 8 (no run above `share` of the week): a full week with any run holds at least this many
    share_runs_min = math.ceil(1 / share - 1e-9)
    # the least first week back after a break (rules.follow_actual_volumes): the smallest week with runs, over the
    # cutback ratio, so the recovery weeks after it can hold runs too
    restart_dk = -(-share_runs_min * min_easy_dk * 1000 // int(round(r.cutback_ratio * 1000)))
    week_bound, long_bound = _upper_bounds(weeks, days, int(round(profile.weekly_km * 10)),
                                           int(round(profile.long_run_km * 10)), cap, r.cutback_ratio, start,
                                           int(round(race_km * 10)) if race_km is not None else 0)
    estimate = _volume_estimate(weeks, days, profile.weekly_km * 10, t_week * 10, cap, r.cutback_ratio, shrink,
                                known_weeks or {}, missed_weeks, restart_dk)
    quality_cap, runs_cap, runs_aim = [], [], []
    hard_share = 1 - r.easy_share_min
    for wk, est in zip(weeks, estimate):
        # the whole of a quality session counts as hard running (rule 9): only as many as the week's hard share fits
        fits = int(hard_share * est // min_quality_dk) if wk.phase != "race" else 9
        quality_cap.append(min(_quality_sessions(wk, profile, conservative, race_km), fits))
        runs = max(1, min(max_runs, int(est // min_easy_dk)))
        if known_weeks and wk.index not in known_weeks:
            # re-planning: what was run makes the volume estimate a rough guess (runs held to the 30-day longest
            # may need every run day to make a week), so the pattern may use every run; the solver's repair stage
            # drops the runs a week cannot hold
            runs = max_runs
        if wk.full and wk.phase != "race" and not wk.has_unavailable:
            runs = max(runs, min(max_runs, share_runs_min))  # rule 8: a week with any run holds this many
        if wk.full and wk.phase not in ("taper", "race") and not wk.has_unavailable:
            # rule 7 puts exactly strength_per_week sessions in such a week, and a day whose budget cannot hold a
            # run beside one gives it the whole day: no more runs than the days left after those and the rest
            # days. A valid cap; stated, it spares CP-SAT proving it week by week (a runner with six 40-minute
            # run days took 90 s to plan without it)
            beside = sum(1 for d in wk.days if days[d].can_run and days[d].can_strength
                         and days[d].max_dk_strength >= min_easy_dk)
            runs = min(runs, max(0, 7 - r.min_rest_days - max(0, r.strength_per_week - beside)))
        runs_cap.append(runs)
        if wk.phase != "race":
            # the hard days the week can hold at all, one of them the long run: a quality cap the week's days cannot
            # hold made CP-SAT prove week by week that they do not fit (rules 6 and 7 together, beyond what its
            # relaxation sees), 90 s for a runner with six 40-minute run days
            exact = wk.full and wk.phase != "taper" and not wk.has_unavailable
            signature = tuple((days[d].can_run, days[d].can_strength,
                               days[d].can_run and days[d].max_dk_strength < min_easy_dk) for d in wk.days)
            most = most_hard_days(signature, r.strength_per_week, exact, r.min_rest_days, runs)
            quality_cap[-1] = min(quality_cap[-1], max(0, most - 1))
        runs_aim.append(min(runs, max(desired, _runs_to_hold(wk, days, est, share))))

    return Frame(
        profile=profile, zones=zones, start=start, end=end, days=days, weeks=weeks, rules=rules,
        conservative=conservative, race_km=race_km, race_dk=race_dk, race_minutes=race_minutes, race_day=race_day,
        target_week_dk=int(round(t_week * 10)), target_long_dk=int(round(t_long * 10)),
        ready_week_dk=int(round(r_week * 10)), ready_long_dk=int(round(r_long * 10)),
        desired_runs=desired, max_runs=max_runs, quality_cap=quality_cap, runs_cap=runs_cap, runs_aim=runs_aim,
        volume_estimate=estimate, week_bound=week_bound, long_bound=long_bound,
        min_easy_dk=min_easy_dk, min_quality_dk=min_quality_dk, pause_minutes=pause, long_cap_dk=long_cap_dk,
        share_runs_min=share_runs_min, restart_dk=restart_dk,
        long_run_pref=sched.long_run_day, strength_pref=tuple(sched.strength_days or ()),
    )


@functools.lru_cache(maxsize=1024)
def most_hard_days(signature: tuple[tuple[bool, bool, bool], ...], strength: int, strength_exact: bool,
                   min_rest: int, runs_cap: int) -> int:
    """The most hard days (long run and quality sessions) a week of these days holds under the pattern rules alone:
    rule 4's rest days, rule 6 (no hard days back to back), rule 7 (strength sessions, exactly ``strength`` when
    ``strength_exact``, never on consecutive days or the day before a hard day) and no more than ``runs_cap``
    runs. ``signature`` per day: (can run, can hold strength, strength leaves no time for a run). A full week is
    taken as one of a run of weeks like it (its Sunday before its Monday), which is what a plan's weeks are: the
    count the week can hold week after week. A tiny model, solved exactly in a millisecond, cached by signature."""
    from ortools.sat.python import cp_model  # the frame module itself needs no solver

    model = cp_model.CpModel()
    n = len(signature)
    run = [model.new_bool_var(f"run{i}") for i in range(n)]
    hard = [model.new_bool_var(f"hard{i}") for i in range(n)]
    lift = [model.new_bool_var(f"strength{i}") for i in range(n)]
    rest = [model.new_bool_var(f"rest{i}") for i in range(n)]
    for i, (can_run, can_strength, alone) in enumerate(signature):
        model.add_implication(hard[i], run[i])
        model.add(rest[i] + run[i] <= 1)
        model.add(rest[i] + lift[i] <= 1)
        if not can_run:
            model.add(run[i] == 0)
        if not can_strength:
            model.add(lift[i] == 0)
        if alone:
            model.add(lift[i] + run[i] <= 1)
        if i + 1 < n or n == 7:  # a full week as one of a run of weeks like it: Sunday leads into Monday
            j = (i + 1) % n
            model.add(hard[i] + hard[j] <= 1)
            model.add(lift[i] + lift[j] <= 1)
            model.add(lift[i] + hard[j] <= 1)
    model.add(sum(rest) >= min(min_rest, n))
    model.add(sum(lift) == strength) if strength_exact else model.add(sum(lift) <= strength)
    model.add(sum(run) <= runs_cap)
    model.maximize(sum(hard))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(model)
    return int(solver.objective_value) if status == cp_model.OPTIMAL else n


def _runs_to_hold(week: FrameWeek, days: list[FrameDay], volume: float, share: float) -> int:
    """The fewest runs that can hold ``volume`` (tenths of a km) in this week within the days' time budgets, with
    the long run at most ``share`` of the week (rule 8): the long run on the roomiest day, at most share / (1 -
    share) x the other runs, the others on the next roomiest days. All the week's run days when even they fall
    short."""
    budgets = sorted((days[d].max_dk for d in week.days if days[d].can_run and not days[d].is_race), reverse=True)
    for k in range(1, len(budgets) + 1):
        others = sum(budgets[1:k])
        longest = budgets[0] if share >= 1 else min(budgets[0], share * others / (1 - share))
        if k == 1:
            longest = budgets[0] if share >= 1 else 0
        if others + longest >= volume:
            return k
    return max(1, len(budgets))


def _upper_bounds(weeks: list[FrameWeek], days: list[FrameDay], baseline: int, baseline_long: int, cap: float,
                  cutback: float, start: dt.date, race_dk: int) -> tuple[list[int], list[int]]:
    """The largest week volume and longest run each week can have in *any* plan, by the integer arithmetic of
    rules 1, 2 and 3 (rules.py) with every earlier week at its own largest. The rules only ever cap a week by
    earlier weeks, and more before never lowers a cap, so these bounds are valid; stating them in the model
    makes its linear relaxation tight, which is what lets CP-SAT prove optimality in milliseconds."""
    capm = 1000 + int(round(cap * 1000))
    ratio = int(round(cutback * 1000))
    wk: list[int] = []
    lg: list[int] = []
    ref = None
    for week in weeks:
        r = baseline if ref is None else wk[ref]
        prev = sum(wk[k] if k >= 0 else baseline for k in range(week.index - 4, week.index))
        bound = min(capm * r // 1000, 13 * prev // 40)
        if week.recovery:
            bound = min(bound, ratio * r // 1000)
        room = sum(days[d].max_dk for d in week.days if days[d].can_run and not days[d].is_race)
        room += sum(race_dk for d in week.days if days[d].is_race)
        wk.append(max(0, min(bound, room)))
        # rule 3, with the same reference choice as rules.cap_single_run_spike
        earlier = list(range(week.index - 1, max(-1, week.index - 4), -1))
        normal = [k for k in earlier if weeks[k].full and not weeks[k].recovery and not weeks[k].has_unavailable
                  and weeks[k].phase not in ("taper", "race")]
        base_in = (days[week.days[-1]].date - start).days <= 29
        lref = max([lg[k] for k in earlier] + ([baseline_long] if base_in else []) + [0])
        lg.append(max(0, capm * lref // 1000))
        if week.is_reference:
            ref = week.index
    return wk, lg


def _volume_estimate(weeks: list[FrameWeek], days: list[FrameDay], baseline: float, target: float, cap: float,
                     cutback: float, shrink: float = 1.0, known: dict[int, int] | None = None,
                     missed: frozenset[int] = frozenset(), restart: float = 0.0) -> list[int]:
    """Each week's volume (tenths of a km) if it rose as fast as rules 1 and 2 allow towards the target, so the
    week pattern asks for no more runs and quality sessions than the volume can hold. ``shrink`` scales it down
    when a pattern built on it turned out to ask too much. ``known`` weeks (re-planning) are what was run; a
    missed one is not a reference week (rules.follow_actual_volumes)."""
    out: list[float] = []
    ref = baseline
    peak = baseline
    known = known or {}
    for week in weeks:
        if week.index in known:
            est = float(known[week.index])
            if week.is_reference and week.index not in missed:
                ref = est
            peak = max(peak, est)
            out.append(est)
            continue
        prev = [out[k] if k >= 0 else baseline for k in range(week.index - 4, week.index)]
        ratio_cap = 1.3 * sum(prev) / 4
        if week.index - 1 in known:  # the first week back: rule 2 on what was run, but a restart is always allowed
            ratio_cap = max(ratio_cap, restart)
        elif any(k in known for k in range(week.index - 4, week.index)):
            ratio_cap = float("inf")  # rule 2 measures these weeks by the lived weeks as planned, not as run
        usable = sum(1 for d in week.days if not days[d].unavailable) / 7
        if week.phase == "taper":
            est = min(0.62 * peak, ratio_cap)
        elif week.phase == "race":
            est = 0.45 * peak
        elif week.recovery:
            est = min(cutback * ref, ratio_cap)
        else:
            est = min(max(target, baseline), (1 + cap) * ref, ratio_cap) * usable
        if week.is_reference:
            ref = est
        peak = max(peak, est)
        out.append(est)
    return [int(x) if i in known else int(x * shrink) for i, x in enumerate(out)]  # lived weeks were what they were


def _phases(n_weeks: int, race_km: float | None, profile: Profile, days: list[FrameDay],
            mondays: list[dt.date]) -> list[str]:
    """Base, build, peak, taper, race for a race; build then maintain for a fitness goal."""
    if race_km is None:
        # build while the volume can still rise towards the goal at ~7% a week, then maintain
        goal = profile.goal_weekly_km or profile.weekly_km
        need = 0 if goal <= profile.weekly_km else math.ceil(math.log(goal / profile.weekly_km) / math.log(1.07))
        build = min(n_weeks, max(need, 1 if goal > profile.weekly_km else 0))
        return ["build"] * build + ["maintain"] * (n_weeks - build)
    taper = min(taper_weeks_for(race_km), max(0, n_weeks - 2))
    body = n_weeks - 1 - taper  # weeks before the taper
    if body <= 0:
        return ["taper"] * taper + ["race"] if n_weeks > 1 else ["race"]
    peak = max(1, round(body * 0.25)) if body >= 3 else (1 if body == 2 else 0)
    base = round(body * 0.35) if body >= 4 else (1 if body == 3 else 0)
    build = body - peak - base
    return ["base"] * base + ["build"] * build + ["peak"] * peak + ["taper"] * taper + ["race"]


def _recovery_weeks(phases: list[str], every: int, days_off: list[int]) -> list[bool]:
    """Every ``every``-th week is a recovery week, outside taper and race. A week with three or more unavailable
    days is a recovery week in effect, so it is marked as one and the count starts again after it. The last week
    before the taper anchors the taper's measure of peak, so a recovery due then comes a week early."""
    n = len(phases)
    rec = [False] * n
    last_body = max((i for i, p in enumerate(phases) if p not in ("taper", "race")), default=-1)
    since = 0
    for i, phase in enumerate(phases):
        if phase in ("taper", "race"):
            since = 0
            continue
        due = since + 1 >= every
        early = i + 1 == last_body and since + 2 >= every and phases[-1] == "race"
        if i > 0 and (days_off[i] >= 3 or (due and (i != last_body or phases[-1] != "race")) or early):
            rec[i] = True
            since = 0
        else:
            since += 1
    return rec


def _quality_sessions(week: FrameWeek, profile: Profile, conservative: bool, race_km: float | None) -> int:
    """How many quality sessions (tempo, intervals, hills) a week aims for, by phase and level."""
    novice = profile.weekly_km < 25 or (profile.current.runs_per_week or 4) <= 3
    phase = week.phase
    if phase == "race":
        return 0
    if conservative:
        return 0 if phase == "base" or week.recovery else 1
    if week.recovery or phase == "taper":
        return 0 if novice else 1
    if phase == "base":
        return 0 if novice else 1
    if phase == "maintain":
        return 1 if novice else 2
    return 1 if novice else 2
