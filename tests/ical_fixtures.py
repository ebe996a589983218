"""Hand-built profiles and plans for the iCalendar, feed and server tests (no solver needed).

The plans are shaped like the engine's (runs on the run days, a long run, two strength sessions a week, a cutback
week every fourth, the race on race day, a shoe reminder) and carry text that exercises escaping and folding:
commas, semicolons, backslashes, newlines and multi-byte UTF-8 characters. Real plans of every profile in profiles/
come from tests/conftest.py's ``example_plan`` (solved once per session).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from planner.paces import session_minutes, zones_for
from planner.plan import Advice, Athlete, Block, Day, Plan, Race, Reminder, Run, StrengthSession, Week
from planner.profile import WEEKDAYS, Profile, profile_from_data

GENERATED_AT = "2026-11-25T10:00:00Z"
ROOT = Path(__file__).resolve().parent.parent

BASE_PROFILE: dict = {
    "name": "Maya Okafor",
    "id": "maya-okafor",
    "timezone": "Europe/Berlin",
    "units": "km",
    "current": {"weekly_distance": 30, "long_run": 12, "recent_race": {"distance": "10k", "time": "50:00"}},
    "goal": {"race": "half", "race_date": "2027-04-11", "race_name": "Berlin Half; Straße, Ü \\ 🏃"},
    "start_date": "2026-12-07",
    "schedule": {"run_days": ["tue", "wed", "fri", "sat", "sun"], "long_run_day": "sun",
                 "strength_days": ["mon", "thu", "sat"],
                 "start_time": {"default": "06:45", "sat": "08:30", "sun": "09:15"}},
    "shoes": [{"name": "Pegasus 40, größe 42; links\\rechts", "distance": 550},
              {"name": "Vaporfly 3", "distance": 120, "racing": True}],
}

RUN_PATTERN = {"tue": ("easy", 6.0), "wed": ("tempo", 8.0), "fri": ("recovery", 5.0), "sat": ("easy", 7.0),
               "sun": ("long", 14.0)}
STRENGTH = StrengthSession(minutes=30, focus="glutes, hamstrings; core",
                           exercises=("Bulgarian split squat 3×10, each leg", "Romanian deadlift; 3×8",
                                      "Side plank 3×30 s \\ each side", "Calf raises — 3×15"))
# The topics sessions.plan_advice writes, with shorter texts.
ADVICE = (
    Advice("warmup", "Start every run with 10 minutes of warm-up; add 20-second strides before hard sessions."),
    Advice("hydration", "Drink to thirst; on runs over 60 min carry 400–800 ml per hour, more when it is hot."),
    Advice("footwear", "Replace running shoes after about 500-800 km."),
    Advice("overtraining", "Persistent soreness, poor sleep, irritability: take extra rest days."),
    Advice("pain", "Do not run through pain; sharp or lasting pain: see a physiotherapist."),
    Advice("strength", "Lift on easy days, never the day before a hard run; stop 2 reps short of failure."),
    Advice("recovery", "Sleep 7-9 hours; keep easy days easy; rest days are part of the plan."),
)


def sample_profile(**overrides) -> Profile:
    """The base profile, with top-level keys replaced (a dict value is merged one level deep)."""
    data = copy.deepcopy(BASE_PROFILE)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return profile_from_data(data, source="sample")


def _blocks(run_type: str, km: float, minutes: int, pace: str, units: str) -> tuple[Block, ...]:
    main = minutes - 20
    text = {"tempo": f"3 × 8 min at threshold, 2 min jog between; {pace}",
            "long": f"Long easy {km - 3:.1f} km at {pace}, relaxed, fuel every 40 min",
            }.get(run_type, f"Easy {km - 3:.1f} km at {pace}, conversational")
    return (Block("warmup", 10, "5 min easy jog, leg swings, high knees, 4 × 20 s strides"),
            Block("main", main, text),
            Block("cooldown", 10, "5 min walk-jog, calf and hamstring stretches"))


def sample_plan(profile: Profile | None = None, *, generated_at: str = GENERATED_AT, scale: float = 1.0,
                weeks: int | None = None) -> Plan:
    """A plan shaped like the engine's for ``profile`` (default: ``sample_profile()``).

    Args:
        profile: the runner.
        generated_at: the plan's generation time.
        scale: multiplies every run distance (a changed plan for the SEQUENCE tests).
        weeks: cut the plan to this many weeks (and drop the race) for small test plans.
    """
    profile = profile or sample_profile()
    zones = zones_for(profile)
    start = profile.start_date
    end = profile.goal.race_date if weeks is None else start + dt.timedelta(days=7 * weeks - 1)
    race_km = profile.race_km
    shoes = [s for s in profile.shoes if not s.racing]
    racing = [s for s in profile.shoes if s.racing]
    strength_days = set(profile.schedule.strength_days or ())
    days, week_rows = [], []
    date = start
    while date <= end:
        weekday = WEEKDAYS[date.weekday()]
        week_index = (date - start).days // 7
        recovery = week_index % 4 == 3
        run = strength = None
        if weeks is None and date == end:
            minutes = session_minutes(zones, race_km) + 20
            run = Run("race", round(race_km, 1), minutes, 10, 10,
                      (Block("warmup", 10, "Jog 10 min, 3 strides"), Block("main", minutes - 20, "Race, even effort"),
                       Block("cooldown", 10, "Walk and jog it out")),
                      zones.label("threshold"), racing[0].name if racing else None)
        elif weekday in RUN_PATTERN and (weeks is not None or (end - date).days > 6 or weekday != "wed"):
            run_type, km = RUN_PATTERN[weekday]
            km = round(km * scale * (0.8 if recovery else 1.0) * (1 + 0.02 * min(week_index, 10)), 1)
            minutes = session_minutes(zones, km)
            pace = zones.label("threshold" if run_type == "tempo" else "easy")
            shoe = (racing if run_type == "tempo" and racing else shoes)[0].name if profile.shoes else None
            run = Run(run_type, km, minutes, 10, 10, _blocks(run_type, km, minutes, pace, profile.units), pace, shoe)
        if weekday in strength_days and (end - date).days > 6:
            strength = STRENGTH
        days.append(Day(date, run, strength))
        date += dt.timedelta(days=1)
    monday = start - dt.timedelta(days=start.weekday())
    number = 1
    while monday <= end:
        week_days = [d for d in days if monday <= d.date <= monday + dt.timedelta(days=6)]
        distance = round(sum(d.run.distance_km for d in week_days if d.run), 1)
        recovery = (number - 1) % 4 == 3
        phase = "race" if weeks is None and end - monday < dt.timedelta(days=7) else "build"
        week_rows.append(Week(number, monday, phase, recovery, distance))
        monday += dt.timedelta(days=7)
        number += 1
    reminders = ()
    if shoes:
        reminders = (Reminder(start + dt.timedelta(days=17), "shoe_replacement", shoes[0].name,
                              f"Replace “{shoes[0].name}” before your run on "
                              f"{(start + dt.timedelta(days=19)).isoformat()}: it passes its limit."),)
    race = None
    if weeks is None and race_km:
        race = Race(profile.goal.race_name or "Race", end, round(race_km, 1))
    athlete = Athlete(profile.athlete_id, profile.name, profile.timezone, profile.units)
    return Plan(generated_at=generated_at, athlete=athlete, start_date=start, end_date=end, race=race,
                rules={"warmup_minutes": 10, "cooldown_minutes": 10}, weeks=tuple(week_rows), days=tuple(days),
                reminders=reminders, advice=ADVICE)


def write_plan_folder(folder: Path, plan: Plan, profile: Profile) -> Path:
    """Write plan.json, plan.ics and a small plan.html into ``folder`` the way `planner generate` would
    (each replaced atomically), regenerating plan.ics against the one already there."""
    import os

    from planner.render.ical import render_ical

    folder.mkdir(parents=True, exist_ok=True)
    previous = (folder / "plan.ics").read_bytes() if (folder / "plan.ics").exists() else None
    files = {
        "plan.json": plan.to_json().encode("utf-8"),
        "plan.ics": render_ical(plan, profile, previous=previous),
        "plan.html": f"<!doctype html><title>{plan.athlete.name}</title><p>{len(plan.days)} days</p>\n".encode(),
    }
    for name, data in files.items():
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, folder / name)
    return folder
