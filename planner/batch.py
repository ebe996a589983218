"""Plans for a whole group: a roster in, one folder per runner, the feed manifest and a group overview out.

A roster is a folder of profile files (YAML/TOML/JSON, format 1) or a spreadsheet (CSV or XLSX, read with pandas) with
one row per runner and columns named by profile key paths (``name``, ``current.weekly_distance``, ``goal.race_date``,
``schedule.run_days`` as ``mon;wed;sat``, ``shoes[0].name``...). A defaults profile supplies what the rows leave out.

Every runner is planned by the same function, :func:`plan_runner`, in this process (one worker), in a pool of
processes started once (``workers`` > 1), or on a Dask cluster. A runner whose profile is bad or whose goal is not
reachable gets an outcome saying why, in the words ``planner generate`` uses, and no folder; the others are planned.
Files are written only when their bytes change, a new runner's folder appears whole (written aside, then renamed),
and Ctrl-C lets the runner being written finish first, so no folder is ever half-written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from .engine import build_plan, format_stamp, parse_generated_at
from .errors import InfeasibleGoal, PlannerError, ProfileError
from .feeds import ensure_tokens, feed_urls
from .outputs import OutputError, Written, prepare_dir, render_all, write_atomic
from .plan import Plan
from .profile import FORMATS, Profile, _YamlLoader, profile_from_data, read_profile_data, slugify

PARTIAL_PREFIX = ".batch-partial-"   # a new runner's folder while it is written; renamed into place when whole
SPREADSHEETS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
# Spawned workers import planner afresh: forking a parent that may hold OR-Tools or Dask threads can deadlock.
START_METHOD = "spawn"
MAX_CHUNK = 8           # runners per task sent to a worker: amortises the round trip, keeps progress smooth
CHUNKS_PER_WORKER = 2   # tasks in flight per worker: enough to keep it busy, few enough to bound memory
_ID_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")
_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)((?:\[\d+\])*)$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^[-+]?\d+$")
# Duration keys hold "H:MM:SS"; a spreadsheet may have turned what was typed there into a time of day.
_DURATION_KEYS = {("goal", "target_time"), ("current", "recent_race", "time")}

Status = Literal["planned", "invalid", "infeasible", "error"]


class BatchError(PlannerError):
    """The roster, the defaults file or the batch options cannot be used at all (no runner is planned)."""

    exit_code = 2


# --- the roster ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    """One runner of a roster: a validated profile, or the problems that stop it from being planned."""

    index: int                      # position in the roster; summary rows keep this order
    source: str                     # "club.csv row 3" or the profile file's path: how messages name the runner
    athlete_id: str | None          # None when neither a valid `id` nor a `name` could be read
    name: str | None
    profile: Profile | None         # None when the entry is invalid
    problems: tuple[str, ...] = ()  # the lines `planner generate` would print for this profile

    @property
    def valid(self) -> bool:
        return self.profile is not None


@dataclass(frozen=True)
class Roster:
    """A roster as read: its entries in order, where it came from, and the defaults that were merged in."""

    path: Path
    entries: tuple[RosterEntry, ...]
    defaults: Path | None = None


def load_roster(path: str | Path, defaults: str | Path | None = None) -> Roster:
    """Read a roster: a folder of profiles, or a CSV/XLSX spreadsheet with one runner per row.

    Args:
        path: the folder or the spreadsheet.
        defaults: an optional profile file (YAML/TOML/JSON) holding what every runner shares (schedule, rules,
            time zone, even a goal); a runner's own keys win, maps are merged key by key, lists are replaced, and a
            runner giving any ``goal`` key replaces the default goal as a whole.

    Returns:
        The roster. Invalid runners are entries with problems (unknown keys, bad values, duplicate ids), not errors.

    Raises:
        BatchError: the roster or the defaults file cannot be read, has no runners, or has unusable column headers.
    """
    path = Path(path)
    default_data = read_defaults(defaults) if defaults is not None else {}
    if path.is_dir():
        raw = _folder_rows(path, skip=Path(defaults) if defaults is not None else None)
    elif not path.exists():
        raise BatchError(f"{path}: no such file or folder; give a folder of profiles or a roster .csv/.xlsx")
    else:
        kind = SPREADSHEETS.get(path.suffix.lower())
        if kind is None:
            raise BatchError(f"{path}: unknown roster type {path.suffix!r}: give a folder of profiles, "
                             "a .csv or a .xlsx file")
        raw = _sheet_rows(path, kind)
    if not raw:
        raise BatchError(f"{path}: no runners in it" + (" (no .yaml, .yml, .toml or .json profile files)"
                                                        if path.is_dir() else " (only a header row)"))
    entries = [_entry(i, source, data, problems, default_data) for i, (source, data, problems) in enumerate(raw)]
    return Roster(path=path, entries=tuple(_flag_duplicates(entries)),
                  defaults=Path(defaults) if defaults is not None else None)


def read_defaults(path: str | Path) -> dict[str, Any]:
    """The defaults profile as plain data, its keys checked against profile format 1.

    Raises:
        BatchError: the file cannot be read, names a runner (``name``/``id``), or holds keys the format lacks.
    """
    try:
        data = read_profile_data(path)
    except ProfileError as exc:
        raise BatchError(exc.message, problems=exc.problems, source=str(path)) from None
    problems = [f"{path}: {key}: a defaults file is shared by every runner; give each runner's {key} in the roster"
                for key in ("name", "id") if key in data]
    problems += [f"{path}: {key}: unknown key (check its spelling against profile-format.md, or `planner schema`)"
                 for key in _unknown_keys(data, Profile)]
    if problems:
        raise BatchError(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the defaults file",
                         problems=problems, source=str(path))
    return _normalise_day_maps(data, Profile)


def merge_defaults(defaults: dict[str, Any], runner: dict[str, Any]) -> dict[str, Any]:
    """A runner's data over the defaults: maps merged key by key, anything else (lists too) taken from the runner.

    The goal is the exception: a runner with any ``goal`` key replaces the default goal whole, so a runner with a
    fitness goal in a club aiming at a race does not end up with both (which the format forbids).
    """
    base = {k: v for k, v in defaults.items() if not (k == "goal" and "goal" in runner)}
    return _deep_merge(base, runner)


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _deep_merge(base[key], value) if key in base else value
        return out
    return over


def _entry(index: int, source: str, data: dict[str, Any] | None, problems: list[str],
           defaults: dict[str, Any]) -> RosterEntry:
    """Validate one runner's data (defaults merged in) into an entry."""
    if data is None or problems:
        name, athlete_id = _guess_identity(data or {})
        return RosterEntry(index, source, athlete_id, name, None, tuple(problems))
    merged = merge_defaults(defaults, _normalise_day_maps(data, Profile)) if defaults else data
    try:
        profile = profile_from_data(merged, source=source)
    except ProfileError as exc:
        name, athlete_id = _guess_identity(merged)
        return RosterEntry(index, source, athlete_id, name, None, tuple(exc.lines()))
    return RosterEntry(index, source, profile.athlete_id, profile.name, profile)


