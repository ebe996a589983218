"""Roster spreadsheet cells as profile data: each column names a key path of profile format 1, and its cells are
typed by what the format gives that key (read from the pydantic models, so the two never disagree).

``shoes[0].name`` is the path ("shoes", 0, "name"); a list is written ``mon;wed;sat``, a date range
``2027-02-10..2027-02-14``, a map ``{default: 75, sun: 180}``; text keys (names, durations) stay text as typed, and
the numbers, dates and times of an XLSX cell are taken as they are.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from .profile import Profile, _YamlLoader

_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)((?:\[\d+\])*)$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^[-+]?\d+$")
# Duration keys hold "H:MM:SS"; a spreadsheet may have turned what was typed there into a time of day.
_DURATION_KEYS = {("goal", "target_time"), ("current", "recent_race", "time")}


@dataclass(frozen=True)
class Column:
    """A roster column: its header, the key path it names, and the type profile format 1 gives that key."""

    header: str
    parts: tuple[str | int, ...]  # ("shoes", 0, "name")
    type: Any                     # the annotation of the leaf; None when format 1 has no such key


def key_path(key: str) -> tuple[str | int, ...] | None:
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


def unknown_keys(data: Any, tp: Any, prefix: str = "") -> list[str]:
    """Key paths in ``data`` that profile format 1 does not have (maps of days are left to the profile's checks)."""
    out: list[str] = []
    for member in _members(tp):
        if _is_model(member) and isinstance(data, dict):
            for key, value in data.items():
                sub = _model_field(member, str(key))
                path = f"{prefix}.{key}" if prefix else str(key)
                out += [path] if sub is None else unknown_keys(value, sub, path)
            return out
        if get_origin(member) is list and isinstance(data, list):
            for i, item in enumerate(data):
                out += unknown_keys(item, get_args(member)[0], f"{prefix}[{i}]")
            return out
    return out


def normalise_day_maps(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
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
                out[key] = normalise_day_maps(value, models[0])
    return out


def is_blank(value: Any) -> bool:
    """An empty cell: None, blank text, or a value pandas reads as missing (NaN, NaT)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value: Any) -> str:
    """A header cell as text ("" when empty)."""
    return "" if is_blank(value) else str(value)


def row_data(cells: list[tuple[Column, Any]], source: str) -> tuple[dict[str, Any], list[str]]:
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
