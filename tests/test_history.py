"""planner.history: reading Strava, Garmin Connect and GPX logs, summarising runs, updating and writing profiles.

The example export (examples/activities.csv) is also read independently with pandas (which renames Strava's second
`Distance` column `Distance.1`), and the summary compared against that reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tomllib
from pathlib import Path

import gpxpy.gpx
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROFILES_DIR, ROOT, example_profile_paths
from planner.errors import PlannerError, ProfileError
from planner.history import (
    Activity, HistoryError, HistorySummary, WeekTotal, gear_notes, import_history, is_run_kind, read_activities,
    read_log, render_profile, summarise, update_profile_data, write_profile,
)
from planner.profile import KM_PER_MILE, _YamlLoader, load_profile, profile_from_data, read_profile_data

EXAMPLES = ROOT / "examples"
MAYA = PROFILES_DIR / "maya-half.yaml"
MONDAY = dt.date(2026, 11, 30)

# A Strava bulk-export header, cut after the second block's Distance: the repeats are what matters.
STRAVA_HEADER = ["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
                 "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note",
                 "Activity Gear", "Filename", "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time",
                 "Distance", "Max Speed", "Average Speed"]


def strava_row(date: str, kind: str, display: str, metres: str, gear: str = "", moving: str = "3000.0",
               comma: bool = False) -> list[str]:
    """A row of STRAVA_HEADER; ``comma``: the seconds columns in a decimal-comma locale's numbers."""
    row = [""] * len(STRAVA_HEADER)
    row[0], row[1], row[2], row[3] = "16000000001", date, "Morning Run", kind
    elapsed = "3100,0" if comma else "3100.0"
    row[5], row[6], row[11], row[15], row[16], row[17] = "3100", display, gear, elapsed, moving, metres
    if comma:
        row[16] = moving.replace(".", ",")
    return row


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)
    return path


def run(date: dt.date, km: float, gear: str | None = None, kind: str = "Run") -> Activity:
    return Activity(date=date, kind=kind, distance_km=km, moving_seconds=km * 360, gear=gear)


# --- Strava ----------------------------------------------------------------------------------------------------------

def test_strava_uses_the_second_distance_column_in_metres(tmp_path):
    # An athlete who displays miles: the first Distance says 6.21 (mi), the second 10000 (m).
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "6.21", "10000.0", "Pegasus 40", "3011.0")])
    [activity] = read_activities(path, units="mi")
    assert activity.distance_km == pytest.approx(10.0)
    assert activity.moving_seconds == 3011.0
    assert activity.gear == "Pegasus 40" and activity.kind == "Run" and activity.is_run
    log = read_log(path)
    assert log.format == "Strava export" and any("metres" in n for n in log.notes)


def test_strava_falls_back_to_the_display_column_when_metres_are_missing(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "6.00", "", "Pegasus 40")])
    assert read_activities(path, units="mi")[0].distance_km == pytest.approx(6 * KM_PER_MILE)
    assert read_activities(path, units="km")[0].distance_km == pytest.approx(6.0)


@pytest.mark.parametrize("text, zone, expected", [
    ("Oct 4, 2026, 11:30:00 PM", "Europe/Berlin", dt.date(2026, 10, 5)),   # UTC 23:30 is 01:30 in Berlin
    ("Oct 4, 2026, 11:30:00 PM", "UTC", dt.date(2026, 10, 4)),
    ("Oct 5, 2026, 2:00:00 AM", "America/Los_Angeles", dt.date(2026, 10, 4)),
    ("Oct 8, 2026, 11:00:00 AM", "Asia/Kolkata", dt.date(2026, 10, 8)),
    ("8 Oct 2026, 11:00:00", "UTC", dt.date(2026, 10, 8)),
    ("08.10.2026, 11:00:00", "UTC", dt.date(2026, 10, 8)),
    ("2026-10-08 23:00:00", "Asia/Tokyo", dt.date(2026, 10, 9)),
    ("Oct 8, 2026, 11:00:00\u202fAM", "UTC", dt.date(2026, 10, 8)),         # newer ICU's narrow no-break space
])
def test_strava_dates_are_utc_and_land_on_the_runners_local_day(tmp_path, text, zone, expected):
    path = write_csv(tmp_path / "activities.csv", [STRAVA_HEADER, strava_row(text, "Run", "5.00", "5000.0")])
    assert read_activities(path, timezone=zone)[0].date == expected


@pytest.mark.parametrize("kind", ["Run", "Trail Run", "Virtual Run", "TrailRun", "Running", "Treadmill Running",
                                  "Trail Running", "Track Running", "Indoor Running", "run"])
def test_run_kinds(kind):
    assert is_run_kind(kind)


@pytest.mark.parametrize("kind", ["Ride", "Virtual Ride", "Swim", "Walk", "Hike", "Weight Training", "Workout",
                                  "Cycling", "Pool Swim", "Strength Training", "Rowing", "Brunch", "Rundown", ""])
def test_other_kinds_are_not_runs(kind):
    assert not is_run_kind(kind)


