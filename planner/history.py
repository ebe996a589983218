"""Activity-log import: what the runner actually ran, read from Strava, Garmin Connect or GPX, into the profile.

Three log formats are read into one list of :class:`Activity` (distances in km, dates local to the runner):

* **Strava's bulk export** ``activities.csv``. Strava repeats column names: ``Distance`` and ``Elapsed Time`` appear
  twice, first in the athlete's display units, then in metres and seconds. The header is read with the csv module
  (pandas would rename the second one ``Distance.1``) and the *second* ``Distance`` (metres) is used. An older export
  with a single ``Distance`` column holds display units: the unit written in the header (``Distance (mi)``) when there
  is one, else ``units`` (the profile's, or ``planner import --units``). ``Activity Date`` (``"Oct 8, 2026, 11:00:00
  AM"``) is in UTC, so it is moved to the profile's time zone before its date is taken. Only ``Run``, ``Trail Run``
  and ``Virtual Run`` are runs; ``Activity Gear`` names the shoe.
* **Garmin Connect's** activities CSV (``Activity Type,Date,...,Distance,...``): ``--`` marks a missing value, dates
  are local, distances are in the account's units (``units``; Garmin's header does not say).
* **A folder of GPX files**, one activity per file: distance along the track (2-D, as watches measure it), date of
  the first timed point (UTC, moved to the profile's time zone), activity type from the track's ``<type>`` (no type:
  a run; Strava's numeric type ``9`` is a run).

Localised CSVs are read too: ``;`` or tab separators, decimal commas (``"12,5"``) and thousands separators, decided
per file from the distance and time columns (a file that mixes ``12,5`` and ``10.02`` is refused). Unknown columns are
ignored; a missing required column is refused naming the file and the column.

:func:`summarise` turns runs into the numbers of the profile's ``current`` block and per-shoe totals;
:func:`update_profile_data` applies them to a profile's data; :func:`import_history` is ``planner import`` in one
call: read, summarise, update, validate, and write the new profile atomically (or only report).

The new profile is written in the format its file name asks for (``-o new.toml`` writes TOML, whatever the input
was), through a small TOML emitter for TOML, since the standard library only reads TOML. Comments inside the old file
are not kept, except the comment lines heading it; the file is written to a temporary name, loaded back with
:func:`planner.profile.load_profile` and compared with what was meant, and only then renamed into place.

Every count is of runs strictly *before* ``today``: the day of the import is the first day of what is still to come
(``planner replan`` re-plans from it), so a run done on ``today`` itself is not yet history.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import gzip
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from .errors import PlannerError, ProfileError
from .profile import FORMATS, KM_PER_MILE, WEEKDAYS, load_profile, profile_from_data, read_profile_data

# Activity types that are runs, compared after lower-casing and dropping everything but letters. Strava's are
# "Run", "Trail Run" and "Virtual Run"; Garmin's are "Running", "Trail Running", "Treadmill Running"...
RUN_KINDS = frozenset({
    "run", "trailrun", "virtualrun",
    "running", "trailrunning", "treadmillrunning", "trackrunning", "indoorrunning", "virtualrunning",
    "streetrunning", "ultrarun", "ultrarunning",
})
STRAVA_GPX_RUN_TYPE = "9"       # Strava's older GPX files write the activity type as a number; 9 is Run
WINDOW_WEEKS = 4                # current.weekly_distance: the average of the last 4 full Monday-Sunday weeks
LONG_RUN_DAYS = 30              # current.long_run: the longest run of the last 30 days
MAX_PLAUSIBLE_RUN_KM = 300.0    # a longer "run" is a unit mix-up (metres read as km), not a run
MAX_PROBLEMS = 10               # problems listed per file before "... and N more"
IMPORT_STAMP = "Updated by `planner import`"   # the comment a written profile gets (replaced, not stacked, on re-import)
_MISSING = frozenset({"", "-", "--", "\u2014", "n/a", "na", "null", "none"})
_SPACES = ("\u00a0", "\u202f", "\u2009", " ", "'", "\u2019")   # thousands separators that are never decimal marks
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*[(\[]\s*([a-z]+)\s*[)\]]$")
_UNIT_NAMES = {"km": "km", "kilometers": "km", "kilometres": "km", "mi": "mi", "miles": "mi", "mile": "mi",
               "m": "m", "meters": "m", "metres": "m"}
_CLOCK_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d+))?$")
_DATE_FORMATS = (
    "%b %d, %Y, %I:%M:%S %p",   # Strava, en-US: "Oct 8, 2026, 11:00:00 AM"
    "%b %d, %Y, %H:%M:%S",      # the same with a 24-hour clock
    "%b %d, %Y %I:%M:%S %p",
    "%d %b %Y, %H:%M:%S",       # en-GB: "8 Oct 2026, 11:00:00"
    "%d %b %Y, %I:%M:%S %p",
    "%d.%m.%Y, %H:%M:%S",       # de: "08.10.2026, 11:00:00"
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)


class HistoryError(PlannerError):
    """An activity log cannot be read or used (exit 2): the message names the file, the row and the column."""

    exit_code = 2


@dataclass(frozen=True)
class Activity:
    """One logged activity. ``distance_km`` is 0 when the log has none; ``moving_seconds`` is None when unknown."""

    date: dt.date                 # local date, in the profile's time zone
    kind: str                     # the log's activity type, as written ("Run", "Trail Running", "Ride"...)
    distance_km: float
    moving_seconds: float | None
    gear: str | None              # the shoe, as the log names it (Strava's Activity Gear)

    @property
    def is_run(self) -> bool:
        return is_run_kind(self.kind)


@dataclass(frozen=True)
class ActivityLog:
    """What one log file or folder held, and how it was read (said back to the user)."""

    source: str
    format: str                   # "Strava export", "Garmin Connect export", "GPX folder"
    activities: tuple[Activity, ...]
    notes: tuple[str, ...] = ()   # how units were decided, files skipped...

    @property
    def runs(self) -> tuple[Activity, ...]:
        return tuple(a for a in self.activities if a.is_run)


@dataclass(frozen=True)
class WeekTotal:
    monday: dt.date
    km: float
    runs: int


@dataclass(frozen=True)
class HistorySummary:
    """The runner's recent training, in km, as of ``today`` (only runs before ``today`` count)."""

    today: dt.date
    weeks: tuple[WeekTotal, ...]          # the 4 full Monday-Sunday weeks before today, oldest first
    weekly_km: float                      # their average
    runs_per_week: int                    # their average number of runs, rounded half up
    long_run_km: float | None             # the longest run of the 30 days before today (None: no run)
    long_run_date: dt.date | None
    gear_km: dict[str, float] = field(default_factory=dict)   # run km per gear over the whole log, by gear name
    runs: int = 0                         # runs before today in the whole log
    notes: tuple[str, ...] = ()

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """First and last day of the 4-week window."""
        return self.weeks[0].monday, self.weeks[-1].monday + dt.timedelta(days=6)


