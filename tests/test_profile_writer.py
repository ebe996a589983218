"""planner.profile_writer: writing a profile back as YAML, TOML or JSON, atomically and checked by reading it back."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROFILES_DIR, example_profile_paths
from planner.errors import PlannerError, ProfileError
from planner.profile import _YamlLoader, load_profile, read_profile_data
from planner.profile_writer import as_read_back, render_profile, write_profile

MAYA = PROFILES_DIR / "maya-half.yaml"


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


def test_as_read_back_turns_dates_into_iso_text_only_for_json(tmp_path):
    data = {"goal": {"race_date": dt.date(2027, 4, 11)}, "schedule": {"unavailable": [dt.date(2026, 12, 24)]}}
    assert as_read_back(data, tmp_path / "p.json") == {"goal": {"race_date": "2027-04-11"},
                                                       "schedule": {"unavailable": ["2026-12-24"]}}
    assert as_read_back(data, tmp_path / "p.yaml") is data and as_read_back(data, tmp_path / "p.toml") is data
