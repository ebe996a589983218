"""Tests of planner/profile.py: loading profile format 1 (YAML, TOML, JSON), units, defaults, and bad input.

Every bad input of shared/design/profile-format.md is a real file under tests/data/bad/. The contract checked for
each: loading raises ProfileError (exit status 2) and says one line per problem, ``<file>: <key.path>: <message>``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import BAD_DIR, example_profile_paths
from planner.errors import ProfileError
from planner.profile import (
    KM_PER_MILE, NAMED_RACES_KM, WEEKDAYS, Profile, load_profile, parse_duration, profile_from_data,
    profile_json_schema, read_profile_data, slugify,
)

DATA = Path(__file__).resolve().parent / "data"
MINIMAL = {"name": "Ana Lima", "current": {"weekly_distance": 30, "long_run": 12}, "goal": {"weekly_distance": 35}}


def problem_lines(exc: ProfileError) -> list[str]:
    """The lines that describe problems: the per-problem lines, or the one message for a file-level problem."""
    return exc.problems or [exc.message]


def load_error(name: str) -> tuple[str, list[str]]:
    path = BAD_DIR / name
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.exit_code == 2
    assert info.value.source == str(path)
    return str(path), problem_lines(info.value)


# --- good profiles ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", example_profile_paths(), ids=lambda p: p.name)
def test_every_example_profile_loads(path):
    profile = load_profile(path)
    assert isinstance(profile, Profile)
    assert profile.name
    assert re.fullmatch(r"[a-z0-9-]{1,64}", profile.athlete_id)


def test_examples_cover_all_three_formats_and_both_units():
    paths = example_profile_paths()
    assert {p.suffix for p in paths} >= {".yaml", ".toml", ".json"}
    assert {load_profile(p).units for p in paths} == {"km", "mi"}


def test_the_same_runner_in_yaml_toml_and_json_loads_to_equal_profiles():
    yaml_p, toml_p, json_p = (load_profile(DATA / "same" / f"runner.{ext}") for ext in ("yaml", "toml", "json"))
    assert yaml_p == toml_p == json_p
    assert yaml_p.goal.race_date == dt.date(2027, 4, 11)
    assert yaml_p.schedule.unavailable_dates() == {dt.date(2026, 12, 25), dt.date(2027, 1, 1),
                                                   dt.date(2027, 1, 2), dt.date(2027, 1, 3)}


def test_yml_extension_and_upper_case_extension_are_yaml(tmp_path):
    text = (DATA / "same" / "runner.yaml").read_text(encoding="utf-8")
    for name in ("runner.yml", "RUNNER.YAML"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert load_profile(tmp_path / name) == load_profile(DATA / "same" / "runner.yaml")


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(MINIMAL).encode("utf-8"))
    assert load_profile(path).name == "Ana Lima"


def test_unquoted_durations_and_clock_times_stay_strings():
    data = read_profile_data(DATA / "unquoted-times.yaml")
    assert data["current"]["recent_race"]["time"] == "48:30"
    assert data["goal"]["target_time"] == "1:45:00"
    profile = load_profile(DATA / "unquoted-times.yaml")
    assert profile.current.recent_race.time == "48:30"
    assert profile.schedule.start_time_on("mon") == "07:00"
    assert profile.schedule.start_time_on("sat") == "08:30"


def test_yaml_dates_and_numbers_keep_their_types():
    data = read_profile_data(DATA / "same" / "runner.yaml")
    assert data["goal"]["race_date"] == dt.date(2027, 4, 11)
    assert data["goal"]["race"] == 13.1 and data["current"]["weekly_distance"] == 20


# --- units ----------------------------------------------------------------------------------------------

def test_miles_are_converted_to_kilometres():
    profile = load_profile(DATA / "same" / "runner.yaml")  # units: mi
    assert profile.units == "mi"
    assert profile.weekly_km == pytest.approx(20 * KM_PER_MILE)
    assert profile.long_run_km == pytest.approx(8 * KM_PER_MILE)
    assert profile.race_km == pytest.approx(13.1 * KM_PER_MILE)
    assert profile.km(1) == pytest.approx(1.609344)
    shoe = profile.shoes[0]
    assert profile.shoe_limit_km(shoe) == pytest.approx(400 * KM_PER_MILE)


def test_kilometres_stay_kilometres_and_named_races_are_official_distances():
    profile = profile_from_data({**MINIMAL, "goal": {"race": "marathon", "race_date": "2027-04-11"}})
    assert profile.weekly_km == 30 and profile.long_run_km == 12 and profile.km(7.5) == 7.5
    assert profile.race_km == pytest.approx(42.195)
    assert NAMED_RACES_KM == {"5k": 5.0, "10k": 10.0, "half": pytest.approx(21.0975), "marathon": 42.195,
                              "50k": 50.0}


def test_named_race_is_the_same_distance_in_a_miles_profile():
    profile = profile_from_data({**MINIMAL, "units": "mi", "goal": {"race": "5k", "race_date": "2027-04-11"}})
    assert profile.race_km == 5.0
    assert profile.race_label() == "5K"


def test_default_shoe_limits_are_kilometres_whatever_the_units():
    for units in ("km", "mi"):
        profile = profile_from_data({**MINIMAL, "units": units, "shoes": [
            {"name": "Road", "surface": "road"}, {"name": "Trail", "surface": "trail"},
            {"name": "Track", "surface": "track"}]})
        assert [profile.shoe_limit_km(s) for s in profile.shoes] == [700.0, 600.0, 700.0]


def test_fitness_goal_weekly_distance_in_miles():
    profile = profile_from_data({**MINIMAL, "units": "mi"})
    assert profile.goal_weekly_km == pytest.approx(35 * KM_PER_MILE)
    assert profile.race_km is None and profile.race_label() is None


# --- defaults -------------------------------------------------------------------------------------------

def test_defaults_of_a_minimal_profile():
    profile = profile_from_data(MINIMAL)
    assert profile.id is None and profile.athlete_id == "ana-lima"
    assert profile.timezone == "UTC"
    assert profile.units == "km"
    assert profile.start_date is None and profile.weeks is None
    assert profile.surface == "road" and profile.climate == "temperate"
    assert profile.shoes == [] and profile.health.pain == [] and profile.health.cleared_by_professional is False
    sched = profile.schedule
    assert sched.effective_run_days() == list(WEEKDAYS)
    assert [sched.start_time_on(d) for d in WEEKDAYS] == ["07:00"] * 7
    assert [sched.minutes_on(d) for d in WEEKDAYS] == [None] * 7
    assert sched.unavailable_dates() == set()
    r = profile.rules
    assert (r.progression_cap, r.min_rest_days, r.cutback_every, r.cutback_ratio, r.strength_per_week,
            r.warmup_minutes, r.cooldown_minutes, r.long_run_max_share, r.easy_share_min) == (
        0.10, 1, 4, 0.80, 2, 10, 10, None, 0.80)


def test_default_run_days_are_every_day_but_the_rest_days():
    profile = profile_from_data({**MINIMAL, "schedule": {"rest_days": ["fri", "mon"]}})
    assert profile.schedule.effective_run_days() == ["tue", "wed", "thu", "sat", "sun"]


def test_day_maps_fall_back_to_default_and_a_single_value_is_the_default():
    profile = profile_from_data({**MINIMAL, "schedule": {
        "max_minutes": {"default": 75, "sun": 180}, "start_time": {"default": "6:05", "sat": "08:30"}}})
    sched = profile.schedule
    assert sched.minutes_on("sun") == 180 and sched.minutes_on("wed") == 75
    assert sched.start_time_on("sat") == "08:30" and sched.start_time_on("tue") == "06:05"
    single = profile_from_data({**MINIMAL, "schedule": {"max_minutes": 60}}).schedule
    assert [single.minutes_on(d) for d in WEEKDAYS] == [60] * 7


def test_unavailable_ranges_are_inclusive():
    profile = profile_from_data({**MINIMAL, "schedule": {
        "unavailable": ["2027-02-01", {"from": "2027-02-10", "to": "2027-02-12"}, {"from": "2027-03-01",
                                                                                   "to": "2027-03-01"}]}})
    assert sorted(profile.schedule.unavailable_dates()) == [
        dt.date(2027, 2, 1), dt.date(2027, 2, 10), dt.date(2027, 2, 11), dt.date(2027, 2, 12), dt.date(2027, 3, 1)]


@pytest.mark.parametrize("name, slug", [
    ("Maya Okafor", "maya-okafor"),
    ("Diego Ramírez", "diego-ramirez"),
    ("Tom O'Brien & Co", "tom-o-brien-co"),
    ("  Zoë -- Ängström  ", "zoe-angstrom"),
    ("Jean-Luc Picard III", "jean-luc-picard-iii"),
])
def test_default_id_is_the_slug_of_the_name(name, slug):
    assert slugify(name) == slug
    assert profile_from_data({**MINIMAL, "name": name}).athlete_id == slug


def test_slug_is_at_most_64_characters_without_a_trailing_dash():
    slug = slugify("a" * 63 + " b" + " c" * 40)
    assert len(slug) <= 64 and not slug.endswith("-") and re.fullmatch(r"[a-z0-9-]+", slug)


def test_a_name_without_latin_letters_gets_a_stable_valid_id():
    first, second = slugify("李雷"), slugify("李雷")
    assert first == second and re.fullmatch(r"[a-z0-9-]{1,64}", first)
    assert slugify("韩梅梅") != first


def test_explicit_id_wins_and_must_be_a_slug():
    assert profile_from_data({**MINIMAL, "id": "runner-7"}).athlete_id == "runner-7"
    with pytest.raises(ProfileError) as info:
        profile_from_data({**MINIMAL, "id": "Runner 7"}, source="p.yaml")
    assert problem_lines(info.value) == [
        "p.yaml: id: 'Runner 7' must be 1-64 characters of a-z, 0-9 and '-'"]


@pytest.mark.parametrize("text, seconds", [("48:30", 2910), ("1:45:00", 6300), ("3:00:00", 10800),
                                           ("0:59", 59), ("9:05", 545), ("12:00:00", 43200)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["48:3x", "0:00", "75:00", "1:60:00", "45", "", "1:2:3:4", "-5:00"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


# --- bad input: one line per problem, naming the file and the key path ------------------------------------

# file -> [(key path, a fragment the message must hold)], one entry per problem.
BAD_FIELDS: dict[str, list[tuple[str, str]]] = {
    "unknown-key-top.yaml": [("colour", "unknown key")],
    "unknown-key-nested.yaml": [("schedule.longrun_day", "unknown key")],
    "unknown-key-in-list.yaml": [("shoes[1].colour", "unknown key")],
    "unknown-key.toml": [("current.weekly_km", "unknown key")],
    "wrong-type-number.yaml": [("current.weekly_distance", "number")],
    "wrong-type-list.yaml": [("schedule.run_days", "list")],
    "wrong-type-date.yaml": [("goal.race_date", "date")],
    "wrong-type.json": [("goal.race_date", "date")],
    "rules-progression-cap-0.15.yaml": [("rules.progression_cap", "0.1")],
    "rules-progression-cap-0.yaml": [("rules.progression_cap", "0")],
    "rules-min-rest-days-0.yaml": [("rules.min_rest_days", "1")],
    "rules-min-rest-days-4.yaml": [("rules.min_rest_days", "3")],
    "rules-cutback-every-2.yaml": [("rules.cutback_every", "3")],
    "rules-cutback-every-6.yaml": [("rules.cutback_every", "5")],
    "rules-cutback-ratio-0.95.yaml": [("rules.cutback_ratio", "0.9")],
    "rules-cutback-ratio-0.5.yaml": [("rules.cutback_ratio", "0.6")],
    "rules-strength-per-week-4.yaml": [("rules.strength_per_week", "3")],
    "rules-warmup-minutes-3.yaml": [("rules.warmup_minutes", "5")],
    "rules-cooldown-minutes-4.yaml": [("rules.cooldown_minutes", "5")],
    "rules-long-run-max-share-0.6.yaml": [("rules.long_run_max_share", "0.5")],
    "rules-easy-share-min-0.5.yaml": [("rules.easy_share_min", "0.7")],
    "race-and-weekly-distance.yaml": [("goal", "exactly one")],
    "neither-race-nor-weekly-distance.yaml": [("goal", "exactly one")],
    "race-without-race-date.yaml": [("goal", "race_date")],
    "unknown-timezone.yaml": [("timezone", "Europe/Berln")],
    "bad-duration.yaml": [("current.recent_race.time", "48:3x")],
    "bad-weekday.yaml": [("schedule.run_days[2]", "'mon'")],
    "bad-weekday-long-run-day.yaml": [("schedule.long_run_day", "'sun'")],
    "bad-weekday-max-minutes.yaml": [("schedule.max_minutes", "satday")],
    "several-problems.yaml": [("current.weekly_distance", "greater than 0"), ("goal.race_date", "date"),
                              ("schedule.rest_days[0]", "'fri'"), ("favourite_colour", "unknown key")],
}


# Problems the loader must report at the key they concern.
BAD_FIELDS_CROSS = [
    pytest.param("race-date-before-start.yaml", [("goal.race_date", "2026-11-30")]),
    pytest.param("weeks-with-race.yaml", [("weeks", "fitness goals only")]),
    pytest.param("recent-race-after-start.yaml", [("current.recent_race.date", "start_date")]),
    pytest.param("wrong-type-bool.yaml", [("current.weekly_distance", "number")]),
    pytest.param("date-as-number.json", [("start_date", "date")]),
]


def assert_lines(path: str, lines: list[str], expected: list[tuple[str, str]]) -> None:
    assert len(lines) == len(expected), f"one line per problem expected, got {lines}"
    by_key = {}
    for line in lines:
        assert "\n" not in line
        assert line.startswith(f"{path}: "), line
        key, _, message = line[len(path) + 2:].partition(": ")
        assert message, line
        by_key[key] = message
    for key, fragment in expected:
        assert key in by_key, f"no line for {key}: {lines}"
        assert fragment.lower() in by_key[key].lower(), f"{key}: {by_key[key]!r} lacks {fragment!r}"


@pytest.mark.parametrize("name, expected", [*BAD_FIELDS.items(), *BAD_FIELDS_CROSS],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_bad_field_gives_one_line_per_problem_with_file_and_key_path(name, expected):
    path, lines = load_error(name)
    assert_lines(path, lines, expected)


def test_several_problems_are_all_reported_in_file_order_with_a_count():
    path = BAD_DIR / "several-problems.yaml"
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.message == f"{path}: 4 problems in the profile"
    assert info.value.lines()[0] == info.value.message and len(info.value.lines()) == 5


def test_problem_messages_are_for_people_not_pydantic():
    """No line leaks pydantic's wording (model class names, 'input_value', documentation URLs)."""
    for path in sorted(BAD_DIR.iterdir()):
        try:
            load_profile(path)
        except ProfileError as exc:
            for line in exc.lines():
                assert not re.search(r"instance of|input_value|errors\.pydantic|For further information|"
                                     r"\[type=", line), line


