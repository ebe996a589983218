"""Writing a profile back as YAML, TOML or JSON: :func:`render_profile` and the atomic, checked :func:`write_profile`.

A profile is written in the format its file name asks for (``-o new.toml`` writes TOML, whatever the input was),
through a small TOML emitter for TOML, since the standard library only reads TOML. YAML is written so that planner's
loader (YAML 1.2 numbers) reads every string back as a string. The file is written to a temporary name, loaded back
with :func:`planner.profile.load_profile` and compared with what was meant, and only then renamed into place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .activity_logs import HistoryError
from .errors import PlannerError
from .profile import FORMATS, WEEKDAYS, load_profile, read_profile_data

class _YamlDumper(yaml.SafeDumper):
    """YAML that planner's loader reads back as written: quotes every string its YAML 1.2 numbers would take."""


_YamlDumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+0123456789."))
_FLOW_KEYS = frozenset({"default", *WEEKDAYS})


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    # Day maps ({default: 75, sun: 180}) and date ranges ({from: ..., to: ...}) on one line, as profiles write them.
    flow = bool(value) and (set(value) <= _FLOW_KEYS or set(value) == {"from", "to"})
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flow = all(not isinstance(v, (dict, list)) for v in value)   # [mon, tue, thu]
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # PyYAML writes NEL and the Unicode line separators raw, and its reader folds them into spaces: escape them.
    style = '"' if any(ch in value for ch in "\n\r\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_YamlDumper.add_representer(dict, _represent_dict)
_YamlDumper.add_representer(list, _represent_list)
_YamlDumper.add_representer(str, _represent_str)

_TOML_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_key(key: str) -> str:
    return key if _TOML_BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.date, dt.time)):   # datetime is a date: isoformat() is TOML's local date-time
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} in TOML")


def _is_table_array(value: Any) -> bool:
    """A list written as [[array.of.tables]]: dicts, except date ranges, which stay inline ({from = ..., to = ...})."""
    return (isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
            and not all(set(v) <= {"from", "to"} for v in value))


def _toml_table(lines: list[str], path: tuple[str, ...], table: dict[str, Any]) -> None:
    """Scalars and inline arrays first, then sub-tables, then arrays of tables: TOML's order."""
    for key, value in table.items():
        if value is not None and not isinstance(value, dict) and not _is_table_array(value):
            lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            sub = (*path, str(key))
            lines.extend(["", f"[{'.'.join(map(_toml_key, sub))}]"])
            _toml_table(lines, sub, value)
    for key, value in table.items():
        if _is_table_array(value):
            sub = (*path, str(key))
            for item in value:
                lines.extend(["", f"[[{'.'.join(map(_toml_key, sub))}]]"])
                _toml_table(lines, sub, item)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def render_profile(data: dict[str, Any], fmt: str, comments: Sequence[str] = ()) -> str:
    """Profile data as the text of a YAML, TOML or JSON file (``fmt``: yaml | toml | json).

    ``comments`` become ``#`` lines at the top of YAML and TOML files; JSON has no comments, so they are dropped.
    """
    head = "".join(f"# {c}\n" if c else "#\n" for c in comments)
    if fmt == "yaml":
        text = yaml.dump(data, Dumper=_YamlDumper, sort_keys=False, allow_unicode=True, width=100)
        # A blank line before each top-level block (current:, goal:, schedule:...), as hand-written profiles have.
        return head + re.sub(r"(?m)(?<=\n)(?=[A-Za-z_][\w-]*:\n)", "\n", text)
    if fmt == "toml":
        lines: list[str] = []
        _toml_table(lines, (), _without_none(data))
        return head + "\n".join(lines).lstrip("\n") + "\n"
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False,
                          default=lambda v: v.isoformat() if isinstance(v, (dt.date, dt.time)) else str(v))
        # Lists of plain values on one line (["mon", "wed"]); JSON strings hold no raw newlines, so this is safe.
        return re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]", lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]",
                      text) + "\n"
    raise ValueError(f"unknown profile format {fmt!r}")


def write_profile(path: Path, text: str, expected: dict[str, Any]) -> None:
    """Write a profile atomically, after checking that the written text loads and reads back as ``expected``.

    The text goes to a temporary file in the same folder, is loaded there with the profile loader, and is renamed over
    ``path`` only then: a reader sees the old file or the new one, never a broken one.

    Raises:
        HistoryError: the file cannot be written (exit 2).
        PlannerError: the written text does not read back as ``expected`` (a bug in planner).
        ProfileError: the written text is not a valid profile.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot be written ({exc.strerror or exc})", source=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if _without_none(read_profile_data(tmp)) != _without_none(as_read_back(expected, Path(tmp))):
            raise PlannerError(f"{path}: the profile written does not read back as intended: a bug in planner")
        load_profile(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot be written ({exc.strerror or exc})", source=str(path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def as_read_back(data: Any, path: Path) -> Any:
    """``data`` as a profile file named ``path`` reads it back: JSON has no dates, only their ISO text."""
    if FORMATS.get(path.suffix.lower()) != "json":
        return data
    return json.loads(render_profile(data, "json"))