def test_non_runs_are_read_but_never_counted(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER,
        strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "10.00", "10000.0", "Pegasus 40"),
        strava_row("Nov 4, 2026, 6:00:00 AM", "Ride", "40.00", "40000.0"),
        strava_row("Nov 5, 2026, 6:00:00 AM", "Swim", "1.50", "1500.0"),
        strava_row("Nov 6, 2026, 6:00:00 AM", "Walk", "5.00", "5000.0", "Pegasus 40"),
        strava_row("Nov 7, 2026, 6:00:00 AM", "Weight Training", "0.00", "0.0"),
        strava_row("Nov 8, 2026, 6:00:00 AM", "Ride", "a lot", "n/a"),    # unreadable, but never used
    ])
    activities = read_activities(path)
    assert [a.kind for a in activities] == ["Run", "Ride", "Swim", "Walk", "Weight Training", "Ride"]
    summary = summarise(activities, MONDAY)
    assert summary.weeks[0].km == pytest.approx(10.0) and summary.weeks[0].runs == 1
    assert summary.gear_km == {"Pegasus 40": pytest.approx(10.0)}   # the walk in them does not count


@pytest.mark.parametrize("units, header, expected", [
    ("km", "Distance", 6.2), ("mi", "Distance", 6.2 * KM_PER_MILE),
    ("km", "Distance (mi)", 6.2 * KM_PER_MILE), ("mi", "Distance (km)", 6.2), ("km", "Distance [m]", 0.0062),
])
def test_older_strava_export_with_one_distance_column(tmp_path, units, header, expected):
    rows = [["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
             "Elapsed Time", header, "Commute", "Activity Gear", "Filename"],
            ["1", "May 13, 2016, 6:44:05 AM", "Morning Run", "Run", "", "2300", "6.2", "false", "Old Shoes", ""]]
    [activity] = read_activities(write_csv(tmp_path / "activities.csv", rows), units=units)
    assert activity.distance_km == pytest.approx(expected)
    assert activity.moving_seconds == 2300 and activity.gear == "Old Shoes"


def test_a_metres_column_read_as_km_is_refused_as_implausible(tmp_path):
    rows = [["Activity Date", "Activity Type", "Distance"], ["Nov 3, 2026, 6:00:00 AM", "Run", "10020"]]
    path = write_csv(tmp_path / "old.csv", rows)
    with pytest.raises(HistoryError) as err:
        read_activities(path)
    text = str(err.value)
    assert "old.csv" in text and "row 2" in text and "metres" in text


def test_decimal_commas_with_semicolons(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "10,02", "10020,5", "Pegasus 40", "3011,0", comma=True)],
        delimiter=";")
    [activity] = read_activities(path)
    assert activity.distance_km == pytest.approx(10.0205) and activity.moving_seconds == 3011.0


def test_decimal_commas_in_quoted_cells(tmp_path):
    rows = [["Activity Type", "Date", "Distance", "Time"], ["Running", "2026-11-03 07:00:00", "12,5", "01:15:00"]]
    path = write_csv(tmp_path / "garmin.csv", rows)
    assert '"12,5"' in path.read_text()
    [activity] = read_activities(path)
    assert activity.distance_km == pytest.approx(12.5) and activity.moving_seconds == 4500


@pytest.mark.parametrize("metres, other, delimiter, expected_km", [
    ("21,097.5", "3.10", ",", 21.0975),          # thousands commas, decimal point
    ("21.097,5", "3,10", ";", 21.0975),          # thousands points, decimal comma
    ("21\u00a0097,5", "3,10", ";", 21.0975),     # a no-break space groups thousands
    ("21097", "3.10", ",", 21.097),
])
def test_thousands_separators(tmp_path, metres, other, delimiter, expected_km):
    display = "13,11" if "," in other else "13.11"
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER,
        strava_row("Nov 3, 2026, 6:00:00 AM", "Run", display, metres, comma="," in other),
        strava_row("Nov 4, 2026, 6:00:00 AM", "Run", other, other.replace(",", ".").replace(".", "") + "0",
                   comma="," in other)],
        delimiter=delimiter)
    assert read_activities(path)[0].distance_km == pytest.approx(expected_km)


def test_mixed_decimal_marks_are_refused(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER,
        strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "10,02", "10020,5", comma=True),
        strava_row("Nov 4, 2026, 6:00:00 AM", "Run", "8.50", "8500.2")])
    with pytest.raises(HistoryError, match=r"activities\.csv: mixes decimal commas \(row 2.*decimal points \(row 3"):
        read_activities(path)


def test_unknown_columns_are_ignored_and_order_does_not_matter(tmp_path):
    rows = [["Favourite Colour", "Activity Gear", "Distance", "Activity Type", "Activity Date", "Mood", "Distance"],
            ["teal", "Pegasus 40", "6.21", "Run", "Nov 3, 2026, 6:00:00 AM", "great", "10000.0"]]
    [activity] = read_activities(write_csv(tmp_path / "activities.csv", rows))
    assert activity.distance_km == pytest.approx(10.0) and activity.gear == "Pegasus 40"