def _guess_identity(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """Name and id of a runner whose profile is invalid, as far as they can be read (for the summary)."""
    name = data.get("name") if isinstance(data.get("name"), str) and data["name"].strip() else None
    raw_id = data.get("id")
    if isinstance(raw_id, str) and _ID_PATTERN.match(raw_id.strip()):
        return name, raw_id.strip()
    return name, slugify(name.strip()) if name and raw_id is None else None


def _flag_duplicates(entries: list[RosterEntry]) -> list[RosterEntry]:
    """Every entry sharing an id with another fails, naming the others: each id keys a folder, a feed, event UIDs."""
    by_id: dict[str, list[RosterEntry]] = {}
    for entry in entries:
        if entry.athlete_id is not None:
            by_id.setdefault(entry.athlete_id, []).append(entry)
    out = []
    for entry in entries:
        same = by_id.get(entry.athlete_id or "", [])
        if len(same) < 2:
            out.append(entry)
            continue
        others = ", ".join(e.source for e in same if e is not entry)
        line = (f"{entry.source}: id: {entry.athlete_id!r} is also the id of {others}; give each runner a unique "
                "`id` (it names their folder and keys their calendar feed)")
        out.append(replace(entry, profile=None, problems=(*entry.problems, line)))
    return out


# --- a folder of profile files ----------------------------------------------------------------------------------------

def _folder_rows(folder: Path, skip: Path | None) -> list[tuple[str, dict | None, list[str]]]:
    skip_resolved = skip.resolve() if skip is not None else None
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FORMATS
                   and p.resolve() != skip_resolved)
    rows = []
    for file in files:
        try:
            rows.append((str(file), read_profile_data(file), []))
        except ProfileError as exc:
            rows.append((str(file), None, exc.lines()))
    return rows


# --- spreadsheets ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A roster column: its header, the key path it names, and the type profile format 1 gives that key."""

    header: str
    parts: tuple[str | int, ...]  # ("shoes", 0, "name")
    type: Any                     # the annotation of the leaf; None when format 1 has no such key


def _sheet_rows(path: Path, kind: str) -> list[tuple[str, dict | None, list[str]]]:
    """(source, data, problems) per non-empty row of a spreadsheet; sources count rows as spreadsheet apps do."""
    frame = _read_sheet(path, kind)
    if frame.shape[0] == 0:
        raise BatchError(f"{path}: is empty; the first row names the profile keys (name, current.weekly_distance, "
                         "current.long_run, goal.race, goal.race_date, ...)")
    header = [_cell_text(v) for v in frame.iloc[0].tolist()]
    columns = _columns(path, header)
    rows = []
    for offset, values in enumerate(frame.iloc[1:].itertuples(index=False, name=None)):
        cells = [(col, v) for col, v in zip(columns, values) if col is not None and not _blank(v)]
        if not cells:
            continue  # a blank line between groups of runners
        source = f"{path} row {offset + 2}"
        data, problems = _row_data(cells, source)
        rows.append((source, data, problems))
    return rows


