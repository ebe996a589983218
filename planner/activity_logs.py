"""Reading activity logs: what the runner actually ran, from Strava, Garmin Connect or GPX, as :class:`Activity`.

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

What is done with the activities (``planner import``) is in :mod:`planner.history`; ``planner replan`` reads the
same logs through :func:`read_log`.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import PlannerError
from .profile import KM_PER_MILE

# Activity types that are runs, compared after lower-casing and dropping everything but letters. Strava's are
# "Run", "Trail Run" and "Virtual Run"; Garmin's are "Running", "Trail Running", "Treadmill Running"...
RUN_KINDS = frozenset({
    "run", "trailrun", "virtualrun",
    "running", "trailrunning", "treadmillrunning", "trackrunning", "indoorrunning", "virtualrunning",
    "streetrunning", "ultrarun", "ultrarunning",
})
STRAVA_GPX_RUN_TYPE = "9"       # Strava's older GPX files write the activity type as a number; 9 is Run
MAX_PLAUSIBLE_RUN_KM = 300.0    # a longer "run" is a unit mix-up (metres read as km), not a run
MAX_PROBLEMS = 10               # problems listed per file before "... and N more"
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
