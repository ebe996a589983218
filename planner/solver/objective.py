"""Soft preferences: named, weighted penalties. Hard rules are in rules.py; nothing here can make a plan unsafe.

Each ``add_*`` returns a list of :class:`Penalty` (a variable, its weight and a name a runner understands), so after
solving the plan can say which preferences it had to bend and by how much. Weights are per tenth of a km or per
event; their order says what matters most: reaching race readiness, then the runner's schedule wishes, then
smoothness.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .frame import TAPER_AIM, Frame
from .variables import PlanVars

W_PEAK_SHORT = 100      # per 0.1 km the peak weeks fall short of the target volume
W_LONG_SHORT = 60       # per 0.1 km the longest run falls short of its target
W_OVER = 30             # per 0.1 km above the target (volume or long run): no reason to do more
W_FLOOR = 20            # per 0.1 km a normal week dips below the runner's current volume
W_RECOVERY_SHORT = 10   # per 0.1 km a recovery or taper week falls below what it aims for
W_STEEP = 4             # per 0.1 km a week rises more than 5% over its reference: gentler is better
W_QUALITY_MISSING = 400 # per quality session the phase wanted and the plan could not fit
W_STRENGTH_MISSING = 300
W_LONG_DAY = 250        # per week the long run is not on the preferred day
W_STRENGTH_DAY = 120    # per strength session off the preferred days
W_RUN_COUNT = 150       # per run a week more or fewer than the runner's usual number
W_LONG_RAMP = 6         # per 0.1 km the long run of an earlier week is below the target long run
W_UNEVEN = 3            # per 0.1 km of the week's longest easy run: keeps easy runs even
W_LONG_MISSING = 500    # per week with two or more runs but no long run
W_LONG_SHORT_DAY = 40   # per km of time budget the long run's day lacks against the week's roomiest day


@dataclass(frozen=True)
class Penalty:
    name: str          # "long run off sun", "peak volume short", ...
    kind: str          # groups penalties for the plan's warnings
    week: int | None   # plan week number, when it belongs to one
    var: cp_model.IntVar
    weight: int


def _slack(model: cp_model.CpModel, name: str, ub: int) -> cp_model.IntVar:
    return model.NewIntVar(0, max(ub, 0), name)


def add_volume_targets(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Reach the target peak volume and long run in the peak (or maintain) weeks; hold the current level before."""
    out: list[Penalty] = []
    top = 7 * max(f.long_cap_dk, f.race_dk or 0, 1)
    peak_phases = ("peak",) if any(w.phase == "peak" for w in f.weeks) else ("build", "maintain")
    if f.race_km is None:
        peak_phases = ("maintain",) if any(w.phase == "maintain" for w in f.weeks) else ("build",)
    for w, week in enumerate(f.weeks):
        wd, lr = v.week_distance(w), v.week_longest(w)
        n = week.number
        scale = len(week.days) / 7
        if week.phase in ("taper", "race"):
            continue
        if week.recovery:
            ref = f.reference_week(w)
            aim_expr = f.baseline_dk if ref is None else v.week_distance(ref)
            short = _slack(model, f"recovery_short[{n}]", top)
            # aim for the cutback ratio less 5 points: a real recovery, not a collapse
            model.Add(1000 * short >= int((f.rules["cutback_ratio"] - 0.05) * 1000) * aim_expr - 1000 * wd)
            out.append(Penalty("recovery week below its aim", "volume", n, short, W_RECOVERY_SHORT))
            continue
        if week.phase in peak_phases and week.full and not week.has_unavailable:
            short = _slack(model, f"peak_short[{n}]", f.target_week_dk)
            model.Add(short >= f.target_week_dk - wd)
            out.append(Penalty("peak volume short of target", "target", n, short, W_PEAK_SHORT))
            lshort = _slack(model, f"long_short[{n}]", f.target_long_dk)
            model.Add(lshort >= f.target_long_dk - lr)
            out.append(Penalty("long run short of target", "target", n, lshort, W_LONG_SHORT))
        elif week.phase in ("base", "build", "peak", "maintain"):
            # a long run that grows with the plan, week by week as far as rule 3 allows
            lramp = _slack(model, f"long_ramp[{n}]", f.target_long_dk)
            model.Add(lramp >= f.target_long_dk - lr)
            out.append(Penalty("long run building", "smoothness", n, lramp, W_LONG_RAMP))
        floor = int(f.baseline_dk * scale) if not week.has_unavailable else 0
        if floor > 0:
            dip = _slack(model, f"dip[{n}]", floor)
            model.Add(dip >= floor - wd)
            out.append(Penalty("week below current volume", "volume", n, dip, W_FLOOR))
        over = _slack(model, f"over[{n}]", top)
        model.Add(over >= wd - f.target_week_dk)
        out.append(Penalty("week above target", "volume", n, over, W_OVER))
        lover = _slack(model, f"long_over[{n}]", top)
        model.Add(lover >= lr - f.target_long_dk)
        out.append(Penalty("long run above target", "volume", n, lover, W_OVER))
        ref = f.reference_week(w)
        ref_expr = f.baseline_dk if ref is None else v.week_distance(ref)
        steep = _slack(model, f"steep[{n}]", top)
        model.Add(1000 * steep >= 1000 * wd - 1050 * ref_expr)
        out.append(Penalty("rise above 5% a week", "smoothness", n, steep, W_STEEP))
    return out