def _read_sheet(path: Path, kind: str):
    import pandas as pd

    # header=None: the header row is read as data, so duplicate headers are seen (pandas would rename them) and
    # row numbers match the spreadsheet's. Text is kept as typed: no NA guessing ("NA", "null" may be names).
    if kind == "csv":
        _refuse_semicolons(path)
    try:
        if kind == "csv":
            return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_filter=False,
                               skip_blank_lines=False, encoding="utf-8-sig")
        return pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except FileNotFoundError:
        raise BatchError(f"{path}: no such file") from None
    except pd.errors.EmptyDataError:
        raise BatchError(f"{path}: is empty; the first row names the profile keys (name, current.weekly_distance, "
                         "...)") from None
    except UnicodeDecodeError:
        raise BatchError(f"{path}: is not UTF-8 text; save the roster as CSV UTF-8") from None
    except pd.errors.ParserError as exc:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if ragged:
            header, row, cells = ragged.groups()
            raise BatchError(f"{path}: row {row} has {cells} cells but the header row names {header} columns; "
                             "remove the extra cells or name their columns") from None
        raise BatchError(f"{path}: not a readable CSV file: {str(exc).strip()}") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:  # openpyxl: not a workbook, no sheet
        raise BatchError(f"{path}: cannot be read as a spreadsheet ({exc})") from None


def _refuse_semicolons(path: Path) -> None:
    """Spreadsheet apps in many countries save CSV with ';' between cells; say so rather than misread it."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return  # pandas reports what is wrong with the file
    if ";" in first and "," not in first:
        raise BatchError(f"{path}: the header row is separated by ';': save the roster as comma-separated CSV "
                         "(lists like run_days keep their ';' inside a cell)")


def _columns(path: Path, header: list[str]) -> list[Column | None]:
    """Parse the header row into columns (None for an unnamed, empty column)."""
    problems, seen, columns = [], {}, []
    for number, text in enumerate(header, start=1):
        key = text.strip().lower()
        if not key:
            columns.append(None)
            continue
        parts = _key_path(key)
        if parts is None:
            problems.append(f"{path}: column {number} {text!r}: not a profile key path; write keys like "
                            "current.weekly_distance, schedule.run_days or shoes[0].name")
            continue
        if key in seen:
            problems.append(f"{path}: column {number} {text!r}: the same key as column {seen[key]}")
            continue
        seen[key] = number
        columns.append(Column(header=key, parts=parts, type=leaf_type(parts)))
    if not problems and "name" not in seen:
        problems.append(f"{path}: no `name` column: the first row must name the profile keys, with at least name, "
                        "current.weekly_distance, current.long_run and a goal")
    if problems:
        raise BatchError(f"{path}: the header row cannot be used", problems=problems, source=str(path))
    return columns


def _key_path(key: str) -> tuple[str | int, ...] | None:
    """``shoes[0].name`` -> ("shoes", 0, "name"); ``shoes.0.name`` is read the same. None when malformed."""
    parts: list[str | int] = []
    for segment in key.split("."):
        if segment.isdigit() and parts:
            parts.append(int(segment))
            continue
        match = _SEGMENT.match(segment)
        if not match:
            return None
        parts.append(match.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(parts)


def _unwrap(tp: Any) -> Any:
    """``Annotated[X, ...]`` -> X and ``X | None`` -> X, repeatedly."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType) and len([a for a in get_args(tp) if a is not type(None)]) == 1:
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _members(tp: Any) -> list[Any]:
    """The alternatives a key allows: each member of a union (unwrapped), or the one type."""
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(tp) if a is not type(None)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _descend(tp: Any, part: str | int) -> Any:
    """The type one key (or list index) below ``tp``; None when ``tp`` has no such key."""
    for member in _members(tp):
        if isinstance(part, int):
            if get_origin(member) is list:
                return get_args(member)[0]
        elif _is_model(member):
            sub = _model_field(member, part)
            if sub is not None:
                return sub
        elif get_origin(member) is dict:  # a map of days: max_minutes.sun
            return get_args(member)[1]
    return None


def leaf_type(parts: Sequence[str | int]) -> Any:
    """The type profile format 1 gives the key at ``parts`` (from the pydantic models); None if there is no such key."""
    tp: Any = Profile
    for part in parts:
        tp = _descend(tp, part)
        if tp is None:
            return None
    return _unwrap(tp)


def _scalar_kinds(tp: Any) -> list[Any]:
    """The single values a key accepts: its scalar members, and the value type of a map of days."""
    kinds = []
    for member in _members(tp):
        if get_origin(member) is dict:
            kinds += _members(get_args(member)[1])
        elif get_origin(member) is not list and not _is_model(member):
            kinds.append(member)
    return kinds


def _is_day_map(tp: Any) -> bool:
    return any(get_origin(m) is dict for m in _members(tp))


def _unknown_keys(data: Any, tp: Any, prefix: str = "") -> list[str]:
    """Key paths in ``data`` that profile format 1 does not have (maps of days are left to the profile's checks)."""
    out: list[str] = []
    for member in _members(tp):
        if _is_model(member) and isinstance(data, dict):
            for key, value in data.items():
                sub = _model_field(member, str(key))
                path = f"{prefix}.{key}" if prefix else str(key)
                out += [path] if sub is None else _unknown_keys(value, sub, path)
            return out
        if get_origin(member) is list and isinstance(data, list):
            for i, item in enumerate(data):
                out += _unknown_keys(item, get_args(member)[0], f"{prefix}[{i}]")
            return out
    return out


