"""planner.batch_roster: rosters from a folder, a CSV or an XLSX, club defaults, bad rows and duplicate ids."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from planner.batch_roster import BatchError, load_roster, merge_defaults
from planner.errors import ProfileError
from planner.profile import profile_from_data
from test_batch import GOOD_ROWS, write_csv

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_csv_columns_are_key_paths_with_lists_ranges_maps_and_shoes(tmp_path):
    path = write_csv(tmp_path / "club.csv", [{
        "Name": "Ada Lovelace", "current.weekly_distance": "30.5", "current.long_run": "12",
        "current.runs_per_week": "4", "current.recent_race.distance": "10k", "current.recent_race.time": "48:30",
        "goal.race": "half", "goal.race_date": "2027-04-11", "goal.target_time": "1:45:00",
        "schedule.run_days": "mon; wed;sat;sun", "schedule.strength_days": "tue, thu",
        "schedule.unavailable": "2026-12-24;2027-02-10..2027-02-14", "schedule.max_minutes": "75",
        "schedule.max_minutes.sun": "180", "schedule.start_time.sat": "08:30",
        "shoes[0].name": "Pegasus 40", "shoes[0].distance": "420", "shoes[1].name": "Vaporfly 3",
        "shoes[1].racing": "true", "health.conditions": "asthma, mild;old knee surgery",
        "rules": "{progression_cap: 0.08, strength_per_week: 1}",
    }])
    (entry,) = load_roster(path).entries
    assert entry.valid, entry.problems
    p = entry.profile
    assert entry.source == f"{path} row 2" and entry.athlete_id == "ada-lovelace"
    assert (p.current.weekly_distance, p.current.long_run, p.current.runs_per_week) == (30.5, 12, 4)
    assert p.current.recent_race.time == "48:30" and p.goal.target_time == "1:45:00"
    assert p.goal.race == "half" and p.goal.race_date == dt.date(2027, 4, 11)
    assert p.schedule.run_days == ["mon", "wed", "sat", "sun"]
    assert p.schedule.strength_days == ["tue", "thu"]
    assert p.schedule.unavailable_dates() == {dt.date(2026, 12, 24)} | {dt.date(2027, 2, d) for d in range(10, 15)}
    assert p.schedule.max_minutes == {"default": 75, "sun": 180}
    assert p.schedule.start_time_on("sat") == "08:30"
    assert [(s.name, s.distance, s.racing) for s in p.shoes] == [("Pegasus 40", 420, False), ("Vaporfly 3", 0, True)]
    assert p.health.conditions == ["asthma, mild", "old knee surgery"]
    assert (p.rules.progression_cap, p.rules.strength_per_week) == (0.08, 1)


def test_text_keys_stay_text_and_blank_lines_keep_row_numbers(tmp_path):
    base = {"current.weekly_distance": "20", "current.long_run": "8", "goal.weekly_distance": "22", "weeks": "4"}
    path = tmp_path / "r.csv"
    write_csv(path, [{"name": "No", "goal.race_name": "", **base}, {"name": "O'Brien: coach", **base}])
    # a blank line between the two runners, as coaches leave between groups
    lines = path.read_text(encoding="utf-8").splitlines()
    blank = "," * lines[0].count(",")
    path.write_text("\n".join([lines[0], lines[1], blank, lines[2]]) + "\n", encoding="utf-8")
    entries = load_roster(path).entries
    assert [e.name for e in entries] == ["No", "O'Brien: coach"]
    assert [e.source for e in entries] == [f"{path} row 2", f"{path} row 4"]
    assert [e.athlete_id for e in entries] == ["no", "o-brien-coach"]


def test_empty_index_of_a_list_closes_the_gap(tmp_path):
    path = write_csv(tmp_path / "r.csv", [{"name": "A", "current.weekly_distance": "20", "current.long_run": "8",
                                           "goal.weekly_distance": "22", "weeks": "4", "shoes[0].name": "",
                                           "shoes[1].name": "Trail pair", "shoes[1].surface": "trail"}])
    (entry,) = load_roster(path).entries
    assert [(s.name, s.surface) for s in entry.profile.shoes] == [("Trail pair", "trail")]


@pytest.mark.parametrize("header, expected", [
    ("current.weekly_distance,goal.race", "no `name` column"),
    ("name,name", "the same key as column 1"),
    ("name,current weekly", "not a profile key path"),
    ("name;current.weekly_distance;current.long_run", "separated by ';'"),
])
def test_unusable_header_is_a_roster_error(tmp_path, header, expected):
    path = tmp_path / "r.csv"
    path.write_text(header + "\nx,y\n", encoding="utf-8")
    with pytest.raises(BatchError) as info:
        load_roster(path)
    assert info.value.exit_code == 2
    assert expected in "\n".join(info.value.lines()) and str(path) in "\n".join(info.value.lines())


def _file(folder: Path, name: str, text: str | None) -> Path:
    path = folder / name
    if text is None:
        path.mkdir()
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, text, expected", [
    ("missing.csv", "", "no such file or folder"),
    ("roster.txt", "name\n", "unknown roster type"),
    ("empty", None, "no runners"),
    ("only-header.csv", "name,current.long_run\n", "no runners"),
    ("empty.csv", "", "is empty"),
    ("ragged.csv", "name,current.long_run\nA,1,2\n", "row 2 has 3 cells but the header row names 2 columns"),
    ("bad.xlsx", "not a workbook", "cannot be read as a spreadsheet"),
])
def test_unreadable_rosters_are_roster_errors(tmp_path, name, text, expected):
    path = tmp_path / name if name.startswith("missing") else _file(tmp_path, name, text)
    with pytest.raises(BatchError) as info:
        load_roster(path)
    assert expected in str(info.value) and info.value.exit_code == 2


def test_xlsx_roster_reads_like_the_csv_with_typed_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "current.weekly_distance", "current.long_run", "current.runs_per_week", "goal.race",
                  "goal.race_date", "goal.target_time", "schedule.run_days", "schedule.max_minutes.sun",
                  "schedule.start_time", "shoes[0].name", "shoes[0].racing"])
    sheet.append(["Ada Lovelace", 30, 12.5, 4.0, "half", dt.datetime(2027, 4, 11), dt.time(1, 45, 0),
                  "mon;wed;sat;sun", 180.0, dt.time(7, 0), "Pegasus 40", True])
    sheet.append([None] * 12)  # an empty row counts as a row in the spreadsheet
    sheet.append(["Bo", 20, 8, 3, "5k", dt.datetime(2027, 1, 31), dt.time(0, 24, 30), "tue;sun", None, None,
                  None, None])
    xlsx = tmp_path / "club.xlsx"
    workbook.save(xlsx)
    csv_path = write_csv(tmp_path / "club.csv", [
        {"name": "Ada Lovelace", "current.weekly_distance": "30", "current.long_run": "12.5",
         "current.runs_per_week": "4", "goal.race": "half", "goal.race_date": "2027-04-11",
         "goal.target_time": "1:45:00", "schedule.run_days": "mon;wed;sat;sun", "schedule.max_minutes.sun": "180",
         "schedule.start_time": "07:00", "shoes[0].name": "Pegasus 40", "shoes[0].racing": "true"},
        {"name": ""}, {"name": "Bo", "current.weekly_distance": "20", "current.long_run": "8",
                       "current.runs_per_week": "3", "goal.race": "5k", "goal.race_date": "2027-01-31",
                       "goal.target_time": "24:30", "schedule.run_days": "tue;sun"}])
    from_xlsx, from_csv = load_roster(xlsx).entries, load_roster(csv_path).entries
    assert all(e.valid for e in from_xlsx), [e.problems for e in from_xlsx]
    assert [e.profile for e in from_xlsx] == [e.profile for e in from_csv]
    assert [e.source for e in from_xlsx] == [f"{xlsx} row 2", f"{xlsx} row 4"]


def test_folder_roster_reads_profile_files_in_name_order(tmp_path):
    (tmp_path / "b.yaml").write_text("name: Bea\ncurrent: {weekly_distance: 20, long_run: 8}\n"
                                     "goal: {weekly_distance: 22}\nweeks: 4\n", encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps({"name": "Al", "current": {"weekly_distance": 20, "long_run": 8},
                                                 "goal": {"weekly_distance": 22}, "weeks": 4}), encoding="utf-8")
    (tmp_path / "c.toml").write_text('name = "Cy"\nweeks = 4\n[current]\nweekly_distance = 20\nlong_run = 8\n'
                                     "[goal]\nweekly_distance = 22\n", encoding="utf-8")
    (tmp_path / "d.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    (tmp_path / ".hidden.yaml").write_text("name: Ghost\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a profile\n", encoding="utf-8")
    entries = load_roster(tmp_path).entries
    assert [Path(e.source).name for e in entries] == ["a.json", "b.yaml", "c.toml", "d.yaml"]
    assert [e.name for e in entries[:3]] == ["Al", "Bea", "Cy"] and all(e.valid for e in entries[:3])
    bad = entries[3]
    assert not bad.valid and bad.problems[0].startswith(f"{tmp_path / 'd.yaml'}: not valid YAML")


def test_defaults_fill_what_rows_leave_out(tmp_path):
    defaults = tmp_path / "club.yaml"
    defaults.write_text("timezone: Europe/London\nstart_date: 2026-12-07\n"
                        "goal: {race: 10k, race_date: 2027-03-14}\n"
                        "schedule: {run_days: [mon, wed, fri, sun], max_minutes: {default: 60, sun: 150}}\n"
                        "rules: {strength_per_week: 1}\n", encoding="utf-8")
    roster = write_csv(tmp_path / "r.csv", [
        {"name": "Club Goal", "current.weekly_distance": "25", "current.long_run": "9",
         "schedule.max_minutes": "75"},
        {"name": "Own Goal", "current.weekly_distance": "25", "current.long_run": "9",
         "goal.weekly_distance": "30", "weeks": "8", "schedule.run_days": "tue;sat", "timezone": "Asia/Tokyo"},
    ])
    club, own = (e.profile for e in load_roster(roster, defaults).entries)
    assert club.timezone == "Europe/London" and club.goal.race == "10k" and club.rules.strength_per_week == 1
    assert club.schedule.max_minutes == {"default": 75, "sun": 150}  # maps merge day by day
    assert club.schedule.run_days == ["mon", "wed", "fri", "sun"]
    assert own.goal.race is None and own.goal.weekly_distance == 30  # a runner's goal replaces the club's whole
    assert own.schedule.run_days == ["tue", "sat"] and own.timezone == "Asia/Tokyo"  # lists are replaced


def test_merge_defaults_is_deep_and_leaves_inputs_alone():
    defaults = {"schedule": {"max_minutes": {"default": 60, "sun": 150}, "rest_days": ["fri"]}, "goal": {"race": "5k"}}
    row = {"schedule": {"max_minutes": {"default": 75}, "rest_days": ["mon"]}}
    merged = merge_defaults(defaults, row)
    assert merged == {"schedule": {"max_minutes": {"default": 75, "sun": 150}, "rest_days": ["mon"]},
                      "goal": {"race": "5k"}}
    assert defaults["schedule"]["max_minutes"] == {"default": 60, "sun": 150}


def test_defaults_naming_a_runner_or_unknown_keys_are_refused(tmp_path):
    defaults = tmp_path / "club.yaml"
    defaults.write_text("name: Everyone\nschedule: {rundays: [mon]}\nshoes: [{name: X, size: 42}]\n",
                        encoding="utf-8")
    roster = write_csv(tmp_path / "r.csv", [{"name": "A"}])
    with pytest.raises(BatchError) as info:
        load_roster(roster, defaults)
    text = "\n".join(info.value.lines())
    assert info.value.exit_code == 2
    assert f"{defaults}: name: a defaults file is shared by every runner" in text
    assert f"{defaults}: schedule.rundays: unknown key" in text and f"{defaults}: shoes[0].size: unknown key" in text


def test_bad_rows_say_what_generate_would_say(tmp_path):
    rows = [dict(GOOD_ROWS[0]), {**GOOD_ROWS[2], "current.weekly_distanse": "25", "goal.race_date": "soon"}]
    roster = load_roster(write_csv(tmp_path / "r.csv", rows))
    good, bad = roster.entries
    assert good.valid and not bad.valid
    source = f"{tmp_path / 'r.csv'} row 3"
    data = {"name": "Chen Wei", "id": "chen", "current": {"weekly_distance": 25.0, "long_run": 9.0,
                                                            "weekly_distanse": "25"},
            "goal": {"weekly_distance": 28.0, "race_date": "soon"}, "weeks": 6, "start_date": "2026-12-07",
            "schedule": {"run_days": ["mon", "tue", "thu", "sat", "sun"], "max_minutes": {"sun": 120}}}
    with pytest.raises(ProfileError) as info:
        profile_from_data(data, source=source)
    assert bad.problems == tuple(info.value.lines())
    assert any("current.weekly_distanse: unknown key" in line for line in bad.problems)
    assert bad.athlete_id == "chen" and bad.name == "Chen Wei"


def test_duplicate_ids_fail_every_row_that_shares_them(tmp_path):
    rows = [GOOD_ROWS[0], {**GOOD_ROWS[1], "id": "ada-lovelace"}, GOOD_ROWS[2], {**GOOD_ROWS[0], "id": "Not An Id"}]
    path = write_csv(tmp_path / "r.csv", rows)
    first, second, third, fourth = load_roster(path).entries
    assert not first.valid and not second.valid and third.valid
    assert first.problems[-1].startswith(f"{path} row 2: id: 'ada-lovelace' is also the id of {path} row 3")
    assert second.problems[-1].startswith(f"{path} row 3: id: 'ada-lovelace' is also the id of {path} row 2")
    assert not fourth.valid and fourth.athlete_id is None  # an invalid id is its own problem, not a duplicate


def test_example_club_roster_is_varied_and_valid():
    roster = load_roster(EXAMPLES / "club" / "roster.csv", EXAMPLES / "club" / "defaults.yaml")
    profiles = [e.profile for e in roster.entries]
    assert len(profiles) >= 30 and all(e.valid for e in roster.entries), [e.problems for e in roster.entries]
    assert len({p.athlete_id for p in profiles}) == len(profiles)
    races = [p for p in profiles if p.goal.race is not None]
    assert {p.goal.race for p in races} >= {"5k", "10k", "half", "marathon", "50k"}
    assert sum(p.goal.weekly_distance is not None for p in profiles) >= 3
    assert {p.goal.race_date.year for p in races} == {2027}
    assert len({p.goal.race_date.month for p in races}) >= 8
    assert {p.units for p in profiles} == {"km", "mi"} and sum(bool(p.shoes) for p in profiles) >= 5
    assert 1 <= sum(any(4 <= pain.severity <= 6 for pain in p.health.pain) for p in profiles) <= 3
    assert len({tuple(p.schedule.effective_run_days()) for p in profiles}) >= 5
    # the club's defaults reach every runner; a runner's own values win
    assert all(p.start_date is not None and p.rules.cutback_every == 4 for p in profiles)
    assert {p.timezone for p in profiles} >= {"Europe/London", "Asia/Tokyo", "America/New_York"}