@pytest.mark.parametrize("drop", ["Activity Type", "Distance"])
def test_a_missing_required_column_is_named(tmp_path, drop):
    header = [h for h in ["Activity ID", "Activity Date", "Activity Type", "Distance"] if h != drop]
    path = write_csv(tmp_path / "export.csv", [header, ["1", "Nov 3, 2026, 6:00:00 AM", "Run"][:len(header)]])
    with pytest.raises(HistoryError) as err:
        read_activities(path)
    assert "export.csv" in str(err.value) and f"'{drop}'" in str(err.value)
    assert err.value.exit_code == 2


def test_a_csv_of_something_else_is_refused_with_its_columns(tmp_path):
    path = write_csv(tmp_path / "shopping.csv", [["Item", "Price"], ["bananas", "1.20"]])
    with pytest.raises(HistoryError, match=r"shopping\.csv: not a Strava or Garmin Connect activities export.*Item, "
                                           r"Price"):
        read_activities(path)


@pytest.mark.parametrize("cell, column, message", [
    ("ten k", 17, r"row 3: Distance: 'ten k' is not a number"),
    ("-5000", 17, r"row 3: Distance: -5000 is negative"),
    ("yesterday", 1, r"row 3: Activity Date: 'yesterday' is not a date"),
    ("soon", 16, r"row 3: Moving Time: 'soon' is not a number"),
])
def test_a_bad_cell_in_a_run_names_the_row_and_the_column(tmp_path, cell, column, message):
    bad = strava_row("Nov 4, 2026, 6:00:00 AM", "Run", "5.00", "5000.0")
    bad[column] = cell
    path = write_csv(tmp_path / "activities.csv",
                     [STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "5.00", "5000.0"), bad])
    with pytest.raises(HistoryError, match=r"activities\.csv: 1 row cannot be read") as err:
        read_activities(path)
    assert any(re.search(message, p) for p in err.value.problems), err.value.problems


def test_many_bad_rows_are_listed_up_to_a_limit(tmp_path):
    rows = [STRAVA_HEADER] + [strava_row("someday", "Run", "5.00", "5000.0") for _ in range(25)]
    with pytest.raises(HistoryError) as err:
        read_activities(write_csv(tmp_path / "activities.csv", rows))
    assert len(err.value.problems) == 11 and err.value.problems[-1] == "... and 15 more"


def test_a_run_without_distance_counts_as_a_run_with_no_km(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER, strava_row("Nov 24, 2026, 6:00:00 AM", "Run", "", ""),
        strava_row("Nov 25, 2026, 6:00:00 AM", "Run", "8.00", "8000.0")])
    activities = read_activities(path)
    assert [a.distance_km for a in activities] == [0.0, pytest.approx(8.0)]
    summary = summarise(activities, MONDAY)
    assert summary.weeks[-1].runs == 2 and any("without a distance" in n for n in summary.notes)


