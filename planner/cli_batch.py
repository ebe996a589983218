"""`planner batch`: plans for a whole group, a thin command over planner.batch.

planner/cli.py registers it: ``app.command("batch")(batch_command)``. This module parses the options, calls
:func:`planner.batch.load_roster` and :func:`planner.batch.run_batch`, reports progress (a rich progress bar on a
terminal, plain lines otherwise) and exits 0 when every runner was planned, 1 when some were not, 2 when the roster
or the options cannot be used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from .batch import BatchResult, RunnerOutcome


def batch_command(
    roster: Annotated[Path, typer.Argument(
        help="A folder of runner profiles (YAML/TOML/JSON), or a roster spreadsheet (.csv or .xlsx) with one runner "
             "per row and columns named by profile keys: name, current.weekly_distance, goal.race, "
             "schedule.run_days (as mon;wed;sat), shoes[0].name, ...", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the plans: OUT/<id>/plan.*, "
                                                                "feeds.json, index.html and summary.csv.")],
    defaults: Annotated[Optional[Path], typer.Option(
        "--defaults", help="A profile file with what every runner shares (schedule, rules, time zone, a goal); "
                           "each runner's own values win.")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-w", min=1, help="Processes to plan with (default: every core). With --dask: Dask workers; with "
                        "--scheduler the cluster's own workers are used.")] = None,
    generated_at: Annotated[Optional[str], typer.Option(
        "--generated-at", help="Generation time, ISO 8601 (e.g. 2026-11-25T10:00:00Z), the same for every runner: "
                               "fixes 'today' and the timestamps, for byte-identical output. Default: now.")] = None,
    base_url: Annotated[Optional[str], typer.Option(
        "--base-url", help="Where `planner serve` will be reachable (e.g. https://plans.example.org): plans and "
                           "the overview then link to each runner's secret feed.")] = None,
    rest_days: Annotated[bool, typer.Option("--rest-days/--no-rest-days",
                                            help="Put rest days in the calendars as all-day events.")] = False,
    alarms: Annotated[bool, typer.Option("--alarms/--no-alarms",
                                         help="Add a reminder alarm to each session.")] = False,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on an existing Dask cluster, e.g. tcp://HOST:8786 (needs planner with its dask extra "
                            "there and here). Files are still written here.")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="Run on a Dask LocalCluster on this machine.")] = False,
) -> None:
    """Plan every runner of a roster: a folder per runner, calendar feeds, and a group overview (index.html).

    A runner whose profile is bad or whose goal is not reachable safely is listed with the reason and gets no
    folder; everyone else is planned. Re-running on the same roster (and --generated-at) changes no file.
    Exit status: 0 all planned, 1 some not planned, 2 the roster or the options cannot be used.
    """
    from .cli import run_guarded

    def body() -> int:
        from .batch import BatchError, load_roster, run_batch  # here: `planner generate` need not load the batch
        if scheduler and dask:
            raise BatchError("give either --scheduler ADDRESS or --dask, not both")
        loaded = load_roster(roster, defaults)
        with _reporter(len(loaded.entries)) as report:
            # in_process=False: even one worker is a process of its own, so that Ctrl-C stops the batch at once
            result = run_batch(loaded, output, workers=workers, generated_at=generated_at, base_url=base_url,
                               include_rest_days=rest_days, alarms=alarms,
                               scheduler=scheduler or ("local" if dask else None), progress=report, in_process=False)
        _print_summary(result)
        return result.exit_code

    run_guarded(body)


class _PlainReporter:
    """Not a terminal: a line per runner not planned, and a count at every tenth of the roster."""

    def __init__(self, total: int):
        self.total = total
        self.step = max(1, total // 10)

    def __enter__(self) -> "_PlainReporter":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, outcome: RunnerOutcome, done: int, total: int) -> None:
        if not outcome.planned:
            typer.echo(f"not planned: {outcome.source}", err=True)
            for line in outcome.lines:
                typer.echo(f"  {line}", err=True)
        if done % self.step == 0 or done == total:
            typer.echo(f"{done}/{total} runners done", err=True)


class _RichReporter:
    """A terminal: a progress bar on stderr, with each runner not planned printed above it."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn
        self.console = Console(stderr=True, highlight=False)
        self.progress = Progress(TextColumn("Planning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("eta"), TimeRemainingColumn(), console=self.console, transient=True)
        self.task = self.progress.add_task("batch", total=total)

    def __enter__(self) -> "_RichReporter":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, outcome: RunnerOutcome, done: int, total: int) -> None:
        if not outcome.planned:
            from rich.text import Text
            self.console.print(Text(f"not planned: {outcome.source}", style="bold red"))
            for line in outcome.lines:
                self.console.print(Text(f"  {line}"))
        self.progress.update(self.task, completed=done)


def _reporter(total: int) -> _PlainReporter | _RichReporter:
    return _RichReporter(total) if sys.stderr.isatty() else _PlainReporter(total)


def _print_summary(result: BatchResult) -> None:
    out = result.out_dir
    typer.echo(f"Planned {result.planned} of {len(result.outcomes)} runners into {out} in {result.elapsed_s:.1f} s "
               f"({result.workers} worker{'s' if result.workers != 1 else ''}, {result.executor}): "
               f"{result.files_changed} files written, {result.files_unchanged} unchanged.")
    if result.failed:
        typer.echo(f"{result.failed} runner{'s' if result.failed != 1 else ''} not planned: see "
                   f"{out / 'index.html'} and {out / 'summary.csv'}.")
    if result.kept:
        typer.echo(f"Earlier plans left in place for runners not planned this time: {', '.join(result.kept)}.")
    if result.stale:
        typer.echo(f"Left alone, not in this roster: {', '.join(result.stale)} (delete their folders to stop their "
                   "plans being served).")
    typer.echo(f"Group overview: {out / 'index.html'}")