def is_run_kind(kind: str) -> bool:
    """Whether an activity type names a run ("Run", "Trail Run", "Treadmill Running"...), not a ride or a walk."""
    return re.sub(r"[^a-z]", "", kind.lower()) in RUN_KINDS


# --- reading ---------------------------------------------------------------------------------------------------------

def read_activities(path: str | Path, *, units: str = "km", timezone: str = "UTC") -> list[Activity]:
    """Read an activity log into activities, oldest first (runs and everything else).

    Args:
        path: Strava's ``activities.csv``, Garmin Connect's activities CSV, a folder of GPX files (or a Strava export
            folder holding ``activities.csv``), or one GPX file.
        units: ``km`` or ``mi``: the unit of distance columns that do not say theirs (Garmin, old Strava exports).
        timezone: IANA zone the runner lives in: UTC times (Strava, GPX) are moved to it before taking the date.

    Raises:
        HistoryError: the log cannot be read; the message names the file, row and column.
    """
    return list(read_log(path, units=units, timezone=timezone).activities)


def read_log(path: str | Path, *, units: str = "km", timezone: str = "UTC") -> ActivityLog:
    """Like :func:`read_activities`, with the format found and notes on how the log was read."""
    path = Path(path)
    if units not in ("km", "mi"):
        raise HistoryError(f"units must be km or mi, not {units!r}")
    zone = ZoneInfo(timezone)
    if path.is_dir():
        if (path / "activities.csv").is_file():   # an unpacked Strava bulk export
            return _read_csv(path / "activities.csv", units, zone)
        return _read_gpx_folder(path, zone)
    if not path.exists():
        raise HistoryError(f"{path}: no such file or folder", source=str(path))
    if path.name.lower().endswith((".gpx", ".gpx.gz")):
        activity, problem = _read_gpx_file(path, zone)
        if problem:
            raise HistoryError(f"{path}: cannot be read as a GPX activity", problems=[problem], source=str(path))
        return ActivityLog(str(path), "GPX file", (activity,))
    return _read_csv(path, units, zone)


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HistoryError(f"{path}: cannot be read ({exc.strerror or exc})", source=str(path)) from None
    if b"\x00" in data[:4096]:
        raise HistoryError(f"{path}: is not a CSV file (binary data); export the activities as CSV, or give a "
                           "folder of GPX files", source=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # Excel on Windows saves "CSV" in the ANSI code page; only numbers, dates and types matter here
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise HistoryError(f"{path}: is not a text file in UTF-8 or Windows-1252; save it as UTF-8 CSV",
                           source=str(path)) from None


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class _Header:
    """The CSV header: columns by normalised name, repeated names kept in order, units in brackets split off."""

    def __init__(self, names: Sequence[str]):
        self.names = [name.strip() for name in names]
        self.positions: dict[str, list[int]] = {}
        self.units: dict[int, str] = {}
        for i, raw in enumerate(names):
            name = _norm(raw)
            m = _UNIT_SUFFIX.match(name)
            if m and m.group(2) in _UNIT_NAMES:
                name = m.group(1)
                self.units[i] = _UNIT_NAMES[m.group(2)]
            self.positions.setdefault(name, []).append(i)

    def all(self, name: str) -> list[int]:
        return self.positions.get(name, [])

    def first(self, name: str) -> int | None:
        found = self.all(name)
        return found[0] if found else None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, units: str, zone: ZoneInfo) -> ActivityLog:
    text = _decode(path)
    if not text.strip():
        raise HistoryError(f"{path}: the file is empty: export your activities again", source=str(path))
    delimiter = _sniff_delimiter(text.splitlines()[0])
    try:
        rows = [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)
                if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise HistoryError(f"{path}: not a readable CSV file ({exc})", source=str(path)) from None
    if not rows:
        raise HistoryError(f"{path}: the file is empty: export your activities again", source=str(path))
    header = _Header(rows[0][1])
    if header.first("activity date") is not None:
        reader = _StravaReader(path, header, units)
    elif header.first("activity type") is not None and header.first("date") is not None:
        reader = _GarminReader(path, header, units)
    else:
        shown = ", ".join(header.names[:8]) + (", ..." if len(header.names) > 8 else "")
        raise HistoryError(
            f"{path}: not a Strava or Garmin Connect activities export: it has no 'Activity Date' column (Strava's "
            f"activities.csv) and no 'Activity Type' and 'Date' columns (Garmin Connect's CSV). Its columns: {shown}",
            source=str(path))
    body = rows[1:]
    reader.decimal = _decimal_mark(path, header, body, reader.number_columns(), delimiter)
    activities: list[Activity] = []
    problems: list[str] = []
    for line, row in body:
        try:
            activity = reader.activity(row, zone)
        except _RowProblem as exc:
            problems.append(f"{path}: row {line}: {exc}")
            continue
        if activity.is_run and activity.distance_km > MAX_PLAUSIBLE_RUN_KM:
            problems.append(f"{path}: row {line}: a run of {activity.distance_km:,.0f} km is not plausible: is "
                            f"'{reader.distance_label}' in metres? Then name the column 'Distance (m)'")
            continue
        activities.append(activity)
    _raise_problems(path, problems, "row")
    activities.sort(key=lambda a: a.date)   # stable: the file's order within a day
    return ActivityLog(str(path), reader.format, tuple(activities), tuple(reader.notes))


