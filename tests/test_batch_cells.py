"""planner.batch_cells: column headers as key paths, cells typed by what profile format 1 gives each key."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from planner.batch_cells import (Column, cell_value, key_path, leaf_type, normalise_day_maps, row_data,
                                 unknown_keys)
from planner.profile import Profile


def column(header: str) -> Column:
    parts = key_path(header)
    assert parts is not None, header
    return Column(header=header, parts=parts, type=leaf_type(parts))


@pytest.mark.parametrize("header, parts", [
    ("name", ("name",)),
    ("current.weekly_distance", ("current", "weekly_distance")),
    ("shoes[0].name", ("shoes", 0, "name")),
    ("shoes.1.name", ("shoes", 1, "name")),
    ("health.pain[2].area", ("health", "pain", 2, "area")),
    ("current weekly", None),
    ("shoes[x].name", None),
    ("0.name", None),
    ("goal..race", None),
])
def test_headers_are_key_paths(header, parts):
    assert key_path(header) == parts


def test_leaf_types_come_from_the_profile_models():
    assert leaf_type(("name",)) is str
    assert leaf_type(("current", "runs_per_week")) is int
    assert leaf_type(("schedule", "max_minutes", "sun")) is int  # one day of a map of days
    assert leaf_type(("shoes", 0, "racing")) is bool
    assert leaf_type(("goal", "target_time")) is str
    assert leaf_type(("schedule", "rundays")) is None and leaf_type(("shoes", "name")) is None


@pytest.mark.parametrize("header, text, expected", [
    ("name", "007", "007"),                                    # text keys are never numbers...
    ("name", "[Coach] Ana", "[Coach] Ana"),                    # ...nor YAML
    ("goal.target_time", "1:45:00", "1:45:00"),
    ("current.runs_per_week", "4", 4),
    ("current.weekly_distance", "30.5", 30.5),
    ("current.weekly_distance", "30", 30),
    ("current.recent_race.distance", "10k", "10k"),
    ("current.recent_race.distance", "7.5", 7.5),
    ("schedule.run_days", "mon; wed,sat", ["mon", "wed", "sat"]),
    ("health.conditions", "asthma, mild;old knee", ["asthma, mild", "old knee"]),  # free text: only ';' splits
    ("schedule.unavailable", "2026-12-24;2027-02-10..2027-02-14",
     ["2026-12-24", {"from": "2027-02-10", "to": "2027-02-14"}]),
    ("schedule.max_minutes", "{default: 75, sun: 180}", {"default": 75, "sun": 180}),
    ("shoes[0].racing", "true", "true"),                       # left for the profile's checks to read
    ("schedule.rundays", "mon", "mon"),                        # an unknown key: the profile's checks name it
])
def test_text_cells_are_typed_by_their_key(header, text, expected):
    assert cell_value(column(header), text) == expected


def test_a_broken_yaml_cell_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"not a valid YAML list or map"):
        cell_value(column("rules"), "{progression_cap: 0.08")


@pytest.mark.parametrize("header, raw, expected", [
    ("current.runs_per_week", 4.0, 4),                         # Excel keeps every number as a float
    ("current.weekly_distance", 30.5, 30.5),
    ("name", 1234.0, "1234"),                                  # a number typed into a text column stays text
    ("goal.race_date", dt.datetime(2027, 4, 11), dt.date(2027, 4, 11)),
    ("goal.target_time", dt.time(1, 45, 0), "1:45:00"),        # a duration the sheet took for a time of day
    ("current.recent_race.time", dt.time(0, 24, 30), "24:30"),
    ("schedule.start_time", dt.time(7, 0), "07:00"),           # a real time of day
    ("goal.target_time", dt.timedelta(hours=3, minutes=5, seconds=9), "3:05:09"),
    ("shoes[0].racing", True, True),
])
def test_typed_xlsx_cells_are_taken_as_they_are(header, raw, expected):
    value = cell_value(column(header), raw)
    assert value == expected and type(value) is type(expected)


def test_a_row_becomes_nested_profile_data_with_lists_in_index_order():
    cells = [(column("name"), "Ada"), (column("shoes[2].name"), "Trail"), (column("shoes[0].name"), "Road"),
             (column("schedule.max_minutes"), "75"), (column("schedule.max_minutes.sun"), "180"),
             (column("rules"), "{progression_cap: 0.08"), (column("current.long_run"), "12")]
    data, problems = row_data(cells, "club.csv row 2")
    assert data == {"name": "Ada", "shoes": [{"name": "Road"}, {"name": "Trail"}],
                    "schedule": {"max_minutes": {"default": 75, "sun": 180}}, "current": {"long_run": 12}}
    assert len(problems) == 1 and problems[0].startswith("club.csv row 2: rules: '{progression_cap: 0.08' is not")


def test_a_whole_day_map_after_its_days_keeps_both():
    data, _ = row_data([(column("schedule.max_minutes.sun"), "180"), (column("schedule.max_minutes"), "75")], "r")
    assert data == {"schedule": {"max_minutes": {"sun": 180, "default": 75}}}


def test_unknown_keys_are_named_by_their_paths():
    data = {"name": "A", "schedule": {"rundays": ["mon"], "max_minutes": {"sun": 1}},
            "shoes": [{"name": "X"}, {"name": "Y", "size": 42}], "colour": "red"}
    assert unknown_keys(data, Profile) == ["schedule.rundays", "shoes[1].size", "colour"]


def test_a_single_value_for_a_map_of_days_becomes_its_default():
    data = {"schedule": {"max_minutes": 75, "start_time": "07:00", "run_days": ["mon"]}, "weeks": 8}
    assert normalise_day_maps(data, Profile) == {
        "schedule": {"max_minutes": {"default": 75}, "start_time": {"default": "07:00"}, "run_days": ["mon"]},
        "weeks": 8}
    assert data["schedule"]["max_minutes"] == 75  # the input is left alone


def test_blank_cells_never_reach_the_data():
    from planner.batch_cells import cell_text, is_blank
    assert all(is_blank(v) for v in (None, "", "  ", math.nan))
    assert not any(is_blank(v) for v in ("0", 0, False))
    assert cell_text(math.nan) == "" and cell_text(" name ") == " name "
