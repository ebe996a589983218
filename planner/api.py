"""One call per CLI command: what `planner generate`, `planner check` and `planner replan` do, as library functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import Violation, check_plan
from .engine import build_plan
from .errors import PlanFileError
from .outputs import Written, prepare_dir, write_plan
from .plan import Plan, load_plan
from .profile import KM_PER_MILE, Profile, load_profile

if TYPE_CHECKING:
    from .history import ActivityLog


def format_distance(km: float, units: str) -> str:
    """``"12.3 km"`` or ``"7.6 mi"``: a distance in kilometres shown in the profile's units, one decimal."""
    value = km / KM_PER_MILE if units == "mi" else km
    return f"{value:.1f} {units}"


@dataclass(frozen=True)
class GenerateResult:
    plan: Plan
    profile: Profile
    written: list[Written]
    feed_url: str | None

    def format_distance(self, km: float) -> str:
        return format_distance(km, self.profile.units)


def generate_plan_files(profile_path: str | Path, out_dir: str | Path, *, generated_at: str | None = None,
                        base_url: str | None = None, include_rest_days: bool = False,
                        alarms: bool = False) -> GenerateResult:
    """Load a profile, build and certify its plan, and write plan.json/.csv/.html/.ics into ``out_dir``.

    Nothing is written unless the plan passed every check. With ``base_url`` the runner gets a secret feed token
    (kept in out_dir/feeds.json) and the page links to the feed.
    """
    profile = load_profile(profile_path)
    plan = build_plan(profile, generated_at, source=str(profile_path))
    out = Path(out_dir)
    feed_url = _feed_url(out, profile, base_url)
    written = write_plan(plan, profile, out, feed_url=feed_url, include_rest_days=include_rest_days, alarms=alarms)
    return GenerateResult(plan=plan, profile=profile, written=written, feed_url=feed_url)


def _feed_url(out: Path, profile: Profile, base_url: str | None) -> str | None:
    """The runner's secret feed URL under ``base_url`` (a token is issued in out/feeds.json the first time)."""
    if not base_url:
        return None
    from .feeds import ensure_tokens, feed_urls
    prepare_dir(out)
    token = ensure_tokens(out, [profile.athlete_id])[profile.athlete_id]
    return feed_urls(base_url, token)[0]


def check_plan_file(profile_path: str | Path, plan_path: str | Path) -> list[Violation]:
    """Every rule violation of a plan.json against the profile it was made for (empty: all rules hold)."""
    profile = load_profile(profile_path)
    plan = load_plan(plan_path)
    return check_plan(plan, profile)


# --- planner replan ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeekChange:
    """One Monday-Sunday week whose planned distance a re-plan changed (None: the week is not in that plan)."""

    start: dt.date
    number_before: int | None
    km_before: float | None
    number_after: int | None
    km_after: float | None


@dataclass(frozen=True)
class CalendarChanges:
    """What subscribed calendars see change in plan.ics: events by UID, compared with the file that was there."""

    updated: int     # same UID, new content, SEQUENCE raised
    added: int
    removed: int
    unchanged: int   # same UID, same SEQUENCE: the past, and future sessions the re-plan left as they were


@dataclass(frozen=True)
class ReplanResult:
    """What `planner replan` did: the new plan, the one it replaced, and what changed between them."""

    plan: Plan
    previous: Plan               # the plan that was followed (DIR/plan.json before the re-plan)
    profile: Profile
    today: dt.date               # the first re-planned day
    log: ActivityLog             # what the activity log held
    written: list[Written]
    feed_url: str | None
    week_changes: tuple[WeekChange, ...]
    days_changed: int            # days from today on whose run or strength session changed
    calendar: CalendarChanges

    def format_distance(self, km: float) -> str:
        return format_distance(km, self.profile.units)

    @property
    def actual_weeks(self) -> tuple:
        """Planned against run (planner.plan.ActualWeek), one per week before ``today``."""
        return self.plan.actual.weeks if self.plan.actual is not None else ()