def _raise_problems(path: Path, problems: list[str], what: str) -> None:
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    noun = what if len(problems) == 1 else what + "s"
    raise HistoryError(f"{path}: {len(problems)} {noun} cannot be read", problems=shown, source=str(path))


class _RowProblem(ValueError):
    """A cell of one row cannot be read; the caller adds the file and the row number."""


def _decimal_mark(path: Path, header: _Header, rows: list[tuple[int, list[str]]], columns: list[int],
                  delimiter: str) -> str:
    """"," or ".": decided from the numbers of the distance and time columns, so "12,500" reads right."""
    seen: dict[str, tuple[int, str]] = {}
    for line, row in rows:
        for col in columns:
            value = row[col].strip() if col < len(row) else ""
            for ch in _SPACES:
                value = value.replace(ch, "")
            if not value or ":" in value or not any(c.isdigit() for c in value):
                continue
            mark = None
            if "," in value and "." in value:
                mark = "," if value.rfind(",") > value.rfind(".") else "."
            elif value.count(",") == 1 and len(value.split(",")[1]) != 3:
                mark = ","
            elif value.count(".") == 1 and len(value.split(".")[1]) != 3:
                mark = "."
            elif value.count(",") > 1:
                mark = "."      # 1,234,567: commas group thousands
            elif value.count(".") > 1:
                mark = ","
            if mark and mark not in seen:
                seen[mark] = (line, f"{header.names[col]}: {row[col].strip()!r}")
    if len(seen) == 2:
        (la, a), (lb, b) = seen[","], seen["."]
        raise HistoryError(f"{path}: mixes decimal commas (row {la}, {a}) and decimal points (row {lb}, {b}): "
                           "export it again with one number format", source=str(path))
    if seen:
        return next(iter(seen))
    return "," if delimiter == ";" else "."   # no telling number: a ;-separated file is from a decimal-comma locale