@pytest.mark.parametrize("data, key", [({**MINIMAL, "goal": None}, "goal"), ({**MINIMAL, "rules": [1]}, "rules"),
                                       ({**MINIMAL, "current": 5}, "current")])
def test_a_section_that_is_not_a_mapping_is_reported_in_plain_words(data, key):
    with pytest.raises(ProfileError) as info:
        profile_from_data(data, source="p.yaml")
    [line] = problem_lines(info.value)
    assert line.startswith(f"p.yaml: {key}: ")
    assert "instance of" not in line and "mapping" in line.lower()


def test_race_date_before_start_is_refused_and_names_goal_race_date():
    path, lines = load_error("race-date-before-start.yaml")
    [line] = lines
    assert line.startswith(f"{path}: ") and "goal.race_date" in line and "2026-11-30" in line


@pytest.mark.parametrize("race_date", ["2026-12-07", "2026-12-01"])
def test_race_on_or_before_the_start_date_is_refused(race_date):
    with pytest.raises(ProfileError) as info:
        profile_from_data({**MINIMAL, "goal": {"race": "10k", "race_date": race_date}, "start_date": "2026-12-07"},
                          source="p.yaml")
    assert any("goal.race_date" in line for line in problem_lines(info.value))


@pytest.mark.parametrize("name, fragments", [
    ("invalid-syntax.yaml", ["not valid YAML", "line 7"]),
    ("invalid-syntax.toml", ["not valid TOML", "line 5"]),
    ("invalid-syntax.json", ["not valid JSON", "line 4"]),
    ("duplicate-key.yaml", ["'current' appears twice", "line 9"]),
    ("duplicate-key-nested.yaml", ["'race' appears twice", "line 8"]),
    ("not-a-mapping.yaml", ["mapping"]),
    ("not-a-mapping.json", ["mapping"]),
    ("scalar.yaml", ["mapping"]),
    ("profile.txt", ["unknown file type", ".yaml", ".toml", ".json"]),
])
def test_unreadable_file_gives_one_line_with_the_file_and_the_position(name, fragments):
    path, lines = load_error(name)
    [line] = lines
    assert line.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in line


