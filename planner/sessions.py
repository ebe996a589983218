"""Session content: what a runner reads for each day, and the plan's advice and pain warnings.

The solver decides each day's run type and distance and whether there is a strength session; this module turns
those decisions into words. It follows the source article on why legs hurt when running: warm up, cool down, build
strength, hydrate, replace worn shoes, and do not ignore pain.

- :func:`make_run` builds a run of three blocks (warm-up, main, cool-down) whose minutes add up to the engine's
  total. Workouts (tempo, intervals, hills, a steady finish, strides) are sized by :func:`plan_workout` so that they
  fit the main block's minutes exactly, with the arithmetic done on whole seconds.
- :func:`make_strength` picks a 20-40 minute routine whose exercises progress over the plan.
- :func:`plan_advice`, :func:`pain_warnings` and :func:`is_conservative` read the profile.

Every text is deterministic; escaping is left to the renderers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .errors import PlannerError
from .paces import PaceZones, format_duration, format_pace
from .plan import Advice, Block, Run, StrengthSession, Warning
from .profile import KM_PER_MILE, Profile

QUALITY_TYPES = frozenset({"tempo", "intervals", "hills"})
RUN_ZONE = {"easy": "easy", "recovery": "easy", "long": "easy", "tempo": "threshold",
            "intervals": "interval", "hills": "repetition"}
DRILLS = "leg swings, torso twists, high knees, butt kicks, walking lunges"
STRETCHES = "calves, hamstrings, quads, hip flexors, glutes"
# Pain thresholds of profile-format.md.
PAIN_CONSERVATIVE_SEVERITY = 4
PAIN_REFUSE_SEVERITY = 7
PAIN_PERSISTENT_DAYS = 14


# --- units ------------------------------------------------------------------------------------------------------

def format_distance(km: float, units: str) -> str:
    """``"4.2 km"``, or ``"2.6 mi"`` for a miles profile (one decimal)."""
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


# --- warm-up and cool-down --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Bookend:
    """A warm-up or cool-down block: its text and the minutes of it spent moving (which cover distance)."""

    text: str
    jog_minutes: int


def drill_minutes(warmup_minutes: int) -> int:
    """Minutes of a warm-up spent on dynamic drills (not covering distance)."""
    return 3 if warmup_minutes >= 8 else 2


def stretch_minutes(cooldown_minutes: int) -> int:
    """Minutes of a cool-down spent stretching (not covering distance)."""
    return min(5, max(3, cooldown_minutes // 2))


def pause_minutes(warmup_minutes: int, cooldown_minutes: int) -> int:
    """The minutes of a training run that cover no distance: the warm-up's drills and the cool-down's stretches.

    A session lasts this plus its running at the planning pace (``paces.session_minutes``); every other minute of
    the warm-up and cool-down is jogging (strides before quality sessions count as jogging: quick, with walks).
    """
    return drill_minutes(warmup_minutes) + stretch_minutes(cooldown_minutes)


def _warmup(run_type: str, minutes: int) -> _Bookend:
    """Easy jog, then dynamic drills; strides too before quality sessions. The race: walk, drills, strides."""
    drills = drill_minutes(minutes)
    if run_type == "race":
        strides = 2 if minutes >= 7 else 1
        walk = max(0, minutes - drills - strides)
        lead = f"{walk} min brisk walk or very easy jog, then " if walk else ""
        return _Bookend(f"{lead}{drills} min dynamic drills ({DRILLS}), then 3-4 x 15 s strides at race effort. "
                        "Keep it light: the race is the workout.", 0)
    strides = 0
    if run_type in QUALITY_TYPES:
        strides = 3 if minutes >= 9 else 2  # 4 x 20 s with a walk back: wakes the legs up for faster running
    jog = max(0, minutes - drills - strides)
    text = f"{jog} min easy jog, then {drills} min dynamic drills ({DRILLS})" if jog else \
        f"{drills} min dynamic drills ({DRILLS})"
    if strides:
        text += f", then 4 x 20 s strides, walking back between (about {strides} min)"
    return _Bookend(text, jog + strides)


def _cooldown(run_type: str, minutes: int) -> _Bookend:
    """Easy jog or walk, then static stretches of the big running muscles."""
    stretches = stretch_minutes(minutes)
    jog = minutes - stretches
    move = "walk" if run_type == "race" else "easy jog or walk"
    text = f"{jog} min {move}, then {stretches} min static stretches, 30 s each side: {STRETCHES}"
    # The race's distance is the race; walking after it covers no planned distance.
    return _Bookend(text, 0 if run_type == "race" else jog)


# --- workouts ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workout:
    """The shape of a main block, in whole seconds, so it can be shown to fit the block's minutes.

    ``reps`` efforts of ``rep_seconds`` at ``zone`` with ``recovery_seconds`` between them (and after the last one
    for hills, whose recovery is getting back down the hill), framed by easy running before and after.
    A plain easy run is zero reps.
    """

    kind: str                # easy | recovery | long | steady finish | strides | tempo | cruise | intervals | hills
    zone: str                # the zone of the efforts (or "easy")
    reps: int
    rep_seconds: int
    recovery_seconds: int
    easy_before_seconds: int
    easy_after_seconds: int

    @property
    def work_seconds(self) -> int:
        if self.reps == 0:
            return 0
        recoveries = self.reps if self.kind == "hills" else self.reps - 1
        return self.reps * self.rep_seconds + recoveries * self.recovery_seconds

    @property
    def total_seconds(self) -> int:
        return self.easy_before_seconds + self.work_seconds + self.easy_after_seconds


def _reps_that_fit(budget_s: int, rep_s: int, recovery_s: int, most: int, *, trailing_recovery: bool) -> int:
    """How many reps of ``rep_s`` with ``recovery_s`` between fit in ``budget_s`` (at most ``most``)."""
    if trailing_recovery:
        return min(most, budget_s // (rep_s + recovery_s))
    return min(most, (budget_s + recovery_s) // (rep_s + recovery_s))


def _framed(kind: str, zone: str, reps: int, rep_s: int, recovery_s: int, budget_s: int) -> Workout:
    """Put the efforts in the block and the time left over as easy running, split before/after when it is long."""
    probe = Workout(kind, zone, reps, rep_s, recovery_s, 0, 0)
    left = budget_s - probe.work_seconds
    before = (left // 120) * 60 if left >= 600 else 0  # ten minutes or more left: half of it (whole minutes) first
    return Workout(kind, zone, reps, rep_s, recovery_s, before, left - before)


# Rep shapes per phase: (rep seconds, recovery seconds, most reps). Recoveries are easy jogging.
_CRUISE = {"base": (300, 60, 4), "build": (480, 120, 3), "peak": (600, 120, 4), "taper": (360, 120, 2),
           "race": (300, 120, 2), "maintain": (480, 120, 3)}
_CONTINUOUS_TEMPO = {"build": 20 * 60, "peak": 25 * 60}  # alternate weeks in build, every week in peak
_INTERVALS = {"base": (120, 60, 6), "build": (180, 120, 5), "peak": (240, 180, 5), "taper": (120, 120, 4),
              "race": (120, 120, 3), "maintain": (180, 120, 5)}
_HILLS = {"base": (45, 6), "build": (60, 8), "peak": (75, 8), "taper": (30, 6), "race": (30, 4),
          "maintain": (60, 6)}


def plan_workout(run_type: str, phase: str, week_number: int, main_minutes: int, *, strides: bool = False,
                 race_km: float | None = None) -> Workout:
    """The main block's workout for a run type and phase, sized to fit ``main_minutes`` exactly.

    Args:
        run_type: easy, recovery, long, tempo, intervals or hills.
        phase: base, build, peak, taper, race or maintain (sets the reps and their length).
        week_number: alternates the tempo's form (cruise intervals / continuous) in the build phase.
        main_minutes: minutes of the main block.
        strides: an easy run ends with strides.
        race_km: the goal race distance; half marathons and longer get a steady finish on build/peak long runs.

    Returns:
        A :class:`Workout` whose ``total_seconds`` equals ``main_minutes * 60``.
    """
    budget = main_minutes * 60
    if run_type == "tempo":
        continuous = _CONTINUOUS_TEMPO.get(phase)
        if continuous and (phase == "peak" or week_number % 2 == 0) and budget >= continuous:
            return _framed("tempo", "threshold", 1, continuous, 0, budget)
        rep, rec, most = _CRUISE.get(phase, _CRUISE["maintain"])
        # Shorten the reps until at least two fit; a very short block holds one continuous effort.
        while rep > 180 and _reps_that_fit(budget, rep, rec, most, trailing_recovery=False) < 2:
            rep -= 60
            rec = 60
        reps = _reps_that_fit(budget, rep, rec, most, trailing_recovery=False)
        if reps < 2:
            return _framed("tempo", "threshold", 1, max(60, min(budget, 15 * 60) // 60 * 60), 0, budget) \
                if budget >= 60 else _framed("easy", "easy", 0, 0, 0, budget)
        return _framed("cruise", "threshold", reps, rep, rec, budget)
    if run_type == "intervals":
        rep, rec, most = _INTERVALS.get(phase, _INTERVALS["maintain"])
        while rep > 60 and _reps_that_fit(budget, rep, rec, most, trailing_recovery=False) < 3:
            rep, rec = rep - 60, max(60, rec - 60)
        reps = _reps_that_fit(budget, rep, rec, most, trailing_recovery=False)
        if reps == 0:
            return _framed("easy", "easy", 0, 0, 0, budget)
        return _framed("intervals", "interval", reps, rep, rec, budget)
    if run_type == "hills":
        rep, most = _HILLS.get(phase, _HILLS["maintain"])
        # Walk or jog down: about twice as long as the climb, so each rep starts fresh.
        while rep > 30 and _reps_that_fit(budget, rep, 2 * rep, most, trailing_recovery=True) < 4:
            rep -= 15
        reps = _reps_that_fit(budget, rep, 2 * rep, most, trailing_recovery=True)
        if reps == 0:
            return _framed("easy", "easy", 0, 0, 0, budget)
        return _framed("hills", "repetition", reps, rep, 2 * rep, budget)
    if run_type == "long":
        if race_km is not None and race_km >= 21.0 and phase in ("build", "peak") and budget >= 50 * 60:
            share = 0.15 if phase == "build" else 0.25
            steady = max(10, min(30, int(main_minutes * share) // 5 * 5)) * 60
            return Workout("steady finish", "marathon", 1, steady, 0, budget - steady, 0)
        return Workout("long", "easy", 0, 0, 0, budget, 0)
    if run_type == "easy" and strides and budget >= 5 * 60:
        # 20 s quick and relaxed, 40 s walking back: a minute each, at most six.
        reps = min(6, max(2, (budget - 4 * 60) // 60))
        block = reps * 60 - 40  # no walk after the last one
        return Workout("strides", "repetition", reps, 20, 40, budget - block, 0)
    kind = run_type if run_type in ("easy", "recovery") else "easy"
    return Workout(kind, "easy", 0, 0, 0, budget, 0)


def _clock(seconds: int) -> str:
    """``"5 min"``, ``"90 s"``, ``"2 min 30 s"``."""
    m, s = divmod(seconds, 60)
    if m and s:
        return f"{m} min {s} s"
    return f"{m} min" if m else f"{s} s"


def _at(zones: PaceZones, zone: str) -> str:
    """``"at 5:50-6:20 /km"``, or ``"at an effort that is conversational: ..."`` without paces."""
    return f"at {zones.label(zone)}" if zones.has_paces else f"at an effort that is {zones.label(zone)}"


def _main_text(workout: Workout, run_type: str, main_km: float, units: str, zones: PaceZones) -> str:
    dist = format_distance(main_km, units)
    easy = _at(zones, "easy")
    before = f"{_clock(workout.easy_before_seconds)} easy, then " if workout.easy_before_seconds else ""
    after = f", then {_clock(workout.easy_after_seconds)} easy" if workout.easy_after_seconds else ""
    about = f" (about {dist} in all)"
    kind = workout.kind
    if kind == "recovery":
        if zones.has_paces:
            return f"Recovery {dist}, very easy: at or slower than the slow end of {zones.label('easy')}. " \
                   "Stop early if anything hurts."
        return f"Recovery {dist}, very easy: slower than conversational, you could hum along (RPE 2-3). " \
               "Stop early if anything hurts."
    if kind in ("easy", "long"):
        label = "Long run" if run_type == "long" else "Easy"
        return f"{label} {dist} {easy}"
    if kind == "steady finish":
        return (f"Long run {dist}: the first {_clock(workout.easy_before_seconds)} easy {easy}, "
                f"the last {_clock(workout.rep_seconds)} steady {_at(zones, 'marathon')}")
    if kind == "strides":
        reps = "4-6" if workout.reps == 6 else str(workout.reps)
        return (f"Easy {dist} {easy}; in the last {_clock(workout.work_seconds)}, {reps} x 20 s strides "
                "(quick and relaxed, not a sprint) with a 40 s walk back")
    if kind == "tempo":
        return f"Tempo: {before}{_clock(workout.rep_seconds)} continuous {_at(zones, 'threshold')}{after}{about}"
    if kind == "cruise":
        return (f"Tempo (cruise intervals): {before}{workout.reps} x {_clock(workout.rep_seconds)} "
                f"{_at(zones, 'threshold')} with {_clock(workout.recovery_seconds)} easy jog between{after}{about}")
    if kind == "intervals":
        return (f"Intervals: {before}{workout.reps} x {_clock(workout.rep_seconds)} {_at(zones, 'interval')} "
                f"with {_clock(workout.recovery_seconds)} easy jog recoveries{after}{about}")
    if kind == "hills":
        # Uphill, pace means little: give the effort, and the pace only as what that effort feels like on the flat.
        effort = (f"at repetition effort (what {zones.label('repetition')} feels like on the flat)" if zones.has_paces
                  else f"at repetition effort: {zones.label('repetition')}")
        return (f"Hills: {before}{workout.reps} x {_clock(workout.rep_seconds)} uphill on a moderate grade (4-6%) "
                f"{effort}, walk or jog back down ({_clock(workout.recovery_seconds)}); "
                f"tall posture, quick steps{after}{about}")
    raise PlannerError(f"sessions: no text for workout kind {kind!r}")  # pragma: no cover - kinds are closed


# --- the race ---------------------------------------------------------------------------------------------------

def _race_effort(distance_km: float) -> str:
    """How a race of this distance should feel, for runners with no pace zones."""
    if distance_km <= 5.5:
        return "hard (RPE 9)"
    if distance_km <= 10.5:
        return "comfortably hard to hard (RPE 8)"
    if distance_km <= 21.5:
        return "comfortably hard (RPE 7)"
    if distance_km <= 42.5:
        return "steady (RPE 6)"
    return "steady and even, walking the steep climbs (RPE 5-6)"


def _race_main(distance_km: float, main_minutes: int, zones: PaceZones, units: str,
               race_name: str | None) -> tuple[str, str]:
    title = f"Race: {race_name}, " if race_name else "Race: "
    dist = format_distance(distance_km, units)
    predicted = zones.predicted_seconds(distance_km) if zones.has_paces else None
    fuel = " Drink and fuel as you practised on long runs." if main_minutes > 90 else ""
    if predicted is not None:
        per_km = predicted / distance_km
        unit = "/mi" if units == "mi" else "/km"
        pace = f"{format_pace(per_km, units)} {unit}"
        text = (f"{title}{dist} at about {pace} (predicted finish {format_duration(predicted)}). Start controlled, "
                f"settle into the pace, finish strong.{fuel}")
        return text, pace
    effort = _race_effort(distance_km)
    text = (f"{title}{dist} at an even effort, {effort}. Start slower than you feel you could, "
            f"settle in, finish strong.{fuel}")
    return text, f"effort: {effort}"


# --- runs -------------------------------------------------------------------------------------------------------

def make_run(run_type: str, distance_km: float, minutes: int, *, zones: PaceZones, warmup_minutes: int,
             cooldown_minutes: int, phase: str, week_number: int, units: str, strides: bool = False,
             race_name: str | None = None, race_km: float | None = None) -> Run:
    """A run with its three blocks: warm-up, main, cool-down.

    Args:
        run_type: easy, recovery, long, tempo, intervals, hills or race.
        distance_km: the whole session, warm-up and cool-down jogging included.
        minutes: the session's total, decided by the engine (``paces.session_minutes`` with ``pause_minutes`` for
            training runs, so the main block's minutes are what its distance takes at the planning pace; warm-up +
            predicted race time + cool-down for the race).
        zones: the runner's pace zones (effort descriptions when there is no race time).
        warmup_minutes: minutes of the warm-up block.
        cooldown_minutes: minutes of the cool-down block.
        phase: the week's phase; shapes the workouts.
        week_number: the week of the plan (1-based); varies the tempo's form.
        units: "km" or "mi", for the distances in the text.
        strides: an easy run ends with strides.
        race_name: the race's name, for the race.
        race_km: the goal race's distance (optional): half marathons and longer get steady finishes on long runs.

    Returns:
        A :class:`~planner.plan.Run` with ``shoe=None`` (shoes.py assigns shoes).

    Raises:
        PlannerError: the minutes leave no main block, or the run type is unknown.
    """
    if run_type not in RUN_ZONE and run_type != "race":
        raise PlannerError(f"sessions: unknown run type {run_type!r}; expected one of "
                           "easy, recovery, long, tempo, intervals, hills, race")
    main_minutes = minutes - warmup_minutes - cooldown_minutes
    if main_minutes < 1:
        raise PlannerError(f"sessions: a {distance_km:.1f} km {run_type} run of {minutes} min has no time left for "
                           f"its main block after {warmup_minutes} min warm-up and {cooldown_minutes} min cool-down")
    warm = _warmup(run_type, warmup_minutes)
    cool = _cooldown(run_type, cooldown_minutes)
    if run_type == "race":
        main_text, pace = _race_main(distance_km, main_minutes, zones, units, race_name)
    else:
        # The jogging of the warm-up and cool-down covers part of the distance, at the planning (easy) pace.
        jog_km = (warm.jog_minutes + cool.jog_minutes) * 60.0 / zones.planning_easy_s_per_km
        main_km = max(0.1, round(distance_km - jog_km, 1))
        workout = plan_workout(run_type, phase, week_number, main_minutes, strides=strides, race_km=race_km)
        main_text = _main_text(workout, run_type, main_km, units, zones)
        pace = zones.short(RUN_ZONE[run_type])
    blocks = (Block("warmup", warmup_minutes, warm.text), Block("main", main_minutes, main_text),
              Block("cooldown", cooldown_minutes, cool.text))
    return Run(type=run_type, distance_km=round(distance_km, 1), minutes=sum(b.minutes for b in blocks),
               warmup_minutes=warmup_minutes, cooldown_minutes=cooldown_minutes, blocks=blocks, pace=pace, shoe=None)


# --- strength ---------------------------------------------------------------------------------------------------

# Each muscle group's exercises from easiest to hardest; "{sets}" is filled with the session's number of sets.
_LADDERS: dict[str, tuple[str, ...]] = {
    "quads": ("bodyweight squats {sets} x 12", "split squats {sets} x 8 each leg",
              "single-leg squats to a box {sets} x 6 each leg"),
    "hamstrings": ("straight-leg bridges, heels on a step {sets} x 10",
                   "single-leg Romanian deadlifts {sets} x 8 each leg",
                   "Nordic curls (slow lowering) {sets} x 5"),
    "glutes": ("glute bridges {sets} x 12", "single-leg glute bridges {sets} x 10 each leg",
               "hip thrusts {sets} x 10"),
    "calves": ("calf raises {sets} x 15", "single-leg calf raises {sets} x 12 each leg",
               "eccentric heel drops off a step {sets} x 15 each leg"),
    "hips": ("clamshells {sets} x 15 each side", "side-lying leg raises {sets} x 12 each side",
             "band monster walks {sets} x 10 steps each way"),
    "core": ("plank {sets} x 30 s", "side plank {sets} x 30 s each side",
             "dead bugs {sets} x 10 each side + Pallof press {sets} x 10 each side"),
}
# Three emphases; sessions rotate through them so every group gets its turn every week or two.
_EMPHASES: tuple[tuple[str, ...], ...] = (
    ("quads", "glutes", "calves", "core"),
    ("hamstrings", "hips", "calves", "core"),
    ("glutes", "hips", "quads", "core"),
)


def strength_level(week_number: int, total_weeks: int, *, conservative: bool) -> int:
    """0, 1 or 2: the rung of each exercise ladder for this week (thirds of the plan; one rung less if conservative)."""
    span = max(1, total_weeks - 1)
    level = min(2, int(3 * (week_number - 1) / span)) if total_weeks > 1 else 0
    return max(0, level - 1) if conservative else level


def make_strength(week_number: int, total_weeks: int, phase: str, session_index: int, *,
                  conservative: bool) -> StrengthSession:
    """A 20-40 minute strength session whose exercises progress over the plan.

    Args:
        week_number: the week of the plan (1-based).
        total_weeks: weeks in the plan; sets how fast the exercises progress.
        phase: the week's phase; taper and race weeks get a lighter session.
        session_index: 0, 1 or 2 within the week; each gets a different emphasis.
        conservative: the runner reported pain: one rung easier and fewer sets.

    Returns:
        A :class:`~planner.plan.StrengthSession`.
    """
    level = strength_level(week_number, total_weeks, conservative=conservative)
    light = phase in ("taper", "race")
    if light:
        level = min(level, 1)  # keep what was built, add nothing new before the race
    sets = 2 if (light or conservative) else 3
    groups = _EMPHASES[(session_index + week_number - 1) % len(_EMPHASES)]
    exercises = [_LADDERS[g][level].format(sets=sets) for g in groups]
    # Later in the plan, add a fifth exercise for the weakest-link group of the emphasis (single-leg work).
    if level == 2 and not light and not conservative:
        extra = "hamstrings" if "hamstrings" not in groups else "glutes"
        exercises.append(_LADDERS[extra][1].format(sets=sets))
    exercises.insert(0, "5 min warm-up: brisk walk or easy cycling, then leg swings and hip circles")
    work = (len(exercises) - 1) * sets * 2  # about two minutes per set with its rest
    minutes = max(20, min(40, 5 + work))
    minutes = int(math.ceil(minutes / 5.0) * 5)
    return StrengthSession(minutes=min(40, minutes), focus=", ".join(groups), exercises=tuple(exercises))


# --- advice -----------------------------------------------------------------------------------------------------

def _limit_text(profile: Profile, km: float) -> str:
    return format_distance(km, profile.units).replace(".0 ", " ")


def plan_advice(profile: Profile, *, conservative: bool, longest_run_minutes: int) -> tuple[Advice, ...]:
    """The plan's advice, one entry per topic, tailored to the profile.

    Topics, in this order: warmup, hydration, footwear, overtraining, pain, strength, recovery.

    Args:
        profile: the runner's profile (climate, shoes, pain, rules, units).
        conservative: the plan is in conservative mode because of pain.
        longest_run_minutes: the longest training run of the plan, in minutes.
    """
    r = profile.rules
    units = profile.units
    out: list[Advice] = []
    out.append(Advice("warmup", (
        f"Start every run with at least {r.warmup_minutes} minutes of warm-up: easy jogging, then dynamic drills "
        f"({DRILLS}); before tempo, interval and hill sessions add a few 20-second strides. Finish with at least "
        f"{r.cooldown_minutes} minutes of easy jogging or walking and static stretches ({STRETCHES}). Cold muscles "
        "and a sudden stop are common reasons legs hurt.")))

    hydration = ["Drink to thirst through the day and on runs."]
    if longest_run_minutes > 60:
        hydration.append(f"Your longest run is about {longest_run_minutes} minutes: carry fluids on runs beyond "
                         "60-75 minutes")
        if longest_run_minutes > 90:
            hydration[-1] += ", and take electrolytes (a sports drink or tablets) beyond about 90 minutes"
        hydration[-1] += "."
    else:
        hydration.append("Carry fluids on any run beyond 60-75 minutes, and take electrolytes beyond about 90.")
    if profile.climate in ("hot", "humid"):
        hydration.append(f"In your {profile.climate} climate you lose more fluid: drink 400-600 ml in the two hours "
                         "before running, carry water on runs beyond 45 minutes, add electrolytes sooner, run in "
                         "the cooler hours of the morning or evening, and slow down on hot days (judge by effort, "
                         "not pace).")
    hydration.append("Dark urine, headache or dizziness mean you are behind: stop, drink and cool down.")
    out.append(Advice("hydration", " ".join(hydration)))

    typical = "300-500 mi" if units == "mi" else "500-800 km"
    footwear = [f"Worn shoes stop cushioning long before they look worn: replace running shoes after about {typical}."]
    if profile.shoes:
        limits = "; ".join(f"{s.name}: {_limit_text(profile, profile.km(s.distance))} run, replace at "
                           f"{_limit_text(profile, profile.shoe_limit_km(s))}"
                           for s in profile.shoes)
        footwear.append(f"Your shoes: {limits}. The plan tracks them and reminds you before each pair is due.")
        if len(profile.shoes) > 1:
            footwear.append("Rotating pairs spreads the wear and varies the load on your legs.")
        else:
            footwear.append("A second pair to rotate with spreads the wear and varies the load on your legs.")
    else:
        footwear.append("List your shoes in the profile (`shoes:`) and the plan will track their distance and "
                        "remind you before they are due.")
    footwear.append("Match the shoe to the surface: trail shoes on trails, road shoes on roads. Break a new pair in "
                    f"on easy runs, and never race in shoes with less than {_limit_text(profile, 30.0)} on them.")
    out.append(Advice("footwear", " ".join(footwear)))

    overtraining = ("Watch for overtraining: persistent soreness, falling performance, poor sleep, an elevated "
                    "resting heart rate or irritability. If two or more last for several days, take extra rest days "
                    "and cut the week's volume by a third until they pass; skipping a run never ruins a plan.")
    if conservative:
        overtraining += " Your plan is already in conservative mode: be quicker still to rest."
    out.append(Advice("overtraining", overtraining))

    pain = ("Do not run through pain. Sharp pain, pain that persists for more than a few days, severe pain, "
            "swelling, or pain that changes your gait: stop and see a physiotherapist or doctor.")
    areas = [p.area for p in profile.health.pain if p.severity > 0]
    if areas:
        pain += f" You listed pain in: {', '.join(areas)}. Keep an eye on it; if it gets worse, stop and get it checked."
    if conservative:
        pain += " Because of that pain the plan is conservative: slower progression and no intervals."
    if profile.health.conditions:
        pain += (f" With {', '.join(profile.health.conditions)}, follow your doctor's or physiotherapist's advice "
                 "where it differs from this plan.")
    out.append(Advice("pain", pain))

    if r.strength_per_week:
        strength = (f"The plan has {r.strength_per_week} strength session{'s' if r.strength_per_week != 1 else ''} "
                    "a week for quads, hamstrings, glutes, calves, hips and core; the exercises get harder over "
                    "the plan. Strong muscles absorb the load of running that would otherwise reach your joints "
                    "and tendons. Move with control, and stop an exercise that hurts.")
    else:
        strength = ("Your profile sets strength_per_week to 0, so the plan has no strength sessions. Two short "
                    "sessions a week (squats, bridges, calf raises, planks) are one of the best protections "
                    "against running injuries.")
    out.append(Advice("strength", strength))

    out.append(Advice("recovery", (
        "Fitness is built while you recover: sleep 7-9 hours, eat enough (carbohydrate for fuel, about 20-30 g of "
        "protein in the meal after hard and long runs), and keep easy days truly easy. Rest days are part of the "
        "plan, not a gap in it.")))
    return tuple(out)


# --- pain -------------------------------------------------------------------------------------------------------

def _persistent(since: dt.date | None, start_date: dt.date) -> bool:
    """Older than 14 days at the plan's start (profile-format.md)."""
    return since is not None and since < start_date - dt.timedelta(days=PAIN_PERSISTENT_DAYS)