def _number(value: str, decimal: str, what: str) -> float | None:
    """A number as the file writes it ("12,5", "1,234.5", "10 020,0"); None when the cell is empty or "--"."""
    text = value.strip()
    if text.casefold() in _MISSING:
        return None
    for ch in _SPACES:
        text = text.replace(ch, "")
    thousands = "." if decimal == "," else ","
    pattern = (rf"^[-+]?(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
               rf"(?:{re.escape(decimal)}\d*)?$")
    if not re.match(pattern, text):
        raise _RowProblem(f"{what}: {value.strip()!r} is not a number")
    return float(text.replace(thousands, "").replace(decimal, "."))


def _duration(value: str, decimal: str, what: str) -> float | None:
    """Seconds from "3547" / "3547,0" (Strava) or "0:59:07" / "00:59:07.3" (Garmin); None when missing."""
    text = value.strip()
    if text.casefold() in _MISSING:
        return None
    m = _CLOCK_DURATION.match(text)
    if m:
        h, mnt, s, frac = m.groups()
        return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + (float(f"0.{frac}") if frac else 0.0)
    seconds = _number(text, decimal, what)
    if seconds is not None and seconds < 0:
        raise _RowProblem(f"{what}: {value.strip()!r} is negative")
    return seconds


def _datetime(value: str, what: str) -> dt.datetime:
    text = " ".join(value.replace("\u202f", " ").replace("\u00a0", " ").split())
    if not text:
        raise _RowProblem(f"{what}: is empty")
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise _RowProblem(f"{what}: {value.strip()!r} is not a date this reader knows: expected like "
                      "'Oct 8, 2026, 11:00:00 AM', '8 Oct 2026, 11:00:00', '08.10.2026, 11:00:00' or "
                      "'2026-10-08 11:00:00'")


def _local_date(moment: dt.datetime, zone: ZoneInfo, naive_is_utc: bool) -> dt.date:
    if moment.tzinfo is None:
        if not naive_is_utc:
            return moment.date()
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(zone).date()


