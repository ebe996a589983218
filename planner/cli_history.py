"""`planner import`: update a profile from an activity log, a thin command over planner.history.

planner/cli.py registers it: ``app.command("import")(import_command)``. Exit status: 0 done, 2 the log, the profile
or the options cannot be used.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class LogUnits(str, Enum):
    """--units: what a distance column that does not say its unit holds."""

    km = "km"
    mi = "mi"


def import_command(
    log: Annotated[Path, typer.Argument(
        metavar="LOG", help="The activity log: Strava's activities.csv (from its bulk export), Garmin Connect's activities CSV, "
             "or a folder of GPX files.", show_default=False)],
    profile: Annotated[Path, typer.Option(
        "--profile", "-p", metavar="PROFILE", help="The runner's profile (YAML, TOML or JSON) to update.", show_default=False)],
    output: Annotated[Optional[Path], typer.Option(
        "-o", "--output", metavar="NEW_PROFILE", help="Write the updated profile here (.yaml, .yml, .toml or .json: the extension picks the "
                               "format). Without it, print what would change and write nothing.")] = None,
    today: Annotated[Optional[str], typer.Option(
        "--today", metavar="DATE", help="The day of the import, YYYY-MM-DD: runs on or after it do not count. "
                        "Default: today in the profile's time zone.")] = None,
    units: Annotated[Optional[LogUnits], typer.Option(
        "--units", case_sensitive=False,
        help="Unit of distance columns that do not say theirs (Garmin Connect, older Strava exports). "
             "Default: the profile's units.")] = None,
) -> None:
    """Update a profile from logged runs: weekly distance, long run, runs per week and shoe distances.

    The weekly distance and runs per week are the averages of the 4 full Monday-Sunday weeks before --today, the long
    run the longest of the 30 days before it. Only runs count (Run, Trail Run, Virtual Run...), not rides or swims.
    """
    from .cli import run_guarded

    def body() -> int:
        from .history import import_history
        result = import_history(log, profile, output=output, today=today,
                                units=units.value if units else None)
        _print_report(result, profile)
        return 0

    run_guarded(body)


def _print_report(result, profile: Path) -> None:
    log, summary = result.log, result.summary
    runs = log.runs
    span = f", {log.activities[0].date} to {log.activities[-1].date}" if log.activities else ""
    typer.echo(f"{log.source} ({log.format}): {len(log.activities)} activities, {len(runs)} runs{span}.")
    first, last = summary.window
    typer.echo(f"The 4 full weeks before {summary.today} ({first} to {last}):")
    for week in summary.weeks:
        typer.echo(f"  week of {week.monday}: {result.format_distance(week.km):>9}, "
                   f"{week.runs} run{'s' if week.runs != 1 else ''}")
    longest = (f"{result.format_distance(summary.long_run_km)} on {summary.long_run_date}"
               if summary.long_run_km is not None else "none")
    typer.echo(f"  average {result.format_distance(summary.weekly_km)} a week, {summary.runs_per_week} run{'s' if summary.runs_per_week != 1 else ''} a week; "
               f"longest run of the last 30 days: {longest}")
    if result.changes:
        typer.echo(f"Changes to {profile}:")
        for change in result.changes:
            typer.echo(f"  {change}")
    else:
        typer.echo(f"No change to {profile}: it already says what the log says.")
    for note in result.notes:
        typer.echo(f"  note: {note}")
    if result.written is not None:
        typer.echo(f"Wrote {result.written}")
    else:
        typer.echo("The new `current` block (nothing written: pass -o NEW_PROFILE to write the updated profile):")
        typer.echo(result.current_text.rstrip("\n"))
