"""Tests of planner/paces.py: Daniels-Gilbert VDOT against published values, predictions, zones, formatting,
the effort-only fallback, and the one distance <-> minutes conversion the model and the sessions share."""

from __future__ import annotations

import math

import pytest

from planner.paces import (
    EFFORT_GUIDE, ZONES, format_duration, format_pace, max_distance_dk, min_distance_dk, predict_seconds,
    riegel_seconds, seconds_per_km_at, session_minutes, sustainable_fraction, velocity_at, vo2_cost, vdot, zones_for,
)
from planner.profile import KM_PER_MILE, parse_duration, profile_from_data

HALF, MARATHON = 21.0975, 42.195

# Daniels' Running Formula, VDOT race-equivalent table: VDOT -> (5K, 10K, half, marathon) times.
DANIELS_TABLE = {
    30: ("30:40", "1:03:46", "2:21:04", "4:49:17"),
    40: ("24:08", "50:03", "1:50:59", "3:49:45"),
    50: ("19:57", "41:21", "1:31:35", "3:10:49"),
    60: ("17:03", "35:22", "1:18:09", "2:43:25"),
    70: ("14:55", "31:00", "1:08:21", "2:23:10"),
}
DISTANCES = (5.0, 10.0, HALF, MARATHON)


def profile(recent=None, *, units="km", target=None, weekly=30):
    current = {"weekly_distance": weekly, "long_run": 10}
    if recent:
        current["recent_race"] = {"distance": recent[0], "time": recent[1]}
    goal = {"race": "half", "race_date": "2027-04-11"}
    if target:
        goal["target_time"] = target
    return profile_from_data({"name": "Pace Test", "units": units, "current": current, "goal": goal})


# --- the formulas ---------------------------------------------------------------------------------------------

def test_oxygen_cost_and_sustainable_fraction_formulas():
    assert vo2_cost(200) == pytest.approx(-4.60 + 0.182258 * 200 + 0.000104 * 200 ** 2)
    assert sustainable_fraction(20) == pytest.approx(
        0.8 + 0.1894393 * math.exp(-0.012778 * 20) + 0.2989558 * math.exp(-0.1932605 * 20))
    # the longer the effort, the smaller the fraction of VO2max that can be held
    assert sustainable_fraction(10) > sustainable_fraction(60) > sustainable_fraction(240) > 0.8


@pytest.mark.parametrize("km, time, expected", [
    (5.0, "20:00", 49.8),
    (10.0, "50:00", 40.0),
    (MARATHON, "3:00:00", 53.5),
    (HALF, "1:29:59", 51.0),
])
def test_vdot_matches_published_daniels_values(km, time, expected):
    assert vdot(km, parse_duration(time)) == pytest.approx(expected, abs=0.3)


@pytest.mark.parametrize("value", sorted(DANIELS_TABLE))
def test_vdot_of_every_table_time_is_the_table_vdot(value):
    for km, time in zip(DISTANCES, DANIELS_TABLE[value]):
        assert vdot(km, parse_duration(time)) == pytest.approx(value, abs=0.3), (km, time)


@pytest.mark.parametrize("value", sorted(DANIELS_TABLE))
def test_predicted_times_match_the_table_within_half_a_percent(value):
    for km, time in zip(DISTANCES, DANIELS_TABLE[value]):
        assert predict_seconds(value, km) == pytest.approx(parse_duration(time), rel=0.005), (km, time)


@pytest.mark.parametrize("value", [20.0, 33.3, 45.0, 52.7, 68.0, 85.0])
@pytest.mark.parametrize("km", [1.5, 5.0, 10.0, 15.0, HALF, 30.0, MARATHON])
def test_prediction_round_trip(value, km):
    seconds = predict_seconds(value, km)
    assert vdot(km, seconds) == pytest.approx(value, abs=1e-3)


def test_faster_runners_have_higher_vdot_and_predictions_grow_with_distance():
    assert vdot(10, 40 * 60) > vdot(10, 45 * 60) > vdot(10, 60 * 60)
    times = [predict_seconds(50, km) for km in (1.5, 5, 10, HALF, MARATHON)]
    assert times == sorted(times)
    # pace slows with distance too
    paces = [t / km for t, km in zip(times, (1.5, 5, 10, HALF, MARATHON))]
    assert paces == sorted(paces)


def test_velocity_at_inverts_the_oxygen_cost():
    for v in (150.0, 200.0, 250.0, 333.0, 400.0):
        assert velocity_at(vo2_cost(v)) == pytest.approx(v, rel=1e-9)
    assert seconds_per_km_at(50, 1.0) == pytest.approx(60000 / velocity_at(50))


