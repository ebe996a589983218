"""Activity-log import (``planner import``): the runner's recent training, from a log, into the profile.

:func:`summarise` turns runs into the numbers of the profile's ``current`` block and per-shoe totals;
:func:`update_profile_data` applies them to a profile's data; :func:`import_history` is ``planner import`` in one
call: read, summarise, update, validate, and write the new profile atomically (or only report).

Every count is of runs strictly *before* ``today``: the day of the import is the first day of what is still to come
(``planner replan`` re-plans from it), so a run done on ``today`` itself is not yet history.

Reading the logs (Strava, Garmin Connect, GPX) is :mod:`planner.activity_logs`; writing the profile back (YAML, TOML
or JSON) is :mod:`planner.profile_writer`. Comments inside the old profile are not kept, except the comment lines
heading it. The names callers know from this module (:class:`Activity`, :func:`read_log`, :func:`render_profile`...)
are re-exported here.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .activity_logs import (
    MAX_PLAUSIBLE_RUN_KM,
    MAX_PROBLEMS,
    RUN_KINDS,
    STRAVA_GPX_RUN_TYPE,
    Activity,
    ActivityLog,
    HistoryError,
    is_run_kind,
    read_activities,
    read_log,
)
from .errors import ProfileError
from .profile import FORMATS, KM_PER_MILE, load_profile, profile_from_data, read_profile_data
from .profile_writer import as_read_back, render_profile, write_profile

WINDOW_WEEKS = 4                # current.weekly_distance: the average of the last 4 full Monday-Sunday weeks
LONG_RUN_DAYS = 30              # current.long_run: the longest run of the last 30 days
IMPORT_STAMP = "Updated by `planner import`"   # the comment a written profile gets (replaced, not stacked, on re-import)


@dataclass(frozen=True)
class WeekTotal:
    """One Monday-Sunday week of the window: its run km and number of runs."""

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
        profile_from_data(as_read_back(new_data, out_path or profile_path), source=str(out_path or profile_path))
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


__all__ = [
    # defined here
    "HistorySummary", "ImportResult", "WeekTotal", "gear_notes", "import_history", "parse_today", "summarise",
    "update_profile_data", "IMPORT_STAMP", "LONG_RUN_DAYS", "WINDOW_WEEKS",
    # re-exported from planner.activity_logs and planner.profile_writer, for callers that import them from here
    "Activity", "ActivityLog", "HistoryError", "is_run_kind", "read_activities", "read_log", "MAX_PLAUSIBLE_RUN_KM",
    "MAX_PROBLEMS", "RUN_KINDS", "STRAVA_GPX_RUN_TYPE", "render_profile", "write_profile",
]
