"""planner.sessions: run blocks and workouts, strength progression, advice, pain warnings and conservative mode."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from planner.errors import PlannerError
from planner.paces import session_minutes, zones_for
from planner.profile import KM_PER_MILE, profile_from_data
from planner.sessions import (DRILLS, QUALITY_TYPES, STRETCHES, format_distance, is_conservative, make_run,
                              make_strength, pain_warnings, plan_advice, plan_workout, strength_level)

START = dt.date(2026, 12, 7)
TRAINING_TYPES = ("easy", "recovery", "long", "tempo", "intervals", "hills")
PHASES = ("base", "build", "peak", "taper", "race", "maintain")


def make_profile(**over):
    data = {"name": "Test Runner", "current": {"weekly_distance": 40, "long_run": 14},
            "goal": {"race": "half", "race_date": "2027-04-11", "race_name": "Berlin Half"},
            "start_date": START.isoformat()}
    data.update(over)
    return profile_from_data(data)


WITH_PACES = make_profile(current={"weekly_distance": 40, "long_run": 14,
                                   "recent_race": {"distance": "10k", "time": "48:30"}})
EFFORT_ONLY = make_profile()
MILES = make_profile(units="mi", current={"weekly_distance": 25, "long_run": 9,
                                          "recent_race": {"distance": "5k", "time": "24:00"}})


def training_run(profile, run_type, km, *, phase="build", week=3, strides=False, race_km=None, warmup=10, cooldown=10):
    zones = zones_for(profile)
    return make_run(run_type, km, session_minutes(zones, km), zones=zones, warmup_minutes=warmup,
                    cooldown_minutes=cooldown, phase=phase, week_number=week, units=profile.units, strides=strides,
                    race_km=race_km)


def main_text(run) -> str:
    return next(b.text for b in run.blocks if b.kind == "main")


def distance_in(text: str, unit: str) -> float:
    return float(re.search(rf"(\d+\.\d) {unit}\b", text).group(1))


# --- blocks ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("run_type", TRAINING_TYPES)
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("km", [3.5, 6.0, 10.0, 16.4, 30.0])
def test_three_blocks_sum_to_the_engines_minutes(run_type, phase, km):
    zones = zones_for(WITH_PACES)
    minutes = session_minutes(zones, km)
    run = training_run(WITH_PACES, run_type, km, phase=phase, warmup=12, cooldown=8)
    assert [b.kind for b in run.blocks] == ["warmup", "main", "cooldown"]
    assert [b.minutes for b in run.blocks] == [12, minutes - 20, 8]
    assert run.minutes == minutes == sum(b.minutes for b in run.blocks)
    assert (run.warmup_minutes, run.cooldown_minutes) == (12, 8)
    assert run.type == run_type and run.distance_km == km and run.shoe is None
    assert all(b.text for b in run.blocks) and run.pace


def test_minutes_that_leave_no_main_block_are_refused():
    zones = zones_for(WITH_PACES)
    with pytest.raises(PlannerError, match="no time left"):
        make_run("easy", 2.0, 20, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="base",
                 week_number=1, units="km")
    with pytest.raises(PlannerError, match="unknown run type"):
        make_run("fartlek", 8.0, 60, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="base",
                 week_number=1, units="km")


@pytest.mark.parametrize("run_type", TRAINING_TYPES)
def test_warmup_has_jog_and_drills_and_strides_only_before_quality(run_type):
    run = training_run(WITH_PACES, run_type, 10.0)
    warmup = run.blocks[0].text
    assert "easy jog" in warmup
    for drill in ("leg swings", "torso twists", "high knees", "butt kicks", "walking lunges"):
        assert drill in warmup
    assert ("strides" in warmup) == (run_type in QUALITY_TYPES)


@pytest.mark.parametrize("run_type", TRAINING_TYPES + ("race",))
def test_cooldown_is_jog_or_walk_then_static_stretches(run_type):
    zones = zones_for(WITH_PACES)
    minutes = 100 if run_type == "race" else session_minutes(zones, 10.0)
    run = make_run(run_type, 10.0, minutes, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="race",
                   week_number=16, units="km", race_name="Berlin 10K")
    cooldown = run.blocks[-1].text
    assert "walk" in cooldown and "static stretches" in cooldown
    for muscle in STRETCHES.split(", "):
        assert muscle in cooldown
    # Minutes named in the text add up to the block.
    assert sum(int(m) for m in re.findall(r"(\d+) min", cooldown)) == 10


def test_warmup_minutes_named_in_the_text_add_up_to_the_block():
    for run_type in ("easy", "tempo"):
        for warmup in (5, 8, 10, 15):
            run = training_run(WITH_PACES, run_type, 10.0, warmup=warmup)
            text = run.blocks[0].text
            named = sum(int(m) for m in re.findall(r"(\d+) min", text))
            assert named == warmup, (run_type, warmup, text)


def test_race_has_walk_drills_strides_and_the_race_itself():
    zones = zones_for(WITH_PACES)
    predicted = zones.predicted_seconds(21.0975)
    minutes = 10 + round(predicted / 60) + 10
    run = make_run("race", 21.1, minutes, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="race",
                   week_number=18, units="km", race_name="Berlin Half")
    warmup, main, _ = (b.text for b in run.blocks)
    assert "walk" in warmup and "drills" in warmup and "strides" in warmup
    assert not re.search(r"\d (km|mi)\b", warmup)  # no distance before the race
    assert main.startswith("Race: Berlin Half, 21.1 km")
    assert "predicted finish" in main
    per_km = predicted / 21.0975
    assert run.pace == f"{int(round(per_km)) // 60}:{int(round(per_km)) % 60:02d} /km"
    assert run.blocks[1].minutes == minutes - 20


def test_race_without_paces_is_described_by_effort():
    zones = zones_for(EFFORT_ONLY)
    run = make_run("race", 5.0, 60, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="race",
                   week_number=10, units="km", race_name=None)
    assert run.pace.startswith("effort:") and "/km" not in run.pace
    assert "RPE" in main_text(run) and main_text(run).startswith("Race: 5.0 km")


# --- main block: distance, units, pace ------------------------------------------------------------------------------

def test_main_distance_is_the_session_less_the_warmup_and_cooldown_jogging():
    zones = zones_for(WITH_PACES)
    run = training_run(WITH_PACES, "easy", 12.0)
    warm_jog = int(re.match(r"(\d+) min easy jog", run.blocks[0].text).group(1))
    cool_jog = int(re.match(r"(\d+) min easy jog", run.blocks[2].text).group(1))
    expected = 12.0 - (warm_jog + cool_jog) * 60 / zones.planning_easy_s_per_km
    assert distance_in(main_text(run), "km") == pytest.approx(expected, abs=0.051)
    assert distance_in(main_text(run), "km") < 12.0


def test_easy_run_pace_comes_from_the_zones():
    zones = zones_for(WITH_PACES)
    run = training_run(WITH_PACES, "easy", 8.0)
    assert run.pace == zones.label("easy") and re.fullmatch(r"\d+:\d\d-\d+:\d\d /km", run.pace)
    assert zones.label("easy") in main_text(run)
    assert training_run(WITH_PACES, "tempo", 10.0).pace == zones.label("threshold")
    assert training_run(WITH_PACES, "intervals", 10.0).pace == zones.label("interval")


def test_miles_profile_gets_miles_and_pace_per_mile():
    run = training_run(MILES, "easy", 10.0)
    text = main_text(run)
    assert " km" not in text and "/km" not in run.pace
    assert run.pace.endswith("/mi")
    zones = zones_for(MILES)
    warm_jog = int(re.match(r"(\d+) min", run.blocks[0].text).group(1))
    cool_jog = int(re.match(r"(\d+) min", run.blocks[2].text).group(1))
    main_km = round(10.0 - (warm_jog + cool_jog) * 60 / zones.planning_easy_s_per_km, 1)
    assert distance_in(text, "mi") == pytest.approx(main_km / KM_PER_MILE, abs=0.051)
    race = make_run("race", 21.1, 130, zones=zones, warmup_minutes=10, cooldown_minutes=10, phase="race",
                    week_number=12, units="mi", race_name="Half")
    assert "13.1 mi" in main_text(race) and race.pace.endswith("/mi")


def test_format_distance():
    assert format_distance(4.2, "km") == "4.2 km"
    assert format_distance(16.09344, "mi") == "10.0 mi"


def test_effort_text_without_a_race_time():
    for run_type in TRAINING_TYPES:
        run = training_run(EFFORT_ONLY, run_type, 9.0)
        assert "/km" not in run.pace and run.pace.startswith("effort:")
        assert not re.search(r"\d+:\d\d", main_text(run)), main_text(run)
    assert "conversational" in main_text(training_run(EFFORT_ONLY, "easy", 9.0))
    assert "comfortably hard" in main_text(training_run(EFFORT_ONLY, "tempo", 9.0))


# --- workouts fit their minutes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("run_type", TRAINING_TYPES)
@pytest.mark.parametrize("phase", PHASES)
def test_workout_fills_the_main_block_exactly(run_type, phase):
    for minutes in range(1, 151):
        for strides in (False, True):
            w = plan_workout(run_type, phase, 5, minutes, strides=strides, race_km=42.195)
            assert w.total_seconds == minutes * 60, (run_type, phase, minutes, w)
            assert min(w.easy_before_seconds, w.easy_after_seconds, w.work_seconds) >= 0


def test_quality_workouts_have_real_structure_when_there_is_time():
    tempo = plan_workout("tempo", "base", 3, 30)
    assert tempo.kind == "cruise" and tempo.reps >= 3 and tempo.zone == "threshold"
    intervals = plan_workout("intervals", "build", 3, 30)
    assert (intervals.reps, intervals.rep_seconds, intervals.recovery_seconds) == (5, 180, 120)
    hills = plan_workout("hills", "build", 3, 30)
    assert hills.kind == "hills" and hills.reps >= 6 and hills.recovery_seconds == 2 * hills.rep_seconds
    assert plan_workout("tempo", "peak", 3, 40).kind == "tempo"  # continuous at peak
    # Short blocks still hold at least two efforts, shortened to fit.
    short = plan_workout("intervals", "peak", 3, 12)
    assert short.reps >= 2 and short.work_seconds <= 12 * 60


def test_workout_text_matches_its_arithmetic():
    run = training_run(WITH_PACES, "intervals", 10.0, phase="build")
    text = main_text(run)
    main_minutes = run.blocks[1].minutes
    w = plan_workout("intervals", "build", 3, main_minutes)
    assert f"{w.reps} x 3 min" in text and "2 min easy jog recoveries" in text
    named = re.findall(r"(\d+) min(?: (\d+) s)?(?! easy jog)", text)
    before = re.match(r"Intervals: (\d+) min easy, then", text)
    after = re.search(r"then (\d+) min(?: (\d+) s)? easy \(", text)
    total = w.reps * 180 + (w.reps - 1) * 120
    total += int(before.group(1)) * 60 if before else 0
    total += (int(after.group(1)) * 60 + int(after.group(2) or 0)) if after else 0
    assert total == main_minutes * 60 and named


def test_hills_are_short_repeats_at_repetition_effort_with_walk_down():
    text = main_text(training_run(WITH_PACES, "hills", 9.0, phase="base"))
    assert "uphill" in text and "repetition effort" in text and "walk or jog back down" in text
    assert re.search(r"\d+ x \d+ s uphill", text)


def test_easy_strides_at_the_end_of_the_main_block():
    run = training_run(WITH_PACES, "easy", 9.0, strides=True)
    assert "4-6 x 20 s strides" in main_text(run)
    assert "strides" not in main_text(training_run(WITH_PACES, "easy", 9.0))
    assert "strides" not in run.blocks[0].text  # easy runs: strides at the end, not in the warm-up


def test_long_run_steady_finish_only_for_half_and_longer_in_build_and_peak():
    half = main_text(training_run(WITH_PACES, "long", 20.0, phase="build", race_km=21.0975))
    assert "steady" in half and zones_for(WITH_PACES).label("marathon") in half
    assert "steady" not in main_text(training_run(WITH_PACES, "long", 20.0, phase="base", race_km=21.0975))
    assert "steady" not in main_text(training_run(WITH_PACES, "long", 14.0, phase="peak", race_km=10.0))
    peak = plan_workout("long", "peak", 9, 120, race_km=42.195)
    assert peak.kind == "steady finish" and peak.rep_seconds == 30 * 60


def test_recovery_is_very_easy():
    text = main_text(training_run(WITH_PACES, "recovery", 5.0))
    assert "very easy" in text and "slow end" in text


# --- strength -------------------------------------------------------------------------------------------------------

def all_exercises(week, total, phase="build", conservative=False):
    return " | ".join(e for i in range(3)
                      for e in make_strength(week, total, phase, i, conservative=conservative).exercises)


def test_strength_progresses_over_the_plan():
    early, late = all_exercises(1, 16, "base"), all_exercises(15, 16, "peak")
    for easy_one in ("bodyweight squats", "glute bridges", "calf raises", "plank", "clamshells"):
        assert easy_one in early
    for hard_one in ("single-leg squats", "hip thrusts", "eccentric heel drops", "dead bugs", "Pallof press",
                     "monster walks", "Nordic curls"):
        assert hard_one in late and hard_one not in early
    assert strength_level(1, 16, conservative=False) == 0
    assert strength_level(8, 16, conservative=False) == 1
    assert strength_level(16, 16, conservative=False) == 2


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("conservative", [False, True])
def test_strength_sessions_are_20_to_40_minutes_with_sets_and_reps(phase, conservative):
    for week in range(1, 21):
        for index in range(3):
            s = make_strength(week, 20, phase, index, conservative=conservative)
            assert 20 <= s.minutes <= 40
            assert s.focus and len(s.exercises) >= 4
            for exercise in s.exercises[1:]:
                assert re.search(r"\d x \d+", exercise), exercise


def test_strength_focus_rotates_and_covers_every_group():
    focuses = {make_strength(2, 12, "build", i, conservative=False).focus for i in range(3)}
    assert len(focuses) == 3
    seen = set()
    for week in range(1, 4):
        seen.update(make_strength(week, 12, "build", 0, conservative=False).focus.split(", "))
    assert seen == {"quads", "hamstrings", "glutes", "calves", "hips", "core"}


def test_strength_is_lighter_in_taper_and_when_conservative():
    build = make_strength(14, 16, "peak", 0, conservative=False)
    taper = make_strength(15, 16, "taper", 0, conservative=False)
    careful = make_strength(14, 16, "peak", 0, conservative=True)
    assert taper.minutes < build.minutes and careful.minutes < build.minutes
    assert all(" 2 x " in e for e in taper.exercises[1:]) and all(" 3 x " in e for e in build.exercises[1:])
    assert strength_level(14, 16, conservative=True) < strength_level(14, 16, conservative=False)
    assert "single-leg squats" not in careful.exercises[1]


# --- advice ---------------------------------------------------------------------------------------------------------

TOPICS = ["warmup", "hydration", "footwear", "overtraining", "pain", "strength", "recovery"]


def advice_of(profile, *, conservative=False, longest=60):
    return {a.topic: a.text for a in plan_advice(profile, conservative=conservative, longest_run_minutes=longest)}


def test_advice_covers_every_topic_in_order_and_is_deterministic():
    advice = plan_advice(WITH_PACES, conservative=False, longest_run_minutes=100)
    assert [a.topic for a in advice] == TOPICS
    assert advice == plan_advice(WITH_PACES, conservative=False, longest_run_minutes=100)
    text = advice_of(WITH_PACES)
    assert DRILLS in text["warmup"]
    for sign in ("persistent soreness", "falling performance", "poor sleep", "resting heart rate", "irritability"):
        assert sign in text["overtraining"]
    assert "physiotherapist or doctor" in text["pain"] and "swelling" in text["pain"]
    assert "sleep" in text["recovery"] and "protein" in text["recovery"]


def test_hydration_scales_with_the_longest_run_and_the_climate():
    short = advice_of(WITH_PACES, longest=50)["hydration"]
    long = advice_of(WITH_PACES, longest=150)["hydration"]
    assert "drink to thirst" in short.lower() and "150 minutes" in long and "electrolytes" in long
    assert "cooler" not in long
    for climate in ("hot", "humid"):
        hot = advice_of(make_profile(climate=climate), longest=150)["hydration"]
        assert climate in hot and "cooler hours" in hot and "before running" in hot


def test_footwear_advice_names_the_runners_shoes_in_their_units():
    shoes = [{"name": "Ghost 15", "distance": 180, "replace_at": 400}]
    text = advice_of(make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8}, shoes=shoes))["footwear"]
    assert "Ghost 15: 180 mi run, replace at 400 mi" in text and "300-500 mi" in text and "A second pair" in text
    assert "500-800 km" in advice_of(make_profile())["footwear"]
    assert "trail shoes on trails" in advice_of(make_profile())["footwear"]


def test_pain_advice_names_the_listed_areas():
    profile = make_profile(health={"pain": [{"area": "left knee", "severity": 2, "since": "2026-12-01"},
                                            {"area": "shin", "severity": 5, "since": "2026-12-01"}]})
    text = advice_of(profile, conservative=True)["pain"]
    assert "left knee, shin" in text and "conservative" in text
    assert "You listed" not in advice_of(WITH_PACES)["pain"]


def test_strength_advice_follows_the_rules():
    assert "2 strength sessions a week" in advice_of(WITH_PACES)["strength"]
    assert "no strength sessions" in advice_of(make_profile(rules={"strength_per_week": 0}))["strength"]


# --- pain: warnings and conservative mode ---------------------------------------------------------------------------

def with_pain(*pains, cleared=False):
    return make_profile(health={"pain": [dict(p) for p in pains], "cleared_by_professional": cleared})


def days_ago(n: int) -> str:
    return (START - dt.timedelta(days=n)).isoformat()


@pytest.mark.parametrize(("severity", "age", "expected"), [
    (3, 5, False), (3, 14, False), (3, 15, True), (4, 1, True), (6, 1, True), (0, 5, False),
    (8, 1, True), (2, None, False),
])
def test_conservative_thresholds(severity, age, expected):
    pain = {"area": "shin", "severity": severity}
    if age is not None:
        pain["since"] = days_ago(age)
    assert is_conservative(with_pain(pain, cleared=severity >= 7), START) is expected


def test_no_pain_is_not_conservative_and_has_no_warnings():
    assert not is_conservative(WITH_PACES, START)
    assert pain_warnings(WITH_PACES, START) == ()


def test_moderate_or_old_pain_warns_that_the_plan_is_conservative():
    for pain in ({"area": "shin", "severity": 5, "since": days_ago(3)},
                 {"area": "knee", "severity": 2, "since": days_ago(30)}):
        (warning,) = pain_warnings(with_pain(pain), START)
        assert warning.kind == "pain"
        assert "conservative" in warning.text and "5%" in warning.text and "no intervals" in warning.text
        assert "physiotherapist or doctor" in warning.text and pain["area"] in warning.text.lower()
    assert "14 days" in pain_warnings(with_pain({"area": "knee", "severity": 2, "since": days_ago(30)}), START)[0].text


def test_severe_pain_cleared_by_a_professional_is_respected_but_conservative():
    (warning,) = pain_warnings(with_pain({"area": "achilles", "severity": 8, "since": days_ago(2)}, cleared=True),
                               START)
    assert warning.kind == "pain" and "cleared" in warning.text and "conservative" in warning.text


def test_mild_recent_pain_gets_a_gentle_note():
    (warning,) = pain_warnings(with_pain({"area": "calf", "severity": 2, "since": days_ago(3)}), START)
    assert warning.kind == "pain" and "mild" in warning.text and "conservative" not in warning.text
    assert pain_warnings(with_pain({"area": "calf", "severity": 0, "since": days_ago(3)}), START) == ()


def test_one_warning_per_pain_entry_in_profile_order():
    warnings = pain_warnings(with_pain({"area": "calf", "severity": 2}, {"area": "hip", "severity": 5}), START)
    assert [w.text.split(" ")[0] for w in warnings] == ["Calf", "Hip"]