class _CsvReader:
    """Shared by the Strava and Garmin readers: column lookup and the cells of one row."""

    format = ""
    required: tuple[str, ...] = ()

    def __init__(self, path: Path, header: _Header, units: str):
        self.path, self.header, self.units = path, header, units
        self.decimal = "."
        self.notes: list[str] = []
        missing = [name for name in self.required if header.first(name) is None]
        if missing:
            names = ", ".join(f"'{_header_name(n)}'" for n in missing)
            raise HistoryError(f"{path}: the {self.format} has no {names} column{'s' if len(missing) > 1 else ''}; "
                               f"it needs {', '.join(repr(_header_name(n)) for n in self.required)}",
                               source=str(path))
        self.type_col = header.first("activity type")
        self.gear_col = header.first("activity gear") if header.first("activity gear") is not None \
            else header.first("gear")
        # Moving time if the export has it, else the last Elapsed Time (Strava's second one is in seconds).
        self.time_cols = [c for c in (header.first("moving time"), *reversed(header.all("elapsed time")),
                                      header.first("time")) if c is not None]
        self.distance_col, self.distance_unit, self.fallback_col = self._distance_columns()
        self.distance_label = header.names[self.distance_col]

    def _distance_columns(self) -> tuple[int, str, int | None]:
        col = self.header.first("distance")
        unit = self.header.units.get(col, self.units)
        self.notes.append(f"distances: the '{self.header.names[col]}' column, read in {unit}"
                          + ("" if col in self.header.units else " (the column does not say; change with --units)"))
        return col, unit, None

    def number_columns(self) -> list[int]:
        extra = [] if self.fallback_col is None else [self.fallback_col]
        return sorted({self.distance_col, *self.time_cols, *extra})

    def cell(self, row: list[str], col: int | None) -> str:
        return row[col].strip() if col is not None and col < len(row) else ""

    def distance_km(self, row: list[str], run: bool) -> float:
        try:
            value = _number(self.cell(row, self.distance_col), self.decimal, self.header.names[self.distance_col])
            unit = self.distance_unit
            if value is None and self.fallback_col is not None:
                value = _number(self.cell(row, self.fallback_col), self.decimal,
                                self.header.names[self.fallback_col])
                unit = self.units
        except _RowProblem:
            if run:
                raise
            return 0.0   # a ride's or a swim's odd distance is never used
        if value is None or (value < 0 and not run):
            return 0.0
        if value < 0:
            raise _RowProblem(f"{self.distance_label}: {value:g} is negative")
        return value / 1000.0 if unit == "m" else value * KM_PER_MILE if unit == "mi" else value

    def moving_seconds(self, row: list[str], run: bool) -> float | None:
        for col in self.time_cols:
            try:
                seconds = _duration(self.cell(row, col), self.decimal, self.header.names[col])
            except _RowProblem:
                if run:
                    raise
                return None
            if seconds:
                return seconds
        return None

    def activity(self, row: list[str], zone: ZoneInfo) -> Activity:
        kind = self.cell(row, self.type_col)
        if not kind:
            raise _RowProblem("Activity Type: is empty")
        run = is_run_kind(kind)
        moment = _datetime(self.cell(row, self.date_col), self.header.names[self.date_col])
        gear = " ".join(self.cell(row, self.gear_col).split()) or None
        return Activity(date=_local_date(moment, zone, naive_is_utc=self.dates_in_utc), kind=kind,
                        distance_km=self.distance_km(row, run), moving_seconds=self.moving_seconds(row, run),
                        gear=gear)


def _header_name(normalised: str) -> str:
    """How a required column is spelled in the exports ("activity date" -> "Activity Date")."""
    return " ".join(word.capitalize() for word in normalised.split())


class _StravaReader(_CsvReader):
    format = "Strava export"
    required = ("activity date", "activity type", "distance")
    dates_in_utc = True     # Strava's Activity Date is UTC: moved to the runner's zone before taking the date

    def __init__(self, path: Path, header: _Header, units: str):
        super().__init__(path, header, units)
        self.date_col = header.first("activity date")

    def _distance_columns(self) -> tuple[int, str, int | None]:
        cols = self.header.all("distance")
        if len(cols) >= 2:
            # Strava's export repeats Distance: the first in the athlete's display units, the second in metres.
            second = cols[1]
            self.notes.append("distances: Strava's second 'Distance' column, in metres")
            return second, self.header.units.get(second, "m"), cols[0]
        return super()._distance_columns()


class _GarminReader(_CsvReader):
    format = "Garmin Connect export"
    required = ("activity type", "date", "distance")
    dates_in_utc = False    # Garmin Connect writes the local time of the start

    def __init__(self, path: Path, header: _Header, units: str):
        super().__init__(path, header, units)
        self.date_col = header.first("date")


def _read_gpx_file(path: Path, zone: ZoneInfo) -> tuple[Activity | None, str | None]:
    """One GPX file as an activity, or the reason it cannot be one."""
    import gpxpy
    import gpxpy.gpx

    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
        gpx = gpxpy.parse(raw.decode("utf-8-sig"))
    except (OSError, EOFError, ValueError, gpxpy.gpx.GPXException) as exc:  # UnicodeDecodeError is a ValueError
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"{path}: not a readable GPX file ({detail})"
    bounds = gpx.get_time_bounds()
    start = bounds.start_time or gpx.time
    if start is None:
        return None, f"{path}: no time in the file (a planned route, not a recorded activity?): cannot date it"
    kind = next((t.type.strip() for t in gpx.tracks if t.type and t.type.strip()), "Run")
    if kind == STRAVA_GPX_RUN_TYPE:
        kind = "Run"
    distance = gpx.length_2d() / 1000.0
    if is_run_kind(kind) and distance > MAX_PLAUSIBLE_RUN_KM:
        return None, f"{path}: a run of {distance:,.0f} km is not plausible"
    moving = gpx.get_moving_data().moving_time if gpx.has_times() else 0.0
    return Activity(date=_local_date(start, zone, naive_is_utc=True), kind=kind, distance_km=distance,
                    moving_seconds=moving or None, gear=None), None


