"""Pace zones from a recent race (Daniels-Gilbert VDOT), race-time prediction (VDOT, Riegel), effort guide.

Daniels & Gilbert (1979), *Oxygen Power*: oxygen cost of running at velocity v (m/min)
``VO2 = -4.60 + 0.182258 v + 0.000104 v^2`` and the fraction of VO2max sustainable for t minutes
``0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)``. VDOT = VO2 / fraction. A zone at p% of VDOT
runs at the velocity whose oxygen cost is p * VDOT. Zones (Daniels' Running Formula): easy 59-74%,
marathon 75-84%, threshold 83-88%, interval 95-100%, repetition 105-110%.

Without a race time (or a target time) intensities are described by effort: the talk test and RPE (1-10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .profile import KM_PER_MILE, NAMED_RACES_KM, Profile, parse_duration

ZONES: dict[str, tuple[float, float]] = {
    "easy": (0.59, 0.74),
    "marathon": (0.75, 0.84),
    "threshold": (0.83, 0.88),
    "interval": (0.95, 1.00),
    "repetition": (1.05, 1.10),
}

# What each zone feels like, for runners with no race time (talk test and RPE on a 1-10 scale).
EFFORT_GUIDE: dict[str, str] = {
    "easy": "conversational: you can speak in full sentences (RPE 3-4)",
    "marathon": "steady: a few sentences at a time (RPE 5-6)",
    "threshold": "comfortably hard: a few words at a time (RPE 7)",
    "interval": "hard: a word or two, a pace you could hold for 10-12 minutes (RPE 8-9)",
    "repetition": "fast and relaxed, short bursts with full recovery (RPE 9)",
}

ZONE_PURPOSE: dict[str, str] = {
    "easy": "easy and long runs, warm-ups, cool-downs",
    "marathon": "steady parts of long runs",
    "threshold": "tempo runs",
    "interval": "intervals",
    "repetition": "strides and hill repeats",
}


def vo2_cost(v_m_per_min: float) -> float:
    """Oxygen cost (ml/kg/min) of running at v metres per minute."""
    return -4.60 + 0.182258 * v_m_per_min + 0.000104 * v_m_per_min ** 2


def sustainable_fraction(t_min: float) -> float:
    """Fraction of VO2max a runner can sustain for t minutes."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def vdot(distance_km: float, seconds: float) -> float:
    """VDOT from a race: distance in km, time in seconds."""
    t_min = seconds / 60.0
    v = distance_km * 1000.0 / t_min
    return vo2_cost(v) / sustainable_fraction(t_min)


def velocity_at(vo2: float) -> float:
    """Velocity (m/min) whose oxygen cost is ``vo2``: the positive root of the cost quadratic."""
    a, b, c = 0.000104, 0.182258, -(4.60 + vo2)
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def seconds_per_km_at(vdot_value: float, fraction: float) -> float:
    return 60000.0 / velocity_at(fraction * vdot_value)


def predict_seconds(vdot_value: float, distance_km: float) -> float:
    """Race time (s) at which a runner of this VDOT would run ``distance_km`` (bisection on the VDOT formula)."""
    lo, hi = 60.0, 60.0 * 60 * 30
    for _ in range(80):
        mid = (lo + hi) / 2
        if vdot(distance_km, mid) > vdot_value:
            lo = mid  # too fast for this VDOT: it takes longer
        else:
            hi = mid
    return (lo + hi) / 2


def riegel_seconds(known_km: float, known_s: float, target_km: float, exponent: float = 1.06) -> float:
    """Riegel (1981): t2 = t1 * (d2/d1)^1.06. Used beyond the marathon, where VDOT was not fitted."""
    return known_s * (target_km / known_km) ** exponent


def format_pace(seconds_per_km: float, units: str) -> str:
    """``5:42`` style pace per km, or per mile for a miles profile."""
    s = seconds_per_km * (KM_PER_MILE if units == "mi" else 1.0)
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}"


