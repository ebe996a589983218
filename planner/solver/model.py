"""Assemble the CP-SAT model, solve it deterministically, and explain infeasibility.

Determinism: a fixed number of workers and seed, and a *deterministic* time limit (CP-SAT's work units, not seconds),
so the same profile gives the same plan on any machine and under any load.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from .frame import Frame
from .objective import W_QUALITY_MISSING, W_RUN_COUNT, Penalty, add_objective, desired_curve
from .rules import HARD_RULES, add_hard_rules
from .pattern_vars import PatternVars
from .variables import DayDecision, FixedPatternVars, PlanVars

NUM_WORKERS = 1          # one worker: reproducible, and batch planning runs one process per core anyway
RANDOM_SEED = 0
MAX_DETERMINISTIC_TIME = 30.0
# Work units for the week pattern. Real patterns are proven best in well under one; a few schedules (every day a
# short run day, three strength sessions a week) leave CP-SAT's relaxation a gap it closes week by week: 30 units
# took 46 s there for a pattern 8% cheaper in soft wishes than the one found by 5 units (10 s). Every rule holds
# either way; the plan then says it is not proven best.
PATTERN_LIMIT = 5.0
# A what-if probe asks whether any plan exists, not the best one: the stages' first good answers will do, and a
# probe they leave open goes on to the one model anyway (is_feasible)
PROBE_LIMIT = 1.0
FEASIBILITY_LIMIT = 5.0  # work units for naming the rules that block a goal (blocking_rules)
# When the pattern asks more of the volume than the rules let it reach, plan the pattern again on a smaller guess.
SHRINK_STEPS = (1.0, 0.9, 0.8, 0.65, 0.5)
QUALITY_LIMIT = 5.0  # work units; far above what real plans need, a guard against pathological input
REPAIR_LIMIT = 1.0  # work units; a repair that needs more is rare (re-planning after long breaks): then
PROOF_LIMIT = 0.5   # the one-model solve takes over (solve), unless the goal is proven unreachable
W_RUN_DROPPED = W_RUN_COUNT  # a run the pattern placed and the repair stage left out: as a run off the usual count
FALLBACK_LIMIT = 2.0  # work units: the one-model solve is the last resort, its best plan within this much work


@dataclass(frozen=True)
class Bent:
    """A soft preference the plan had to bend, with how much (tenths of a km, or a count)."""

    name: str
    kind: str
    week: int | None
    amount: int


@dataclass(frozen=True)
class Solution:
    frame: Frame
    decisions: list[DayDecision]
    week_dk: list[int]
    bent: list[Bent]
    objective: int
    optimal: bool


class _Model(cp_model.CpModel):
    """CP-SAT's model without the camelCase aliases OR-Tools sets on every new CpModel for code written before its
    PEP 8 names (0.2-0.4 ms a model, two to four models a plan; planner uses the PEP 8 names only). Should OR-Tools
    stop calling this hook, the class is a plain CpModel."""

    def _add_pre_pep8_methods(self) -> None:
        pass


def _parameters(solver: cp_model.CpSolver, *, feasibility_only: bool = False) -> None:
    p = solver.parameters
    p.num_workers = NUM_WORKERS
    p.random_seed = RANDOM_SEED
    p.max_deterministic_time = FEASIBILITY_LIMIT if feasibility_only else MAX_DETERMINISTIC_TIME
    p.log_search_progress = False
    # CP-SAT's own Ctrl-C handler is unsafe (it allocates inside the signal handler: deadlocks and crashes were
    # seen under load) and resets SIGINT after each solve; Ctrl-C is the caller's to handle.
    p.catch_sigint_signal = False
    # Our models are small and already tight; presolve costs more than it saves (measured: 4-10x slower with it).
    p.cp_model_presolve = False
    # All constraints in the LP relaxation from the start, not added as the LP solutions violate them: the week
    # patterns' many small cliques were added a few at a time, each round a new LP solve (measured on 300
    # generated batch runners: pattern stage 35 s -> 16 s, distances 2.9 s -> 2.5 s; statuses unchanged, and the
    # same plan cost for 270 of 297, the others split evenly between better and worse ties of the pattern).
    p.add_lp_constraints_lazily = False


def build_model(frame: Frame, *, stage: str = "all",
                pattern: list[DayDecision] | None = None) -> tuple[cp_model.CpModel, object, list[Penalty]]:
    """One stage's model: "pattern" (booleans), "distances" (``pattern`` held) or "all" (everything at once)."""
    model = _Model()
    if stage in ("quality", "repair"):
        # The held pattern asks what the distance rules cannot give: let quality sessions be run easy ("quality"),
        # and runs be dropped too ("repair": too many runs for what a week may hold), each at a price, against
        # the volumes the objective wants, so a session is kept only where it costs the plan less than it gives.
        v = FixedPatternVars(model, frame, pattern, flexible_quality=True, droppable=stage == "repair")
        add_hard_rules(model, v, frame, stage="distances")
        penalties = add_objective(model, v, frame, stage="distances", minimize=False)
        for week, dropped in v.runs_dropped():
            penalties.append(Penalty("run dropped", "sessions", week, dropped, W_RUN_DROPPED))
        for week, dropped in v.quality_dropped():
            penalties.append(Penalty("quality session dropped", "sessions", week, dropped, W_QUALITY_MISSING))
        model.minimize(cp_model.LinearExpr.weighted_sum([p.var for p in penalties], [p.weight for p in penalties]))
        return model, v, penalties
    if stage == "distances":
        v = FixedPatternVars(model, frame, pattern)
    elif stage == "pattern":
        v = PatternVars(model, frame)
    else:
        v = PlanVars(model, frame)
    add_hard_rules(model, v, frame, stage=stage)
    penalties = add_objective(model, v, frame, stage=stage)
    return model, v, penalties


