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

from typing import Callable

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


# What the rules and wishes ask of a day, as the states that answer yes
QUERIES: dict[str, Callable[[State], bool]] = {
    "run": lambda st: st[0] is not None,
    "long": lambda st: st[0] == "long",
    "quality": lambda st: st[0] == "quality",
    "strength": lambda st: st[1],
    "rest": lambda st: st == REST,
    "hard": lambda st: st[0] in ("long", "quality", "race"),
    "run_and_strength": lambda st: st[0] is not None and st[1],
    "strength_on_long": lambda st: st == ("long", True),
}

LITERAL_QUERIES = ("hard", "long", "strength", "rest")  # the queries the rules ask as literals (cliques, clauses)


class _Layout:
    """For one list of states: which of them answer each query, and how to count them (see PatternVars.count)."""

    def __init__(self, states: list[State]):
        self.states = states
        self.names = [f"{kind or 'no_run'}{'+strength' if strength else ''}" for kind, strength in states]
        self.answer = {q: [i for i, st in enumerate(states) if yes(st)] for q, yes in QUERIES.items()}
        # a query most states answer is counted as 1 - the others (exactly one state holds): a run is
        # 1 - rest - strength alone, two terms, not six, and the weekly sums in CP-SAT's LP relaxation are that
        # much sparser
        self.complement = {q: [i for i in range(len(states)) if i not in idx] for q, idx in self.answer.items()
                           if 2 * len(idx) > len(states) + 1}


class PatternVars:
    """One boolean per allowed state and day (exactly one holds); the kind queries are sums of them."""

    with_distances = False

    def __init__(self, model: cp_model.CpModel, frame: Frame):
        self.model = model
        self.frame = frame
        self._lits: list[list[cp_model.IntVar]] = []
        self._layouts: list[_Layout] = []
        # each day's answer to a query, as an expression: built when first asked (not every query is asked of
        # every day: "hard" only as literals, a strength session beside a run only where it shortens the run)
        self._exprs: dict[str, list] = {q: [None] * len(frame.days) for q in QUERIES}
        self._literals: dict[str, list[list]] = {q: [] for q in LITERAL_QUERIES}  # asked for again and again
        layouts: dict[tuple, _Layout] = {}  # days alike allow the same states
        for d, day in enumerate(frame.days):
            if d in frame.pins:
                layout = _Layout(day_states(frame, d))
            else:
                key = (day.is_race, day.can_run, day.can_strength, day.max_dk, day.max_dk_strength)
                if key not in layouts:
                    layouts[key] = _Layout(day_states(frame, d))
                layout = layouts[key]
            tag = day.date.isoformat()
            lits = [model.new_bool_var(f"{name}[{tag}]") for name in layout.names]
            model.add_exactly_one(lits)
            self._lits.append(lits)
            self._layouts.append(layout)
            for q in LITERAL_QUERIES:
                self._literals[q].append([lits[i] for i in layout.answer[q]])
        self.n_days = len(frame.days)
        # Each week's most quality sessions, a variable fixed to the frame's cap, so that the pattern can be planned
        # again with lower caps on the same model (set_quality_caps) rather than one built anew (model.solve)
        self._quality_caps = [model.new_int_var(cap, cap, f"quality_cap[{week.number}]")
                              for week, cap in zip(frame.weeks, frame.quality_cap)]

    def _expr(self, q: str, d: int):
        """Whether day ``d`` is in one of the states answering query ``q``: a literal, a sum, 1 - the sum of the
        other states, or a constant."""
        expr = self._exprs[q][d]
        if expr is None:
            lits, layout = self._lits[d], self._layouts[d]
            others = layout.complement.get(q)
            idx = layout.answer[q]
            if others is not None:
                expr = 1 - cp_model.LinearExpr.sum([lits[i] for i in others]) if others else 1
            elif len(idx) == 1:
                expr = lits[idx[0]]
            else:
                expr = cp_model.LinearExpr.sum([lits[i] for i in idx]) if idx else 0
            self._exprs[q][d] = expr
        return expr

    # --- per week ----------------------------------------------------------------------------------
    def quality_cap(self, w: int) -> cp_model.IntVar:
        """The most quality sessions week ``w`` may hold: a variable fixed to a value (set_quality_caps)."""
        return self._quality_caps[w]

    def set_quality_caps(self, caps: list[int]) -> None:
        """Fix each week's quality cap to ``caps`` for the next solve of this model."""
        for var, cap in zip(self._quality_caps, caps, strict=True):
            var.proto.domain[0] = cap
            var.proto.domain[1] = cap

    # --- per day: literals (for cliques and clauses) ------------------------------------------------
    def hard_literals(self, d: int) -> list:
        """Long, quality or race: of which at most one holds, as for PlanVars."""
        return self._literals["hard"][d]

    def long_literals(self, d: int) -> list:
        return self._literals["long"][d]

    def strength_literals(self, d: int) -> list:
        return self._literals["strength"][d]

    def rest_literals(self, d: int) -> list:
        """The rest state, where the day may rest (not the race day, not a lived day that held a session)."""
        return self._literals["rest"][d]

    # --- per day: 0/1 expressions -------------------------------------------------------------------
    def run(self, d: int):
        return self._expr("run", d)

    def long(self, d: int):
        return self._expr("long", d)

    def quality(self, d: int):
        return self._expr("quality", d)

    def strength(self, d: int):
        return self._expr("strength", d)

    def rest(self, d: int):
        return self._expr("rest", d)

    def run_and_strength(self, d: int):
        """A run and a strength session the same day."""
        return self._expr("run_and_strength", d)

    def strength_on_long(self, d: int):
        return self._expr("strength_on_long", d)

    def week_days(self, w: int) -> tuple[int, ...]:
        return self.frame.weeks[w].days

    # --- solution -----------------------------------------------------------------------------------
    def extract(self, solver: cp_model.CpSolver) -> list[DayDecision]:
        out = []
        for d, (lits, layout) in enumerate(zip(self._lits, self._layouts)):
            kind, strength = next(st for st, lit in zip(layout.states, lits) if solver.boolean_value(lit))
            out.append(DayDecision(index=d, kind=kind, distance_dk=0, strength=strength))
        return out
