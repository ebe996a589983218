"""The `planner` command: a thin Typer layer over the library.

Each command parses its arguments, makes one library call, and reports. Library errors (PlannerError) become a
message on stderr and an exit code: 0 ok, 1 internal error or failed check, 2 bad input, 3 goal not reachable safely.
Anything else is a bug: one line saying so (the traceback only with PLANNER_DEBUG=1).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from . import __version__
from .errors import PlannerError

app = typer.Typer(
    name="planner",
    help="Safe, personalised running plans: profile in, certified plan out (plan.html, plan.ics, plan.json, plan.csv).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

GeneratedAt = Annotated[Optional[str], typer.Option(
    "--generated-at", help="Generation time, ISO 8601 (e.g. 2026-11-25T10:00:00Z): fixes 'today' and the "
                           "timestamps, for byte-identical output. Default: now.")]


def _report(exc: PlannerError) -> None:
    for line in exc.lines():
        typer.echo(line, err=True)


def run_guarded(action: Callable[[], int | None]) -> None:
    """Run a command body; map PlannerError and unexpected errors to messages and exit codes."""
    try:
        code = action() or 0
    except PlannerError as exc:
        _report(exc)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted: nothing half-written was left behind.", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # the reader of our output went away (`planner generate ... | head -1`): the work is done, the rest of the
        # report has nowhere to go; end quietly, as a shell expects of a command whose pipe closed (128 + SIGPIPE)
        _silence_stdout()
        raise typer.Exit(141) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so plainly
        if os.environ.get("PLANNER_DEBUG"):
            raise
        typer.echo(f"planner: internal error: {type(exc).__name__}: {exc}. This is a bug in planner; "
                   "run again with PLANNER_DEBUG=1 for details and report it.", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def generate(
    profile: Annotated[Path, typer.Argument(help="Runner profile: YAML, TOML or JSON (format 1).", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write plan.json, plan.csv, plan.html "
                                                                "and plan.ics into (created if missing).")],
    generated_at: GeneratedAt = None,
    base_url: Annotated[Optional[str], typer.Option(
        "--base-url", help="Where `planner serve` will be reachable (e.g. https://plans.example.org): the page "
                           "then shows subscribe links to the runner's secret feed.")] = None,
    rest_days: Annotated[bool, typer.Option("--rest-days/--no-rest-days",
                                            help="Put rest days in the calendar as all-day events.")] = False,
    alarms: Annotated[bool, typer.Option("--alarms/--no-alarms",
                                         help="Add a reminder alarm to each session (some apps ignore them).")] = False,
) -> None:
    """Build a plan for one runner, certify it against the 12 safety rules, and write its files."""

    def body() -> int:
        from .api import generate_plan_files
        result = generate_plan_files(profile, output, generated_at=generated_at, base_url=base_url,
                                     include_rest_days=rest_days, alarms=alarms)
        plan = result.plan
        unit = plan.athlete.units
        weeks = f"{len(plan.weeks)} week{'' if len(plan.weeks) == 1 else 's'}"
        typer.echo(f"{plan.athlete.name}: {weeks}, {plan.start_date} to {plan.end_date}, "
                   f"peak week {result.format_distance(plan.peak_week_km)}, "
                   f"longest run {result.format_distance(plan.longest_run_km)} ({unit}); all 12 rules hold.")
        for w in plan.warnings:
            typer.echo(f"  note: {w.text}")
        for f in result.written:
            typer.echo(f"  {'wrote' if f.changed else 'unchanged'} {f.path}")
        if result.feed_url:
            typer.echo(f"  feed: {result.feed_url}")
        return 0

    run_guarded(body)


@app.command()
def check(
    profile: Annotated[Path, typer.Argument(help="The runner profile the plan was made for.", show_default=False)],
    plan_json: Annotated[Path, typer.Argument(help="A plan.json (format 1) to verify.", show_default=False)],
) -> None:
    """Verify a plan.json against the 12 safety rules; print every violation. Exit 1 when any rule is broken."""

    def body() -> int:
        from .api import check_plan_file
        violations = check_plan_file(profile, plan_json)
        if not violations:
            typer.echo(f"{plan_json}: all 12 rules hold.")
            return 0
        for v in violations:
            typer.echo(str(v))
        typer.echo(f"{plan_json}: {len(violations)} violation{'s' if len(violations) != 1 else ''}.", err=True)
        return 1

    run_guarded(body)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the runner profile (format 1), for editor completion and validation."""

    def body() -> int:
        from .profile import profile_json_schema
        typer.echo(json.dumps(profile_json_schema(), indent=2, ensure_ascii=False))
        return 0

    run_guarded(body)


@app.command()
def version() -> None:
    """Print planner's version."""
    typer.echo(f"planner {__version__}")


def _register_subcommands() -> None:
    """Commands whose thin layers live in their own modules (feeds and serving)."""
    from .cli_feeds import feeds_app, serve_command
    app.add_typer(feeds_app, name="feeds")
    app.command("serve")(serve_command)
    from .cli_batch import batch_command
    app.command("batch")(batch_command)
    from .cli_history import import_command
    app.command("import")(import_command)
    from .cli_replan import replan_command
    app.command("replan")(replan_command)


_register_subcommands()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing what is left for a closed pipe cannot fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (a test runner): nothing to redirect
        pass


# Commands that hold nothing open once they return (no server, no worker processes, no cluster): when one of them
# is done and its output flushed, the process ends at once, without Python's teardown of every module and object,
# which after pandas and OR-Tools takes 100 ms and more, a fifth of `planner generate`.
QUICK_EXIT_COMMANDS = frozenset({"generate", "check", "schema", "version", "import", "replan"})


def main() -> None:
    """Console-script entry point."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command not in QUICK_EXIT_COMMANDS:
        app(prog_name="planner")
        return
    try:
        app(prog_name="planner")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): print it as Python would
            print(exc.code, file=sys.stderr)
            code = 1
    _quick_exit(code)


def _quick_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
