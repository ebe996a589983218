"""The variable container: every CP-SAT variable of a plan, built once, queried by meaning.

Distances are integers in tenths of a kilometre (``dk``), so sums are exact and plan.json's one decimal adds up.
Per day: ``run``, ``long``, ``quality`` and ``strength`` booleans, ``rest`` (true only when nothing happens), the
run's distance and the share of it that is quality (non-easy) running. Per week: the distance and the longest run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .frame import Frame


@dataclass(frozen=True)
class DayDecision:
    """What the solver decided for one day, before session content is written."""

    index: int
    kind: str | None  # None (no run), "easy", "long", "quality", "race"
    distance_dk: int
    strength: bool


class PlanVars:
    """Variables of one plan. Constraints ask for them by day or week; nobody indexes raw dicts."""

    def __init__(self, model: cp_model.CpModel, frame: Frame, *, with_distances: bool = True):
        self.model = model
        self.frame = frame
        self.with_distances = with_distances
        n = len(frame.days)
        top = max([d.max_dk for d in frame.days] + [frame.race_dk or 0, 1])
        self._run, self._long, self._quality, self._strength, self._rest = [], [], [], [], []
        self._dist, self._qdist = [], []
        for d in frame.days:
            tag = d.date.isoformat()
            self._run.append(model.new_bool_var(f"run[{tag}]"))
            self._long.append(model.new_bool_var(f"long[{tag}]"))
            self._quality.append(model.new_bool_var(f"quality[{tag}]"))
            self._strength.append(model.new_bool_var(f"strength[{tag}]"))
            self._rest.append(model.new_bool_var(f"rest[{tag}]"))
            if with_distances:
                hi = frame.race_dk if d.is_race else d.max_dk
                if d.index in frame.pins:
                    hi = max(hi, frame.pins[d.index].distance_dk)
                self._dist.append(model.new_int_var(0, max(hi, 0), f"dist[{tag}]"))
                self._qdist.append(model.new_int_var(0, max(hi, 0), f"qdist[{tag}]"))
        if with_distances:
            week_top = 7 * top
            self._week = [model.new_int_var(0, week_top, f"week_km[{w.number}]") for w in frame.weeks]
            self._longest = [model.new_int_var(0, top, f"longest[{w.number}]") for w in frame.weeks]
        self._both: dict[int, cp_model.IntVar] = {}
        self._on_long: dict[int, cp_model.IntVar] = {}
        self.n_days = n
        self._hold_pins()

    def _hold_pins(self) -> None:
        """Days already lived (re-planning) are constants: exactly as they were planned."""
        for d, pin in sorted(self.frame.pins.items()):
            self.model.add(self._run[d] == int(pin.kind is not None))
            self.model.add(self._long[d] == int(pin.kind == "long"))
            self.model.add(self._quality[d] == int(pin.kind == "quality"))
            self.model.add(self._strength[d] == int(pin.strength))
            if self.with_distances:
                self.model.add(self._dist[d] == pin.distance_dk)

    # --- per day -------------------------------------------------------------------------------------
    def run(self, d: int) -> cp_model.IntVar:
        return self._run[d]

    def long(self, d: int) -> cp_model.IntVar:
        return self._long[d]

    def quality(self, d: int) -> cp_model.IntVar:
        return self._quality[d]

    def quality_cap(self, w: int) -> int:
        """The most quality sessions week ``w`` may hold."""
        return self.frame.quality_cap[w]

    def strength(self, d: int) -> cp_model.IntVar:
        return self._strength[d]

    def rest(self, d: int) -> cp_model.IntVar:
        return self._rest[d]

    def run_and_strength(self, d: int) -> cp_model.IntVar:
        """True when day ``d`` holds a run and a strength session (made on first use, for the penalties that ask).

        With it, each day is at most one of rest, a run alone, strength alone or both: rest + run + strength - both
        <= 1. Stated, the LP relaxation counts the days a week lacks: six runs, two strength sessions and a rest day
        in seven days put strength beside two runs; without it the relaxation spread them thin at no cost, and
        CP-SAT spent seconds to minutes proving week by week what the count says."""
        if d not in self._both:
            run, s = self._run[d], self._strength[d]
            both = self.model.new_bool_var(f"run_and_strength[{self.frame.days[d].date.isoformat()}]")
            self.model.add_bool_or(run.negated(), s.negated(), both)
            self.model.add_implication(both, run)
            self.model.add_implication(both, s)
            self.model.add(self._rest[d] + run + s - both <= 1)
            self._both[d] = both
        return self._both[d]

    def strength_on_long(self, d: int) -> cp_model.IntVar:
        """True when day ``d`` holds the long run and a strength session (made on first use, for the penalty)."""
        if d not in self._on_long:
            s, long_ = self._strength[d], self._long[d]
            both = self.model.new_bool_var(f"strength_on_long[{self.frame.days[d].date.isoformat()}]")
            self.model.add_bool_or(s.negated(), long_.negated(), both)
            # the same, by way of the day's run: tighter in the relaxation once the day count forces strength
            # beside runs (run_and_strength)
            self.model.add(both >= self.run_and_strength(d) - self._run[d] + long_)
            self._on_long[d] = both
        return self._on_long[d]

    def distance(self, d: int) -> cp_model.IntVar:
        return self._dist[d]

    def quality_distance(self, d: int) -> cp_model.IntVar:
        return self._qdist[d]

    def hard_literals(self, d: int) -> list[cp_model.IntVar]:
        """Long, quality or race: plan-format's hard runs, as the booleans of which at most one holds (the race day's
        run is hard by definition)."""
        if self.frame.days[d].is_race:
            return [self._run[d]]
        return [self._long[d], self._quality[d]]

    def long_literals(self, d: int) -> list[cp_model.IntVar]:
        return [self._long[d]]

    def strength_literals(self, d: int) -> list[cp_model.IntVar]:
        return [self._strength[d]]

    def rest_literals(self, d: int) -> list[cp_model.IntVar]:
        return [self._rest[d]]

    # --- per week ------------------------------------------------------------------------------------
    def week_distance(self, w: int) -> cp_model.IntVar:
        return self._week[w]

    def week_longest(self, w: int) -> cp_model.IntVar:
        """The longest run of week ``w`` (the race excepted)."""
        return self._longest[w]

    def week_days(self, w: int) -> tuple[int, ...]:
        return self.frame.weeks[w].days

    # --- solution ------------------------------------------------------------------------------------
    def fix_pattern(self, pattern: list["DayDecision"]) -> None:
        """Hold the week pattern of a first-stage solution: runs may only be dropped, quality sessions only
        turned easy, long runs kept where they were, strength sessions as they were."""
        for dec in pattern:
            d = dec.index
            self.model.add(self._strength[d] == int(dec.strength))
            if dec.kind is None:
                self.model.add(self._run[d] == 0)
                continue
            self.model.add(self._long[d] == self._run[d]) if dec.kind == "long" else self.model.add(self._long[d] == 0)
            if dec.kind != "quality":
                self.model.add(self._quality[d] == 0)

    def extract(self, solver: cp_model.CpSolver) -> list[DayDecision]:
        out = []
        for d, day in enumerate(self.frame.days):
            ran = solver.value(self._run[d]) == 1
            kind = None
            if ran:
                if day.is_race:
                    kind = "race"
                elif solver.value(self._long[d]):
                    kind = "long"
                elif solver.value(self._quality[d]):
                    kind = "quality"
                else:
                    kind = "easy"
            dist = solver.value(self._dist[d]) if ran and self.with_distances else 0
            out.append(DayDecision(index=d, kind=kind, distance_dk=dist,
                                   strength=solver.value(self._strength[d]) == 1))
        return out


class FixedPatternVars:
    """Distance variables for a week pattern decided beforehand: the second stage of solving.

    The pattern's booleans are constants here, so the distance rules see plain linear expressions: the long run
    *is* the week's longest run, a quality day's distance *is* quality distance. That keeps the model a small
    integer program that CP-SAT solves to optimality in milliseconds.
    """

    with_distances = True

    def __init__(self, model: cp_model.CpModel, frame: Frame, pattern: list[DayDecision], *,
                 flexible_quality: bool = False, droppable: bool = False):
        """``flexible_quality``: a quality session may be run easy instead. ``droppable`` (implies it): a run may
        also be dropped, the day left to rest or strength. Neither can break a pattern rule (4, 6, 7): both only
        take hard running or running away."""
        self.model = model
        self.frame = frame
        self.pattern = pattern
        flexible_quality = flexible_quality or droppable
        self._dist: list = [0] * len(frame.days)
        self._qdist: list = [0] * len(frame.days)
        self._kept: dict[int, cp_model.IntVar] = {}
        self._run_kept: dict[int, cp_model.IntVar] = {}
        self._week = []
        self._longest = []
        # One distance per kind, room and week: the week's easy runs on days of equal room are equally long, so are
        # its quality sessions. Even easy days are what coaches prescribe, and it keeps this stage a tiny integer
        # program; a day with more time may hold a longer easy run.
        for w in frame.weeks:
            by_kind: dict[str, list[int]] = {}
            pinned = [d for d in w.days if d in frame.pins]
            kind_var: dict[str, cp_model.IntVar] = {}
            for d in w.days:
                kind = pattern[d].kind
                if d in frame.pins:  # a day already lived (re-planning): its distance is a constant
                    pin = frame.pins[d]
                    self._dist[d] = pin.distance_dk if pin.kind else 0
                    self._qdist[d] = pin.distance_dk if pin.kind == "quality" else 0
                elif kind == "race":
                    self._dist[d] = frame.race_dk
                elif kind is not None:
                    # easy runs (and quality sessions) of days with the same room share one length; a day with more
                    # time (a weekend day, a day without strength beside the run) has its own, longer one
                    room = frame.run_room(d, pattern[d].strength)
                    key = f"{kind}@{room:05d}" if kind in ("easy", "quality") else kind
                    by_kind.setdefault(key, []).append(d)
            # "easy@..." before "quality@...": a quality day may fall back to the easy length of its room
            for key, days in sorted(by_kind.items()):
                kind = key.partition("@")[0]
                hi = min(frame.run_room(d, pattern[d].strength) for d in days)
                var = model.new_int_var(frame.min_easy_dk, max(frame.min_easy_dk, hi), f"{key}_km[{w.number}]")
                kind_var[key] = var
                if kind == "quality" and not flexible_quality:
                    model.add(var >= frame.min_quality_dk)
                for d in days:
                    tag = frame.days[d].date.isoformat()
                    top = max(frame.min_easy_dk, frame.run_room(d, pattern[d].strength))
                    dist = var
                    if kind == "quality" and not flexible_quality:
                        self._qdist[d] = var
                    elif kind == "quality":
                        # a quality session the week's volume cannot carry (rule 9 counts all of it as hard) is run
                        # easy instead, as long as the week's easy runs: the pattern's guess of the volume may have
                        # been high
                        easy_key = f"easy@{key.partition('@')[2]}"
                        if easy_key not in kind_var:
                            kind_var[easy_key] = model.new_int_var(frame.min_easy_dk, top,
                                                                   f"{easy_key}_km[{w.number}]")
                        kept = model.new_bool_var(f"quality_kept[{tag}]")
                        dist = model.new_int_var(0, top, f"session_km[{tag}]")
                        model.add(dist == var).only_enforce_if(kept)
                        model.add(dist == kind_var[easy_key]).only_enforce_if(kept.negated())
                        model.add(var >= frame.min_quality_dk).only_enforce_if(kept)
                        qd = model.new_int_var(0, top, f"qdist[{tag}]")
                        model.add(qd == var).only_enforce_if(kept)
                        model.add(qd == 0).only_enforce_if(kept.negated())
                        self._kept[d], self._qdist[d] = kept, qd
                    if droppable:
                        keep = model.new_bool_var(f"run_kept[{tag}]")
                        ran = model.new_int_var(0, top, f"dist[{tag}]")
                        model.add(ran == dist).only_enforce_if(keep)
                        model.add(ran == 0).only_enforce_if(keep.negated())
                        if d in self._kept:
                            model.add_implication(self._kept[d], keep)
                        dist, self._run_kept[d] = ran, keep
                    self._dist[d] = dist
            self._week.append(sum(self._dist[d] for d in w.days))
            # valid upper bounds (frame._upper_bounds): they tighten the relaxation, they never cut a plan
            if by_kind:
                model.add(self._week[-1] <= frame.week_bound[w.index])
            for kind, days in by_kind.items():
                model.add(kind_var[kind] <= frame.long_bound[w.index])
            pinned_runs = [self._dist[d] for d in pinned if frame.pins[d].kind not in (None, "race")]
            planned = [self._dist[d] for days in by_kind.values() for d in days]
            if "long" in by_kind and not droppable and not pinned_runs:
                longest = kind_var["long"]  # the long run is the longest (below): a plain variable, a tight model
            elif by_kind:
                longest = model.new_int_var(0, max(pinned_runs + [frame.long_cap_dk]), f"longest[{w.number}]")
                model.add_max_equality(longest, pinned_runs + planned)
            else:
                longest = max(pinned_runs, default=0)
            if "long" in by_kind:  # the long run is the longest of the week's runs still to plan
                for kind, var in kind_var.items():
                    if kind != "long":
                        model.add(var <= kind_var["long"])
            self._longest.append(longest)

    def run(self, d: int) -> int:
        return int(self.pattern[d].kind is not None)

    def long(self, d: int) -> int:
        return int(self.pattern[d].kind == "long")

    def quality(self, d: int) -> int:
        return int(self.pattern[d].kind == "quality")

    def runs_dropped(self) -> list[tuple[int, cp_model.LinearExpr]]:
        """(plan week number, 1 - kept) for every run of the pattern that may be dropped."""
        return [(self.frame.days[d].week + 1, kept.negated()) for d, kept in sorted(self._run_kept.items())]

    def quality_dropped(self) -> list[tuple[int, cp_model.LinearExpr]]:
        """(plan week number, 1 - kept) for every quality session of the pattern."""
        return [(self.frame.days[d].week + 1, kept.negated()) for d, kept in sorted(self._kept.items())]

    def strength(self, d: int) -> int:
        return int(self.pattern[d].strength)

    def distance(self, d: int):
        return self._dist[d]

    def quality_distance(self, d: int):
        return self._qdist[d]

    def week_distance(self, w: int):
        return self._week[w]

    def week_longest(self, w: int):
        return self._longest[w]

    def week_days(self, w: int) -> tuple[int, ...]:
        return self.frame.weeks[w].days

    def extract(self, solver: cp_model.CpSolver) -> list[DayDecision]:
        out = []
        for dec in self.pattern:
            kind = dec.kind
            if kind == "quality" and dec.index in self._kept and not solver.value(self._kept[dec.index]):
                kind = "easy"
            if dec.index in self._run_kept and not solver.value(self._run_kept[dec.index]):
                kind = None
            out.append(DayDecision(index=dec.index, kind=kind, strength=dec.strength,
                                   distance_dk=int(solver.value(self._dist[dec.index])) if kind else 0))
        return out
