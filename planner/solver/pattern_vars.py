"""The week pattern's variables: each day is exactly one of the states its schedule allows.

A day of the pattern is one of rest, strength alone, or an easy, long or quality run (or the race), each with or
without a strength session beside it. :class:`PatternVars` gives every state the day allows one boolean and asks
for exactly one of them per day. Runs, long runs, hard days and strength sessions are then sums of those booleans,
so the rules and wishes of the pattern stage (rules.py, objective.py) see the same queries as with
:class:`~planner.solver.variables.PlanVars`, which has one boolean per kind, linked by implications.

Why one-hot: what the kind booleans state with implications and helper booleans (a long run is a run; rest is
nothing at all; a run beside a strength session) is here the choice of one state, whose linear relaxation is exact
for each day. The pattern model has about half the constraints, CP-SAT's LP relaxation about half the rows, and
the pattern stage, most of the time of planning a runner, is solved correspondingly faster (see model.py).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from .frame import Frame
from .variables import DayDecision

State = tuple[str | None, bool]  # (kind as in DayDecision, strength beside it)
REST: State = (None, False)


def day_states(f: Frame, d: int) -> list[State]:
    """The states day ``d`` may take: what rules.link_day_booleans lets PlanVars' kind booleans hold that day.

    Runs only on run days (rule 10), the race on race day, quality only on days long enough for a session, strength
    only where the schedule allows it, and beside a run only where the day's time budget holds both: a run it would
    leave shorter than the shortest session (or than STRENGTH_CUT_TOLERATED of the day, when the frame keeps
    strength off such runs) excludes strength on run days, one shorter than a quality session excludes it beside a
    quality session. A day already lived (re-planning) is what it was.
    """
    day = f.days[d]
    if d in f.pins:
        pin = f.pins[d]
        return [(pin.kind, pin.strength)]
    if day.is_race:
        kinds: list[str | None] = ["race"]
    elif day.can_run:
        kinds = [None, "easy", "long"] + (["quality"] if day.max_dk >= f.min_quality_dk else [])
    else:
        kinds = [None]
    beside = {kind: day.can_strength for kind in kinds}
    if day.can_strength and day.max_dk_strength < day.max_dk and not day.is_race:
        if day.can_run and (day.max_dk_strength < f.min_easy_dk or
                            (day.strength_cuts_run and not f.strength_beside_runs)):
            beside.update({kind: False for kind in kinds if kind is not None})
        elif day.max_dk_strength < f.min_quality_dk:
            beside["quality"] = False
    return [(kind, strength) for kind in kinds for strength in (False, True) if not strength or beside[kind]]


class PatternVars:
    """One boolean per allowed state and day (exactly one holds); the kind queries are sums of them."""

    with_distances = False

    def __init__(self, model: cp_model.CpModel, frame: Frame):
        self.model = model
        self.frame = frame
        self._states: list[dict[State, cp_model.IntVar]] = []
        # per day, the literals of each query, gathered once (the rules ask for them thousands of times)
        self._run: list[list] = []
        self._long: list[list] = []
        self._quality: list[list] = []
        self._strength: list[list] = []
        self._rest: list[list] = []
        self._hard: list[list] = []
        self._run_and_strength: list[list] = []
        self._strength_on_long: list[list] = []
        allowed: dict[tuple, list[State]] = {}  # days alike allow the same states
        for d, day in enumerate(frame.days):
            tag = day.date.isoformat()
            key = (day.is_race, day.can_run, day.can_strength, day.max_dk, day.max_dk_strength)
            if d in frame.pins:
                states = day_states(frame, d)
            else:
                if key not in allowed:
                    allowed[key] = day_states(frame, d)
                states = allowed[key]
            lits = {state: model.new_bool_var(f"{state[0] or 'no_run'}{'+strength' if state[1] else ''}[{tag}]")
                    for state in states}
            model.add_exactly_one(list(lits.values()))
            self._states.append(lits)
            self._run.append([lit for (kind, _), lit in lits.items() if kind is not None])
            self._long.append([lit for (kind, _), lit in lits.items() if kind == "long"])
            self._quality.append([lit for (kind, _), lit in lits.items() if kind == "quality"])
            self._strength.append([lit for (_, s), lit in lits.items() if s])
            self._rest.append([lit for state, lit in lits.items() if state == REST])
            self._hard.append([lit for (kind, _), lit in lits.items() if kind in ("long", "quality", "race")])
            self._run_and_strength.append([lit for (kind, s), lit in lits.items() if kind is not None and s])
            self._strength_on_long.append([lit for (kind, s), lit in lits.items() if kind == "long" and s])
        self.n_days = len(frame.days)
        self._exprs = {name: [self._sum(lits) for lits in per_day] for name, per_day in (
            ("run", self._run), ("long", self._long), ("quality", self._quality), ("strength", self._strength),
            ("rest", self._rest), ("run_and_strength", self._run_and_strength),
            ("strength_on_long", self._strength_on_long))}

    # --- per day: literals (for cliques and clauses) ------------------------------------------------
    def hard_literals(self, d: int) -> list:
        """Long, quality or race: of which at most one holds, as for PlanVars."""
        return self._hard[d]

    def long_literals(self, d: int) -> list:
        return self._long[d]

    def strength_literals(self, d: int) -> list:
        return self._strength[d]

    def rest_literals(self, d: int) -> list:
        """The rest state, where the day may rest (not the race day, not a lived day that held a session)."""
        return self._rest[d]

    # --- per day: 0/1 expressions -------------------------------------------------------------------
    # A query that one state answers is that state's literal, one that none answers is 0: the smallest expressions
    # for CP-SAT, and the cheapest to build.
    @staticmethod
    def _sum(lits: list):
        return lits[0] if len(lits) == 1 else cp_model.LinearExpr.sum(lits) if lits else 0

    def run(self, d: int):
        return self._exprs["run"][d]

    def long(self, d: int):
        return self._exprs["long"][d]

    def quality(self, d: int):
        return self._exprs["quality"][d]

    def strength(self, d: int):
        return self._exprs["strength"][d]

    def rest(self, d: int):
        return self._exprs["rest"][d]

    def run_and_strength(self, d: int):
        """A run and a strength session the same day."""
        return self._exprs["run_and_strength"][d]

    def strength_on_long(self, d: int):
        return self._exprs["strength_on_long"][d]

    def week_days(self, w: int) -> tuple[int, ...]:
        return self.frame.weeks[w].days

    # --- solution -----------------------------------------------------------------------------------
    def extract(self, solver: cp_model.CpSolver) -> list[DayDecision]:
        out = []
        for d, lits in enumerate(self._states):
            kind, strength = next(state for state, lit in lits.items() if solver.boolean_value(lit))
            out.append(DayDecision(index=d, kind=kind, distance_dk=0, strength=strength))
        return out