def _run(model: cp_model.CpModel, *, limit: float = MAX_DETERMINISTIC_TIME,
         linearization_level: int | None = None, lp_search: bool = False,
         lean: bool = False) -> tuple[cp_model.CpSolver, int]:
    solver = cp_model.CpSolver()
    _parameters(solver)
    solver.parameters.max_deterministic_time = limit
    if lean:
        # No probing and no symmetry detection before the search: on the one-hot week pattern (PatternVars) they
        # cost more than they find (measured on 129 planned random profiles: 36.2 s -> 29.1 s in all, the slowest
        # 10.0 s -> 2.9 s; the pattern stage of 300 generated batch runners 7.0 s -> 5.6 s; same statuses).
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    if linearization_level is not None:
        solver.parameters.linearization_level = linearization_level
    if lp_search:
        # Branch on what the LP relaxation says. The staged models are tight (objective.desired_curve): their LP
        # optimum is nearly integral, and CP-SAT's default search, improving a plan one week at a time, took 3-8x
        # longer on plans of 40 weeks and more (measured on 200 generated runners: same objective for every one).
        solver.parameters.search_branching = cp_model.LP_SEARCH
    status = solver.solve(model)
    if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug in the model, not in the input
        raise RuntimeError(f"CP-SAT model invalid: {model.validate()}")
    return solver, status


def _solved(status: int) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _bent(solver: cp_model.CpSolver, penalties: list[Penalty]) -> list[Bent]:
    return [Bent(p.name, p.kind, p.week, int(solver.value(p.var))) for p in penalties if solver.value(p.var) > 0]


def _as_easy(pattern: list[DayDecision], keep: set[int] | None = None) -> list[DayDecision]:
    """The pattern with its quality sessions run easy, all of them or those not in ``keep``."""
    return [replace(d, kind="easy") if d.kind == "quality" and (keep is None or d.index not in keep) else d
            for d in pattern]


QUALITY_VOLUME_TOLERANCE = 5  # tenths of a km: a quality session may cost its week this much reachable volume