def test_riegel():
    assert riegel_seconds(10, 3000, 21.0975) == pytest.approx(3000 * 2.10975 ** 1.06)
    assert riegel_seconds(42.195, 10800, 42.195) == pytest.approx(10800)
    assert riegel_seconds(5, 1200, 10, exponent=1.0) == pytest.approx(2400)


def test_predictions_beyond_the_marathon_use_riegel_from_the_marathon():
    zones = zones_for(profile(("marathon", "3:30:00")))
    marathon = predict_seconds(zones.vdot, MARATHON)
    assert zones.predicted_seconds(50.0) == pytest.approx(riegel_seconds(MARATHON, marathon, 50.0))
    assert zones.predicted_seconds(10.0) == pytest.approx(predict_seconds(zones.vdot, 10.0))


# --- zones --------------------------------------------------------------------------------------------------

def test_zone_percentages_are_daniels():
    assert ZONES == {"easy": (0.59, 0.74), "marathon": (0.75, 0.84), "threshold": (0.83, 0.88),
                     "interval": (0.95, 1.00), "repetition": (1.05, 1.10)}


@pytest.mark.parametrize("race", [("5k", "19:57"), ("10k", "50:00"), ("half", "1:45:00"), ("marathon", "4:10:00"),
                                  (8.0, "40:00")])
def test_zones_are_ordered_from_slow_easy_to_fast_repetition(race):
    zones = zones_for(profile(race))
    order = ["easy", "marathon", "threshold", "interval", "repetition"]
    for zone in order:
        fast, slow = zones.ranges[zone]
        assert fast < slow, zone
    fast_ends = [zones.ranges[z][0] for z in order]
    slow_ends = [zones.ranges[z][1] for z in order]
    assert fast_ends == sorted(fast_ends, reverse=True)
    assert slow_ends == sorted(slow_ends, reverse=True)


def test_zone_paces_match_daniels_for_vdot_50():
    """Daniels' VDOT 50 training paces: threshold 4:15 /km, interval 3:50 /km (92 s per 400 m)."""
    zones = zones_for(profile(("5k", "19:57")))
    assert zones.vdot == pytest.approx(50.0, abs=0.1) and zones.source == "recent race"
    assert zones.ranges["threshold"][0] == pytest.approx(255, abs=3)
    assert zones.ranges["interval"][0] == pytest.approx(230, abs=3)
    marathon_pace = predict_seconds(50.0, MARATHON) / MARATHON
    fast, slow = zones.ranges["marathon"]
    assert fast <= marathon_pace <= slow


def test_zone_boundaries_are_the_percentages_of_vdot():
    zones = zones_for(profile(("10k", "45:00")))
    for zone, (lo, hi) in ZONES.items():
        fast, slow = zones.ranges[zone]
        assert vo2_cost(60000 / fast) == pytest.approx(hi * zones.vdot, rel=2e-3)
        assert vo2_cost(60000 / slow) == pytest.approx(lo * zones.vdot, rel=2e-3)


def test_labels_in_kilometres_and_miles():
    km = zones_for(profile(("5k", "19:57")))
    mi = zones_for(profile(("5k", "19:57"), units="mi"))
    assert km.label("threshold") == "4:15-4:28 /km"
    fast, slow = km.ranges["threshold"]
    assert mi.label("threshold") == f"{format_pace(fast, 'mi')}-{format_pace(slow, 'mi')} /mi"
    assert mi.label("threshold").endswith(" /mi") and mi.label("threshold").startswith("6:51-")


def test_a_numeric_recent_race_is_in_the_profiles_units():
    # 3.10686 mi is 5 km: the same race in either unit gives the same VDOT
    km = zones_for(profile((5.0, "22:00")))
    mi = zones_for(profile((5 / KM_PER_MILE, "22:00"), units="mi"))
    assert km.vdot == mi.vdot


@pytest.mark.parametrize("seconds, units, text", [
    (300, "km", "5:00"), (359.6, "km", "6:00"), (359.4, "km", "5:59"), (245, "km", "4:05"),
    (300, "mi", "8:03"), (372.82, "mi", "10:00"), (200, "mi", "5:22"),
])
def test_format_pace(seconds, units, text):
    assert format_pace(seconds, units) == text


def test_format_pace_never_shows_60_seconds():
    for tenths in range(2000, 6000):
        text = format_pace(tenths / 10, "km")
        assert int(text.split(":")[1]) < 60, text


