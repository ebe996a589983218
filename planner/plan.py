"""The result of planning: Plan, Week, Day, Run, Block, StrengthSession, Reminder, Advice.

Frozen dataclasses. ``Plan.to_dict()`` is plan.json format 1 (shared/design/plan-format.md) with exactly its keys;
``Plan.from_dict()`` reads one back (``planner check``, feeds that compare with the previous plan). Fields that are
not part of plan.json (pace zones, the goal's wording, the checker's verdict) live in ``Plan.extras`` for the views.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import PlanFileError

PLAN_FORMAT = "planner-plan/1"
RUN_TYPES = ("easy", "recovery", "long", "tempo", "intervals", "hills", "race")
HARD_TYPES = frozenset({"long", "tempo", "intervals", "hills", "race"})
EASY_TYPES = frozenset({"easy", "recovery", "long"})
PHASES = ("base", "build", "peak", "taper", "race", "maintain")


@dataclass(frozen=True)
class Block:
    kind: str  # warmup | main | cooldown
    minutes: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "minutes": self.minutes, "text": self.text}


@dataclass(frozen=True)
class Run:
    type: str
    distance_km: float
    minutes: int
    warmup_minutes: int
    cooldown_minutes: int
    blocks: tuple[Block, ...]
    pace: str
    shoe: str | None = None

    @property
    def hard(self) -> bool:
        return self.type in HARD_TYPES

    @property
    def easy(self) -> bool:
        return self.type in EASY_TYPES

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type, "distance_km": round(self.distance_km, 1), "minutes": self.minutes,
            "warmup_minutes": self.warmup_minutes, "cooldown_minutes": self.cooldown_minutes,
            "blocks": [b.to_dict() for b in self.blocks], "pace": self.pace, "shoe": self.shoe,
        }


@dataclass(frozen=True)
class StrengthSession:
    minutes: int
    focus: str
    exercises: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "focus": self.focus, "exercises": list(self.exercises)}


@dataclass(frozen=True)
class Day:
    date: dt.date
    run: Run | None = None
    strength: StrengthSession | None = None

    @property
    def rest(self) -> bool:
        return self.run is None and self.strength is None

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(),
                "run": self.run.to_dict() if self.run else None,
                "strength": self.strength.to_dict() if self.strength else None}


@dataclass(frozen=True)
class Week:
    number: int
    start: dt.date  # the Monday of this Monday-Sunday week (the plan may start or end inside it)
    phase: str
    recovery: bool
    distance_km: float

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "start": self.start.isoformat(), "phase": self.phase,
                "recovery": self.recovery, "distance_km": round(self.distance_km, 1)}


@dataclass(frozen=True)
class Reminder:
    date: dt.date
    kind: str  # shoe_replacement
    shoe: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind, "shoe": self.shoe, "text": self.text}


@dataclass(frozen=True)
class Advice:
    topic: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "text": self.text}


@dataclass(frozen=True)
class Warning:
    kind: str  # pain | preference | schedule | goal
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Athlete:
    id: str
    name: str
    timezone: str
    units: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "timezone": self.timezone, "units": self.units}


@dataclass(frozen=True)
class Race:
    name: str
    date: dt.date
    distance_km: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "date": self.date.isoformat(), "distance_km": round(self.distance_km, 1)}


@dataclass(frozen=True)
class ActualWeek:
    """One past week of a re-planned plan: what was planned against what the activity log says was run."""

    number: int
    start: dt.date
    planned_km: float
    actual_km: float
    planned_runs: int
    actual_runs: int
    longest_planned_km: float
    longest_actual_km: float

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "start": self.start.isoformat(), "planned_km": round(self.planned_km, 1),
                "actual_km": round(self.actual_km, 1), "planned_runs": self.planned_runs,
                "actual_runs": self.actual_runs, "longest_planned_km": round(self.longest_planned_km, 1),
                "longest_actual_km": round(self.longest_actual_km, 1)}


@dataclass(frozen=True)
class ActualDay:
    """One past day with a planned or a logged run: planned and actual km (0.0 when none)."""

    date: dt.date
    planned_km: float
    actual_km: float

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "planned_km": round(self.planned_km, 1),
                "actual_km": round(self.actual_km, 1)}


@dataclass(frozen=True)
class Actual:
    """plan.json's optional ``actual`` key (added by ``planner replan``; plan-format.md lets keys be added).

    ``replanned_on`` is the first re-planned day: the days before it are kept exactly as they were planned, and
    ``weeks``/``days`` compare them with the log (weeks that lie wholly or partly before that day).
    """

    replanned_on: dt.date
    log: str  # where the activities came from (file or folder name, as given)
    weeks: tuple[ActualWeek, ...]
    days: tuple[ActualDay, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"replanned_on": self.replanned_on.isoformat(), "log": self.log,
                "weeks": [w.to_dict() for w in self.weeks], "days": [d.to_dict() for d in self.days]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Actual":
        return cls(replanned_on=_date(data["replanned_on"]), log=str(data.get("log", "")),
                   weeks=tuple(ActualWeek(number=int(w["number"]), start=_date(w["start"]),
                                          planned_km=float(w["planned_km"]), actual_km=float(w["actual_km"]),
                                          planned_runs=int(w["planned_runs"]), actual_runs=int(w["actual_runs"]),
                                          longest_planned_km=float(w["longest_planned_km"]),
                                          longest_actual_km=float(w["longest_actual_km"]))
                               for w in data.get("weeks", [])),
                   days=tuple(ActualDay(date=_date(d["date"]), planned_km=float(d["planned_km"]),
                                        actual_km=float(d["actual_km"])) for d in data.get("days", [])))


@dataclass(frozen=True)
class Plan:
    generated_at: str  # ISO 8601 UTC, e.g. 2026-11-25T10:00:00Z
    athlete: Athlete
    start_date: dt.date
    end_date: dt.date
    race: Race | None
    rules: dict[str, Any]
    weeks: tuple[Week, ...]
    days: tuple[Day, ...]
    reminders: tuple[Reminder, ...] = ()
    advice: tuple[Advice, ...] = ()
    warnings: tuple[Warning, ...] = ()
    format: str = PLAN_FORMAT
    actual: Actual | None = None  # planned versus run, for re-planned plans only
    # Not part of plan.json: what the views need besides (pace zones, goal text, verdicts). Compared by nobody.
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    # --- queries the views use -------------------------------------------------------------------
    def day(self, date: dt.date) -> Day | None:
        index = (date - self.start_date).days
        return self.days[index] if 0 <= index < len(self.days) else None

    def week_of(self, date: dt.date) -> Week | None:
        monday = date - dt.timedelta(days=date.weekday())
        for week in self.weeks:
            if week.start == monday:
                return week
        return None

    def days_of(self, week: Week) -> list[Day]:
        end = week.start + dt.timedelta(days=6)
        return [d for d in self.days if week.start <= d.date <= end]

    def runs(self) -> list[tuple[dt.date, Run]]:
        return [(d.date, d.run) for d in self.days if d.run is not None]

    @property
    def peak_week_km(self) -> float:
        return max((w.distance_km for w in self.weeks), default=0.0)

    @property
    def longest_run_km(self) -> float:
        return max((r.distance_km for _, r in self.runs() if r.type != "race"), default=0.0)

    def with_extras(self, **extras: Any) -> "Plan":
        return replace(self, extras={**self.extras, **extras})

    # --- plan.json ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "generated_at": self.generated_at,
            "athlete": self.athlete.to_dict(),
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "race": self.race.to_dict() if self.race else None,
            "rules": dict(self.rules),
            "weeks": [w.to_dict() for w in self.weeks],
            "days": [d.to_dict() for d in self.days],
            "reminders": [r.to_dict() for r in self.reminders],
            "advice": [a.to_dict() for a in self.advice],
            "warnings": [w.to_dict() for w in self.warnings],
            **({"actual": self.actual.to_dict()} if self.actual is not None else {}),
        }

    def to_json(self) -> str:
        """plan.json text: stable key order, UTF-8 kept readable, trailing newline; each top-level key on its own
        line and each week, day, reminder, advice and warning on one line of its own, so a diff between two
        plans shows the days that changed (and the file is written by json's C encoder: indent=2 meant its
        pure-Python one, 5 ms a plan)."""
        compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        lines = ["{"]
        items = list(self.to_dict().items())
        for i, (key, value) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            if isinstance(value, list) and value:
                lines.append(f"  {compact(key)}: [")
                lines.extend(f"    {compact(item)}{',' if j < len(value) - 1 else ''}" for j, item in enumerate(value))
                lines.append(f"  ]{comma}")
            else:
                lines.append(f"  {compact(key)}: {compact(value)}{comma}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "plan.json") -> "Plan":
        """Read plan.json format 1. Raises PlanFileError naming the key that is wrong."""
        if not isinstance(data, dict):
            raise PlanFileError(f"{source}: not a plan (expected a JSON object)")
        if data.get("format") != PLAN_FORMAT:
            raise PlanFileError(f"{source}: format: expected {PLAN_FORMAT!r}, found {data.get('format')!r}")
        where = "(top level)"
        try:
            where = "athlete"
            athlete = Athlete(**{k: data["athlete"][k] for k in ("id", "name", "timezone", "units")})
            where = "race"
            race = None
            if data.get("race"):
                r = data["race"]
                race = Race(name=r["name"], date=_date(r["date"]), distance_km=float(r["distance_km"]))
            weeks = []
            for i, w in enumerate(data["weeks"]):
                where = f"weeks[{i}]"
                weeks.append(Week(number=int(w["number"]), start=_date(w["start"]), phase=w["phase"],
                                  recovery=bool(w["recovery"]), distance_km=float(w["distance_km"])))
            days = []
            for i, d in enumerate(data["days"]):
                where = f"days[{i}]"
                run = strength = None
                if d.get("run"):
                    r = d["run"]
                    run = Run(type=r["type"], distance_km=float(r["distance_km"]), minutes=int(r["minutes"]),
                              warmup_minutes=int(r["warmup_minutes"]), cooldown_minutes=int(r["cooldown_minutes"]),
                              blocks=tuple(Block(kind=b["kind"], minutes=int(b["minutes"]), text=b.get("text", ""))
                                           for b in r.get("blocks", [])),
                              pace=r.get("pace", ""), shoe=r.get("shoe"))
                if d.get("strength"):
                    s = d["strength"]
                    strength = StrengthSession(minutes=int(s["minutes"]), focus=s.get("focus", ""),
                                               exercises=tuple(s.get("exercises", [])))
                days.append(Day(date=_date(d["date"]), run=run, strength=strength))
            where = "reminders"
            reminders = tuple(Reminder(date=_date(r["date"]), kind=r["kind"], shoe=r.get("shoe"), text=r.get("text", ""))
                              for r in data.get("reminders", []))
            advice = tuple(Advice(topic=a["topic"], text=a["text"]) for a in data.get("advice", []))
            warnings = tuple(Warning(kind=w.get("kind", "note"), text=w["text"]) if isinstance(w, dict)
                             else Warning(kind="note", text=str(w)) for w in data.get("warnings", []))
            where = "start_date"
            start, end = _date(data["start_date"]), _date(data["end_date"])
            where = "rules"
            rules = dict(data["rules"])
            where = "actual"
            actual = Actual.from_dict(data["actual"]) if data.get("actual") else None
        except KeyError as exc:
            raise PlanFileError(f"{source}: {where}: missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise PlanFileError(f"{source}: {where}: {exc}") from None
        return cls(generated_at=str(data.get("generated_at", "")), athlete=athlete, start_date=start, end_date=end,
                   race=race, rules=rules, weeks=tuple(weeks), days=tuple(days), reminders=reminders,
                   advice=advice, warnings=warnings, actual=actual)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load_plan(path) -> Plan:
    """Read a plan.json file. Raises PlanFileError for a missing, unreadable or malformed file."""
    from pathlib import Path
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    return Plan.from_dict(data, source=str(path))