def test_windows_code_page_export(tmp_path):
    path = write_csv(tmp_path / "activities.csv", [
        STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "5,00", "5000,0", "Pégasus Trail", comma=True)],
        delimiter=";", encoding="cp1252")
    assert read_activities(path)[0].gear == "Pégasus Trail"


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\n \n", "the file is empty"),
    (b"PK\x03\x04\x00\x00binary zip", "is not a CSV file"),
    (b"\x81\x8d\x8f\x90\x9d", "is not a text file"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "activities.csv"
    path.write_bytes(content)
    with pytest.raises(HistoryError, match=message) as err:
        read_activities(path)
    assert str(path) in str(err.value) and isinstance(err.value, PlannerError) and err.value.exit_code == 2


def test_a_missing_log(tmp_path):
    with pytest.raises(HistoryError, match="no such file or folder"):
        read_activities(tmp_path / "nope.csv")


def test_a_header_without_rows_is_an_empty_log(tmp_path):
    assert read_activities(write_csv(tmp_path / "activities.csv", [STRAVA_HEADER])) == []


def test_a_strava_export_folder_reads_its_activities_csv(tmp_path):
    write_csv(tmp_path / "activities.csv", [STRAVA_HEADER, strava_row("Nov 3, 2026, 6:00:00 AM", "Run", "5", "5000")])
    (tmp_path / "activities").mkdir()
    assert read_log(tmp_path).format == "Strava export"


# --- the example Strava export, read independently ------------------------------------------------------------------

def independent_weekly_km(today: dt.date) -> tuple[list[float], list[int], float, dict[str, float]]:
    """examples/activities.csv through pandas: its `Distance.1` is Strava's second Distance, in metres."""
    frame = pd.read_csv(EXAMPLES / "activities.csv")
    assert "Distance.1" in frame.columns
    frame["local"] = pd.to_datetime(frame["Activity Date"], format="%b %d, %Y, %I:%M:%S %p", utc=True) \
        .dt.tz_convert("Europe/Berlin").dt.date
    runs = frame[frame["Activity Type"].isin(["Run", "Trail Run", "Virtual Run"]) & (frame["local"] < today)]
    monday = today - dt.timedelta(days=today.weekday())
    km, counts = [], []
    for i in range(4, 0, -1):
        start = monday - dt.timedelta(weeks=i)
        week = runs[(runs["local"] >= start) & (runs["local"] < start + dt.timedelta(days=7))]
        km.append(week["Distance.1"].sum() / 1000)
        counts.append(len(week))
    recent = runs[runs["local"] >= today - dt.timedelta(days=30)]
    gear = runs.dropna(subset=["Activity Gear"]).groupby("Activity Gear")["Distance.1"].sum() / 1000
    return km, counts, recent["Distance.1"].max() / 1000, gear.to_dict()


@pytest.mark.parametrize("today", [MONDAY, dt.date(2026, 11, 26), dt.date(2026, 11, 1)])
def test_example_strava_export_matches_an_independent_reading(today):
    log = read_log(EXAMPLES / "activities.csv", timezone="Europe/Berlin")
    summary = summarise(log.activities, today)
    km, counts, longest, gear = independent_weekly_km(today)
    assert [w.km for w in summary.weeks] == pytest.approx(km)
    assert [w.runs for w in summary.weeks] == counts
    assert summary.weekly_km == pytest.approx(sum(km) / 4)
    assert summary.long_run_km == pytest.approx(longest)
    assert summary.gear_km == pytest.approx(gear)
    assert set(gear) == {"Pegasus 40", "Vaporfly 3"}


def test_example_export_has_rides_swims_and_two_shoes():
    activities = read_activities(EXAMPLES / "activities.csv", timezone="Europe/Berlin")
    kinds = {a.kind for a in activities}
    assert {"Run", "Trail Run", "Virtual Run", "Ride", "Swim", "Walk", "Weight Training"} <= kinds
    assert {a.gear for a in activities if a.is_run} == {"Pegasus 40", "Vaporfly 3", None}
    span = activities[-1].date - activities[0].date
    assert dt.timedelta(weeks=8) <= span <= dt.timedelta(weeks=10)
    race = [a for a in activities if a.date == dt.date(2026, 10, 4)]   # maya-half.yaml's recent 10k
    assert race and race[0].gear == "Vaporfly 3" and race[0].moving_seconds == 48 * 60 + 30


# --- Garmin Connect --------------------------------------------------------------------------------------------------

def test_garmin_example_export():
    log = read_log(EXAMPLES / "garmin-activities.csv", timezone="Europe/Berlin")
    assert log.format == "Garmin Connect export"
    runs = log.runs
    assert [r.kind for r in runs] == ["Trail Running", "Treadmill Running", "Running", "Running", "Running"]
    assert [r.date for r in runs] == sorted(r.date for r in runs)
    assert runs[-1].date == dt.date(2026, 11, 29) and runs[-1].distance_km == pytest.approx(14.21)
    assert runs[-1].moving_seconds == 1 * 3600 + 27 * 60 + 45          # "Moving Time" 01:27:45
    swim = next(a for a in log.activities if a.kind == "Pool Swim")    # "1,500" metres: read, never counted
    assert not swim.is_run
    summary = summarise(log.activities, MONDAY)
    assert summary.weeks[-1].km == pytest.approx(6.02 + 8.87 + 5.64 + 14.21)
    assert summary.weeks[-2].km == pytest.approx(11.03)


def test_garmin_dates_are_local_not_moved():
    # 2026-11-24 18:31 in the file stays the 24th even for a runner in Tokyo.
    activities = read_activities(EXAMPLES / "garmin-activities.csv", timezone="Asia/Tokyo")
    assert dt.date(2026, 11, 24) in {a.date for a in activities if a.kind == "Treadmill Running"}


def test_garmin_in_miles(tmp_path):
    rows = [["Activity Type", "Date", "Favorite", "Title", "Distance", "Calories", "Time", "Moving Time"],
            ["Running", "2026-11-29 08:02:11", "false", "Long Run", "8.83", "1,024", "01:28:16", "--"],
            ["Running", "2026-11-28 08:02:11", "false", "Short", "--", "300", "00:30:00", "00:29:30"]]
    activities = read_activities(write_csv(tmp_path / "Activities.csv", rows), units="mi")
    assert activities[1].distance_km == pytest.approx(8.83 * KM_PER_MILE)
    assert activities[1].moving_seconds == 5296                       # Moving Time "--": Time instead
    assert activities[0].distance_km == 0.0 and activities[0].moving_seconds == 1770


def test_units_must_be_km_or_mi():
    with pytest.raises(HistoryError, match="units must be km or mi"):
        read_activities(EXAMPLES / "garmin-activities.csv", units="furlongs")


# --- GPX -------------------------------------------------------------------------------------------------------------

def gpx_text(start: dt.datetime | None, km: float, kind: str | None = None, points: int = 41) -> str:
    """A straight track north from Berlin of about ``km`` (1 degree of latitude is about 111.2 km)."""
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="Test")
    if kind:
        track.type = kind
    segment = gpxpy.gpx.GPXTrackSegment()
    for i in range(points):
        time = start + dt.timedelta(seconds=30 * i) if start else None
        segment.points.append(gpxpy.gpx.GPXTrackPoint(52.5 + km / 111.195 * i / (points - 1), 13.4, time=time))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml()