def _read_gpx_folder(folder: Path, zone: ZoneInfo) -> ActivityLog:
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        raise HistoryError(f"{folder}: cannot be read ({exc.strerror or exc})", source=str(folder)) from None
    gpx_files = [p for p in files if p.name.lower().endswith((".gpx", ".gpx.gz"))]
    if not gpx_files:
        raise HistoryError(f"{folder}: holds no .gpx files and no activities.csv: give Strava's activities.csv, "
                           "Garmin Connect's activities CSV, or a folder of GPX files", source=str(folder))
    activities, problems = [], []
    for path in gpx_files:
        activity, problem = _read_gpx_file(path, zone)
        if problem:
            problems.append(problem)
        else:
            activities.append(activity)
    _raise_problems(folder, problems, "GPX file")
    notes = ["distances: along each track (2-D)"]
    others = len(files) - len(gpx_files)
    if others:
        notes.append(f"{others} file{'s' if others != 1 else ''} that {'are' if others != 1 else 'is'} not GPX "
                     "(FIT, TCX...) not read")
    activities.sort(key=lambda a: a.date)
    return ActivityLog(str(folder), "GPX folder", tuple(activities), tuple(notes))


# --- summarising -----------------------------------------------------------------------------------------------------

def _gear_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def summarise(activities: Iterable[Activity], today: dt.date) -> HistorySummary:
    """The numbers of the profile's ``current`` block, from the runs before ``today``.

    Args:
        activities: any activities; only runs count.
        today: the day of the import; runs on or after it are not counted.

    Returns:
        The average distance and number of runs of the 4 full Monday-Sunday weeks before today's week, the longest
        run of the 30 days before today, and run km per gear over the whole log (gear names that differ only in
        case or spacing are one gear).
    """
    activities = list(activities)
    runs = [a for a in activities if a.is_run and a.date < today]
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [this_monday - dt.timedelta(weeks=WINDOW_WEEKS - i) for i in range(WINDOW_WEEKS)]
    weeks = []
    for monday in mondays:
        in_week = [r for r in runs if monday <= r.date < monday + dt.timedelta(days=7)]
        weeks.append(WeekTotal(monday, sum(r.distance_km for r in in_week), len(in_week)))
    weekly_km = sum(w.km for w in weeks) / WINDOW_WEEKS
    runs_per_week = math.floor(sum(w.runs for w in weeks) / WINDOW_WEEKS + 0.5)

    recent = [r for r in runs if today - dt.timedelta(days=LONG_RUN_DAYS) <= r.date and r.distance_km > 0]
    longest = max(recent, key=lambda r: (r.distance_km, r.date), default=None)

    spellings: dict[str, list[str]] = {}
    totals: dict[str, float] = {}
    for r in runs:
        if r.gear:
            key = _gear_key(r.gear)
            spellings.setdefault(key, []).append(" ".join(r.gear.split()))
            totals[key] = totals.get(key, 0.0) + r.distance_km
    gear_km = {min(spellings[key]): totals[key] for key in sorted(totals, key=lambda k: min(spellings[k]))}

    notes = []
    window_start = mondays[0]
    if activities and min(a.date for a in activities) > window_start:
        notes.append(f"the log starts on {min(a.date for a in activities)}, inside the 4 weeks from {window_start}: "
                     "the days before it count as no running")
    if runs and max(r.date for r in runs) < this_monday - dt.timedelta(days=7):
        notes.append(f"the last run in the log is on {max(r.date for r in runs)}: is the export old?")
    no_distance = sum(1 for r in runs if r.distance_km == 0 and window_start <= r.date)
    if no_distance:
        notes.append(f"{no_distance} recent run{'s' if no_distance != 1 else ''} without a distance "
                     "(counted as runs, with no km)")
    later = sum(1 for a in activities if a.is_run and a.date >= today)
    if later:
        notes.append(f"{later} run{'s' if later != 1 else ''} on or after {today} not counted")
    return HistorySummary(today=today, weeks=tuple(weeks), weekly_km=weekly_km, runs_per_week=runs_per_week,
                          long_run_km=longest.distance_km if longest else None,
                          long_run_date=longest.date if longest else None, gear_km=gear_km, runs=len(runs),
                          notes=tuple(notes))


# --- updating the profile --------------------------------------------------------------------------------------------

def _in_units(km: float, units: str) -> float:
    return round(km / KM_PER_MILE if units == "mi" else km, 1)


def _show(value: Any) -> str:
    return "(not set)" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)


