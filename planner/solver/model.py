"""Assemble the CP-SAT model, solve it deterministically, and explain infeasibility.

Determinism: a fixed number of workers and seed, and a *deterministic* time limit (CP-SAT's work units, not seconds),
so the same profile gives the same plan on any machine and under any load.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from .frame import Frame
from .objective import W_QUALITY_MISSING, Penalty, add_objective
from .rules import HARD_RULES, add_hard_rules
from .variables import DayDecision, FixedPatternVars, PlanVars

NUM_WORKERS = 1          # one worker: reproducible, and batch planning runs one process per core anyway
RANDOM_SEED = 20261125
MAX_DETERMINISTIC_TIME = 30.0
# When the pattern asks more of the volume than the rules let it reach, plan the pattern again on a smaller guess.
SHRINK_STEPS = (1.0, 0.9, 0.8, 0.65, 0.5)
QUALITY_LIMIT = 5.0  # work units; far above what real plans need, a guard against pathological input


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


def _parameters(solver: cp_model.CpSolver, *, feasibility_only: bool = False) -> None:
    p = solver.parameters
    p.num_workers = NUM_WORKERS
    p.random_seed = RANDOM_SEED
    p.max_deterministic_time = 5.0 if feasibility_only else MAX_DETERMINISTIC_TIME
    p.log_search_progress = False
    # Our models are small and already tight; presolve costs more than it saves (measured: 4-10x slower with it).
    p.cp_model_presolve = False


def build_model(frame: Frame, *, stage: str = "all",
                pattern: list[DayDecision] | None = None) -> tuple[cp_model.CpModel, object, list[Penalty]]:
    """One stage's model: "pattern" (booleans), "distances" (``pattern`` held) or "all" (everything at once)."""
    model = cp_model.CpModel()
    if stage == "quality":
        v = FixedPatternVars(model, frame, pattern, flexible_quality=True)
        add_hard_rules(model, v, frame, stage="distances")
        drops = []
        for week, dropped in v.quality_dropped():
            flag = model.NewBoolVar(f"quality_dropped[{week}]")
            model.Add(flag == dropped)
            drops.append(Penalty("quality session dropped", "sessions", week, flag, 1))
        model.Minimize(sum(p.var for p in drops))
        return model, v, drops
    if stage == "distances":
        v = FixedPatternVars(model, frame, pattern)
    else:
        v = PlanVars(model, frame, with_distances=stage == "all")
    add_hard_rules(model, v, frame, stage=stage)
    penalties = add_objective(model, v, frame, stage=stage)
    return model, v, penalties


def _run(model: cp_model.CpModel, *, limit: float = MAX_DETERMINISTIC_TIME) -> tuple[cp_model.CpSolver, int]:
    solver = cp_model.CpSolver()
    _parameters(solver)
    solver.parameters.max_deterministic_time = limit
    status = solver.Solve(model)
    if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug in the model, not in the input
        raise RuntimeError(f"CP-SAT model invalid: {model.Validate()}")
    return solver, status


def _solved(status: int) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _bent(solver: cp_model.CpSolver, penalties: list[Penalty]) -> list[Bent]:
    return [Bent(p.name, p.kind, p.week, int(solver.Value(p.var))) for p in penalties if solver.Value(p.var) > 0]


def solve(frame: Frame, *, reframe=None) -> Solution | None:
    """The best plan that keeps every rule, or None when there is none.

    Two stages keep it fast: first the week pattern (which days run, long, quality, strength, rest) against the
    pattern rules and the runner's wishes; then the distances with that pattern held, a small integer program.
    Each stage is solved to optimality. Should the held pattern leave no safe distances, the whole model is solved
    at once (slower, but complete), so a plan is never refused that the rules allow.
    """
    attempt, found = frame, False
    for shrink in SHRINK_STEPS:
        if shrink != 1.0:
            if reframe is None:
                break
            attempt = reframe(shrink)
        model, v, penalties = build_model(attempt, stage="pattern")
        solver, status = _run(model)
        if not _solved(status):
            return None  # the pattern rules alone cannot hold: nothing can
        pattern = v.extract(solver)
        pattern_bent = _bent(solver, penalties)
        pattern_cost = int(solver.ObjectiveValue())
        # which quality sessions the reachable volumes can carry (as many as possible), then the distances
        model, v, penalties = build_model(attempt, stage="quality", pattern=pattern)
        solver, status = _run(model, limit=QUALITY_LIMIT)
        if not _solved(status):
            continue
        pattern = v.extract(solver)
        pattern_bent += [replace(b, amount=b.amount) for b in _bent(solver, penalties)]
        pattern_cost += W_QUALITY_MISSING * int(solver.ObjectiveValue())
        model, v, penalties = build_model(attempt, stage="distances", pattern=pattern)
        solver, status = _run(model)
        if _solved(status):
            bent = pattern_bent + _bent(solver, penalties)
            objective = pattern_cost + int(solver.ObjectiveValue())
            frame, found = attempt, True
            break
    if not found:
        model, v, penalties = build_model(frame, stage="all")
        solver, status = _run(model)
        if not _solved(status):
            return None
        bent = _bent(solver, penalties)
        objective = int(solver.ObjectiveValue())
    return Solution(frame=frame, decisions=v.extract(solver),
                    week_dk=[int(solver.Value(v.week_distance(w))) for w in range(len(frame.weeks))],
                    bent=bent, objective=objective, optimal=status == cp_model.OPTIMAL)


def is_feasible(frame: Frame) -> bool:
    """Whether any plan satisfies every rule (no objective: a what-if probe for suggestions)."""
    model = cp_model.CpModel()
    v = PlanVars(model, frame)
    add_hard_rules(model, v, frame)
    solver = cp_model.CpSolver()
    _parameters(solver, feasibility_only=True)
    return solver.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def blocking_rules(frame: Frame) -> list[tuple[str, int | None]]:
    """The rules that, together, leave no plan: CP-SAT's sufficient assumptions for infeasibility.

    Each rule is switched by an assumption literal; CP-SAT reports a subset of them that cannot all hold.
    Returns (name, plan-format rule number or None) pairs, empty when the structure itself is infeasible
    (for example no day left to run on).
    """
    model = cp_model.CpModel()
    v = PlanVars(model, frame)
    gates = {name: model.NewBoolVar(f"keep[{name}]") for name, _, _, _ in HARD_RULES}
    add_hard_rules(model, v, frame, gates)
    model.AddAssumptions(list(gates.values()))
    solver = cp_model.CpSolver()
    _parameters(solver, feasibility_only=True)
    status = solver.Solve(model)
    if status != cp_model.INFEASIBLE:
        return []
    core = set(solver.SufficientAssumptionsForInfeasibility())
    by_index = {gate.Index(): name for name, gate in gates.items()}
    numbers = {name: num for name, num, _, _ in HARD_RULES}
    return [(by_index[i], numbers[by_index[i]]) for i in sorted(core) if i in by_index]