def _quality_that_fits(frame: Frame, pattern: list[DayDecision], week_dk: list[int]) -> set[int]:
    """The quality sessions each week can carry, earliest in the week first.

    Rule 9 counts a whole session as hard, so k sessions need a week of at least k x the shortest session /
    hard share; and they take the place of easy runs, which may be longer, so the week may reach less volume with
    them. A week keeps the most sessions that fit and cost its reachable volume (the desired volume, at most what
    the easy days' budgets, the sessions, the long run and rules 8 and 9 let it hold) no more than
    QUALITY_VOLUME_TOLERANCE: a runner aiming at a weekly volume gets it before a tempo run.
    """
    hard_share = 1 - frame.rules["easy_share_min"]
    share = frame.rules["long_run_max_share"]
    keep: set[int] = {d for d, pin in frame.pins.items() if pin.kind == "quality"}  # lived days stay as they were
    for w, week in enumerate(frame.weeks):
        quality = [d for d in week.days if pattern[d].kind == "quality" and d not in frame.pins]
        if not quality:
            continue
        long_days = [d for d in week.days if pattern[d].kind == "long"]
        share_applies = week.full and week.phase != "race" and not week.has_unavailable
        l_room = min(min((frame.days[d].max_dk for d in long_days), default=0), frame.long_bound[w])

        def room(days: list[int]) -> int:
            """What equally long runs on ``days`` can hold: runs beside a strength session have their own length."""
            total = 0
            for beside in (False, True):
                group = [d for d in days if pattern[d].strength == beside]
                total += len(group) * min((frame.run_room(d, beside) for d in group), default=0)
            return total

        def reach(k: int) -> int:
            easy = [d for d in week.days if pattern[d].kind == "easy"] + quality[k:]
            e_room = room(easy)
            q_room = room(quality[:k])
            most = min(week_dk[w], e_room + q_room + l_room)
            if hard_share < 1:
                most = min(most, int((e_room + l_room) / (1 - hard_share)))  # rule 9: sessions <= hard share
            if share_applies and long_days:
                most = min(most, int((e_room + min(q_room, hard_share * most)) / (1 - share)))  # rule 8
            return most

        without = reach(0)
        for k in range(len(quality), -1, -1):
            most = reach(k)
            fits = _sessions_fit(frame, k, most)
            if k == 0 or (fits and most >= without - QUALITY_VOLUME_TOLERANCE):
                keep.update(quality[:k])
                break
    return keep


def _sessions_fit(frame: Frame, k: int, week_dk: int) -> bool:
    """Whether k quality sessions fit a week of ``week_dk``: rule 9 counts a whole session as hard running."""
    return k * frame.min_quality_dk <= (1 - frame.rules["easy_share_min"]) * week_dk


def _quality_volumes_allow(frame: Frame, volumes: list[int]) -> Frame:
    """The frame with each week's quality sessions capped at what its desired volume can carry at all.

    Rule 9 counts a whole session as hard: k sessions need k x the shortest session within the hard share of the
    week, and _quality_that_fits keeps no more than that whatever the pattern (the week reaches at most its desired
    volume). Asked for more, the pattern stage bent other wishes (strength off its day, a run fewer) for sessions
    then run easy, and had to be planned again (a third of generated batch runners). The sessions the phase wanted
    and the volumes cannot carry are still reported as dropped (_bent_pattern_quality measures against the
    frame's own caps). Lived quality sessions (re-planning) always count.
    """
    caps = []
    for w, week in enumerate(frame.weeks):
        lived = sum(1 for d in week.days if d in frame.pins and frame.pins[d].kind == "quality")
        carried = 0  # the most sessions the week's desired volume fits, as _quality_that_fits tests them
        while carried < frame.quality_cap[w] and _sessions_fit(frame, carried + 1, volumes[w]):
            carried += 1
        caps.append(min(frame.quality_cap[w], max(carried, lived)))
    return frame if caps == frame.quality_cap else replace(frame, quality_cap=caps)


def _dropped_quality(frame: Frame, before: list[DayDecision], after: list[DayDecision]) -> list[Bent]:
    out: dict[int, int] = {}
    for b, a in zip(before, after):
        if b.kind == "quality" and a.kind != "quality":
            week = frame.days[b.index].week + 1
            out[week] = out.get(week, 0) + 1
    return [Bent("quality session dropped", "sessions", w, n) for w, n in sorted(out.items())]


def _flexible(frame: Frame, pattern: list[DayDecision], stage: str, limit: float):
    model, v, penalties = build_model(frame, stage=stage, pattern=pattern)
    # The keep-or-drop booleans make a weak relaxation; CP-SAT's full linearization of them (level 2) proves
    # optimality several times faster here (measured: 0.76 s -> 0.12 s on the marathon example). Probing and
    # symmetry detection cost more than they find, as in the pattern stage (123 such solves of the batch roster
    # and 1,000 random profiles: 8.4 s -> 4.2 s in all, the slowest 7.2 s -> 2.4 s; same statuses and optima).
    solver, status = _run(model, limit=limit, linearization_level=2, lean=True)
    if status == cp_model.UNKNOWN:
        raise _OutOfTime  # too hard to repair in time: smaller guesses of the same pattern fare no better
    return (solver, v, penalties, status) if _solved(status) else None