def is_conservative(profile: Profile, start_date: dt.date) -> bool:
    """The plan must be conservative: pain of severity 4 or more, or any pain older than 14 days.

    Severity 7+ counts (the engine refuses it unless a professional has cleared the runner, and a cleared plan
    stays conservative). A pain entry of severity 0 reports no pain now but is still counted when it is old:
    an entry that has been listed for weeks is persistent, whatever today's number.
    """
    return any(p.severity >= PAIN_CONSERVATIVE_SEVERITY or _persistent(p.since, start_date)
               for p in profile.health.pain)


def pain_warnings(profile: Profile, start_date: dt.date) -> tuple[Warning, ...]:
    """Warnings (kind "pain") for the reported pain, one per entry, in profile order.

    Severity 4-6 or older than 14 days: the plan is conservative and the runner should see a professional.
    Severity 7+ with ``cleared_by_professional``: the plan respects the clearance and stays conservative.
    Mild, recent pain (1-3): a gentle note. Severity 0 and recent: nothing to say.
    """
    out: list[Warning] = []
    cleared = profile.health.cleared_by_professional
    for p in profile.health.pain:
        what = f"{p.area} pain (severity {p.severity}/10"
        if p.since is not None:
            what += f", since {p.since.isoformat()}"
        what += ")"
        what = what[0].upper() + what[1:]
        if p.severity >= PAIN_REFUSE_SEVERITY:
            if cleared:
                text = (f"{what}: you report that a professional has cleared you to run, and the plan respects "
                        "that, but it stays conservative (progression capped at 5% a week, no intervals). Stop "
                        "and see them again if the pain returns or gets worse.")
            else:
                text = (f"{what}: pain this severe needs a physiotherapist or doctor before you train. "
                        "Do not follow a plan until they have cleared you.")
        elif p.severity >= PAIN_CONSERVATIVE_SEVERITY or _persistent(p.since, start_date):
            why = "it has lasted more than 14 days" if _persistent(p.since, start_date) else "it is moderate"
            text = (f"{what}: {why}, so the plan is conservative (progression capped at 5% a week, no "
                    "intervals). See a physiotherapist or doctor about it, and stop running if it gets worse, "
                    "turns sharp or changes how you run.")
        elif p.severity >= 1:
            text = (f"{what}: mild and recent. Keep the easy runs easy and watch it; if it lasts more than a few "
                    "days, gets worse or changes how you run, stop and see a physiotherapist or doctor.")
        else:
            continue
        out.append(Warning(kind="pain", text=text))
    return tuple(out)
