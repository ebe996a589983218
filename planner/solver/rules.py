"""Hard rules: one function per guarantee of plan-format.md, each named for what it guarantees.

Every function adds constraints to the model and returns nothing. ``gate`` is an optional enforcement literal:
explaining an infeasible goal re-builds the model with one gate per rule and asks CP-SAT which gates it cannot keep.
Ratios are scaled to integers (per mille) so the arithmetic is exact; distances are tenths of a km.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ortools.sat.python import cp_model

from .frame import Frame
from .pattern_vars import PatternVars
from .variables import PlanVars

Gate = cp_model.IntVar | None


def _add(model: cp_model.CpModel, ct: cp_model.BoundedLinearExpression | bool, gate: Gate) -> None:
    c = model.add(ct)
    if gate is not None:
        c.only_enforce_if(gate)


def _at_most_one(model: cp_model.CpModel, literals: list, gate: Gate) -> None:
    """At most one of ``literals``: CP-SAT's own at-most-one when ungated, which its propagation and LP relaxation
    take as a clique, and which is several times cheaper to build than the sum (patterns of 52 weeks hold
    thousands)."""
    if gate is None:
        model.add_at_most_one(literals)
    else:
        model.add(sum(literals) <= 1).only_enforce_if(gate)


def _at_least_one(model: cp_model.CpModel, literals: list, gate: Gate) -> None:
    c = model.add_bool_or(literals)
    if gate is not None:
        c.only_enforce_if(gate)


def _permille(x: float) -> int:
    return int(round(x * 1000))


def link_day_booleans(model: cp_model.CpModel, v: PlanVars | PatternVars, f: Frame) -> None:
    """Structure, not a rule: what the day booleans mean, and how many sessions of each kind a week may hold.

    Runs only where the schedule allows (rule 10 by construction), the race on race day, one long run a week,
    no more runs than the runner's weekly count, quality sessions only on days long enough for one. The week
    pattern's PatternVars hold the days' part themselves: each day takes one of pattern_vars.day_states, which
    allows exactly what the constraints below allow PlanVars' booleans.
    """
    if isinstance(v, PlanVars):
        _link_kinds(model, v, f)
    for w, week in enumerate(f.weeks):
        training = [d for d in week.days if not f.days[d].is_race]
        model.add_at_most_one([lit for d in training for lit in v.long_literals(d)])
        if week.full and week.phase != "race" and not week.has_unavailable and training:
            # implied by rule 8 (no run above `share` of the week): a week with any run holds 1/share of them
            runs = cp_model.LinearExpr.sum([v.run(d) for d in training])
            any_run = model.new_bool_var(f"runs_any[{week.number}]")
            model.add(runs >= f.share_runs_min * any_run)
            model.add(runs <= len(training) * any_run)
        model.add(cp_model.LinearExpr.sum([v.run(d) for d in week.days]) <= f.runs_cap[w])
        model.add(cp_model.LinearExpr.sum([v.quality(d) for d in training]) <= v.quality_cap(w))


def _link_kinds(model: cp_model.CpModel, v: PlanVars, f: Frame) -> None:
    """Each day's kind booleans: a long run or quality session is a run, rest is nothing at all, and the schedule's
    limits (mirrored by pattern_vars.day_states)."""
    for d, day in enumerate(f.days):
        run, long_, q, s, rest = v.run(d), v.long(d), v.quality(d), v.strength(d), v.rest(d)
        model.add_implication(long_, run)
        model.add_implication(q, run)
        model.add_at_most_one(long_, q)
        model.add_at_most_one(rest, run)
        model.add_at_most_one(rest, s)
        if day.is_race:
            model.add(run == 1)
            model.add(long_ == 0)
            model.add(q == 0)
            continue
        if d in f.pins:  # a day already lived (re-planning): held as planned by the variables, whatever it was
            continue
        if not day.can_run:
            model.add(run == 0)
        if day.max_dk < f.min_quality_dk:
            model.add(q == 0)
        if not day.can_strength:
            model.add(s == 0)
        elif day.max_dk_strength < day.max_dk:  # the day's time budget holds a strength session and a shorter run
            # stated as cliques with the rest day: the three pairwise exclusions let the LP relaxation set each to
            # one half, the clique does not
            if day.can_run and (day.max_dk_strength < f.min_easy_dk or
                                (day.strength_cuts_run and not f.strength_beside_runs)):
                model.add_at_most_one(s, run, rest)
            elif day.max_dk_strength < f.min_quality_dk:
                model.add_at_most_one(s, q, rest)


def link_distances(model: cp_model.CpModel, v: PlanVars, f: Frame) -> None:
    """Structure, not a rule: distances follow the booleans. A run is at least the shortest session that fits a
    warm-up, some running and a cool-down; a quality session's distance is all quality; the long run is the
    week's longest run; the race is a run of exactly the race distance."""
    for d, day in enumerate(f.days):
        run, q = v.run(d), v.quality(d)
        dist, qdist = v.distance(d), v.quality_distance(d)
        model.add(dist == 0).only_enforce_if(run.negated())
        model.add(qdist == dist).only_enforce_if(q)
        model.add(qdist == 0).only_enforce_if(q.negated())
        if day.is_race:
            model.add(dist == f.race_dk)
            continue
        if d in f.pins:
            continue
        model.add(dist >= f.min_easy_dk).only_enforce_if(run)
        model.add(dist >= f.min_quality_dk).only_enforce_if(q)
        if day.max_dk_strength < day.max_dk:
            model.add(dist <= day.max_dk_strength).only_enforce_if(v.strength(d))
    for w, week in enumerate(f.weeks):
        model.add(v.week_distance(w) == sum(v.distance(d) for d in week.days))
        training = [d for d in week.days if not f.days[d].is_race]
        if training:
            model.add_max_equality(v.week_longest(w), [v.distance(d) for d in training])
        else:
            model.add(v.week_longest(w) == 0)
        for d in training:
            model.add(v.distance(d) == v.week_longest(w)).only_enforce_if(v.long(d))