def _emptied(frame: Frame, before: list[DayDecision], after: list[DayDecision]) -> bool:
    """Whether a repair dropped every run of a week that had some."""
    for week in frame.weeks:
        had = any(before[d].kind not in (None, "race") and d not in frame.pins for d in week.days)
        kept = any(after[d].kind not in (None, "race") and d not in frame.pins for d in week.days)
        if had and not kept:
            return True
    return False


class _OutOfTime(Exception):
    """A stage found nothing within its limit, without proving there is nothing."""


DISTANCES_FIRST_LIMIT = 0.5  # work units for CP-SAT's default search of the distances before the LP-guided one
DISTANCES_LIMIT = 10.0  # work units for the LP-guided one: past it, the best plan found stands (every rule held)


def _distances(frame: Frame, pattern: list[DayDecision], limit: float = DISTANCES_LIMIT):
    model, v, penalties = build_model(frame, stage="distances", pattern=pattern)
    solver, status = _run(model, limit=DISTANCES_FIRST_LIMIT)
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        # Neither search wins everywhere: the default one proves most held patterns in milliseconds where the
        # LP-guided one took 1-30 s (generated runners), and the LP-guided one settles the long plans the
        # default leaves open. Both are deterministic; the better plan stands.
        other, other_status = _run(model, limit=limit, lp_search=True)
        if other_status == cp_model.OPTIMAL or (_solved(other_status) and (
                not _solved(status) or other.objective_value < solver.objective_value)):
            solver, status = other, other_status
    return (solver, v, penalties, status) if _solved(status) else None


def solve(frame: Frame, *, reframe=None, probe: bool = False) -> Solution | None:
    """The best plan that keeps every rule, or None when there is none.

    In stages, each solved to optimality, which keeps it fast:
    1. the week pattern (which days run, long, quality, strength, rest) against the pattern rules (4, 6, 7) and the
       runner's wishes, sized for the volume the weeks are expected to reach;
    2. the quality sessions the desired volumes (objective.desired_curve) can carry: rule 9 counts a whole session
       as hard; the others run easy;
    3. the distances with that pattern held: a small integer program under rules 1, 2, 3, 8, 9 and 11.
    Should 3 find nothing, CP-SAT chooses which quality sessions to keep itself; should the pattern ask too much
    of the volume, it is planned again on a smaller guess; and as a last resort the whole model is solved at once
    (slower, but complete), so a plan is never refused that the rules allow. A ``probe`` asks whether a plan
    exists, not for the best one: the pattern and distance stages stop at PROBE_LIMIT.
    """
    pattern_limit = PROBE_LIMIT if probe else PATTERN_LIMIT
    distances_limit = PROBE_LIMIT if probe else DISTANCES_LIMIT
    proven: list[bool] = []  # the feasibility proof runs once, after the first attempt fails

    def unreachable() -> bool:
        if not proven:
            proven.append(proven_infeasible(frame))
        return proven[0]

    squeezed = False  # the last failed pattern put strength beside runs it shortens
    for attempt in _attempts(frame, reframe):
        if not attempt.strength_beside_runs and not squeezed:
            continue  # the same pattern again: nothing to gain
        volumes, _ = desired_curve(attempt)
        asked = _quality_volumes_allow(attempt, volumes)
        built = build_model(asked, stage="pattern")
        try:
            planned = _plan_pattern(built, pattern_limit)
        except _OutOfTime:
            break  # no pattern within the limit, none proven impossible: the one-model solve decides
        if planned is None:
            return None  # the pattern rules alone cannot hold: nothing can
        pattern, pattern_bent, pattern_cost, pattern_optimal = planned
        held = _as_easy(pattern, _quality_that_fits(attempt, pattern, volumes))
        carried = _quality_per_week(attempt, held)
        again = None
        if pattern_bent and carried != _quality_per_week(attempt, pattern):
            # Quality sessions the volumes cannot carry are run easy; the pattern may have bent other wishes to
            # place them (strength off its days, a run fewer). Plan it again asking only for the sessions kept.
            # A pattern that bent no other wish needs no second plan: run easy, its sessions cost nothing more.
            # The same model with lower caps (its quality caps are variables): building it anew cost most of what
            # solving it does. (Hinting the first pattern with those sessions run easy made CP-SAT slower: 1,000
            # batch runners' pattern stage 19.7 s -> 24.4 s.)
            _, pattern_vars, _ = built
            pattern_vars.set_quality_caps([min(c, k) for c, k in zip(asked.quality_cap, carried)])
            try:
                again = _plan_pattern(built, pattern_limit)
            except _OutOfTime:
                again = None  # keep the first pattern
            if again is not None:
                first = (pattern, pattern_bent, pattern_cost, pattern_optimal, held)
                pattern, pattern_bent, pattern_cost, pattern_optimal = again
                held = _as_easy(pattern, _quality_that_fits(attempt, pattern, volumes))
        result = _distances(attempt, held, distances_limit)
        if result is None and again is not None:
            # The second pattern may have spent the room the dropped sessions left on a wish (strength back on its
            # day, beside a run it cuts short) and leave runs too short for the volumes the rules ask; the first
            # one's runs may carry them: it stands (profiles/lena-marathon.toml went to the one-model solve, 10 s).
            pattern, pattern_bent, pattern_cost, pattern_optimal, held = first
            result = _distances(attempt, held, distances_limit)
        try:
            for stage, limit in (("quality", QUALITY_LIMIT), ("repair", REPAIR_LIMIT)):
                if result is None:
                    result = _flexible(attempt, pattern if stage == "quality" else held, stage, limit)
                    if result is not None:
                        repaired = result[1].extract(result[0])
                        if stage == "repair" and _emptied(attempt, held, repaired):
                            result = None  # a repair that empties whole weeks is no plan: another pattern is needed
                        else:
                            held = repaired
        except _OutOfTime:
            if unreachable():
                return None
            break  # straight to the one-model solve
        if result is None:
            squeezed = attempt.strength_beside_runs and _squeezes(attempt, pattern)
            if squeezed:
                continue  # first the same guess with strength kept off the runs it shortens (_attempts)
            if unreachable():
                return None  # nothing keeps every rule: no smaller guess or bigger model can find a plan
            continue
        solver, v, penalties, status = result
        quality_bent = _dropped_quality(attempt, pattern, held)
        missing = _bent_pattern_quality(attempt, pattern)
        stage_bent = [b for b in _bent(solver, penalties) if b.name != "quality session dropped"]  # counted above
        bent = pattern_bent + _merge_quality(quality_bent, missing) + stage_bent
        objective = pattern_cost + int(solver.objective_value)
        return Solution(frame=attempt, decisions=v.extract(solver),
                        week_dk=[int(solver.value(v.week_distance(w))) for w in range(len(attempt.weeks))],
                        bent=bent, objective=objective, optimal=pattern_optimal and status == cp_model.OPTIMAL)
    model, v, penalties = build_model(frame, stage="all")
    solver, status = _run(model, limit=FALLBACK_LIMIT)
    if not _solved(status):
        return None
    return Solution(frame=frame, decisions=v.extract(solver),
                    week_dk=[int(solver.value(v.week_distance(w))) for w in range(len(frame.weeks))],
                    bent=_bent(solver, penalties), objective=int(solver.objective_value),
                    optimal=status == cp_model.OPTIMAL)


