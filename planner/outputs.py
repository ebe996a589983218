"""Writing a plan's files: all rendered first, then each written to a temporary name and renamed into place.

Nothing half-written is ever visible: a reader (a subscribed calendar, `planner serve`) sees the old file or the
new one. A file whose bytes did not change is not rewritten at all, so its mtime stays (idempotent batch runs).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import PlannerError
from .plan import Plan
from .profile import Profile


class OutputError(PlannerError):
    """The output folder cannot be written."""

    exit_code = 2


@dataclass(frozen=True)
class Written:
    path: Path
    changed: bool


def write_atomic(path: Path, data: bytes, *, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` via a temporary file in the same folder; False when the bytes were already there.

    ``sync``: the bytes reach the disk before the rename (fsync). A batch writing thousands of files passes False
    and flushes them all once at its end (batch_runner.flush_to_disk): an fsync per file was most of its writing
    time, and the rename alone already keeps every file whole for its readers."""
    try:
        if path.exists() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def prepare_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{out_dir}: exists and is not a folder; choose another -o") from None
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK):
        raise OutputError(f"{out_dir}: the output folder is not writable")
    return out_dir


def render_all(plan: Plan, profile: Profile, out_dir: Path, *, feed_url: str | None = None,
               include_rest_days: bool = False, alarms: bool = False) -> dict[str, bytes]:
    """Every file of a plan, rendered in memory (plan.ics compared with the one already in ``out_dir``)."""
    from .render.html import render_html
    from .render.ical import render_ical
    from .render.json import render_json
    from .render.table import render_csv

    previous = None
    ics_path = Path(out_dir) / "plan.ics"
    if ics_path.exists():
        try:
            previous = ics_path.read_bytes()
        except OSError:
            previous = None
    today = _local_date(plan)
    return {
        "plan.json": render_json(plan).encode("utf-8"),
        "plan.csv": render_csv(plan).encode("utf-8"),
        "plan.html": render_html(plan, profile, feed_url=feed_url, today=today).encode("utf-8"),
        "plan.ics": render_ical(plan, profile, previous=previous, include_rest_days=include_rest_days,
                                alarms=alarms),
    }


def _local_date(plan: Plan):
    """The runner's date when the plan was generated, in their time zone: the page marks that week as this week
    (a plan generated at 23:30 UTC on Sunday is Monday's plan in Tokyo)."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        stamp = dt.datetime.fromisoformat(plan.generated_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    try:
        return stamp.astimezone(ZoneInfo(plan.athlete.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return stamp.date()


def write_plan(plan: Plan, profile: Profile, out_dir: Path, **options) -> list[Written]:
    """Render and write plan.json, plan.csv, plan.html and plan.ics into ``out_dir``."""
    out_dir = prepare_dir(Path(out_dir))
    files = render_all(plan, profile, out_dir, **options)
    written = []
    try:
        for name, data in files.items():
            written.append(Written(out_dir / name, write_atomic(out_dir / name, data)))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write ({exc.strerror})") from None
    return written
