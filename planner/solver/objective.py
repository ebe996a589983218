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
W_LONG_MISSING = 900    # per week with two or more runs but no long run: more than two quality sessions
W_LONG_SHORT_DAY = 40   # per km of time budget the long run's day lacks against the week's roomiest day
W_STRENGTH_SQUEEZE = 25  # per km a run loses to a strength session the same day: less than a run fewer a week
W_STRENGTH_ON_LONG = 60  # per strength session on the day of the long run
W_LONG_TOO_SHORT = 450  # per week the long run is on a day whose budget cannot hold the long run it aims for:
                        # above a quality session, as a long run capped short caps every long run after it (rule 3)


@dataclass(frozen=True)
class Penalty:
    name: str          # "long run off sun", "peak volume short", ...
    kind: str          # groups penalties for the plan's warnings
    week: int | None   # plan week number, when it belongs to one
    var: cp_model.IntVar
    weight: int


def _slack(model: cp_model.CpModel, name: str, ub: int) -> cp_model.IntVar:
    return model.new_int_var(0, max(ub, 0), name)


def desired_curve(f: Frame) -> tuple[list[int], list[int]]:
    """The plan we would draw by hand: weekly volume and long run rising evenly from today's level to the target by
    the last full week before the taper, no faster than needed (at most the progression cap), cut back in recovery
    weeks, tapered before the race, and within what rules 1 and 2 allow (integer arithmetic as rules.py).

    The solver is asked to stay close to it (below costs more than above). Its aims are constants, so the model's
    relaxation stays tight and CP-SAT proves optimality in milliseconds; the hard rules decide what is safe.
    """
    base, target = f.baseline_dk, max(f.target_week_dk, f.baseline_dk)
    base_long, target_long = f.baseline_long_dk, max(f.target_long_dk, 1)
    body = [w for w, wk in enumerate(f.weeks) if wk.phase not in ("taper", "race")]
    anchor = body[-1] if body else len(f.weeks) - 1
    steps = max(1, sum(1 for w in body if f.weeks[w].is_reference))
    cap = f.rules["progression_cap"]
    rate = min(cap, max(0.03, (target / max(base, 1)) ** (1 / steps) - 1)) if target > base else 0.0
    lrate = min(cap, max(0.03, (target_long / max(base_long, 1)) ** (1 / steps) - 1)) if target_long > base_long else 0.0
    vols: list[int] = []
    longs: list[int] = []
    level, lev_long = float(base), float(base_long)
    peak = base
    capm = 1000 + int(round(cap * 1000))
    share_pm = int(round(f.rules["long_run_max_share"] * 1000))
    for w, week in enumerate(f.weeks):
        prev = sum(vols[k] if k >= 0 else base for k in range(w - 4, w))
        ref = f.reference_week(w)
        ratio_cap = min(13 * prev // 40, capm * (base if ref is None else vols[ref]) // 1000)
        last_day = f.days[week.days[-1]].date
        spike_from = [longs[k] for k in range(max(0, w - 3), w)]
        if (last_day - f.start).days <= 29:
            spike_from.append(base_long)
        spike_cap = capm * max(spike_from, default=base_long) // 1000
        usable = sum(1 for d in week.days if not f.days[d].unavailable) / 7
        if week.phase == "taper":
            back = sum(1 for k in range(w, len(f.weeks)) if f.weeks[k].phase == "taper")
            vol = int(TAPER_AIM.get(back, 0.7) * peak)
            lng = int(lev_long * (0.75 if back >= 2 else 0.6))
            level = vol
        elif week.phase == "race":
            vol, lng = 0, 0
        elif week.recovery:
            vol = int((f.rules["cutback_ratio"] - 0.03) * (base if ref is None else vols[ref]))
            lng = int(lev_long * 0.75)
        else:
            if w > 0 and vols:
                level = min(float(target), level * (1 + rate))
                lev_long = min(float(target_long), lev_long * (1 + lrate))
            vol = int(min(level, capm * (base if ref is None else vols[ref]) / 1000) * usable)
            level = min(level, float(capm * (base if ref is None else vols[ref]) // 1000))
            lng = int(lev_long)
        vol = min(vol, ratio_cap, f.week_bound[w])
        lng = min(lng, f.long_bound[w], spike_cap)
        if week.full and week.phase != "race" and not week.has_unavailable:
            lng = min(lng, share_pm * vol // 1000)  # rule 8: an aim the week's own aim cannot hold is no aim
        if week.phase not in ("taper", "race"):
            peak = max(peak, vol)
        vols.append(vol)
        longs.append(lng)
    return vols, longs


def add_volume_targets(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Stay close to the desired curve: short of it in the peak weeks costs most (race readiness), short of it
    elsewhere less, above it least (no reason to do more)."""
    out: list[Penalty] = []
    top = 7 * max(f.long_cap_dk, f.race_dk or 0, 1)
    vols, longs = desired_curve(f)
    peak_phases = ("peak",) if any(w.phase == "peak" for w in f.weeks) else ("build", "maintain")
    if f.race_km is None:
        peak_phases = ("maintain",) if any(w.phase == "maintain" for w in f.weeks) else ("build",)
    for w, week in enumerate(f.weeks):
        if week.phase == "race":
            continue
        wd, lr = v.week_distance(w), v.week_longest(w)
        n = week.number
        at_peak = week.phase in peak_phases and not week.recovery and week.full and not week.has_unavailable
        short = _slack(model, f"short[{n}]", vols[w])
        model.add(short >= vols[w] - wd)
        out.append(Penalty("peak volume short of target" if at_peak else "week below its aim",
                           "target" if at_peak else "volume", n, short, W_PEAK_SHORT if at_peak else W_FLOOR))
        # Above the target: no reason to do more. Above the curve is not penalised: the rules cap the rise, and
        # penalising excess against a curve the pattern cannot follow exactly trades weeks against each other,
        # which made the relaxation weak and the solve 10-1000x slower (measured).
        over = _slack(model, f"over[{n}]", top)
        model.add(over >= wd - max(vols[w], f.target_week_dk))
        out.append(Penalty("week above target", "smoothness", n, over, W_OVER))
        lshort = _slack(model, f"long_short[{n}]", longs[w])
        model.add(lshort >= longs[w] - lr)
        out.append(Penalty("long run short of target" if at_peak else "long run below its aim",
                           "target" if at_peak else "smoothness", n, lshort, W_LONG_SHORT if at_peak else W_LONG_RAMP))
        lover = _slack(model, f"long_over[{n}]", top)
        model.add(lover >= lr - longs[w])
        out.append(Penalty("long run above its aim", "smoothness", n, lover, W_STEEP))
    return out


def add_taper_aims(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Taper aims are part of the desired curve (add_volume_targets)."""
    return []


def add_session_mix(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Quality sessions and strength the phase asks for, the runner's usual number of runs, even easy runs."""
    out: list[Penalty] = []
    n_strength = f.rules["strength_per_week"]
    _, longs = desired_curve(f)
    for w, week in enumerate(f.weeks):
        n = week.number
        training = [d for d in week.days if not f.days[d].is_race]
        if f.quality_cap[w] > 0:
            missing = _slack(model, f"quality_missing[{n}]", f.quality_cap[w])
            model.add(missing >= v.quality_cap(w) - cp_model.LinearExpr.sum([v.quality(d) for d in training]))
            out.append(Penalty("quality session dropped", "sessions", n, missing, W_QUALITY_MISSING))
        # weeks where rule 7 does not fix the count: aim for the usual number (one, light, in the taper)
        if week.phase != "race" and not (week.full and week.phase != "taper" and not week.has_unavailable):
            aim = min(n_strength, 1) if week.phase == "taper" else round(n_strength * len(week.days) / 7)
            if aim > 0:
                missing = _slack(model, f"strength_missing[{n}]", aim)
                model.add(missing >= aim - cp_model.LinearExpr.sum([v.strength(d) for d in week.days]))
                out.append(Penalty("strength session dropped", "sessions", n, missing, W_STRENGTH_MISSING))
        usual = min(f.runs_aim[w], sum(1 for d in week.days if f.days[d].can_run))
        if week.phase not in ("race",):
            dev = _slack(model, f"run_count_dev[{n}]", 7)
            runs = cp_model.LinearExpr.sum([v.run(d) for d in week.days])
            model.add(dev >= runs - usual)
            model.add(dev >= usual - runs)
            out.append(Penalty("runs a week differ from usual", "sessions", n, dev, W_RUN_COUNT))
        if len(training) >= 2 and week.phase != "race":
            no_long = _slack(model, f"long_missing[{n}]", 1)
            model.add(no_long >= 1 - cp_model.LinearExpr.sum([v.long(d) for d in training]))
            out.append(Penalty("week without a long run", "sessions", n, no_long, W_LONG_MISSING))
        # the long run belongs on the day with the most time; a shorter budget costs per km it lacks, and a budget
        # too short for the long run the week aims for costs more than a quality session: each long run may be at
        # most 10% longer than the last ones (rule 3), so one capped short holds back every one after it, up to
        # the longest run race readiness needs
        roomiest = max((f.days[d].max_dk for d in training), default=0)
        for d in training:
            lack = roomiest - f.days[d].max_dk
            if lack > 0 and f.days[d].can_run:
                out.append(Penalty("long run on a short day", "smoothness", n, v.long(d), W_LONG_SHORT_DAY * lack // 10))
                if f.days[d].max_dk < min(longs[w], roomiest):
                    out.append(Penalty("long run on a day too short for it", "smoothness", n, v.long(d),
                                       W_LONG_TOO_SHORT))
    return out


def add_even_easy_runs(model: cp_model.CpModel, v: PlanVars, f: Frame) -> list[Penalty]:
    """Easy runs of a week about the same length: penalise the week's longest easy run."""
    out = []
    for week in f.weeks:
        training = [d for d in week.days if not f.days[d].is_race and f.days[d].can_run]
        if not training:
            continue
        easiest = model.new_int_var(0, f.long_cap_dk, f"longest_easy[{week.number}]")
        for d in training:
            if isinstance(v.run(d), int):  # a held pattern: easy days are known
                if v.run(d) and not v.long(d) and not v.quality(d):
                    model.add(easiest >= v.distance(d))
            else:
                model.add(easiest >= v.distance(d)).only_enforce_if([v.long(d).negated(), v.quality(d).negated()])
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
            # at most one long run a week (rules.link_day_booleans): the sum is the max, and as an equality the LP
            # relaxation cannot spread one long run over two days at half the price
            var = model.new_bool_var(f"long_off_day[{n}]")
            model.add(var == cp_model.LinearExpr.sum(off))
            out.append(Penalty(f"long run off {'/'.join(pref_long)}", "preference" if f.long_run_pref else "smoothness",
                               n, var, weight_long))
    if f.strength_pref:
        for d, day in enumerate(f.days):
            if day.weekday not in f.strength_pref and day.can_strength:
                out.append(Penalty(f"strength off {'/'.join(f.strength_pref)}", "preference", f.days[d].week + 1,
                                   v.strength(d), W_STRENGTH_DAY))
    # strength after the long run: the legs are tired, but a day whose budget holds both may take it (an ultra
    # runner with five run days and two free weekdays, one of them before the long run, has nowhere else)
    for d, day in enumerate(f.days):
        if day.can_run and day.can_strength and not day.is_race and d not in f.pins:
            out.append(Penalty("strength on a long-run day", "smoothness", day.week + 1, v.strength_on_long(d),
                               W_STRENGTH_ON_LONG))
    # a strength session beside a run takes part of the day's time budget, so the run is shorter: per km lost
    for d, day in enumerate(f.days):
        if day.strength_shortens_run and not day.is_race and d not in f.pins:
            lost = day.max_dk - day.max_dk_strength
            out.append(Penalty("strength squeezing a run", "smoothness", day.week + 1, v.run_and_strength(d),
                               W_STRENGTH_SQUEEZE * lost // 10))
    return out


def add_objective(model: cp_model.CpModel, v, f: Frame, *, stage: str = "all", minimize: bool = True) -> list[Penalty]:
    """Minimise the weighted penalties of one stage: "pattern" (sessions and days), "distances" (volumes) or "all"."""
    penalties: list[Penalty] = []
    if stage in ("pattern", "all"):
        penalties += add_session_mix(model, v, f) + add_day_preferences(model, v, f)
    if stage in ("distances", "all"):
        penalties += add_volume_targets(model, v, f) + add_taper_aims(model, v, f)
        if stage == "all":  # the distances stage makes easy runs even by construction
            penalties += add_even_easy_runs(model, v, f)
    if minimize:
        model.minimize(cp_model.LinearExpr.weighted_sum([p.var for p in penalties], [p.weight for p in penalties]))
    return penalties