def replan_plan_files(profile_path: str | Path, log_path: str | Path, out_dir: str | Path, *,
                      today: str | dt.date | None = None, generated_at: str | None = None,
                      base_url: str | None = None, include_rest_days: bool | None = None,
                      alarms: bool | None = None) -> ReplanResult:
    """Re-plan the plan in ``out_dir`` from what the activity log says was run, and rewrite its files in place.

    The days before ``today`` stay exactly as they were planned (so their calendar events keep UID and SEQUENCE);
    from ``today`` on the plan is solved again from the volumes actually run, and certified like any plan.

    Args:
        profile_path: the runner's profile (YAML, TOML or JSON), the one the plan in ``out_dir`` was made for.
        log_path: Strava's activities.csv, Garmin Connect's activities CSV, or a folder of GPX files.
        out_dir: the folder `planner generate` wrote: its plan.json is the plan being followed.
        today: the first day to re-plan (ISO date). Default: today in the profile's time zone.
        generated_at: ISO 8601 generation time (default now): plan.json's ``generated_at`` and the calendar
            stamps of changed events.
        base_url: where `planner serve` runs, for the page's subscribe links (as for `planner generate`).
        include_rest_days, alarms: as for `planner generate`; None keeps what the folder's plan.ics has, so a
            subscribed calendar does not lose its rest-day events or alarms.

    Raises:
        PlanFileError: ``out_dir`` has no plan.json (run `planner generate` first) or it cannot be read (exit 2).
        HistoryError: the log cannot be read, or ``today`` is not a date (exit 2).
        ProfileError: the profile is invalid or does not fit the plan (exit 2).
        InfeasibleGoal: nothing safe remains from ``today`` (exit 3).
    """
    from .history import parse_today, read_log
    from .render.ical import previous_events
    from .replan import replan_plan

    profile = load_profile(profile_path)
    day = parse_today(today, profile.timezone)
    out = Path(out_dir)
    plan_json = out / "plan.json"
    if not plan_json.is_file():
        raise PlanFileError(f"{plan_json}: no plan to re-plan here; run `planner generate {profile_path} -o {out}` "
                            "first, then replan that folder", source=str(plan_json))
    previous = load_plan(plan_json)
    log = read_log(log_path, units=profile.units, timezone=profile.timezone)
    plan = replan_plan(profile, previous, log, today=day, generated_at=generated_at, source=str(profile_path),
                       log_name=str(log_path))
    old_ics = _read_bytes(out / "plan.ics")
    if include_rest_days is None:
        include_rest_days = old_ics is not None and b"\nCATEGORIES:Rest" in _unfolded(old_ics)
    if alarms is None:
        alarms = old_ics is not None and b"\nBEGIN:VALARM" in _unfolded(old_ics)
    feed_url = _feed_url(out, profile, base_url)
    # Rendered with the profile the plan was certified against (the page re-checks the rules with it).
    written = write_plan(plan, certified_profile(profile, previous, plan), out, feed_url=feed_url,
                         include_rest_days=include_rest_days, alarms=alarms)
    new_ics = _read_bytes(out / "plan.ics") or b""
    return ReplanResult(plan=plan, previous=previous, profile=profile, today=day, log=log, written=written,
                        feed_url=feed_url, week_changes=tuple(week_changes(previous, plan)),
                        days_changed=days_changed(previous, plan, day),
                        calendar=calendar_changes(previous_events(old_ics) if old_ics else {},
                                                  previous_events(new_ics)))


def certified_profile(profile: Profile, previous: Plan, plan: Plan) -> Profile:
    """The profile a re-planned ``plan`` was certified against, for the views that re-check it (plan.html).

    That is the profile as the plan was first made from it (its start date and baseline, not a ``current`` block
    `planner import` may have updated since) with, when the goal was no longer reachable safely, the goal the plan
    aims at instead: a shorter race on the same day, or the same race on a later date.
    """
    from .profile import NAMED_RACES_KM
    from .replan import planned_profile

    base = planned_profile(profile, previous)
    if plan.race is None or base.goal.race is None or base.race_km is None:
        return base
    goal: dict = {}
    if plan.race.date != base.goal.race_date:
        goal["race_date"] = plan.race.date
    if abs(plan.race.distance_km - base.race_km) > 0.06:  # plan.json keeps one decimal: 21.1 for 21.0975
        goal["race"] = next((key for key, km in NAMED_RACES_KM.items() if abs(km - plan.race.distance_km) <= 0.06),
                            plan.race.distance_km / KM_PER_MILE if base.units == "mi" else plan.race.distance_km)
    return base.model_copy(update={"goal": base.goal.model_copy(update=goal)}) if goal else base


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _unfolded(ics: bytes) -> bytes:
    return b"\n" + ics.replace(b"\r\n", b"\n").replace(b"\n ", b"").replace(b"\n\t", b"")


def week_changes(previous: Plan, plan: Plan) -> list[WeekChange]:
    """The weeks whose planned distance differs (by 0.1 km or more), matched by their Monday, in date order."""
    before = {w.start: w for w in previous.weeks}
    after = {w.start: w for w in plan.weeks}
    changes = []
    for start in sorted(before.keys() | after.keys()):
        old, new = before.get(start), after.get(start)
        if old is not None and new is not None and round(old.distance_km, 1) == round(new.distance_km, 1):
            continue
        changes.append(WeekChange(start, old.number if old else None, old.distance_km if old else None,
                                  new.number if new else None, new.distance_km if new else None))
    return changes


def days_changed(previous: Plan, plan: Plan, today: dt.date) -> int:
    """How many days from ``today`` on have another session than before (a day only one plan has counts too)."""
    before = {d.date: d for d in previous.days if d.date >= today}
    after = {d.date: d for d in plan.days if d.date >= today}
    return sum(1 for date in before.keys() | after.keys() if before.get(date) != after.get(date))


def calendar_changes(before: dict, after: dict) -> CalendarChanges:
    """Count events of two plan.ics files (``render.ical.previous_events`` of each) by what happened to them."""
    both = before.keys() & after.keys()
    updated = sum(1 for uid in both if after[uid].sequence != before[uid].sequence)
    return CalendarChanges(updated=updated, added=len(after.keys() - before.keys()),
                           removed=len(before.keys() - after.keys()), unchanged=len(both) - updated)