def test_yaml_syntax_error_points_at_the_broken_lines():
    path, [line] = load_error("invalid-syntax.yaml")
    number = int(re.search(r"line (\d+)", line).group(1))
    assert number in (6, 7)  # the "[" opens on line 6; the parser notices on line 7


def test_missing_file():
    path = BAD_DIR / "no-such-profile.yaml"
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert problem_lines(info.value) == [f"{path}: no such file"]


def test_a_folder_is_not_a_profile(tmp_path):
    folder = tmp_path / "profile.yaml"
    folder.mkdir()
    with pytest.raises(ProfileError) as info:
        load_profile(folder)
    [line] = problem_lines(info.value)
    assert line.startswith(f"{folder}: ") and "folder" in line


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Zoë\n".encode("latin-1"))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert problem_lines(info.value) == [f"{path}: is not UTF-8 text"]


@pytest.mark.parametrize("name", ["empty.yaml", "only-comments.yaml", "empty.json", "empty.toml"])
def test_empty_file_is_refused_naming_the_file(name):
    path, lines = load_error(name)
    assert lines and all(line.startswith(f"{path}: ") for line in lines)


@pytest.mark.parametrize("name", ["empty.yaml", "empty.json", "empty.toml"])
def test_empty_file_says_it_is_empty_in_one_line(name):
    path, lines = load_error(name)
    [line] = lines
    assert "empty" in line.removeprefix(f"{path}: ")