def _attempts(frame: Frame, reframe):
    """The frames solve tries in turn: each guess of the volumes (SHRINK_STEPS), first as the runner's wishes have
    it, then, where a strength session beside a run cuts it short, with strength kept off those runs. The pattern
    stage prices a shortened run but cannot see the volumes: a marathoner with strength on two 90-minute run days
    had easy runs too short to carry the weeks rule 8 asks around a race-ready long run, whatever the guess, and
    fell to the slow one-model solve. Both tries of a guess are cheap (tens of milliseconds)."""
    for shrink in SHRINK_STEPS:
        attempt = frame if shrink == 1.0 else (reframe(shrink) if reframe is not None else None)
        if attempt is None:
            return
        yield attempt
        if any(d.strength_cuts_run for d in attempt.days):
            yield replace(attempt, strength_beside_runs=False)


def _squeezes(frame: Frame, pattern: list[DayDecision]) -> bool:
    """Whether the pattern puts a strength session beside a run it cuts short (FrameDay.strength_cuts_run)."""
    return any(dec.kind is not None and dec.strength and frame.days[dec.index].strength_cuts_run
               for dec in pattern)


def _plan_pattern(built: tuple, limit: float) -> tuple[list[DayDecision], list[Bent], int, bool] | None:
    """The week pattern (stage 1) of a model ``build_model(frame, stage="pattern")`` built: its decisions, the
    wishes it bent (quality sessions counted later), its cost and whether it is proven the best; None when the
    pattern rules alone cannot hold; _OutOfTime when ``limit`` ran out before either was settled."""
    model, v, penalties = built
    # CP-SAT's stronger linearization (level 2: cuts on the booleans) proves most patterns at the root: where
    # strength, runs and hard days compete for a week's days the default left gaps it took 10-30 s to close
    # (measured on 226 generated runners: 135 s in all with level 1, 32 s with level 2, same optima)
    solver, status = _run(model, limit=limit, lp_search=True, linearization_level=2, lean=True)
    if status == cp_model.UNKNOWN:
        raise _OutOfTime
    if not _solved(status):
        return None
    bent = [b for b in _bent(solver, penalties) if b.name != "quality session dropped"]
    return v.extract(solver), bent, int(solver.objective_value), status == cp_model.OPTIMAL