def _normalise_day_maps(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A single value for a map of days (``max_minutes: 75``) as ``{default: 75}``, so it merges with a defaults map."""
    out = dict(data)
    for key, value in data.items():
        tp = _model_field(model, key) if isinstance(key, str) else None
        if tp is None:
            continue
        if _is_day_map(tp) and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[key] = {"default": value}
        elif isinstance(value, dict):
            models = [m for m in _members(tp) if _is_model(m)]
            if models:
                out[key] = _normalise_day_maps(value, models[0])
    return out


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_text(value: Any) -> str:
    return "" if _blank(value) else str(value)


def _row_data(cells: list[tuple[Column, Any]], source: str) -> tuple[dict[str, Any], list[str]]:
    """Nested profile data from a row's non-empty cells; problems name the row and the column."""
    data: dict[str, Any] = {}
    problems = []
    for column, raw in cells:
        try:
            value = cell_value(column, raw)
        except ValueError as exc:
            problems.append(f"{source}: {column.header}: {exc}")
            continue
        _put(data, column.parts, value)
    return _lists_from_indexes(data), problems


def _put(data: dict, parts: tuple[str | int, ...], value: Any) -> None:
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if not isinstance(child, dict):
            # a map of days given both whole (max_minutes = 75) and per day (max_minutes.sun = 180)
            node[part] = {} if child is None else {"default": child}
        node = node[part]
    last = parts[-1]
    if isinstance(node.get(last), dict) and not isinstance(value, dict):
        node[last]["default"] = value
    else:
        node[last] = value


def _lists_from_indexes(node: Any) -> Any:
    """``{0: {...}, 2: {...}}`` (from shoes[0].name, shoes[2].name) -> a list in index order, gaps closed."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists_from_indexes(v) for k, v in node.items()}
    if converted and all(isinstance(k, int) for k in converted):
        return [converted[k] for k in sorted(converted)]
    return converted


def cell_value(column: Column, raw: Any) -> Any:
    """A spreadsheet cell as profile data, typed by the key its column names.

    Text stays text where the format wants text (a name is never read as a number or a date). Lists are written
    ``mon;wed;sat``; a date range ``2027-02-10..2027-02-14``; a cell starting with ``[`` or ``{`` is YAML flow
    (``{default: 75, sun: 180}``). Numbers, dates and times typed into an XLSX cell are taken as they are.
    Anything else is passed on as text for the profile's checks to accept or explain.

    Raises:
        ValueError: a ``[...]`` or ``{...}`` cell that is not valid YAML.
    """
    if not isinstance(raw, str):
        return _typed_cell(column, raw)
    return _text_value(raw.strip(), column.type)


def _textual(kinds: list[Any]) -> bool:
    return bool(kinds) and all(k is str or get_origin(k) is Literal for k in kinds)


def _text_value(text: str, tp: Any) -> Any:
    if tp is None:  # a key format 1 does not have: the profile's checks name it
        return text
    members = _members(tp)
    kinds = _scalar_kinds(tp)
    if _textual(members):
        return text  # names, race names, durations: never read as numbers or YAML
    if text[:1] in "[{":
        try:
            return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - the profile loader, a SafeLoader subclass
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise ValueError(f"{text!r} is not a valid YAML list or map ({problem})") from None
    lists = [m for m in members if get_origin(m) is list]
    if lists:
        item = get_args(lists[0])[0]
        # weekdays may be separated by commas too; free text (health.conditions) only by ';'
        pieces = re.split(r"[;,]" if _textual(_members(item)) and str not in _members(item) else ";", text)
        return [_text_value(p.strip(), item) for p in pieces if p.strip()]
    if int in kinds and _INTEGER.match(text):
        return int(text)
    if (float in kinds or int in kinds) and _NUMBER.match(text):
        return float(text)
    ranges = [m for m in members if _is_model(m) and _model_field(m, "from") is not None]
    if ranges and ".." in text:  # schedule.unavailable: 2027-02-10..2027-02-14
        start, _, end = text.partition("..")
        return {"from": start.strip(), "to": end.strip()}
    return text


def _typed_cell(column: Column, raw: Any) -> Any:
    """An XLSX cell holding a number, a date, a time or a boolean."""
    kinds = _scalar_kinds(column.type) if column.type is not None else []
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, dt.datetime):  # also pandas.Timestamp
        return raw.date() if (raw.hour, raw.minute, raw.second) == (0, 0, 0) else raw.isoformat()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, dt.time):
        if column.parts in _DURATION_KEYS:
            return f"{raw.hour}:{raw.minute:02d}:{raw.second:02d}" if raw.hour else f"{raw.minute}:{raw.second:02d}"
        return f"{raw.hour:02d}:{raw.minute:02d}"
    if isinstance(raw, dt.timedelta):
        seconds = int(raw.total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(raw, float) and raw.is_integer() and float not in kinds:
        raw = int(raw)  # Excel keeps every number as a float: 4.0 runs a week is 4
    if isinstance(raw, (int, float)):
        return str(raw) if _textual(kinds) or not kinds else raw
    return _text_value(str(raw).strip(), column.type)


# --- planning one runner (the unit of work, run in any process) ------------------------------------------------------

@dataclass(frozen=True)
class BatchOptions:
    """What every runner's files share: the generation time and the rendering options."""

    generated_at: str               # resolved once, so every runner of a batch has the same timestamp
    include_rest_days: bool = False
    alarms: bool = False


@dataclass(frozen=True)
class RunnerTask:
    """One runner to plan. ``previous_ics`` is sent only to remote workers, which cannot read the output folder."""

    index: int
    source: str
    athlete_id: str
    profile: Profile
    feed_url: str | None = None
    previous_ics: bytes | None = None


@dataclass(frozen=True)
class WeekBar:
    """One week of a runner's plan, for the overview's chart."""

    km: float
    phase: str
    recovery: bool


@dataclass(frozen=True)
class PlanSummary:
    """What the group overview and summary.csv show of a planned runner (distances in km)."""

    goal: str                       # "Half marathon", "40 km a week"
    race_name: str | None
    race_date: dt.date | None
    race_km: float | None
    start_date: dt.date
    end_date: dt.date
    weeks: int
    peak_week_km: float
    longest_run_km: float
    units: str
    conservative: bool              # pain made the plan conservative
    notes: tuple[str, ...]          # the plan's pain, goal and schedule warnings, in its words
    bent: int                       # preferences the plan had to bend
    bars: tuple[WeekBar, ...]


@dataclass(frozen=True)
class RunnerOutcome:
    """The result for one runner: planned (with a summary and the files written) or not (with the reason)."""

    index: int
    source: str
    athlete_id: str | None
    name: str | None
    status: Status
    lines: tuple[str, ...] = ()     # why the runner was not planned: the lines `planner generate` prints
    exit_code: int = 0              # what `planner generate` would have exited with
    summary: PlanSummary | None = None
    feed_url: str | None = None
    changed: tuple[str, ...] = ()   # files of the runner's folder whose bytes changed (and were written)
    files_total: int = 0            # files the runner has (changed or not)
    solve_s: float = 0.0            # build_plan: solving, composing, the independent checker
    render_s: float = 0.0           # plan.json/.csv/.html/.ics in memory
    write_s: float = 0.0
    files: dict[str, bytes] | None = field(default=None, repr=False)  # rendered, not yet written (remote workers)

    @property
    def planned(self) -> bool:
        return self.status == "planned"


def plan_runner(task: RunnerTask, options: BatchOptions, out_dir: Path | None) -> RunnerOutcome:
    """Plan, certify and render one runner; write the files into ``out_dir/<id>/`` unless ``out_dir`` is None.

    Never raises for the runner's own sake: a bad profile, an unreachable goal or a bug in planner becomes an
    outcome saying so, and the batch goes on. With ``out_dir`` None (a remote worker) the rendered files come back
    in the outcome for the caller to write with :func:`write_runner_files`.
    """
    name = task.profile.name
    t0 = time.perf_counter()
    try:
        plan = build_plan(task.profile, options.generated_at, source=task.source)
        t1 = time.perf_counter()
        files: dict[str, bytes] | None = _render(plan, task, options, out_dir)
        t2 = time.perf_counter()
        total, changed = len(files), ()
        if out_dir is not None:
            changed, files = write_runner_files(out_dir, task.athlete_id, files), None
        t3 = time.perf_counter()
    except PlannerError as exc:
        return _failed(task.index, task.source, task.athlete_id, name, exc, time.perf_counter() - t0)
    except Exception as exc:  # a bug in planner: isolated to this runner, said plainly
        return RunnerOutcome(task.index, task.source, task.athlete_id, name, "error",
                             lines=(f"{task.source}: internal error: {type(exc).__name__}: {exc}. This is a bug "
                                    "in planner; run `planner generate` on this profile with PLANNER_DEBUG=1 "
                                    "for details and report it.",), exit_code=1, solve_s=time.perf_counter() - t0)
    return RunnerOutcome(task.index, task.source, task.athlete_id, name, "planned",
                         summary=summarize(plan, task.profile), feed_url=task.feed_url, changed=changed,
                         files_total=total, solve_s=t1 - t0, render_s=t2 - t1, write_s=t3 - t2, files=files)


def _failed(index: int, source: str, athlete_id: str | None, name: str | None, exc: PlannerError,
            seconds: float = 0.0) -> RunnerOutcome:
    status: Status = ("invalid" if isinstance(exc, ProfileError) else
                      "infeasible" if isinstance(exc, InfeasibleGoal) else "error")
    return RunnerOutcome(index, source, athlete_id, name, status, lines=tuple(exc.lines()), exit_code=exc.exit_code,
                         solve_s=seconds)


def _render(plan: Plan, task: RunnerTask, options: BatchOptions, out_dir: Path | None) -> dict[str, bytes]:
    kwargs = {"feed_url": task.feed_url, "include_rest_days": options.include_rest_days, "alarms": options.alarms}
    if out_dir is not None:
        return render_all(plan, task.profile, Path(out_dir) / task.athlete_id, **kwargs)
    # render_all reads the previous plan.ics (to keep each event's SEQUENCE) from the runner's folder; a remote
    # worker has no such folder, so the caller sent the file's bytes and they are put where render_all looks.
    with tempfile.TemporaryDirectory(prefix="planner-batch-") as tmp:
        if task.previous_ics is not None:
            (Path(tmp) / "plan.ics").write_bytes(task.previous_ics)
        return render_all(plan, task.profile, Path(tmp), **kwargs)


def summarize(plan: Plan, profile: Profile) -> PlanSummary:
    """The figures of a plan the group overview shows."""
    if profile.goal.race is not None:
        goal = profile.race_label() or "Race"
    else:
        goal = f"{profile.goal.weekly_distance:g} {profile.units} a week"
    return PlanSummary(
        goal=goal, race_name=plan.race.name if plan.race else None, race_date=plan.race.date if plan.race else None,
        race_km=plan.race.distance_km if plan.race else None, start_date=plan.start_date, end_date=plan.end_date,
        weeks=len(plan.weeks), peak_week_km=plan.peak_week_km, longest_run_km=plan.longest_run_km,
        units=profile.units, conservative=bool(plan.extras.get("conservative")),
        notes=tuple(w.text for w in plan.warnings if w.kind != "preference"),
        bent=sum(1 for w in plan.warnings if w.kind == "preference"),
        bars=tuple(WeekBar(w.distance_km, w.phase, w.recovery) for w in plan.weeks))


def write_runner_files(out_dir: Path, athlete_id: str, files: dict[str, bytes]) -> tuple[str, ...]:
    """Write a runner's files into ``out_dir/<id>/``; returns the names whose bytes changed.

    An existing folder gets only its changed files replaced, each atomically; a new folder is written aside and
    renamed into place, so it appears whole. Ctrl-C waits until the runner is written.

    Raises:
        OutputError: the folder cannot be written.
    """
    folder = Path(out_dir) / athlete_id
    with _interrupts_deferred():
        try:
            if folder.is_dir():
                return tuple(name for name, data in files.items() if write_atomic(folder / name, data))
            tmp = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{athlete_id}-", dir=out_dir))
            try:
                for name, data in files.items():
                    write_atomic(tmp / name, data)
                os.chmod(tmp, 0o755)  # mkdtemp's folders are private; plan folders are ordinary ones
                os.rename(tmp, folder)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write ({exc.strerror or exc})") from None
    return tuple(files)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then raise KeyboardInterrupt. Main thread only; nothing to do
    where SIGINT is ignored (pool workers: Ctrl-C is their parent's to handle)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


# --- workers ----------------------------------------------------------------------------------------------------------

_STOP: Any = None  # in pool workers: an Event set by the parent on Ctrl-C; a chunk stops between runners


def _init_worker(stop: Any) -> None:
    """Pool worker start: Ctrl-C is the parent's to handle; templates are loaded once, not per runner."""
    global _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STOP = stop
    from .render.html import template_environment
    env = template_environment()
    for name in ("plan.html.j2", "partials/weeks.html.j2"):
        env.get_template(name)


def run_chunk(tasks: Sequence[RunnerTask], options: BatchOptions, out_dir: Path | None) -> list[RunnerOutcome]:
    """Plan a few runners in a row (the unit sent to a worker); stops early when the batch is interrupted."""
    out = []
    for task in tasks:
        if _STOP is not None and _STOP.is_set():
            break
        out.append(plan_runner(task, options, out_dir))
    return out


def _chunks(tasks: Sequence[RunnerTask], workers: int) -> list[list[RunnerTask]]:
    size = max(1, min(MAX_CHUNK, len(tasks) // (workers * 8)))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def _windowed(submit: Callable[[Any], Any], wait_first: Callable[[set], tuple[set, set]], chunks: Iterable[Any],
              window: int) -> Iterator[RunnerOutcome]:
    """Keep ``window`` chunks in flight, yielding outcomes as chunks finish (bounded memory for any roster size)."""
    todo = iter(chunks)
    pending = {submit(chunk) for chunk in itertools.islice(todo, window)}
    while pending:
        done, pending = wait_first(pending)
        for future in done:
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(submit(nxt))
            yield from future.result()


def _run_inline(tasks: Sequence[RunnerTask], options: BatchOptions, out_dir: Path) -> Iterator[RunnerOutcome]:
    for task in tasks:
        yield plan_runner(task, options, out_dir)


def _run_pool(tasks: Sequence[RunnerTask], options: BatchOptions, out_dir: Path,
              workers: int) -> Iterator[RunnerOutcome]:
    context = multiprocessing.get_context(START_METHOD)
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(stop,))
    try:
        yield from _windowed(lambda chunk: pool.submit(run_chunk, chunk, options, out_dir),
                             lambda pending: wait_futures(pending, return_when=FIRST_COMPLETED),
                             _chunks(tasks, workers), workers * CHUNKS_PER_WORKER)
    except BaseException:
        # Ctrl-C, or the caller stopped listening: workers finish the runner in hand (they ignore SIGINT and
        # check `stop` between runners); queued chunks are dropped. Nothing is left half-written.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class _DaskRun:
    """Planning on a Dask cluster (``scheduler`` "local" starts a LocalCluster of ``workers`` processes); remote
    workers render, and the files are written here, as a local worker would have written them."""

    def __init__(self, options: BatchOptions, out_dir: Path, scheduler: str, workers: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchError("--scheduler and --dask need Dask: pip install 'planner[dask]'") from None
        self.tasks: Sequence[RunnerTask] = ()
        self.options, self.out_dir = options, out_dir
        self.cluster = None
        try:
            if scheduler == "local":
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
            self.client = Client(self.cluster if self.cluster is not None else scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the address "
                             "(tcp://HOST:8786) and that the scheduler is running") from None
        # an existing cluster decides how many runners it plans at once: size the chunks and the window for it
        self.workers = workers if self.cluster is not None else max(1, sum(self.client.nthreads().values()))

    def __iter__(self) -> Iterator[RunnerOutcome]:
        from distributed import as_completed

        finished = as_completed(loop=self.client.loop)  # this client's loop: it need not be the default client

        def submit(chunk: list[RunnerTask]) -> Any:
            with_previous = [replace(t, previous_ics=_read_previous(self.out_dir / t.athlete_id / "plan.ics"))
                             for t in chunk]
            future = self.client.submit(run_chunk, with_previous, self.options, None, pure=False)
            finished.add(future)
            return future

        def wait_first(pending: set) -> tuple[set, set]:
            done = {next(finished)}
            return done, pending - done

        for outcome in _windowed(submit, wait_first, _chunks(self.tasks, self.workers),
                                 self.workers * CHUNKS_PER_WORKER):
            yield _write_remote(outcome, self.out_dir)

    def close(self) -> None:
        """Cancel what is left and disconnect (and stop the LocalCluster this run started)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _read_previous(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write_remote(outcome: RunnerOutcome, out_dir: Path) -> RunnerOutcome:
    """Write the files a remote worker rendered, as a local worker would have."""
    if outcome.files is None or outcome.athlete_id is None:
        return outcome
    t0 = time.perf_counter()
    try:
        changed = write_runner_files(out_dir, outcome.athlete_id, outcome.files)
    except OutputError as exc:
        return replace(_failed(outcome.index, outcome.source, outcome.athlete_id, outcome.name, exc), files=None)
    return replace(outcome, changed=changed, files=None, write_s=time.perf_counter() - t0)


# --- the batch ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchResult:
    """What a batch did: every runner's outcome in roster order, the group files, and folders it left alone."""

    out_dir: Path
    outcomes: tuple[RunnerOutcome, ...]
    group_files: tuple[Written, ...]
    stale: tuple[str, ...]   # folders of OUT holding plans of runners who are not in this roster (left alone)
    kept: tuple[str, ...]    # runners not planned this time whose folder holds a plan from an earlier run
    executor: str            # "inline", "processes" or "dask"
    workers: int
    elapsed_s: float

    @property
    def planned(self) -> int:
        return sum(1 for o in self.outcomes if o.planned)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.planned

    @property
    def exit_code(self) -> int:
        """0 when every runner was planned, 1 when some were not."""
        return 0 if self.failed == 0 else 1

    @property
    def files_changed(self) -> int:
        """Files written because their bytes changed (runners' and the group files)."""
        return sum(len(o.changed) for o in self.outcomes) + sum(1 for w in self.group_files if w.changed)

    @property
    def files_unchanged(self) -> int:
        """Files left alone because their bytes were already right."""
        return sum(o.files_total - len(o.changed) for o in self.outcomes) + \
            sum(1 for w in self.group_files if not w.changed)

    def seconds(self) -> dict[str, float]:
        """Seconds per stage summed over runners, each timed where it was planned (with several workers running
        at once, the sum exceeds the batch's wall time)."""
        return {"solve": sum(o.solve_s for o in self.outcomes), "render": sum(o.render_s for o in self.outcomes),
                "write": sum(o.write_s for o in self.outcomes)}


ProgressCallback = Callable[[RunnerOutcome, int, int], None]


def run_batch(roster: Roster, out_dir: str | Path, *, workers: int | None = None, generated_at: str | None = None,
              base_url: str | None = None, include_rest_days: bool = False, alarms: bool = False,
              scheduler: str | None = None, progress: ProgressCallback | None = None) -> BatchResult:
    """Plan every runner of ``roster`` into ``out_dir``, then write ``index.html`` and ``summary.csv``.

    Args:
        roster: from :func:`load_roster`.
        out_dir: the output folder (created when missing): ``<id>/plan.*`` per runner, feeds.json, the group files.
        workers: processes on this machine (default: every core); with ``scheduler="local"``, Dask workers; an
            existing Dask cluster (``scheduler`` an address) uses all of its own workers.
        generated_at: ISO 8601 generation time for every runner (default: now, taken once for the whole batch).
        base_url: where `planner serve` will be reachable: plans and the overview then link to each runner's feed.
        include_rest_days, alarms: as for `planner generate`.
        scheduler: None to use local processes; ``"local"`` for a Dask LocalCluster; ``"tcp://HOST:8786"`` for an
            existing Dask scheduler. The output is the same in every case.
        progress: called in this process after each runner as ``progress(outcome, done, total)``.

    Returns:
        The result. Runners who could not be planned are outcomes with their reason, not exceptions.

    Raises:
        BatchError, ProfileError: unusable options (exit 2). OutputError: the output folder cannot be written.
        KeyboardInterrupt: on Ctrl-C, after the runners in hand were written whole; the group files are not updated.
    """
    started = time.perf_counter()
    options = BatchOptions(generated_at=format_stamp(parse_generated_at(generated_at)),
                           include_rest_days=include_rest_days, alarms=alarms)
    if workers is not None and workers < 1:
        raise BatchError(f"--workers: {workers} must be at least 1")
    if base_url is not None:
        feed_urls(base_url, "x" * 22)  # raises FeedError (exit 2) for a malformed URL before any work
    out = Path(out_dir)
    valid = [e for e in roster.entries if e.valid]
    workers = max(1, min(workers or os.cpu_count() or 1, len(valid)))
    # a Dask scheduler is reached before anything is written, so an unreachable one leaves OUT as it was
    dask_run = _DaskRun(options, out, scheduler, workers) if scheduler is not None else None
    try:
        prepare_dir(out)
        _remove_partials(out)
        tokens = ensure_tokens(out, sorted({e.athlete_id for e in valid})) if valid else {}
    except BaseException:
        if dask_run is not None:
            dask_run.close()
        raise
    tasks = [RunnerTask(e.index, e.source, e.athlete_id, e.profile,
                        feed_urls(base_url, tokens[e.athlete_id])[0] if base_url else None) for e in valid]
    total = len(roster.entries)
    outcomes: dict[int, RunnerOutcome] = {}

    def record(outcome: RunnerOutcome) -> None:
        outcomes[outcome.index] = outcome
        if progress is not None:
            progress(outcome, len(outcomes), total)

    for entry in roster.entries:
        if not entry.valid:
            record(RunnerOutcome(entry.index, entry.source, entry.athlete_id, entry.name, "invalid",
                                 lines=entry.problems, exit_code=ProfileError.exit_code))
    if dask_run is not None:
        dask_run.tasks = tasks
        executor, workers, stream = "dask", dask_run.workers, contextlib.closing(dask_run)
    elif workers == 1:
        executor, stream = "inline", contextlib.closing(_run_inline(tasks, options, out))
    else:
        executor, stream = "processes", contextlib.closing(_run_pool(tasks, options, out, workers))
    with stream as outcomes_stream:  # on Ctrl-C or an error here, the executor stops before this returns
        for outcome in outcomes_stream:
            record(outcome)

    ordered = tuple(outcomes[i] for i in sorted(outcomes))
    group = write_group_files(out, ordered, roster=roster, generated_at=options.generated_at,
                              with_feeds=base_url is not None)
    kept = tuple(sorted(o.athlete_id for o in ordered
                        if not o.planned and o.athlete_id and (out / o.athlete_id / "plan.json").is_file()))
    return BatchResult(out_dir=out, outcomes=ordered, group_files=tuple(group), stale=_stale_folders(out, roster),
                       kept=kept, executor=executor, workers=workers, elapsed_s=time.perf_counter() - started)


def write_group_files(out_dir: Path, outcomes: Sequence[RunnerOutcome], *, roster: Roster, generated_at: str,
                      with_feeds: bool) -> list[Written]:
    """Render and write OUT/index.html (the group overview) and OUT/summary.csv; unchanged bytes are not rewritten."""
    from .render.group import render_group_html, render_summary_csv

    files = {
        "index.html": render_group_html(outcomes, roster_name=roster.path.name, generated_at=generated_at,
                                        with_feeds=with_feeds).encode("utf-8"),
        "summary.csv": render_summary_csv(outcomes).encode("utf-8"),
    }
    written = []
    with _interrupts_deferred():
        try:
            for name, data in files.items():
                written.append(Written(out_dir / name, write_atomic(out_dir / name, data)))
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot write ({exc.strerror or exc})") from None
    return written


def _remove_partials(out_dir: Path) -> None:
    """Remove what an earlier batch killed mid-runner left aside (never a runner's real folder)."""
    for leftover in out_dir.glob(f"{PARTIAL_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _stale_folders(out_dir: Path, roster: Roster) -> tuple[str, ...]:
    """Folders of earlier plans whose runner is not in this roster (not deleted: their feeds may be subscribed)."""
    ids = {e.athlete_id for e in roster.entries}
    return tuple(sorted(p.name for p in out_dir.iterdir()
                        if p.is_dir() and not p.name.startswith(".") and p.name not in ids
                        and (p / "plan.json").is_file()))