def test_duplicate_json_key_is_refused_like_yaml():
    path, [line] = load_error("duplicate-key.json")
    assert "'current' appears twice" in line


def test_timezone_hint_never_suggests_the_rejected_name():
    with pytest.raises(ProfileError) as info:
        profile_from_data({**MINIMAL, "timezone": "localtime"}, source="p.yaml")
    [line] = problem_lines(info.value)
    assert "did you mean localtime" not in line


def test_unknown_timezone_hint_offers_real_zones():
    with pytest.raises(ProfileError) as info:
        profile_from_data({**MINIMAL, "timezone": "Berlin"}, source="p.yaml")
    [line] = problem_lines(info.value)
    assert line.startswith("p.yaml: timezone: ") and "Europe/Berlin" in line


def test_timezone_names_are_iana_zones():
    assert profile_from_data({**MINIMAL, "timezone": "America/Sao_Paulo"}).timezone == "America/Sao_Paulo"
    for bad in ("Mars/Olympus_Mons", "/etc/localtime", "../zoneinfo/UTC", ""):
        with pytest.raises(ProfileError):
            profile_from_data({**MINIMAL, "timezone": bad})


@pytest.mark.parametrize("schedule, key", [
    ({"run_days": ["mon", "mon", "tue"]}, "schedule"),
    ({"run_days": ["mon", "tue"], "rest_days": ["mon"]}, "schedule"),
    ({"run_days": []}, "schedule"),
    ({"rest_days": ["mon", "tue", "wed", "thu", "fri", "sat"]}, "schedule"),
    ({"long_run_day": "fri", "rest_days": ["fri"]}, "schedule"),
    ({"start_time": {"default": "25:00"}}, "schedule.start_time"),
    ({"max_minutes": {"default": 10}}, "schedule.max_minutes"),
    ({"unavailable": [{"from": "2027-01-10", "to": "2027-01-05"}]}, "schedule.unavailable[0]"),
])
def test_inconsistent_schedules_are_refused_at_their_key(schedule, key):
    with pytest.raises(ProfileError) as info:
        profile_from_data({**MINIMAL, "schedule": schedule}, source="p.yaml")
    [line] = problem_lines(info.value)
    assert line.startswith(f"p.yaml: {key}: ")