def format_duration(seconds: float) -> str:
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class PaceZones:
    """Pace zones for one runner. ``vdot`` is None when intensities are described by effort only."""

    units: str
    vdot: float | None
    source: str  # "recent race", "target time" or "effort"
    # seconds per km, (fast, slow) per zone; empty without a VDOT
    ranges: dict[str, tuple[float, float]]
    # seconds per km used to turn distance into minutes for planning (conservative: slow end of easy)
    planning_easy_s_per_km: float

    @property
    def has_paces(self) -> bool:
        return self.vdot is not None

    def label(self, zone: str) -> str:
        """``"5:50-6:20 /km"`` for a zone, or the effort description without a VDOT."""
        if not self.has_paces:
            return EFFORT_GUIDE[zone]
        fast, slow = self.ranges[zone]
        unit = "/mi" if self.units == "mi" else "/km"
        return f"{format_pace(fast, self.units)}-{format_pace(slow, self.units)} {unit}"

    def short(self, zone: str) -> str:
        """A compact label for tables: a pace range or ``"effort: conversational"``."""
        if self.has_paces:
            return self.label(zone)
        return "effort: " + EFFORT_GUIDE[zone].split(":")[0]

    def table(self) -> list[dict[str, str]]:
        """Rows for the views: zone, pace (or effort), purpose."""
        return [{"zone": z, "pace": self.label(z) if self.has_paces else "", "effort": EFFORT_GUIDE[z],
                 "purpose": ZONE_PURPOSE[z]} for z in ZONES]

    def predicted_seconds(self, distance_km: float) -> float | None:
        if self.vdot is None:
            return None
        if distance_km <= 42.3:
            return predict_seconds(self.vdot, distance_km)
        marathon = predict_seconds(self.vdot, 42.195)
        return riegel_seconds(42.195, marathon, distance_km)


def _race_km(distance, profile: Profile) -> float:
    return NAMED_RACES_KM[distance] if isinstance(distance, str) else profile.km(distance)


def _fallback_easy_pace(weekly_km: float) -> float:
    """Without any time: a cautious planning pace by current volume (slower runners run less, as a rule).

    Only used to convert distance to minutes for time budgets; being slow here errs on the safe side
    (sessions look longer, so budgets and the 150-minute cap bite earlier).
    """
    if weekly_km < 20:
        return 465.0  # 7:45 /km
    if weekly_km < 35:
        return 420.0  # 7:00 /km
    if weekly_km < 50:
        return 390.0  # 6:30 /km
    if weekly_km < 70:
        return 360.0  # 6:00 /km
    return 330.0      # 5:30 /km


def zones_for(profile: Profile) -> PaceZones:
    """Pace zones from ``current.recent_race``, else from ``goal.target_time``, else by effort."""
    value: float | None = None
    source = "effort"
    race = profile.current.recent_race
    if race is not None:
        value = vdot(_race_km(race.distance, profile), parse_duration(race.time))
        source = "recent race"
    elif profile.goal.target_time and profile.race_km:
        value = vdot(profile.race_km, parse_duration(profile.goal.target_time))
        source = "target time"
    if value is not None and not (15.0 <= value <= 90.0):
        value = max(15.0, min(90.0, value))  # outside VDOT's fitted range: clamp rather than extrapolate
    if value is None:
        return PaceZones(units=profile.units, vdot=None, source=source, ranges={},
                         planning_easy_s_per_km=_fallback_easy_pace(profile.weekly_km))
    ranges = {z: (seconds_per_km_at(value, hi), seconds_per_km_at(value, lo)) for z, (lo, hi) in ZONES.items()}
    return PaceZones(units=profile.units, vdot=round(value, 1), source=source, ranges=ranges,
                     planning_easy_s_per_km=ranges["easy"][1])


# --- distance <-> minutes, the one conversion the model, the sessions and the checker-facing minutes share ----

def session_minutes(zones: PaceZones, distance_km: float, pause_minutes: int = 0) -> int:
    """Minutes of a training run (warm-up and cool-down included) covering ``distance_km``: its running at the
    planning pace, rounded up, plus ``pause_minutes`` spent not covering distance (the warm-up's drills and the
    cool-down's stretches: ``sessions.pause_minutes``).

    Every training session is timed at the conservative planning pace (the slow end of the easy zone, or the
    effort fallback): quality sessions run part of the way faster but walk or jog their recoveries, so this
    over-estimates rather than under-estimates, and time budgets stay honest.
    """
    return math.ceil(round(distance_km * zones.planning_easy_s_per_km / 60.0, 6)) + pause_minutes


def max_distance_dk(zones: PaceZones, minutes: int, pause_minutes: int = 0) -> int:
    """The longest training run, in tenths of a km, that fits in ``minutes`` (``pause_minutes`` of them not
    running)."""
    return max(0, int(math.floor((minutes - pause_minutes) * 600.0 / zones.planning_easy_s_per_km + 1e-9)))


def min_distance_dk(zones: PaceZones, minutes: int, pause_minutes: int = 0) -> int:
    """The shortest training run, in tenths of a km, that lasts at least ``minutes`` (``pause_minutes`` of them
    not running)."""
    running = max(1, minutes - pause_minutes)
    dk = max(1, int(math.ceil(running * 600.0 / zones.planning_easy_s_per_km - 1e-9)))
    while session_minutes(zones, dk / 10, pause_minutes) < minutes:
        dk += 1
    # session_minutes rounds up to whole minutes, so a slightly shorter run may already last them
    while dk > 1 and session_minutes(zones, (dk - 1) / 10, pause_minutes) >= minutes:
        dk -= 1
    return dk