def update_profile_data(data: dict[str, Any], summary: HistorySummary,
                        units: str) -> tuple[dict[str, Any], list[str]]:
    """A copy of a profile's data with ``current`` and shoe distances set from the log, and what changed.

    ``current.weekly_distance``, ``current.long_run`` and ``current.runs_per_week`` are set from the summary, in
    ``units`` and rounded to 0.1. The long run is capped at the weekly distance (the profile requires it). A shoe whose
    name matches a gear of the log (case and surrounding spaces ignored) gets the larger of its distance and the
    logged total: a Strava export holds the gear's whole history, so the logged total is the shoe's distance unless
    the profile knows of km run before the log (or off Strava); a shoe's distance never goes down.

    Raises:
        HistoryError: the log has no runs in the 4-week window, so there is nothing to set ``current`` from.
    """
    first, last = summary.window
    weekly = _in_units(summary.weekly_km, units)
    if weekly <= 0:
        raise HistoryError(f"the log has no runs in the 4 full weeks from {first} to {last}, before {summary.today}: "
                           "nothing to update the profile from. Check --today and that the export is recent")
    new = copy.deepcopy(data)
    current = new.setdefault("current", {})
    changes: list[str] = []

    def put(key: str, value: Any, why: str) -> None:
        old = current.get(key)
        if old != value:
            changes.append(f"current.{key}: {_show(old)} -> {_show(value)}{why}")
        current[key] = value

    put("weekly_distance", weekly, f" {units} (average of the 4 weeks {first} to {last})")
    if summary.long_run_km is not None:
        long_run = _in_units(summary.long_run_km, units)
        why = f" {units} (longest run of the last {LONG_RUN_DAYS} days, on {summary.long_run_date})"
        if long_run > weekly:
            why = (f" {units} (the longest run of the last {LONG_RUN_DAYS} days, {long_run:g} {units} on "
                   f"{summary.long_run_date}, capped at the weekly distance: a profile's long run is part of its week)")
            long_run = weekly
        put("long_run", long_run, why)
    elif current.get("long_run", 0) > weekly:
        put("long_run", weekly, f" {units} (no run in the last {LONG_RUN_DAYS} days; capped at the weekly distance)")
    put("runs_per_week", min(7, max(1, summary.runs_per_week)), " (average of the 4 weeks, rounded)")

    logged = {_gear_key(name): km for name, km in summary.gear_km.items()}
    for shoe in new.get("shoes") or []:
        if not isinstance(shoe, dict) or not isinstance(shoe.get("name"), str):
            continue
        km = logged.get(_gear_key(shoe["name"]))
        if km is None:
            continue
        total = _in_units(km, units)
        old = shoe.get("distance")          # absent: 0 km, the profile's default
        if total > (old or 0):
            shoe["distance"] = total
            changes.append(f"shoes[{shoe['name']}].distance: {_show(old)} -> {total:g} {units} (run in them, as logged)")
    return new, changes


def gear_notes(data: dict[str, Any], summary: HistorySummary, units: str) -> list[str]:
    """What the shoe update could not do: logged gear no shoe matches, shoes the log never names, totals kept."""
    shoes = {_gear_key(s["name"]): s for s in data.get("shoes") or []
             if isinstance(s, dict) and isinstance(s.get("name"), str)}
    notes = []
    for name, km in summary.gear_km.items():
        shoe = shoes.get(_gear_key(name))
        if shoe is None:
            notes.append(f"gear '{name}' ({_in_units(km, units):g} {units} logged) matches no shoe in the profile: "
                         "add it under `shoes:` to track it")
        elif _in_units(km, units) <= shoe.get("distance", 0):
            notes.append(f"shoe '{shoe['name']}' kept at {_show(shoe.get('distance', 0))} {units}: the log has "
                         f"{_in_units(km, units):g} {units} in it (km from before the log, or not on it)")
    logged = {_gear_key(n) for n in summary.gear_km}
    for key, shoe in shoes.items():
        if key not in logged:
            notes.append(f"shoe '{shoe['name']}' is not named in the log: its distance is kept")
    return notes


# --- writing the profile ---------------------------------------------------------------------------------------------

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