def test_pain_severity_range_and_missing_required_keys():
    with pytest.raises(ProfileError) as info:
        profile_from_data({"goal": MINIMAL["goal"], "health": {"pain": [{"area": "knee", "severity": 11}]}},
                          source="p.yaml")
    lines = problem_lines(info.value)
    assert sorted(lines) == sorted(["p.yaml: name: is required", "p.yaml: current: is required",
                                    "p.yaml: health.pain[0].severity: must be less than or equal to 10"])


# --- JSON Schema ------------------------------------------------------------------------------------------

def _as_json(data):
    return json.loads(json.dumps(data, default=lambda v: v.isoformat()))


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = profile_json_schema()
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_schema_is_draft_2020_12_and_serialisable(validator):
    schema = profile_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(json.dumps(schema)) == schema
    assert set(schema["required"]) == {"name", "current", "goal"}
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", [*example_profile_paths(), *sorted((DATA / "same").iterdir()),
                                  DATA / "unquoted-times.yaml"], ids=lambda p: p.name)
def test_schema_validates_the_good_profiles(validator, path):
    errors = [e.message for e in validator.iter_errors(_as_json(read_profile_data(path)))]
    assert errors == []


@pytest.mark.parametrize("name", ["unknown-key-top.yaml", "unknown-key-nested.yaml", "unknown-key-in-list.yaml",
                                  "wrong-type-number.yaml", "rules-progression-cap-0.15.yaml",
                                  "rules-min-rest-days-0.yaml", "bad-weekday.yaml", "unknown-key.toml"])
