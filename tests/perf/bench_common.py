"""Shared pieces of the benchmarks: representative profiles of a given length, a timing helper."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from planner.profile import profile_from_data

START = dt.date(2026, 12, 7)


def race_profile(weeks: int, race: str = "half") -> dict:
    """A typical intermediate runner aiming at a race ``weeks`` weeks out (race on the last Sunday)."""
    return {
        "name": f"Bench Runner {weeks}",
        "timezone": "Europe/Berlin",
        "current": {"weekly_distance": 32, "long_run": 13, "runs_per_week": 5,
                    "recent_race": {"distance": "10k", "time": "49:00"}},
        "goal": {"race": race, "race_date": (START + dt.timedelta(days=7 * weeks - 1)).isoformat()},
        "start_date": START.isoformat(),
        "schedule": {"run_days": ["mon", "tue", "thu", "sat", "sun"], "rest_days": ["fri"], "long_run_day": "sun",
                     "strength_days": ["tue", "thu"], "max_minutes": {"default": 90, "sun": 300},
                     "unavailable": [(START + dt.timedelta(days=7 * (weeks // 2) + 2)).isoformat()]},
        "shoes": [{"name": "Daily", "distance": 300}, {"name": "Racer", "distance": 50, "racing": True}],
    }


def fitness_profile(weeks: int) -> dict:
    return {
        "name": f"Bench Fitness {weeks}",
        "current": {"weekly_distance": 20, "long_run": 8, "runs_per_week": 3},
        "goal": {"weekly_distance": 35},
        "start_date": START.isoformat(),
        "weeks": weeks,
        "schedule": {"run_days": ["mon", "wed", "fri", "sat", "sun"], "long_run_day": "sat"},
    }


def load(data: dict):
    return profile_from_data(data, source="bench")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{label:<38} median {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms   "
            f"max {max(ms):8.1f} ms   (n={len(ms)})")