def _leading_comments(path: Path) -> list[str]:
    """The comment lines heading a YAML or TOML profile, so that a rewritten file keeps its description."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        if not line.startswith("#"):
            break
        text = line[1:].strip()
        if not text.startswith(IMPORT_STAMP):
            out.append(text)
    return out



def write_profile(path: Path, text: str, expected: dict[str, Any]) -> None:
    """Write a profile atomically, after checking that the written text loads and reads back as ``expected``.

    The text goes to a temporary file in the same folder, is loaded there with the profile loader, and is renamed over
    ``path`` only then: a reader sees the old file or the new one, never a broken one.
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
        if _without_none(read_profile_data(tmp)) != _without_none(_plain(expected, Path(tmp))):
            raise PlannerError(f"{path}: the profile written does not read back as intended: a bug in planner")
        load_profile(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot be written ({exc.strerror or exc})", source=str(path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _plain(data: Any, path: Path) -> Any:
    """``data`` as the file's format reads it back: JSON has no dates, only their ISO text."""
    if FORMATS.get(path.suffix.lower()) != "json":
        return data
    return json.loads(render_profile(data, "json"))


# --- planner import in one call --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    """What ``planner import`` read, worked out and changed."""

    log: ActivityLog
    summary: HistorySummary
    units: str                         # the profile's units: every number shown to the user is in them
    changes: tuple[str, ...]
    notes: tuple[str, ...]
    data: dict[str, Any]               # the updated profile's data
    current_text: str                  # the new `current` block, in the output format
    written: Path | None               # the new profile, or None when only reporting

    def format_distance(self, km: float) -> str:
        """A distance in km as the profile's units, to 0.1 ("31.4 km")."""
        return f"{_in_units(km, self.units):.1f} {self.units}"


def parse_today(value: str | dt.date | None, timezone: str) -> dt.date:
    """``--today``: an ISO date; None means today in the runner's time zone."""
    if value is None:
        return dt.datetime.now(ZoneInfo(timezone)).date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise HistoryError(f"--today: {value!r} is not a date: write it as YYYY-MM-DD") from None


def import_history(log_path: str | Path, profile_path: str | Path, *, output: str | Path | None = None,
                   today: str | dt.date | None = None, units: str | None = None) -> ImportResult:
    """Read an activity log and update a profile's ``current`` block and shoe distances from it.

    Args:
        log_path: Strava's activities.csv, Garmin Connect's activities CSV, or a folder of GPX files.
        profile_path: the runner's profile (YAML, TOML or JSON); it is read, never changed (unless it is ``output``).
        output: where to write the updated profile; its extension picks the format (.yaml/.yml/.toml/.json). None:
            work everything out and report, write nothing.
        today: the day of the import (ISO date); runs on or after it do not count. Default: today in the profile's
            time zone.
        units: km or mi, for distance columns that do not say their unit (Garmin, old Strava). Default: the profile's.

    Raises:
        HistoryError: the log cannot be read or has no recent runs, or the output cannot be written (exit 2).
        ProfileError: the profile is invalid.
    """
    profile_path, log_path = Path(profile_path), Path(log_path)
    profile = load_profile(profile_path)
    data = read_profile_data(profile_path)
    out_path = Path(output) if output is not None else None
    fmt = FORMATS[profile_path.suffix.lower()]
    if out_path is not None:
        if out_path.is_dir():
            raise HistoryError(f"-o {out_path}: is a folder; give the new profile's file name", source=str(out_path))
        fmt = FORMATS.get(out_path.suffix.lower())
        if fmt is None:
            raise HistoryError(f"-o {out_path}: the new profile's name must end in .yaml, .yml, .toml or .json "
                               "(the extension picks the format)", source=str(out_path))
        if out_path.resolve() == log_path.resolve():
            raise HistoryError(f"-o {out_path}: is the activity log itself; choose another name", source=str(out_path))
    day = parse_today(today, profile.timezone)
    log = read_log(log_path, units=units or profile.units, timezone=profile.timezone)
    summary = summarise(log.activities, day)
    new_data, changes = update_profile_data(data, summary, profile.units)
    try:
        profile_from_data(_plain(new_data, out_path or profile_path), source=str(out_path or profile_path))
    except ProfileError as exc:
        raise HistoryError(f"{log_path}: the values imported from the log do not make a valid profile",
                           problems=exc.problems, source=str(log_path)) from None
    notes = (*log.notes, *summary.notes, *gear_notes(data, summary, profile.units))
    current_text = render_profile({"current": new_data["current"]}, fmt)
    written = None
    if out_path is not None:
        comments = [*_leading_comments(profile_path), f"{IMPORT_STAMP} from {log_path.name}, as of {day}."]
        write_profile(out_path, render_profile(new_data, fmt, comments), new_data)
        written = out_path
    return ImportResult(log=log, summary=summary, units=profile.units, changes=tuple(changes), notes=tuple(notes),
                        data=new_data, current_text=current_text, written=written)