def test_schema_rejects_bad_profiles(validator, name):
    assert list(validator.iter_errors(_as_json(read_profile_data(BAD_DIR / name))))


def test_schema_accepts_the_single_value_forms_the_loader_accepts(validator):
    data = {**MINIMAL, "schedule": {"max_minutes": 75, "start_time": "06:30"}}
    profile_from_data(data)
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize("name, slug", [("Lena Sørensen", "lena-sorensen"), ("Jürgen Groß", "jurgen-gross"),
                                        ("Łukasz Żółć", "lukasz-zolc"), ("Tom O'Brien & Co", "tom-o-brien-co")])
def test_default_id_transliterates_letters_that_do_not_decompose(name, slug):
    from planner.profile import slugify
    assert slugify(name) == slug


def test_two_shoes_of_one_name_are_bad_input(tmp_path):
    """The plan names each run's shoe: two pairs called 'A' (or 'a') could not be told apart."""
    path = tmp_path / "dup.yaml"
    path.write_text("name: Jo\ncurrent: {weekly_distance: 30, long_run: 12}\n"
                    "goal: {race: 10k, race_date: 2027-03-07}\nstart_date: 2026-12-07\n"
                    "shoes: [{name: A, distance: 10}, {name: B}, {name: ' a ', distance: 500}]\n", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert [line for line in err.value.lines() if "shoes[2].name" in line and "shoes[0]" in line]


@pytest.mark.parametrize("name", ["Pegasus (new pair)", "Pegasus (New Pair 2)", "Pegasus (new pair) "])
def test_a_shoe_named_like_a_replacement_pair_is_bad_input(tmp_path, name):
    """planner names the pair replacing a worn-out one '<shoe> (new pair)': a listed pair of that name would be
    mistaken for it."""
    path = tmp_path / "shoes.yaml"
    path.write_text("name: Jo\ncurrent: {weekly_distance: 30, long_run: 12}\n"
                    "goal: {race: 10k, race_date: 2027-03-07}\nstart_date: 2026-12-07\n"
                    f"shoes: [{{name: Pegasus, distance: 690}}, {{name: '{name}', distance: 650}}]\n", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert [line for line in err.value.lines() if "shoes[1].name" in line and "replacement" in line]
