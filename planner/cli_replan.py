"""`planner replan`: re-plan a plan from what was actually run, a thin command over planner.api.replan_plan_files.

planner/cli.py registers it: ``app.command("replan")(replan_command)``. Exit status: 0 re-planned (perhaps for a
nearer goal: the report and the page say so), 2 bad input (no plan in DIR, a log or a date that cannot be read, a
profile that does not fit the plan), 3 nothing safe remains from --today.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

# Weeks of "planned vs run" the report shows (the page shows them all), and re-planned weeks it lists one by one.
RECENT_WEEKS = 4
LISTED_CHANGES = 8


def replan_command(
    profile: Annotated[Path, typer.Argument(
        metavar="PROFILE", help="The runner's profile (YAML, TOML or JSON), the one the plan in DIR was made for.",
        show_default=False)],
    log: Annotated[Path, typer.Option(
        "--log", "-l", metavar="LOG", help="The activity log: Strava's activities.csv (bulk export), Garmin Connect's "
                                           "activities CSV, or a folder of GPX files.", show_default=False)],
    output: Annotated[Path, typer.Option(
        "-o", "--output", metavar="DIR", help="The folder `planner generate` wrote: its plan.json is the plan being "
                                              "followed; plan.json, plan.csv, plan.html and plan.ics are rewritten "
                                              "in place.", show_default=False)],
    today: Annotated[Optional[str], typer.Option(
        "--today", metavar="DATE", help="The first day to re-plan, YYYY-MM-DD: the days before it stay as planned "
                                        "and are compared with the log. Default: today in the profile's time "
                                        "zone.")] = None,
    generated_at: Annotated[Optional[str], typer.Option(
        "--generated-at", help="Generation time, ISO 8601 (e.g. 2026-11-30T06:00:00Z): fixes the timestamps, for "
                               "byte-identical output. Default: now.")] = None,
    base_url: Annotated[Optional[str], typer.Option(
        "--base-url", help="Where `planner serve` is reachable, as given to `planner generate`: keeps the page's "
                           "subscribe links.")] = None,
    rest_days: Annotated[Optional[bool], typer.Option(
        "--rest-days/--no-rest-days", help="Rest days as all-day calendar events. Default: as in DIR/plan.ics.",
        show_default=False)] = None,
    alarms: Annotated[Optional[bool], typer.Option(
        "--alarms/--no-alarms", help="A reminder alarm on each session. Default: as in DIR/plan.ics.",
        show_default=False)] = None,
) -> None:
    """Re-plan from what was actually run: keep the days before --today, compare them with the log, re-solve the rest.

    The progression cap and the workload ratio apply to the distances run, so a missed week lowers what comes
    next and an over-run week does not license a bigger jump. The goal is kept when it is still reachable safely;
    otherwise the plan says so and aims for the nearest safe alternative (exit 3 only when nothing safe remains).
    Calendar events keep their UIDs: past events do not change, changed future ones get a higher SEQUENCE.
    """
    from .cli import run_guarded

    def body() -> int:
        from .api import replan_plan_files
        result = replan_plan_files(profile, log, output, today=today, generated_at=generated_at,
                                   base_url=base_url, include_rest_days=rest_days, alarms=alarms)
        _print_report(result)
        return 0

    run_guarded(body)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_report(result) -> None:
    plan, previous, dist = result.plan, result.previous, result.format_distance
    runs = len(result.log.runs)
    typer.echo(f"{plan.athlete.name}: re-planned from {result.today} with {result.log.source} "
               f"({result.log.format}, {_plural(runs, 'run')}); all 12 rules hold.")

    recent = result.actual_weeks[-RECENT_WEEKS:]
    if recent:
        typer.echo(f"Planned vs run, {'the last ' + _plural(len(recent), 'week') if len(recent) > 1 else 'last week'} "
                   f"before {result.today}:")
        for w in recent:
            share = f" ({w.actual_km / w.planned_km:.0%})" if w.planned_km > 0 else ""
            typer.echo(f"  week {w.number} ({w.start}): planned {dist(w.planned_km)}, ran {dist(w.actual_km)}{share}; "
                       f"{_plural(w.actual_runs, 'run')} ({w.planned_runs} planned); longest "
                       f"{dist(w.longest_actual_km)} ({dist(w.longest_planned_km)} planned)")
    else:
        typer.echo(f"Nothing of the plan lies before {result.today}: no planned days to compare with the log.")

    changes = result.week_changes
    typer.echo(f"From {result.today} to {plan.end_date}: {_plural(result.days_changed, 'day')} changed, "
               f"{_plural(len(changes), 'week')} with a new distance.")
    for c in changes[:LISTED_CHANGES]:
        if c.km_before is None:
            typer.echo(f"  week {c.number_after} ({c.start}): new, {dist(c.km_after)}")
        elif c.km_after is None:
            typer.echo(f"  week {c.number_before} ({c.start}): no longer in the plan (was {dist(c.km_before)})")
        else:
            typer.echo(f"  week {c.number_after} ({c.start}): {dist(c.km_before)} -> {dist(c.km_after)}")
    if len(changes) > LISTED_CHANGES:
        typer.echo(f"  ... and {_plural(len(changes) - LISTED_CHANGES, 'more week')} (see plan.html)")
    typer.echo(f"Peak week {dist(previous.peak_week_km)} -> {dist(plan.peak_week_km)}, "
               f"longest run {dist(previous.longest_run_km)} -> {dist(plan.longest_run_km)}.")

    for w in plan.warnings:
        typer.echo(f"  {'goal' if w.kind == 'goal' else 'note'}: {w.text}")
    cal = result.calendar
    typer.echo(f"Calendar: {_plural(cal.updated, 'event')} updated, {cal.added} added, {cal.removed} removed, "
               f"{cal.unchanged} unchanged.")
    for f in result.written:
        typer.echo(f"  {'wrote' if f.changed else 'unchanged'} {f.path}")
    if result.feed_url:
        typer.echo(f"  feed: {result.feed_url}")
