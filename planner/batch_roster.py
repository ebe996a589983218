"""A roster: the runners of a batch, read from a folder of profile files or a spreadsheet, with club defaults.

A folder holds profile files (YAML/TOML/JSON, format 1), read in name order. A spreadsheet (CSV or XLSX, read with
pandas) has one runner per row and columns named by profile key paths (see :mod:`planner.batch_cells`). A defaults
profile supplies what every runner shares. Each runner becomes an entry: a validated profile, or the problems that
stop it from being planned, in the words ``planner generate`` uses. Only a roster that cannot be used at all
(unreadable, no runners, unusable header row) is an error.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .batch_cells import Column, cell_text, is_blank, key_path, leaf_type, normalise_day_maps, row_data, unknown_keys
from .errors import PlannerError, ProfileError
from .profile import FORMATS, Profile, profile_from_data, read_profile_data, slugify

SPREADSHEETS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_ID_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")

RawRow = tuple[str, "dict[str, Any] | None", list[str]]  # (source, data, problems) of one runner as read


class BatchError(PlannerError):
    """The roster, the defaults file or the batch options cannot be used at all (no runner is planned)."""

    exit_code = 2


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
                 for key in unknown_keys(data, Profile)]
    if problems:
        raise BatchError(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the defaults file",
                         problems=problems, source=str(path))
    return normalise_day_maps(data, Profile)


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
    merged = merge_defaults(defaults, normalise_day_maps(data, Profile)) if defaults else data
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

def _folder_rows(folder: Path, skip: Path | None) -> list[RawRow]:
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


# --- spreadsheets -----------------------------------------------------------------------------------------------------

def _sheet_rows(path: Path, kind: str) -> list[RawRow]:
    """(source, data, problems) per non-empty row of a spreadsheet; sources count rows as spreadsheet apps do."""
    frame = _read_sheet(path, kind)
    if frame.shape[0] == 0:
        raise BatchError(f"{path}: is empty; the first row names the profile keys (name, current.weekly_distance, "
                         "current.long_run, goal.race, goal.race_date, ...)")
    header = [cell_text(v) for v in frame.iloc[0].tolist()]
    columns = _columns(path, header)
    rows = []
    for offset, values in enumerate(frame.iloc[1:].itertuples(index=False, name=None)):
        cells = [(col, v) for col, v in zip(columns, values) if col is not None and not is_blank(v)]
        if not cells:
            continue  # a blank line between groups of runners
        source = f"{path} row {offset + 2}"
        data, problems = row_data(cells, source)
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
        parts = key_path(key)
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
