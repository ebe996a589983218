"""`planner feeds list|rotate` and `planner serve`: thin commands over planner.feeds and planner.serve.

planner/cli.py registers them: ``app.add_typer(feeds_app, name="feeds")`` and
``app.command("serve")(serve_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from .errors import PlannerError
from .feeds import feed_urls, list_feeds, plan_url, rotate_feed

DEFAULT_BASE_URL = "http://127.0.0.1:8000"

feeds_app = typer.Typer(
    help="Secret calendar-feed URLs of the plans in an output folder: list them, or rotate one runner's.",
    no_args_is_help=True,
)

DirArgument = Annotated[Path, typer.Argument(
    help="Output folder of `planner generate` (one runner) or `planner batch` (a folder per runner).",
    show_default=False)]
BaseUrlOption = Annotated[str, typer.Option(
    "--base-url", help="Where `planner serve` is reachable from the runners' calendar apps, e.g. "
                       "https://plans.example.org")]


def _fail(exc: PlannerError) -> NoReturn:
    for line in exc.lines():
        typer.echo(line, err=True)
    raise typer.Exit(exc.exit_code)


def _urls(base_url: str, token: str) -> list[str]:
    https, webcal = feed_urls(base_url, token)
    return [f"  feed:   {https}", f"  webcal: {webcal}", f"  plan:   {plan_url(base_url, token)}"]


@feeds_app.command("list")
def list_command(directory: DirArgument, base_url: BaseUrlOption = DEFAULT_BASE_URL) -> None:
    """Print each runner's feed URL (https and webcal) and plan page. Runners without a token get one.

    The URLs are secrets: anyone who has one can read that runner's plan. Send each runner only their own.
    """
    try:
        lines: list[str] = []
        for feed in list_feeds(directory):
            lines.append(feed.athlete_id)
            lines.extend(_urls(base_url, feed.token))
    except PlannerError as exc:
        _fail(exc)
    typer.echo("\n".join(lines))


@feeds_app.command("rotate")
def rotate_command(directory: DirArgument,
                   athlete_id: Annotated[str, typer.Argument(help="The runner's id (see `planner feeds list`).",
                                                             show_default=False)],
                   base_url: BaseUrlOption = DEFAULT_BASE_URL) -> None:
    """Give one runner a new secret feed URL; the old one stops working at once, even on a running server.

    The runner's plan.html (and a batch folder's index.html and summary.csv) are rewritten to link to the new URL.
    """
    try:
        rotation = rotate_feed(directory, athlete_id)
        lines = [f"New URLs for {athlete_id} (the old ones no longer work):", *_urls(base_url, rotation.token)]
        if rotation.pages:
            lines.append("Updated to link to the new URL: " + ", ".join(str(p) for p in rotation.pages))
        elif not rotation.stale:
            lines.append("No page linked to the old URL (pages made without --base-url have no subscribe links).")
    except PlannerError as exc:
        _fail(exc)
    typer.echo("\n".join(lines))
    if rotation.stale:
        for line in rotation.stale:
            typer.echo(line, err=True)
        typer.echo("Make those files writable and run `planner generate` (or `planner batch`) with --base-url again "
                   "to write them with the new URL.", err=True)
        raise typer.Exit(2)


def serve_command(directory: DirArgument,
                  host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 listens on every "
                                                         "interface (put HTTPS in front of it).")] = "127.0.0.1",
                  port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000) -> None:
    """Serve the plans under DIRECTORY as calendar feeds (/feeds/<token>.ics) and pages (/plans/<token>/).

    Feeds update in place when a plan is regenerated. `planner feeds list DIRECTORY` prints the URLs. Stop with Ctrl-C.
    """
    from .serve import run_server  # uvicorn is imported only by the command that needs it

    try:
        count = len(list_feeds(directory))
        shown = f"[{host}]" if ":" in host else host  # an IPv6 address needs brackets in a URL
        typer.echo(f"Serving {count} plan{'s' if count != 1 else ''} from {directory} on http://{shown}:{port}/ "
                   f"(Ctrl-C stops). URLs: planner feeds list {directory} --base-url URL", err=True)
        run_server(directory, host=host, port=port)
    except PlannerError as exc:
        _fail(exc)