def test_example_gpx_folder():
    log = read_log(EXAMPLES / "gpx", timezone="Europe/Berlin")
    assert log.format == "GPX folder" and len(log.activities) == 3
    runs = log.runs
    assert [r.kind for r in runs] == ["running", "Run"]      # the second file has no <type>: a run
    assert runs[0].distance_km == pytest.approx(6.0, rel=0.02)
    assert runs[1].distance_km == pytest.approx(12.0, rel=0.02)
    assert runs[1].date == dt.date(2026, 11, 29)             # 23:40 UTC on the 28th is the 29th in Berlin
    assert read_log(EXAMPLES / "gpx", timezone="UTC").runs[1].date == dt.date(2026, 11, 28)
    assert runs[0].moving_seconds == pytest.approx(6000 / 2.75, rel=0.05)
    assert [a.kind for a in log.activities if not a.is_run] == ["cycling"]


def test_gpx_types_and_dates(tmp_path):
    start = dt.datetime(2026, 11, 10, 7, 0, tzinfo=dt.timezone.utc)
    (tmp_path / "a.gpx").write_text(gpx_text(start, 8.0, "9"))           # Strava's numeric Run
    (tmp_path / "b.gpx").write_text(gpx_text(start + dt.timedelta(days=1), 30.0, "cycling"))
    (tmp_path / "c.gpx").write_text(gpx_text(start + dt.timedelta(days=2), 5.0, "trail_running"))
    (tmp_path / "d.fit").write_bytes(b"\x0e\x10binary")
    (tmp_path / "notes.txt").write_text("not an activity")
    log = read_log(tmp_path)
    assert [(a.kind, a.is_run) for a in log.activities] == [("Run", True), ("cycling", False),
                                                            ("trail_running", True)]
    assert log.activities[0].distance_km == pytest.approx(8.0, rel=0.01)
    assert any("2 files that are not GPX" in n for n in log.notes)
    [single] = read_activities(tmp_path / "c.gpx")
    assert single.date == dt.date(2026, 11, 12) and single.distance_km == pytest.approx(5.0, rel=0.01)


def test_bad_gpx_files_are_named(tmp_path):
    (tmp_path / "good.gpx").write_text(gpx_text(dt.datetime(2026, 11, 10, 7, 0), 5.0))
    (tmp_path / "broken.gpx").write_text("<gpx><trk><trkseg><trkpt lat=")
    (tmp_path / "route.gpx").write_text(gpx_text(None, 5.0))
    with pytest.raises(HistoryError) as err:
        read_activities(tmp_path)
    problems = "\n".join(err.value.problems)
    assert "broken.gpx: not a readable GPX file" in problems
    assert "route.gpx: no time in the file" in problems and "good.gpx" not in problems