@pytest.mark.parametrize("seconds, text", [(59, "0:59"), (2910, "48:30"), (6300, "1:45:00"), (36000, "10:00:00"),
                                           (3599.6, "1:00:00")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


# --- without a race time --------------------------------------------------------------------------------------

def test_without_a_race_time_intensities_are_described_by_effort():
    zones = zones_for(profile())
    assert zones.vdot is None and not zones.has_paces and zones.source == "effort"
    assert zones.ranges == {}
    assert [zones.label(z) for z in ZONES] == [EFFORT_GUIDE[z] for z in ZONES]
    assert "sentences" in zones.label("easy") and "RPE" in zones.label("threshold")
    assert zones.short("easy").startswith("effort: ")
    assert zones.predicted_seconds(10) is None
    table = zones.table()
    assert [row["zone"] for row in table] == list(ZONES)
    assert all(row["pace"] == "" and row["effort"] for row in table)


def test_effort_planning_pace_is_cautious_and_slower_for_lower_volume():
    paces = [zones_for(profile(weekly=w)).planning_easy_s_per_km for w in (10, 25, 40, 60, 90)]
    assert paces == sorted(paces, reverse=True)
    assert all(300 <= p <= 480 for p in paces)


def test_target_time_sets_zones_when_there_is_no_recent_race():
    zones = zones_for(profile(target="1:45:00"))
    assert zones.source == "target time"
    assert zones.vdot == pytest.approx(vdot(HALF, 6300), abs=0.05)
    with_race = zones_for(profile(("10k", "50:00"), target="1:45:00"))
    assert with_race.source == "recent race" and with_race.vdot == pytest.approx(40.0, abs=0.1)


def test_vdot_outside_the_fitted_range_is_clamped():
    assert zones_for(profile(("5k", "12:00"))).vdot == 90.0  # a world record and then some
    assert zones_for(profile(("10k", "2:30:00"))).vdot == 15.0


def test_zones_with_paces_plan_at_the_slow_end_of_easy():
    zones = zones_for(profile(("10k", "50:00")))
    assert zones.planning_easy_s_per_km == zones.ranges["easy"][1]


# --- distance <-> minutes -------------------------------------------------------------------------------------

ZONE_CASES = [profile(("5k", "16:30")), profile(("10k", "50:00")), profile(("marathon", "4:45:00")), profile(),
              profile(weekly=10), profile(("half", "1:52:17"), units="mi")]


@pytest.mark.parametrize("index", range(len(ZONE_CASES)))
def test_session_minutes_is_the_rounded_up_time_at_the_planning_pace(index):
    zones = zones_for(ZONE_CASES[index])
    pace = zones.planning_easy_s_per_km
    for dk in range(1, 400, 7):
        minutes = session_minutes(zones, dk / 10)
        assert minutes == math.ceil(round(dk / 10 * pace / 60, 6))
        assert minutes * 60 >= dk / 10 * pace - 1e-6
    # monotone in distance
    values = [session_minutes(zones, dk / 10) for dk in range(1, 600)]
    assert values == sorted(values)


@pytest.mark.parametrize("index", range(len(ZONE_CASES)))
def test_max_distance_is_the_longest_run_that_fits(index):
    zones = zones_for(ZONE_CASES[index])
    for minutes in range(5, 400):
        dk = max_distance_dk(zones, minutes)
        assert session_minutes(zones, dk / 10) <= minutes, minutes
        assert session_minutes(zones, (dk + 1) / 10) > minutes, minutes


@pytest.mark.parametrize("index", range(len(ZONE_CASES)))
def test_min_distance_lasts_at_least_the_minutes(index):
    zones = zones_for(ZONE_CASES[index])
    for minutes in range(5, 400):
        dk = min_distance_dk(zones, minutes)
        assert session_minutes(zones, dk / 10) >= minutes, minutes
        assert dk <= max_distance_dk(zones, minutes) + 1


def test_min_distance_is_the_shortest_run_lasting_the_minutes():
    zones = zones_for(profile(("5k", "19:57")))
    for minutes in range(5, 400):
        dk = min_distance_dk(zones, minutes)
        assert dk == 1 or session_minutes(zones, (dk - 1) / 10) < minutes, minutes


@pytest.mark.parametrize("pause", [0, 5, 8, 13])
def test_distance_and_minutes_agree_with_minutes_that_cover_no_distance(pause):
    """With ``pause`` minutes of drills and stretches in each session, the longest run that fits a budget and the
    shortest that lasts some minutes are exact for session_minutes with the same pause."""
    zones = zones_for(profile(("10k", "52:00")))
    for minutes in range(pause + 1, 300):
        longest = max_distance_dk(zones, minutes, pause)
        assert session_minutes(zones, longest / 10, pause) <= minutes < session_minutes(zones, (longest + 1) / 10,
                                                                                        pause), minutes
        shortest = min_distance_dk(zones, minutes, pause)
        assert session_minutes(zones, shortest / 10, pause) >= minutes, minutes
        assert shortest == 1 or session_minutes(zones, (shortest - 1) / 10, pause) < minutes, minutes
    assert session_minutes(zones, 5.0, pause) == session_minutes(zones, 5.0) + pause
    assert max_distance_dk(zones, pause, pause) == 0
