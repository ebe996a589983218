"""planner.activity_logs: reading Strava, Garmin Connect and GPX logs into activities.

The example export (examples/activities.csv) is also read independently with pandas (which renames Strava's second
`Distance` column `Distance.1`), and the summary compared against that reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import gpxpy.gpx
import pandas as pd
import pytest

from conftest import ROOT
from planner.activity_logs import HistoryError, is_run_kind, read_activities, read_log
from planner.errors import PlannerError
from planner.history import summarise
from planner.profile import KM_PER_MILE

EXAMPLES = ROOT / "examples"
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