def test_a_folder_without_gpx_files(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(HistoryError, match="holds no .gpx files and no activities.csv"):
        read_activities(tmp_path)


# --- summarise -------------------------------------------------------------------------------------------------------

def test_the_window_is_the_four_full_weeks_before_todays_week():
    today = dt.date(2026, 12, 2)   # a Wednesday: Mon 30 Nov and Tue 1 Dec are this (partial) week
    runs = [run(dt.date(2026, 11, 1), 50.0),    # Sunday before the window
            run(dt.date(2026, 11, 2), 10.0),    # first day of the window
            run(dt.date(2026, 11, 15), 12.0),
            run(dt.date(2026, 11, 29), 14.0),   # last day of the window
            run(dt.date(2026, 11, 30), 20.0),   # this week: not in the weekly average...
            run(dt.date(2026, 12, 2), 30.0)]    # ...and today: not counted at all
    summary = summarise(runs, today)
    assert [w.monday for w in summary.weeks] == [dt.date(2026, 11, d) for d in (2, 9, 16, 23)]
    assert summary.window == (dt.date(2026, 11, 2), dt.date(2026, 11, 29))
    assert [w.km for w in summary.weeks] == [10.0, 12.0, 0.0, 14.0]
    assert summary.weekly_km == pytest.approx(9.0)
    assert summary.long_run_km == 20.0 and summary.long_run_date == dt.date(2026, 11, 30)
    assert summary.runs == 5 and any("1 run on or after 2026-12-02 not counted" in n for n in summary.notes)


def test_on_a_sunday_the_window_ends_the_sunday_before():
    summary = summarise([run(dt.date(2026, 11, 22), 9.0), run(dt.date(2026, 11, 29), 11.0)], dt.date(2026, 11, 29))
    assert summary.window == (dt.date(2026, 10, 26), dt.date(2026, 11, 22))
    assert summary.weeks[-1].km == 9.0 and summary.long_run_km == 9.0


def test_the_longest_run_is_of_the_30_days_before_today():
    today = MONDAY
    runs = [run(today - dt.timedelta(days=31), 25.0), run(today - dt.timedelta(days=30), 16.0),
            run(today - dt.timedelta(days=3), 12.0), run(today, 30.0)]
    summary = summarise(runs, today)
    assert summary.long_run_km == 16.0 and summary.long_run_date == today - dt.timedelta(days=30)
    assert summarise(runs[:1], today).long_run_km is None


def test_non_runs_do_not_make_the_long_run():
    summary = summarise([run(MONDAY - dt.timedelta(days=2), 60.0, kind="Ride"),
                         run(MONDAY - dt.timedelta(days=3), 8.0)], MONDAY)
    assert summary.long_run_km == 8.0 and summary.weeks[-1].km == 8.0 and summary.weeks[-1].runs == 1


@pytest.mark.parametrize("runs_in_window, expected", [(16, 4), (17, 4), (18, 5), (19, 5), (2, 1), (1, 0)])
def test_runs_per_week_is_the_rounded_average(runs_in_window, expected):
    start = dt.date(2026, 11, 2)
    runs = [run(start + dt.timedelta(days=(i * 27) // max(1, runs_in_window - 1)), 5.0) for i in range(runs_in_window)]
    assert summarise(runs, MONDAY).runs_per_week == expected


def test_gear_totals_are_summed_by_name_ignoring_case_and_spaces():
    runs = [run(dt.date(2026, 10, 1), 10.0, "Pegasus 40"), run(dt.date(2026, 10, 2), 5.5, "pegasus 40 "),
            run(dt.date(2026, 10, 3), 4.5, "  PEGASUS  40"), run(dt.date(2026, 10, 4), 10.0, "Vaporfly 3"),
            run(dt.date(2026, 10, 5), 7.0, None), run(dt.date(2026, 10, 6), 9.0, "Pegasus 40", kind="Walk"),
            run(MONDAY, 12.0, "Vaporfly 3")]   # today: not yet history
    summary = summarise(runs, MONDAY)
    assert summary.gear_km == {"PEGASUS 40": pytest.approx(20.0), "Vaporfly 3": pytest.approx(10.0)}


def test_a_log_starting_inside_the_window_is_noted():
    summary = summarise([run(dt.date(2026, 11, 20), 10.0)], MONDAY)
    assert any("the log starts on 2026-11-20" in n for n in summary.notes)
    assert any("is the export old" in n for n in summarise([run(dt.date(2026, 11, 5), 10.0)], MONDAY).notes)


# --- update_profile_data ---------------------------------------------------------------------------------------------

def summary_of(weekly_km: float, long_km: float | None, runs_per_week: int = 4,
               gear: dict[str, float] | None = None) -> HistorySummary:
    weeks = tuple(WeekTotal(dt.date(2026, 11, 2) + dt.timedelta(weeks=i), weekly_km, runs_per_week) for i in range(4))
    return HistorySummary(today=MONDAY, weeks=weeks, weekly_km=weekly_km, runs_per_week=runs_per_week,
                          long_run_km=long_km, long_run_date=dt.date(2026, 11, 29) if long_km else None,
                          gear_km=gear or {}, runs=4 * runs_per_week)


def test_update_sets_current_and_says_what_changed():
    data = read_profile_data(MAYA)
    before = json.dumps(data, default=str)
    new, changes = update_profile_data(data, summary_of(31.44, 13.96, 5, {"vaporfly 3 ": 75.04}), "km")
    assert json.dumps(data, default=str) == before                       # the input is not changed
    assert new["current"]["weekly_distance"] == 31.4 and new["current"]["long_run"] == 14.0
    assert new["current"]["runs_per_week"] == 5
    assert new["current"]["recent_race"] == data["current"]["recent_race"]
    assert [s["distance"] for s in new["shoes"]] == [420, 75.0]
    assert changes[0].startswith("current.weekly_distance: 30 -> 31.4 km (average of the 4 weeks 2026-11-02 to "
                                 "2026-11-29)")
    assert changes[1].startswith("current.long_run: 12 -> 14 km")
    assert changes[2].startswith("current.runs_per_week: 4 -> 5")
    assert changes[3] == "shoes[Vaporfly 3].distance: 60 -> 75 km (run in them, as logged)"
    assert len(changes) == 4


def test_no_change_lines_when_the_profile_already_agrees():
    data = read_profile_data(MAYA)
    new, changes = update_profile_data(data, summary_of(30.0, 12.0, 4), "km")
    assert changes == [] and new == data


def test_update_in_miles():
    data = {"name": "M", "units": "mi", "current": {"weekly_distance": 20, "long_run": 8},
            "goal": {"weekly_distance": 25}, "shoes": [{"name": "Ghost 16", "distance": 100}]}
    new, changes = update_profile_data(data, summary_of(40.0, 16.0934, 4, {"Ghost 16": 321.87}), "mi")
    assert new["current"]["weekly_distance"] == round(40 / KM_PER_MILE, 1) == 24.9
    assert new["current"]["long_run"] == 10.0 and new["shoes"][0]["distance"] == 200.0
    assert "current.runs_per_week: (not set) -> 4" in changes[2]
    assert all(" mi" in c for c in changes if "distance" in c or "long_run" in c)


def test_the_long_run_is_capped_at_the_weekly_distance():
    new, changes = update_profile_data(read_profile_data(MAYA), summary_of(10.0, 21.1, 1), "km")
    assert new["current"]["long_run"] == 10.0
    assert "capped at the weekly distance" in changes[1] and "21.1 km on 2026-11-29" in changes[1]
    assert profile_from_data(new).current.long_run == 10.0


def test_no_recent_long_run_keeps_the_profiles_unless_too_long():
    data = read_profile_data(MAYA)
    new, _ = update_profile_data(data, summary_of(20.0, None), "km")
    assert new["current"]["long_run"] == 12
    new, changes = update_profile_data(data, summary_of(8.0, None), "km")
    assert new["current"]["long_run"] == 8.0 and any("no run in the last 30 days" in c for c in changes)


def test_shoe_distances_never_go_down_and_match_names_loosely():
    data = {**read_profile_data(MAYA), "shoes": [{"name": " PEGASUS 40", "distance": 420},
                                                  {"name": "Vaporfly 3", "distance": 60},
                                                  {"name": "Spikes"}]}
    new, changes = update_profile_data(data, summary_of(30, 12, 4, {"Pegasus 40": 250.0, "Vaporfly 3": 59.0,
                                                                    "spikes": 12.34}), "km")
    assert [s.get("distance") for s in new["shoes"]] == [420, 60, 12.3]
    assert [c for c in changes if c.startswith("shoes")] == ["shoes[Spikes].distance: (not set) -> 12.3 km "
                                                             "(run in them, as logged)"]
    notes = gear_notes(data, summary_of(30, 12, 4, {"Pegasus 40": 250.0, "Old Clifton": 80.0}), "km")
    assert any("shoe ' PEGASUS 40' kept at 420 km: the log has 250 km" in n for n in notes)
    assert any("gear 'Old Clifton' (80 km logged) matches no shoe" in n for n in notes)
    assert any("shoe 'Vaporfly 3' is not named in the log" in n for n in notes)


def test_runs_per_week_stays_within_the_profiles_range():
    new, _ = update_profile_data(read_profile_data(MAYA), summary_of(60, 15, 9), "km")
    assert new["current"]["runs_per_week"] == 7
    new, _ = update_profile_data(read_profile_data(MAYA), summary_of(5, 5, 0), "km")
    assert new["current"]["runs_per_week"] == 1


def test_no_runs_in_the_window_is_refused():
    with pytest.raises(HistoryError, match="no runs in the 4 full weeks from 2026-11-02 to 2026-11-29"):
        update_profile_data(read_profile_data(MAYA), summary_of(0.0, None, 0), "km")
    with pytest.raises(HistoryError):   # 0.04 km a week rounds to nothing
        update_profile_data(read_profile_data(MAYA), summary_of(0.04, 0.04, 1), "km")


# --- writing profiles ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["yaml", "toml", "json"])
@pytest.mark.parametrize("path", example_profile_paths(), ids=lambda p: p.name)
def test_every_example_profile_round_trips_in_every_format(tmp_path, path, fmt):
    data = read_profile_data(path)
    out = tmp_path / f"profile.{fmt}"
    write_profile(out, render_profile(data, fmt, ["A comment", ""]), data)
    assert load_profile(out) == load_profile(path)
    assert out.read_text(encoding="utf-8").startswith("# A comment\n#\n") == (fmt != "json")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]     # no temporary file left behind


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=40), shoe=st.text(min_size=1, max_size=20),
       distance=st.floats(min_value=0, max_value=5000, allow_nan=False))
def test_toml_and_yaml_keep_any_text_and_number(name, shoe, distance):
    data = {"name": name, "current": {"weekly_distance": 30.5, "long_run": 12},
            "goal": {"race": "half", "race_date": dt.date(2027, 4, 11)},
            "schedule": {"unavailable": [dt.date(2026, 12, 24), {"from": dt.date(2027, 2, 10), "to": dt.date(2027, 2, 14)}]},
            "shoes": [{"name": shoe, "distance": distance, "racing": True}], "odd key": {"x.y": [1, 2.5, "z"]}}
    assert tomllib.loads(render_profile(data, "toml")) == data
    assert yaml.load(render_profile(data, "yaml"), Loader=_YamlLoader) == data


@pytest.mark.parametrize("text", ["1e5", "007", "12.50", ".5", "48:30", "07:00", "yes", "null", "2026-12-07", "~"])
def test_yaml_quotes_strings_planners_loader_would_read_as_something_else(tmp_path, text):
    data = {**read_profile_data(MAYA), "name": text}
    out = tmp_path / "p.yaml"
    write_profile(out, render_profile(data, "yaml"), data)
    assert read_profile_data(out)["name"] == text


def test_write_profile_leaves_the_old_file_when_the_new_one_is_wrong(tmp_path):
    out = tmp_path / "maya.yaml"
    out.write_text(MAYA.read_text())
    data = read_profile_data(MAYA)
    with pytest.raises(PlannerError, match="does not read back as intended"):
        write_profile(out, render_profile({**data, "name": "Someone Else"}, "yaml"), data)
    invalid = {**data, "current": {"weekly_distance": -1, "long_run": 12}}
    with pytest.raises(ProfileError):
        write_profile(out, render_profile(invalid, "yaml"), invalid)
    assert out.read_text() == MAYA.read_text() and [p.name for p in tmp_path.iterdir()] == ["maya.yaml"]


# --- import_history --------------------------------------------------------------------------------------------------

def test_import_without_output_writes_nothing(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = import_history(EXAMPLES / "activities.csv", MAYA, today="2026-11-30")
    assert result.written is None and sorted(p.name for p in tmp_path.iterdir()) == before
    assert result.current_text.startswith("current:\n  weekly_distance: ")
    assert yaml.load(result.current_text, Loader=_YamlLoader) == {"current": result.data["current"]}
    assert any(c.startswith("current.weekly_distance: 30 -> ") for c in result.changes)


@pytest.mark.parametrize("source, target", [("maya-half.yaml", "new.yaml"), ("lena-marathon.toml", "new.toml"),
                                            ("priya-fitness.json", "new.json"), ("maya-half.yaml", "new.toml"),
                                            ("lena-marathon.toml", "new.json")])
def test_import_writes_a_profile_that_loads_with_the_new_numbers(tmp_path, source, target):
    result = import_history(EXAMPLES / "activities.csv", PROFILES_DIR / source, output=tmp_path / target,
                            today=dt.date(2026, 11, 30))
    profile = load_profile(tmp_path / target)
    assert profile.current.weekly_distance == round(result.summary.weekly_km, 1)
    assert profile.current.long_run == round(result.summary.long_run_km, 1)
    assert profile.current.runs_per_week == result.summary.runs_per_week
    original = load_profile(PROFILES_DIR / source)
    assert profile.goal == original.goal and profile.schedule == original.schedule
    text = (tmp_path / target).read_text(encoding="utf-8")
    assert ("Updated by `planner import` from activities.csv, as of 2026-11-30." in text) == (not target.endswith("json"))


def test_import_updates_the_example_shoes(tmp_path):
    result = import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "maya.yaml", today="2026-11-30")
    shoes = {s.name: s.distance for s in load_profile(tmp_path / "maya.yaml").shoes}
    assert shoes["Pegasus 40"] == 420                                  # more than the log knows of: kept
    assert shoes["Vaporfly 3"] == round(result.summary.gear_km["Vaporfly 3"], 1) > 60
    assert any("Pegasus 40' kept at 420 km" in n for n in result.notes)


def test_import_is_deterministic_and_idempotent(tmp_path):
    import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "a.yaml", today="2026-11-30")
    import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / "b.yaml", today="2026-11-30")
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    again = import_history(EXAMPLES / "activities.csv", tmp_path / "a.yaml", output=tmp_path / "a.yaml",
                           today="2026-11-30")
    assert again.changes == () and (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


@pytest.mark.parametrize("output, message", [("new.txt", "must end in .yaml, .yml, .toml or .json"),
                                             (".", "is a folder")])
def test_import_refuses_bad_outputs(tmp_path, output, message):
    with pytest.raises(HistoryError, match=message):
        import_history(EXAMPLES / "activities.csv", MAYA, output=tmp_path / output, today="2026-11-30")


def test_import_refuses_to_overwrite_the_log(tmp_path):
    log = tmp_path / "log.json"
    log.write_text("{}")
    with pytest.raises(HistoryError, match="is the activity log itself"):
        import_history(log, MAYA, output=log, today="2026-11-30")


def test_import_with_a_bad_today_or_profile(tmp_path):
    with pytest.raises(HistoryError, match="--today: '30/11/2026' is not a date"):
        import_history(EXAMPLES / "activities.csv", MAYA, today="30/11/2026")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\n")
    with pytest.raises(ProfileError):
        import_history(EXAMPLES / "activities.csv", bad, today="2026-11-30")


def test_import_of_a_log_that_makes_an_invalid_profile(tmp_path):
    # 500 km a week is beyond what a profile may say (current.weekly_distance <= 400): refused, naming the key.
    rows = [STRAVA_HEADER] + [strava_row(f"Nov {d}, 2026, 6:00:00 AM", "Run", "71", "71500") for d in range(2, 30)]
    log = write_csv(tmp_path / "activities.csv", rows)
    with pytest.raises(HistoryError, match="do not make a valid profile") as err:
        import_history(log, MAYA, output=tmp_path / "new.yaml", today="2026-11-30")
    assert any("current.weekly_distance" in p for p in err.value.problems)
    assert not (tmp_path / "new.yaml").exists()