def cap_weekly_progression(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 1: no week above (1 + cap) x its reference week; recovery weeks at most cutback_ratio x it."""
    cap = 1000 + _permille(f.rules["progression_cap"])
    ratio = _permille(f.rules["cutback_ratio"])
    for w, week in enumerate(f.weeks):
        ref = f.reference_week(w)
        ref_expr = f.baseline_dk if ref is None else v.week_distance(ref)
        _add(model, 1000 * v.week_distance(w) <= cap * ref_expr, gate)
        if week.recovery:
            _add(model, 1000 * v.week_distance(w) <= ratio * ref_expr, gate)


def cap_workload_ratio(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 2: no week above 1.3 x the mean of the four weeks before it (baseline before the plan)."""
    for w in range(len(f.weeks)):
        prev = [v.week_distance(k) if k >= 0 else f.baseline_dk for k in range(w - 4, w)]
        _add(model, 40 * v.week_distance(w) <= 13 * sum(prev), gate)


def cap_single_run_spike(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 3: no run longer than (1 + cap) x the longest run of the 30 days before it.

    Every run of week w is at most the week's longest, so it suffices that the week's longest stays within
    (1 + cap) x the longest run of one earlier week whose runs all lie within 30 days of every day of week w
    (weeks w-1..w-3), or x the baseline long run while the plan's first day is that close (it stands in for the
    days before the plan). Measuring against one such week is stricter than against the 30-day maximum, and linear:
    we pick the one expected to hold the longest run (the latest normal week, with a long run when the pattern is
    known), which costs nothing in practice. Without a normal week among them, the longest of all of them.
    """
    cap = 1000 + _permille(f.rules["progression_cap"])
    for w, week in enumerate(f.weeks):
        last_day = f.days[week.days[-1]]
        baseline_in_window = (last_day.date - f.start).days <= 29
        _add(model, 1000 * v.week_longest(w) <= cap * _spike_reference(model, v, f, w, baseline_in_window), gate)


def _spike_reference(model: cp_model.CpModel, v: PlanVars, f: Frame, w: int, baseline_in_window: bool):
    earlier = list(range(w - 1, max(-1, w - 4), -1))
    normal = [k for k in earlier if f.weeks[k].full and not f.weeks[k].recovery and not f.weeks[k].has_unavailable
              and f.weeks[k].phase not in ("taper", "race")]
    if normal and isinstance(v.long(f.weeks[normal[0]].days[0]), int):
        # a held pattern: the week to build on is the latest normal one that holds a long run (a week whose pattern
        # has none would cap every run after it at its easy runs' length)
        with_long = [k for k in normal if any(v.long(d) for d in f.weeks[k].days)]
        normal = with_long + [k for k in normal if k not in with_long]
    if baseline_in_window and normal and all(d in f.pins for d in f.weeks[normal[0]].days):
        # a week already lived (re-planning): its longest run is known, so take the larger of the two references
        # (both lie in the 30-day window, so either keeps rule 3; the larger is the one the plan can build on)
        lived = max((f.pins[d].distance_dk for d in f.weeks[normal[0]].days if f.pins[d].kind not in (None, "race")),
                    default=0)
        return max(lived, f.baseline_long_dk)
    if baseline_in_window and (not normal or f.volume_estimate[normal[0]] <= f.baseline_dk):
        return f.baseline_long_dk
    if normal:
        return v.week_longest(normal[0])
    if not earlier:
        return f.baseline_long_dk
    # No normal week among them (holidays, a recovery week): the longest run of any of them, all in the window. The
    # latest alone may be a week away on holiday: nothing run in it would forbid every run after it, week after week
    # (a runner with a 12-day break had the last six weeks of the plan empty).
    longest = [v.week_longest(k) for k in earlier]
    if all(isinstance(x, int) for x in longest):
        return max(longest)
    reference = model.new_int_var(0, max(f.long_cap_dk, f.baseline_long_dk), f"spike_reference[{f.weeks[w].number}]")
    model.add_max_equality(reference, longest)
    return reference


def guarantee_rest_days(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 4: min_rest_days full rest days each week (all its days when fewer), one in every 7 consecutive days."""
    need = f.rules["min_rest_days"]
    for week in f.weeks:
        can_rest = sum(1 for d in week.days if not f.days[d].is_race)  # a race early in its week leaves few days
        _add(model, cp_model.LinearExpr.sum([v.rest(d) for d in week.days]) >= min(need, can_rest), gate)
    for start in range(0, len(f.days) - 6):
        _at_least_one(model, [lit for d in range(start, start + 7) for lit in v.rest_literals(d)], gate)


def no_hard_days_back_to_back(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 6: long, quality and race days never on consecutive days."""
    for d in range(len(f.days) - 1):
        _at_most_one(model, v.hard_literals(d) + v.hard_literals(d + 1), gate)


def place_strength_sessions(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 7: exactly strength_per_week in full, normal weeks; never more; spaced; not before hard days or the race.

    Our own choice on top: none in the race week (no new soreness). Strength after the long run, when the day's
    budget holds both, is a soft preference against (objective.W_STRENGTH_ON_LONG), not a rule.
    """
    n = f.rules["strength_per_week"]
    for week in f.weeks:
        total = cp_model.LinearExpr.sum([v.strength(d) for d in week.days])
        if week.phase == "race":
            _add(model, total == 0, gate)
        elif week.full and week.phase != "taper" and not week.has_unavailable:
            _add(model, total == n, gate)
        else:
            _add(model, total <= n, gate)
    for d in range(len(f.days)):
        if d + 1 < len(f.days):
            _at_most_one(model, v.strength_literals(d) + v.strength_literals(d + 1), gate)
            _at_most_one(model, v.strength_literals(d) + v.hard_literals(d + 1), gate)
    if f.race_day is not None:
        for d in range(max(0, f.race_day - 2), f.race_day + 1):
            _add(model, v.strength(d) == 0, gate)


def cap_long_run_share(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 8: in full normal weeks the longest run is at most long_run_max_share of the week.

    The duration half of rule 8 (150 or 180 minutes) and the day budgets are in each day's distance domain.
    """
    share = _permille(f.rules["long_run_max_share"])
    for w, week in enumerate(f.weeks):
        if week.full and week.phase != "race" and not week.has_unavailable:
            _add(model, 1000 * v.week_longest(w) <= share * v.week_distance(w), gate)


def keep_easy_share(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 9: in every week but the race week, easy km (easy, recovery, long) >= easy_share_min of the week."""
    hard_share = 1000 - _permille(f.rules["easy_share_min"])
    for w, week in enumerate(f.weeks):
        if week.phase == "race":
            continue
        _add(model, 1000 * sum(v.quality_distance(d) for d in week.days) <= hard_share * v.week_distance(w), gate)


def taper_before_race(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Rule 11: taper weeks at most 85% of the peak and no longer than the week before; the race week, race left
    out, at most half the peak. The anchor is the last full-volume week before the taper; the plan's peak is at
    least that week, so measuring against it is the stricter test.
    """
    if f.race_week is None:
        return
    anchor = _peak_anchor(f)
    if anchor is None:
        # a plan of the race week alone (the race days away): no week to measure "half the peak" against, so
        # nothing but the race in it
        _add(model, v.week_distance(f.race_week) <= f.race_dk, gate)
        return
    peak = v.week_distance(anchor)
    for w, week in enumerate(f.weeks):
        if week.phase == "taper":
            _add(model, 100 * v.week_distance(w) <= 85 * peak, gate)
            if w > 0:
                _add(model, v.week_distance(w) <= v.week_distance(w - 1), gate)
    rw = f.race_week
    _add(model, 2 * (v.week_distance(rw) - f.race_dk) <= peak, gate)


def reach_race_readiness(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Not a plan-format rule but the point of a race plan: the last full week before the taper reaches the least
    weekly volume and longest run the race distance needs. Without this, an unreachable goal would get a plan
    that merely shrinks to what is safe, and the runner would start a race they are not ready for."""
    if f.race_week is None or (f.ready_week_dk <= 0 and f.ready_long_dk <= 0):
        return
    anchor = _peak_anchor(f)
    if anchor is None:
        # a plan of the race week alone cannot prepare for the race: only a runner already ready may race it
        if f.baseline_dk < f.ready_week_dk or f.baseline_long_dk < f.ready_long_dk:
            _add(model, 0 == 1, gate)  # noqa: PLR0133
        return
    _add(model, v.week_distance(anchor) >= f.ready_week_dk, gate)
    _add(model, v.week_longest(anchor) >= f.ready_long_dk, gate)


MISSED_SHARE = 0.5  # a lived week run at under half its plan was a break (illness, travel), not a reference week


def _planned_dk(f: Frame, days) -> int:
    """The planned distance of the lived (pinned) days among ``days``."""
    return sum(f.pins[d].distance_dk for d in days if d in f.pins and f.pins[d].kind)


def _ran_dk(f: Frame, days) -> int:
    """What the log says was run on ``days``."""
    return sum(f.actual.day_total_dk.get(f.days[d].date, 0) for d in days)


def lived_weeks(f: Frame) -> tuple[dict[int, int], set[int]]:
    """Re-planning: each wholly lived week's volume as run, no more than planned (tenths of a km), and the weeks
    among them that were missed (run at under MISSED_SHARE of the plan)."""
    a = f.actual
    effective: dict[int, int] = {}
    missed: set[int] = set()
    if a is None:
        return effective, missed
    for k in range(f.days[min(a.first_day, len(f.days) - 1)].week):
        p, r = _planned_dk(f, f.weeks[k].days), _ran_dk(f, f.weeks[k].days)
        effective[k] = min(p, r)
        if r < MISSED_SHARE * p:
            missed.add(k)
    return effective, missed


def lived_sessions_need(f: Frame) -> int:
    """Re-planning mid-week: the least volume (tenths of a km) the week of the first re-planned day must reach for
    the sessions already lived in it to keep the rules as written: a planned tempo run keeps rule 9's easy share
    only in a week big enough, a planned long run rule 8's share. 0 when nothing lived in it needs room."""
    a = f.actual
    if a is None or a.first_day >= len(f.days):
        return 0
    c = f.days[a.first_day].week
    week = f.weeks[c]
    lived = [d for d in week.days if d < a.first_day and d in f.pins]
    need = 0
    quality = sum(f.pins[d].distance_dk for d in lived if f.pins[d].kind == "quality")
    hard_share = 1000 - _permille(f.rules["easy_share_min"])
    if quality and hard_share > 0 and week.phase != "race":
        need = -(-1000 * quality // hard_share)
    longest = max((f.pins[d].distance_dk for d in lived if f.pins[d].kind in ("easy", "long", "quality")), default=0)
    if longest and week.full and week.phase != "race" and not week.has_unavailable:
        need = max(need, -(-1000 * longest // _permille(f.rules["long_run_max_share"])))
    return need


def follow_actual_volumes(model: cp_model.CpModel, v: PlanVars, f: Frame, gate: Gate = None) -> None:
    """Re-planning: rules 1, 2 and 3 once more, measured against what was actually run before the first re-planned
    day (no week credited with more than its plan), so a missed week lowers what comes next and an over-run week
    licenses no bigger jump. The plan itself still keeps every rule as written (the lived days are pinned as
    planned); this is on top.

    A lived week run at under MISSED_SHARE of its plan is read as a break: like a holiday week in plan-format rule 1,
    it is no reference week (the one before it is), while rule 2's four-week mean, which includes it at what was
    run, keeps the return gentle. After 30 days with no run at all, rule 3 would allow nothing ever again; the
    return starts with short runs instead (see ``Frame.restart_dk`` and ``floor`` below).
    """
    a = f.actual
    if a is None or a.first_day >= len(f.days):
        return
    first = a.first_day
    c = f.days[first].week
    cap = 1000 + _permille(f.rules["progression_cap"])
    ratio = _permille(f.rules["cutback_ratio"])

    effective, missed = lived_weeks(f)
    lived = [d for d in f.weeks[c].days if d < first]
    shortfall = min(_planned_dk(f, lived), _ran_dk(f, lived)) - _planned_dk(f, lived)

    def volume(k: int):
        if k < 0:
            return f.baseline_dk
        if k < c:
            return effective[k]
        return v.week_distance(k) + (shortfall if k == c else 0)

    def bar_of(w: int) -> int | None:
        """Rule 1's reference for week w in actual volumes, None when it is a week still to plan."""
        ref = f.reference_week(w)
        while ref is not None and ref in missed:
            ref = f.reference_week(ref)
        if ref is not None and ref > c:
            return None
        return volume(ref) if ref is not None else f.baseline_dk

    # The first re-planned week, measured against what was run before it: rule 1 and rule 2 give it one bound.
    # Rule 2 bounds only this first week back: later weeks are bounded by it through rule 1; measuring them, too,
    # by four-week means that still hold missed weeks would make each week back smaller than the one before (and a
    # week too small for one run of the shortest session is no run at all, which rule 1 carries forward): a spiral
    # to nothing that no coach would prescribe.
    bar = bar_of(c)
    bound = 13 * sum(volume(k) for k in range(c - 4, c)) // 40
    if bar is not None:
        bound = min(bound, cap * bar // 1000, ratio * bar // 1000 if f.weeks[c].recovery else bound)
    # After weeks without running the four-week mean is near nothing, and a ratio of it would forbid running for
    # good. The first week back may always hold the smallest week that lets the recovery weeks after it hold runs:
    # rule 8 needs 1/share runs of the shortest session in a week with any (three easy half-hours at the default
    # share), and a recovery week is cutback_ratio of its reference. Anything smaller leaves the cutbacks empty, and
    # empty weeks in rule 2's four-week mean shrink every week after them towards nothing.
    bound = max(bound, f.restart_dk)
    bound -= shortfall  # in planned km: the lived days count at what was run
    # ... unless the sessions already lived in the week need more of it (lived_sessions_need); when even that
    # leaves no plan (the runs still to come are capped by what was run), the re-planner may lift the bound
    # (lenient_first_week), but only for a week whose lived sessions do need room.
    need = lived_sessions_need(f)
    if not (a.lenient_first_week and need > 0):
        _add(model, v.week_distance(c) <= max(bound, need), gate)
    for w in range(c + 1, len(f.weeks)):
        bar = bar_of(w)
        if bar is None:
            continue  # measured against a week still to plan: rule 1 itself covers it
        _add(model, 1000 * volume(w) <= cap * bar, gate)
        if f.weeks[w].recovery:
            _add(model, 1000 * volume(w) <= ratio * bar, gate)

    first_date = f.days[first].date
    # With no run in the 30 days, the first runs back may be as long as the first week back needs: its restart
    # volume (above) in 1/share runs, the shortest session over the cutback ratio.
    floor = -(-(-(-f.min_easy_dk * 1000 // ratio)) * 1000 // cap)
    future_longest: dict[int, object] = {}

    def planned_longest(day: dt.date) -> int:
        """The run planned that day (0 for none); the profile's long run for days before the plan."""
        if day < f.start:
            return f.baseline_long_dk
        pin = f.pins.get((day - f.start).days)
        return pin.distance_dk if pin and pin.kind else 0

    for w in range(c, len(f.weeks)):
        week = f.weeks[w]
        last = f.days[week.days[-1]].date
        window_start = last - dt.timedelta(days=30)
        if window_start >= first_date:
            break  # every run from here on has only planned days in its 30-day window: rule 3 itself covers it
        runs = [v.distance(d) for d in week.days if d >= first and not f.days[d].is_race]
        if not runs:
            continue
        longest = model.new_int_var(0, f.long_cap_dk, f"longest_replanned[{week.number}]")
        model.add_max_equality(longest, runs)
        future_longest[w] = longest
        dates = [window_start + dt.timedelta(days=i) for i in range((first_date - window_start).days)]
        plan_max = max(planned_longest(x) for x in dates)
        # before the plan the profile's long run stands in, for what was planned and for what was run alike (a
        # log need not reach back that far; rule 2 reads the weeks before the plan as the baseline too)
        run_max = max(a.day_longest_dk.get(x, 0) if x >= f.start else f.baseline_long_dk for x in dates)
        lived_bar = max(min(plan_max, run_max), floor)
        between = [future_longest[k] for k in range(c, w) if k in future_longest
                   and (k == c or f.weeks[k].monday >= window_start)]
        if between:
            bar = model.new_int_var(0, max(f.long_cap_dk, lived_bar), f"spike_bar_replanned[{week.number}]")
            model.add_max_equality(bar, [lived_bar, *between])
        else:
            bar = lived_bar
        _add(model, 1000 * longest <= cap * bar, gate)


def leave_room_for_readiness(model: cp_model.CpModel, v: PlanVars, f: Frame) -> None:
    """Structure for the week pattern, implied by race readiness and rule 8: the runs of the week readiness is
    measured in (its last full-volume week) must have room for the least volume it asks, and for the week a
    race-ready long run needs around it (the long run at most long_run_max_share of its week). A run has the room
    of its day's budget, less what a strength session beside it takes.

    The pattern stage cannot see distances. Without this it dropped a run rather than put strength beside it
    (a run fewer costs about what a shortened run does), and with 60-minute weekdays the three runs left could not
    carry a 16 km long run: every staged try failed and the slow one-model solve planned the runner (8 s)."""
    if f.race_week is None or (f.ready_week_dk <= 0 and f.ready_long_dk <= 0):
        return
    anchor = _peak_anchor(f)
    if anchor is None:
        return
    week = f.weeks[anchor]
    if any(d in f.pins or f.days[d].is_race for d in week.days):
        return  # lived days have the distances they had; the distance stage settles such weeks
    need = f.ready_week_dk
    share = _permille(f.rules["long_run_max_share"])
    # the week's room, and the other runs' room (a run beside a strength session has the shorter one; on the long
    # run's day the strength term is (both - long), never below what the day takes from the other runs: the room
    # is never understated)
    room, other_room = [], []
    for d in week.days:
        day = f.days[d]
        if not day.can_run:
            continue
        room.append(day.max_dk * v.run(d))
        other_room.append(day.max_dk * (v.run(d) - v.long(d)))
        if day.strength_shortens_run:
            lost = day.max_dk - day.max_dk_strength
            room.append(-lost * v.run_and_strength(d))
            other_room.append(-lost * (v.run_and_strength(d) - v.long(d)))
    if week.full and week.phase != "race" and not week.has_unavailable and 0 < share < 1000:
        # rule 8: 1000 x long <= share x (long + the other runs), so the other runs hold at least
        # (1000 - share) / share of a race-ready long run, and the week at least 1000 / share of it
        need = max(need, -(-1000 * f.ready_long_dk // share))
        model.add(cp_model.LinearExpr.sum(other_room) >= -(-(1000 - share) * f.ready_long_dk // share))
    model.add(cp_model.LinearExpr.sum(room) >= need)


def _peak_anchor(f: Frame) -> int | None:
    """The last full-volume week before the taper: not recovery, and free of unavailable dates where possible."""
    body = [w for w, week in enumerate(f.weeks) if week.phase not in ("taper", "race")]
    normal = [w for w in body if not f.weeks[w].recovery]
    clean = [w for w in normal if f.weeks[w].full and not f.weeks[w].has_unavailable]
    return (clean or normal or body or [None])[-1]


# The rules a gate can switch off when explaining infeasibility: name, plan-format number, whether the rule is
# about the week pattern (booleans only) or needs distances, and the function.
HARD_RULES: list[tuple[str, int | None, bool, Callable]] = [
    ("Progression cap (rule 1)", 1, False, cap_weekly_progression),
    ("Workload ratio (rule 2)", 2, False, cap_workload_ratio),
    ("Single-run spike (rule 3)", 3, False, cap_single_run_spike),
    ("Rest days (rule 4)", 4, True, guarantee_rest_days),
    ("Hard/easy (rule 6)", 6, True, no_hard_days_back_to_back),
    ("Strength sessions (rule 7)", 7, True, place_strength_sessions),
    ("Long run share (rule 8)", 8, False, cap_long_run_share),
    ("Intensity (rule 9)", 9, False, keep_easy_share),
    ("Taper and race (rule 11)", 11, False, taper_before_race),
    ("Race readiness", None, False, reach_race_readiness),
    ("Volumes actually run (re-planning)", None, False, follow_actual_volumes),
]


def add_hard_rules(model: cp_model.CpModel, v, f: Frame, gates: dict[str, cp_model.IntVar] | None = None,
                   *, stage: str = "all") -> None:
    """The hard rules of one solving stage: "pattern" (booleans only: rules 4, 6, 7), "distances" (a held
    pattern: rules 1, 2, 3, 8, 9, 11 and readiness) or "all" (everything in one model).

    Rule 5 (warm-up/cool-down) and rule 10 (availability, budgets) hold by construction: every session is written
    with its blocks, and day variables are fixed to zero, or bounded by the day's budget, where the schedule says.
    """
    if stage in ("pattern", "all"):
        link_day_booleans(model, v, f)
    if stage == "pattern":
        leave_room_for_readiness(model, v, f)
    if stage == "all":
        link_distances(model, v, f)
    for name, _, pattern_rule, fn in HARD_RULES:
        if stage == "all" or (stage == "pattern") == pattern_rule:
            fn(model, v, f, (gates or {}).get(name))