def add_taper_aims(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """A taper cuts volume, it does not stop running: aim for ~75% then ~62% of the last full week."""
    if f.race_week is None:
        return []
    body = [w for w, wk in enumerate(f.weeks) if wk.phase not in ("taper", "race") and not wk.recovery]
    if not body:
        return []
    anchor = v.week_distance(body[-1])
    taper = [w for w, wk in enumerate(f.weeks) if wk.phase == "taper"]
    out = []
    for back, w in enumerate(reversed(taper), start=1):
        aim = TAPER_AIM.get(len(taper) - back + 1, 0.7)
        short = _slack(model, f"taper_short[{f.weeks[w].number}]", 7 * f.long_cap_dk)
        model.Add(100 * short >= int(aim * 100) * anchor - 100 * v.week_distance(w))
        out.append(Penalty("taper week below its aim", "volume", f.weeks[w].number, short, W_RECOVERY_SHORT))
    return out


def add_session_mix(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Quality sessions and strength the phase asks for, the runner's usual number of runs, even easy runs."""
    out: list[Penalty] = []
    n_strength = f.rules["strength_per_week"]
    for w, week in enumerate(f.weeks):
        n = week.number
        training = [d for d in week.days if not f.days[d].is_race]
        if f.quality_cap[w] > 0:
            missing = _slack(model, f"quality_missing[{n}]", f.quality_cap[w])
            model.Add(missing >= f.quality_cap[w] - sum(v.quality(d) for d in training))
            out.append(Penalty("quality session dropped", "sessions", n, missing, W_QUALITY_MISSING))
        # weeks where rule 7 does not fix the count: aim for the usual number (one, light, in the taper)
        if week.phase != "race" and not (week.full and week.phase != "taper" and not week.has_unavailable):
            aim = min(n_strength, 1) if week.phase == "taper" else round(n_strength * len(week.days) / 7)
            if aim > 0:
                missing = _slack(model, f"strength_missing[{n}]", aim)
                model.Add(missing >= aim - sum(v.strength(d) for d in week.days))
                out.append(Penalty("strength session dropped", "sessions", n, missing, W_STRENGTH_MISSING))
        usual = min(f.desired_runs, sum(1 for d in week.days if f.days[d].can_run))
        if week.phase not in ("race",):
            dev = _slack(model, f"run_count_dev[{n}]", 7)
            runs = sum(v.run(d) for d in week.days)
            model.Add(dev >= runs - usual)
            model.Add(dev >= usual - runs)
            out.append(Penalty("runs a week differ from usual", "sessions", n, dev, W_RUN_COUNT))
        if len(training) >= 2 and week.phase != "race":
            no_long = _slack(model, f"long_missing[{n}]", 1)
            model.Add(no_long >= 1 - sum(v.long(d) for d in training))
            out.append(Penalty("week without a long run", "sessions", n, no_long, W_LONG_MISSING))
        # the long run belongs on the day with the most time; a shorter budget costs per km it lacks
        roomiest = max((f.days[d].max_dk for d in training), default=0)
        for d in training:
            lack = roomiest - f.days[d].max_dk
            if lack > 0 and f.days[d].can_run:
                out.append(Penalty("long run on a short day", "smoothness", n, v.long(d), W_LONG_SHORT_DAY * lack // 10))
    return out


def add_even_easy_runs(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Easy runs of a week about the same length: penalise the week's longest easy run."""
    out = []
    for week in f.weeks:
        training = [d for d in week.days if not f.days[d].is_race and f.days[d].can_run]
        if not training:
            continue
        easiest = model.NewIntVar(0, f.long_cap_dk, f"longest_easy[{week.number}]")
        for d in training:
            if isinstance(v.run(d), int):  # a held pattern: easy days are known
                if v.run(d) and not v.long(d) and not v.quality(d):
                    model.Add(easiest >= v.distance(d))
            else:
                model.Add(easiest >= v.distance(d)).OnlyEnforceIf([v.long(d).Not(), v.quality(d).Not()])
        out.append(Penalty("uneven easy runs", "smoothness", week.number, easiest, W_UNEVEN))
    return out


def add_day_preferences(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """The long run on the preferred day (the weekend when none is given); strength on the preferred days."""
    out: list[Penalty] = []
    pref_long = (f.long_run_pref,) if f.long_run_pref else ("sat", "sun")
    weight_long = W_LONG_DAY if f.long_run_pref else W_LONG_DAY // 5
    for week in f.weeks:
        n = week.number
        off = [v.long(d) for d in week.days if f.days[d].weekday not in pref_long and not f.days[d].is_race]
        if off:
            var = model.NewBoolVar(f"long_off_day[{n}]")
            model.AddMaxEquality(var, off)
            out.append(Penalty(f"long run off {'/'.join(pref_long)}", "preference" if f.long_run_pref else "smoothness",
                               n, var, weight_long))
    if f.strength_pref:
        for d, day in enumerate(f.days):
            if day.weekday not in f.strength_pref and day.can_strength:
                out.append(Penalty(f"strength off {'/'.join(f.strength_pref)}", "preference", f.days[d].week + 1,
                                   v.strength(d), W_STRENGTH_DAY))
    return out


def add_objective(model: cp_model.CpModel, v, f: Frame, *, stage: str = "all") -> list[Penalty]:
    """Minimise the weighted penalties of one stage: "pattern" (sessions and days), "distances" (volumes) or "all"."""
    penalties: list[Penalty] = []
    if stage in ("pattern", "all"):
        penalties += add_session_mix(model, v, f) + add_day_preferences(model, v, f)
    if stage in ("distances", "all"):
        penalties += add_volume_targets(model, v, f) + add_taper_aims(model, v, f)
        if stage == "all":  # the distances stage makes easy runs even by construction
            penalties += add_even_easy_runs(model, v, f)
    model.Minimize(sum(p.weight * p.var for p in penalties))
    return penalties