def _quality_per_week(frame: Frame, pattern: list[DayDecision]) -> list[int]:
    return [sum(1 for d in week.days if pattern[d].kind == "quality") for week in frame.weeks]


def _bent_pattern_quality(frame: Frame, pattern: list[DayDecision]) -> list[Bent]:
    """Quality sessions the phase wanted that the week pattern could not place at all."""
    out = []
    for w, week in enumerate(frame.weeks):
        placed = sum(1 for d in week.days if pattern[d].kind == "quality")
        if frame.quality_cap[w] > placed:
            out.append(Bent("quality session dropped", "sessions", week.number, frame.quality_cap[w] - placed))
    return out


def _merge_quality(*groups: list[Bent]) -> list[Bent]:
    total: dict[int, int] = {}
    for group in groups:
        for b in group:
            total[b.week] = total.get(b.week, 0) + b.amount
    return [Bent("quality session dropped", "sessions", w, n) for w, n in sorted(total.items())]


def _feasibility(frame: Frame, limit: float) -> int:
    """CP-SAT's status for the whole model without an objective (a what-if probe), within ``limit`` work units."""
    model = _Model()
    v = PlanVars(model, frame)
    add_hard_rules(model, v, frame)
    solver = cp_model.CpSolver()
    _parameters(solver, feasibility_only=True)
    solver.parameters.max_deterministic_time = limit
    return solver.solve(model)


def proven_infeasible(frame: Frame, limit: float = PROOF_LIMIT) -> bool:
    """Whether CP-SAT proves, within ``limit`` work units, that no plan keeps every rule (False: found one, or
    could not tell in time). Unreachable goals are usually proven so in milliseconds, which spares them the
    smaller guesses and the one-model fallback."""
    return _feasibility(frame, limit) == cp_model.INFEASIBLE


def is_feasible(frame: Frame, *, one_model: bool = True) -> bool:
    """Whether any plan satisfies every rule (a what-if probe for suggestions).

    CP-SAT proves an unreachable goal in milliseconds, but finding a plan in the one model can take it seconds: so a
    probe that is not settled within the proof's limit asks the staged solver, which finds plans in tens of
    milliseconds, and only then the one model, with the work ``solve`` itself would give it (FALLBACK_LIMIT): a
    date is suggested only where planning would find the plan. (With 5 units, a refused marathoner's search for
    the earliest date spent 40 s on eight probes that all stayed open.) ``one_model=False`` leaves it out: a
    search over many dates asks only what the stages find.
    """
    status = _feasibility(frame, PROOF_LIMIT)
    if status != cp_model.UNKNOWN:
        return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if solve(frame, probe=True) is not None:
        return True
    return one_model and _feasibility(frame, FALLBACK_LIMIT) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def blocking_rules(frame: Frame) -> list[tuple[str, int | None]]:
    """The rules that, together, leave no plan: CP-SAT's sufficient assumptions for infeasibility.

    Each rule is switched by an assumption literal; CP-SAT reports a subset of them that cannot all hold.
    Returns (name, plan-format rule number or None) pairs, empty when the structure itself is infeasible
    (for example no day left to run on).
    """
    model = _Model()
    v = PlanVars(model, frame)
    gates = {name: model.new_bool_var(f"keep[{name}]") for name, _, _, _ in HARD_RULES}
    add_hard_rules(model, v, frame, gates)
    model.add_assumptions(list(gates.values()))
    solver = cp_model.CpSolver()
    _parameters(solver, feasibility_only=True)
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return []
    core = set(solver.sufficient_assumptions_for_infeasibility())
    by_index = {gate.index: name for name, gate in gates.items()}
    numbers = {name: num for name, num, _, _ in HARD_RULES}
    return [(by_index[i], numbers[by_index[i]]) for i in sorted(core) if i in by_index]
