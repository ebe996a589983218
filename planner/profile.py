"""The runner profile, format 1 (shared/design/profile-format.md): pydantic models, loaders, unit conversion.

Distances in the file are in the profile's ``units``; everything the rest of the program sees is kilometres,
through :class:`Profile` helpers (``km()``, ``race_km``...). Loading never raises anything but
:class:`~planner.errors.ProfileError`, with one line per problem naming the file and the key path.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ProfileError

KM_PER_MILE = 1.609344
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Race distances by name, in km. 21.0975 and 42.195 are the official half and full marathon.
NAMED_RACES_KM: dict[str, float] = {
    "5k": 5.0, "10k": 10.0, "half": 21.0975, "marathon": 42.195, "50k": 50.0,
}
RACE_LABELS = {"5k": "5K", "10k": "10K", "half": "Half marathon", "marathon": "Marathon", "50k": "50K"}

_DURATION = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ID = re.compile(r"^[a-z0-9-]{1,64}$")


def parse_duration(text: str) -> int:
    """``"MM:SS"`` or ``"H:MM:SS"`` to seconds. Raises ValueError with a message for people."""
    m = _DURATION.match(text.strip())
    if not m:
        raise ValueError(f'{text!r} is not a duration: write "MM:SS" or "H:MM:SS", e.g. "48:30" or "1:45:00"')
    h, mnt, s = (int(g) if g else 0 for g in m.groups())
    if h == 0 and m.group(1) is None and mnt >= 60:
        raise ValueError(f'{text!r}: minutes must be below 60 in "MM:SS"; write "H:MM:SS"')
    total = h * 3600 + mnt * 60 + s
    if total <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return total


_TRANSLIT = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ß": "ss", "đ": "d",
                            "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"})


def slugify(name: str) -> str:
    """The default athlete id: lower-case ASCII letters, digits and dashes, at most 64 characters."""
    # letters NFKD does not decompose into ASCII, transliterated the way their languages do
    name = name.translate(_TRANSLIT)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
    if not slug:  # a name in, say, CJK only: derive a stable id from the name's bytes
        import hashlib
        slug = "runner-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return slug


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):  # YAML's yes/true is not a number
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


def _date_only(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # not a Unix timestamp
        raise ValueError(f"{value} is not a date: write it as YYYY-MM-DD")
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    return value


Num = Annotated[float, BeforeValidator(_no_bool)]
Int = Annotated[int, BeforeValidator(_no_bool)]
Day = Annotated[dt.date, BeforeValidator(_date_only)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_duration(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('write a duration as "MM:SS" or "H:MM:SS"')
    if isinstance(value, int):  # YAML 1.1 would read 48:30 as sexagesimal; our loader does not, JSON can't
        raise ValueError(f'{value} is a number; write a duration in quotes as "MM:SS" or "H:MM:SS"')
    parse_duration(value)
    return value


class RecentRace(_Model):
    distance: Union[Literal["5k", "10k", "half", "marathon"], Num] = Field(
        description="5k | 10k | half | marathon | a number in the profile's units")
    time: str = Field(description='finish time, "MM:SS" or "H:MM:SS"')
    date: Day | None = None

    _time = field_validator("time", mode="before")(_check_duration)

    @field_validator("distance")
    @classmethod
    def _positive(cls, v: Any) -> Any:
        if isinstance(v, float) and not (0.8 <= v <= 400):
            raise ValueError("must be a race distance between 0.8 and 400 in the profile's units")
        return v


class Current(_Model):
    weekly_distance: Num = Field(gt=0, le=400, description="average weekly distance of the last 4 weeks")
    long_run: Num = Field(gt=0, le=200, description="longest run of the last 4 weeks")
    runs_per_week: Int | None = Field(default=None, ge=1, le=7)
    recent_race: RecentRace | None = None


class Goal(_Model):
    race: Union[Literal["5k", "10k", "half", "marathon", "50k"], Num, None] = Field(
        default=None, description="5k | 10k | half | marathon | 50k | a number in the profile's units")
    race_date: Day | None = None
    race_name: str | None = Field(default=None, max_length=200)
    target_time: str | None = None
    weekly_distance: Num | None = Field(default=None, gt=0, le=400,
                                          description="a fitness goal with no race: build to this volume, then hold it")

    _target = field_validator("target_time", mode="before")(
        lambda v: None if v is None else _check_duration(v))

    @field_validator("race")
    @classmethod
    def _race_number(cls, v: Any) -> Any:
        if isinstance(v, float) and not (1 <= v <= 250):
            raise ValueError("must be a race distance between 1 and 250 in the profile's units")
        return v

    @model_validator(mode="after")
    def _one_goal(self) -> "Goal":
        if (self.race is None) == (self.weekly_distance is None):
            raise ValueError("give exactly one of `race` (with `race_date`) or `weekly_distance`")
        if self.race is not None and self.race_date is None:
            raise ValueError("`race_date` is required with `race`")
        if self.race is None and (self.race_date or self.race_name or self.target_time):
            raise ValueError("`race_date`, `race_name` and `target_time` belong with `race`, not `weekly_distance`")
        return self


class DateRange(_Model):
    from_: Day = Field(alias="from")
    to: Day

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> "DateRange":
        if self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        return self


def _check_day_map(value: Any, *, what: str, check) -> dict[str, Any]:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = {"default": value}
    if not isinstance(value, dict):
        raise ValueError(f"write {what} as a value or a map like {{default: ..., sat: ...}}")
    out = {}
    for key, v in value.items():
        if key != "default" and key not in WEEKDAYS:
            raise ValueError(f"unknown day {key!r}: use `default` or one of {', '.join(WEEKDAYS)}")
        out[key] = check(key, v)
    return out


def _minutes(key: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{key}: minutes must be a whole number, got {v!r}")
    if not 20 <= v <= 600:
        raise ValueError(f"{key}: {v} minutes is out of range (20..600)")
    return v


def _clock(key: str, v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):  # YAML would read 07:00 unquoted as a number
        raise ValueError(f'{key}: write the time in quotes as "HH:MM"')
    if not isinstance(v, str) or not _CLOCK.match(v.strip()):
        raise ValueError(f'{key}: {v!r} is not a time of day "HH:MM"')
    h, m = v.strip().split(":")
    return f"{int(h):02d}:{m}"


class Schedule(_Model):
    run_days: list[Weekday] | None = Field(default=None, description="default: every day but rest_days")
    long_run_day: Weekday | None = None
    rest_days: list[Weekday] = Field(default_factory=list)
    strength_days: list[Weekday] | None = None
    max_minutes: Union[dict[str, int], int] = Field(
        default_factory=dict, description="time budget per day in minutes: a number, or a map like {default: 75, sun: 180}")
    start_time: Union[dict[str, str], str] = Field(
        default_factory=lambda: {"default": "07:00"},
        description='local start time "HH:MM", or a map like {default: "07:00", sat: "08:30"}')
    unavailable: list[Union[Day, DateRange]] = Field(default_factory=list)

    @field_validator("max_minutes", mode="before")
    @classmethod
    def _max_minutes(cls, v: Any) -> Any:
        return _check_day_map(v, what="max_minutes", check=_minutes)

    @field_validator("start_time", mode="before")
    @classmethod
    def _start_time(cls, v: Any) -> Any:
        return _check_day_map(v, what="start_time", check=_clock)

    @model_validator(mode="after")
    def _consistent(self) -> "Schedule":
        for key in ("run_days", "rest_days", "strength_days"):
            days = getattr(self, key) or []
            dup = sorted({d for d in days if days.count(d) > 1})
            if dup:
                raise ValueError(f"`{key}` lists {', '.join(dup)} more than once")
        if self.run_days is not None:
            both = [d for d in self.run_days if d in self.rest_days]
            if both:
                raise ValueError(f"{', '.join(both)} is in both `run_days` and `rest_days`")
            if not self.run_days:
                raise ValueError("`run_days` is empty: list at least two days you can run")
        if len(self.rest_days) > 5:
            raise ValueError("`rest_days` leaves fewer than two days to run")
        if self.long_run_day and self.long_run_day in self.rest_days:
            raise ValueError(f"`long_run_day` {self.long_run_day} is one of `rest_days`")
        return self

    def effective_run_days(self) -> list[str]:
        """The weekdays runs may fall on, Monday first."""
        days = self.run_days if self.run_days is not None else [d for d in WEEKDAYS if d not in self.rest_days]
        return [d for d in WEEKDAYS if d in days and d not in self.rest_days]

    def minutes_on(self, weekday: str) -> int | None:
        return self.max_minutes.get(weekday, self.max_minutes.get("default"))

    def start_time_on(self, weekday: str) -> str:
        return self.start_time.get(weekday, self.start_time.get("default", "07:00"))

    def unavailable_dates(self) -> set[dt.date]:
        out: set[dt.date] = set()
        for item in self.unavailable:
            if isinstance(item, DateRange):
                day = item.from_
                while day <= item.to:
                    out.add(day)
                    day += dt.timedelta(days=1)
            else:
                out.add(item)
        return out


class Rules(_Model):
    """Safety rules. Each may be tightened by the profile, never loosened past its bound."""

    progression_cap: Num = Field(default=0.10, gt=0, le=0.10)
    min_rest_days: Int = Field(default=1, ge=1, le=3)
    cutback_every: Int = Field(default=4, ge=3, le=5)
    cutback_ratio: Num = Field(default=0.80, ge=0.6, le=0.9)
    strength_per_week: Int = Field(default=2, ge=0, le=3)
    warmup_minutes: Int = Field(default=10, ge=5, le=30)
    cooldown_minutes: Int = Field(default=10, ge=5, le=30)
    long_run_max_share: Num | None = Field(default=None, gt=0.2, le=0.50)
    easy_share_min: Num = Field(default=0.80, ge=0.70, le=1.0)


# how planner names the pair replacing a worn-out one (shoes.py): a listed pair named so could be mistaken for one
_REPLACEMENT_NAME = re.compile(r"\(\s*new pair(\s+\d+)?\s*\)\s*$", re.IGNORECASE)


class Shoe(_Model):
    name: str = Field(min_length=1, max_length=100)
    distance: Num = Field(default=0, ge=0, le=5000, description="already run in them, in the profile's units")
    replace_at: Num | None = Field(default=None, gt=0, le=5000,
                                     description="default 700 km (road/track), 600 km (trail), in the profile's units")
    surface: Literal["road", "trail", "track"] = "road"
    racing: bool = Field(default=False, description="a racing pair: used for quality sessions and the race")


class Pain(_Model):
    area: str = Field(min_length=1, max_length=60)
    severity: Int = Field(ge=0, le=10)
    since: Day | None = None


class Health(_Model):
    pain: list[Pain] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    cleared_by_professional: bool = False


class Profile(_Model):
    """A runner profile, format 1, as written in the file (distances in ``units``)."""

    name: str = Field(min_length=1, max_length=200)
    id: str | None = Field(default=None, description="[a-z0-9-]{1,64}; default: slug of name")
    timezone: str = "UTC"
    units: Literal["km", "mi"] = "km"
    current: Current
    goal: Goal
    start_date: Day | None = None
    weeks: Int | None = Field(default=None, ge=2, le=104, description="fitness goals only")
    schedule: Schedule = Field(default_factory=Schedule)
    rules: Rules = Field(default_factory=Rules)
    shoes: list[Shoe] = Field(default_factory=list)
    surface: Literal["road", "trail", "mixed"] = "road"
    climate: Literal["temperate", "hot", "humid"] = "temperate"
    health: Health = Field(default_factory=Health)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        if v is not None and not _ID.match(v):
            raise ValueError(f"{v!r} must be 1-64 characters of a-z, 0-9 and '-'")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            if v in {"", "localtime"} or v.startswith(("/", ".")):
                raise ZoneInfoNotFoundError(v)
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            near = sorted(z for z in available_timezones()
                          if v and "/" in z and z != v and v.split("/")[-1].lower() in z.lower())[:3]
            hint = f" (did you mean {', '.join(near)}?)" if near else " (an IANA name such as Europe/Berlin)"
            raise ValueError(f"{v!r} is not a known time zone{hint}") from None
        return v

    def cross_field_problems(self) -> list[tuple[str, str]]:
        """(key path, message) for what single fields cannot say: dates against each other, `weeks` with a race."""
        g = self.goal
        out: list[tuple[str, str]] = []
        if g.race is not None and self.weeks is not None:
            out.append(("weeks", "is for fitness goals only: a race plan ends on goal.race_date"))
        if g.race is not None and self.start_date and g.race_date <= self.start_date:
            out.append(("goal.race_date", f"{g.race_date} must be after start_date ({self.start_date})"))
        if g.race is not None and self.start_date and (g.race_date - self.start_date).days > 7 * 104:
            out.append(("goal.race_date", "is more than two years after start_date: plan in pieces"))
        if self.start_date and self.current.recent_race and self.current.recent_race.date \
                and self.current.recent_race.date > self.start_date:
            out.append(("current.recent_race.date", "is after start_date: a recent race must be in the past"))
        seen: dict[str, int] = {}
        for i, shoe in enumerate(self.shoes):
            if _REPLACEMENT_NAME.search(shoe.name):
                out.append((f"shoes[{i}].name", f"{shoe.name!r} ends the way planner names a replacement pair "
                                                f"(\"<shoe> (new pair)\"): call the pair something else"))
            key = shoe.name.strip().casefold()
            if key in seen:
                out.append((f"shoes[{i}].name", f"{shoe.name!r} is already the name of shoes[{seen[key]}]: give each "
                                                f"pair its own name (the plan names the shoe of every run)"))
            else:
                seen[key] = i
        if self.current.long_run > self.current.weekly_distance:
            out.append(("current.long_run", f"{self.current.long_run:g} is longer than current.weekly_distance "
                                            f"({self.current.weekly_distance:g}): the long run is part of the week"))
        return out

    # --- views in kilometres -------------------------------------------------------------------
    @property
    def athlete_id(self) -> str:
        return self.id or slugify(self.name)

    def km(self, value: float) -> float:
        """A distance from the file (in ``units``) in kilometres."""
        return value * KM_PER_MILE if self.units == "mi" else float(value)

    @property
    def weekly_km(self) -> float:
        return self.km(self.current.weekly_distance)

    @property
    def long_run_km(self) -> float:
        return self.km(self.current.long_run)

    @property
    def race_km(self) -> float | None:
        race = self.goal.race
        if race is None:
            return None
        return NAMED_RACES_KM[race] if isinstance(race, str) else self.km(race)

    @property
    def goal_weekly_km(self) -> float | None:
        return None if self.goal.weekly_distance is None else self.km(self.goal.weekly_distance)

    def race_label(self) -> str | None:
        race = self.goal.race
        if race is None:
            return None
        if isinstance(race, str):
            return RACE_LABELS[race]
        return f"{race:g} {self.units}"

    def shoe_limit_km(self, shoe: Shoe) -> float:
        if shoe.replace_at is not None:
            return self.km(shoe.replace_at)
        return 600.0 if shoe.surface == "trail" else 700.0


# --- loading ---------------------------------------------------------------------------------------------

class _YamlLoader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 numbers (so 48:30 stays a string) and duplicate keys refused."""


_YamlLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_YamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"the key {key!r} appears twice")
        out[key] = value
    return out


FORMATS = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}


def read_profile_data(path: str | Path) -> dict[str, Any]:
    """Parse a profile file into plain data. Raises ProfileError naming the file and the position."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ProfileError(f"{path}: unknown file type {path.suffix!r}: use .yaml, .yml, .toml or .json",
                           source=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such file", source=str(path)) from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a folder, not a profile file", source=str(path)) from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: is not UTF-8 text", source=str(path)) from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror})", source=str(path)) from None
    if not text.strip():
        raise ProfileError(f"{path}: the file is empty: a profile needs at least name, current and goal",
                           source=str(path))
    try:
        if fmt == "yaml":
            data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
        elif fmt == "toml":
            data = tomllib.loads(text)
        else:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(f"{path}: not valid YAML{where}: {problem}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}", source=str(path)) from None
    except _DuplicateKey as exc:
        raise ProfileError(f"{path}: not valid JSON: {exc}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                           source=str(path)) from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a mapping of keys (name, current, goal, ...)",
                           source=str(path))
    return data


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("from_",):
            out += ".from"
        elif isinstance(part, str) and (part.startswith(("function-", "literal[", "union[")) or "[" in part
                                        or part in ("float", "int", "str", "date", "DateRange", "bool")):
            continue  # pydantic's union branch names are noise for people
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _message(err: dict) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling against profile-format.md, or `planner schema`)"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a mapping of keys (indented under it in YAML, a table in TOML, an object in JSON)"
    if kind == "list_type":
        return "must be a list, e.g. [mon, wed, sat]"
    if kind == "literal_error":
        return msg.replace("Input should be", "must be")
    return msg.replace("Input should be", "must be")


def format_validation_error(exc: ValidationError, source: str) -> list[str]:
    """One line per problem: ``file: key.path: message``. Union branches are merged into one line."""
    lines: dict[str, str] = {}
    for err in exc.errors():
        loc = _loc(err["loc"])
        msg = _message(err)
        key = loc
        if key in lines:
            # pydantic reports one error per union branch; keep the most useful (a value error beats a type error)
            if err["type"] == "value_error" or "must be one of" in lines[key]:
                if err["type"] == "value_error":
                    lines[key] = msg
            continue
        lines[key] = msg
    return [f"{source}: {loc}: {msg}" for loc, msg in lines.items()]


def profile_from_data(data: dict[str, Any], source: str = "<profile>") -> Profile:
    """Validate plain data as a profile. Raises ProfileError with one line per problem."""
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_error(exc, source)
    else:
        problems = [f"{source}: {loc}: {msg}" for loc, msg in profile.cross_field_problems()]
        if not problems:
            return profile
    raise ProfileError(f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the profile",
                       problems=problems, source=source)


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile file (YAML, TOML or JSON)."""
    return profile_from_data(read_profile_data(path), source=str(path))


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of profile format 1 (for editors' completion)."""
    schema = Profile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner runner profile, format 1"
    return schema
