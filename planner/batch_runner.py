"""Planning one runner of a batch: the unit of work, the same in every process that runs it.

:func:`prepare_runner` solves, certifies and renders a runner in memory; :func:`write_outcome` writes its files.
They are separate so that the files are written where it is safe: by a local worker once the batch allows it, or
by the batch's own process for a remote (Dask) worker, which cannot reach the output folder. :func:`plan_runner`
does both. A runner's problems never raise: a bad profile, an unreachable goal or a bug in planner becomes an
outcome saying so, and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .batch_interrupts import interrupts_deferred
from .engine import build_plan
from .errors import InfeasibleGoal, PlannerError, ProfileError
from .outputs import OutputError, render_all, write_atomic
from .plan import Plan
from .profile import Profile

PARTIAL_PREFIX = ".batch-partial-"   # a new runner's folder while it is written; renamed into place when whole
# A batch writes its runners' files without an fsync each and flushes them all to disk once at its end
# (flush_to_disk): 1.6 ms a runner saved. Where os.sync is missing (Windows), each file is synced as it is written.
SYNC_EACH_FILE = not hasattr(os, "sync")

Status = Literal["planned", "invalid", "infeasible", "error"]


@dataclass(frozen=True)
class BatchOptions:
    """What every runner's files share: the generation time and the rendering options."""

    generated_at: str               # resolved once, so every runner of a batch has the same timestamp
    include_rest_days: bool = False
    alarms: bool = False


@dataclass(frozen=True)
class RunnerTask:
    """One runner to plan. ``previous_ics`` is sent only to remote workers, which cannot read the output folder."""

    index: int
    source: str
    athlete_id: str
    profile: Profile
    feed_url: str | None = None
    previous_ics: bytes | None = None


@dataclass(frozen=True)
class WeekBar:
    """One week of a runner's plan, for the overview's chart."""

    km: float
    phase: str
    recovery: bool


@dataclass(frozen=True)
class PlanSummary:
    """What the group overview and summary.csv show of a planned runner (distances in km)."""

    goal: str                       # "Half marathon", "40 km a week"
    race_name: str | None
    race_date: dt.date | None
    race_km: float | None
    start_date: dt.date
    end_date: dt.date
    weeks: int
    peak_week_km: float
    longest_run_km: float
    units: str
    conservative: bool              # pain made the plan conservative
    notes: tuple[str, ...]          # the plan's pain, goal and schedule warnings, in its words
    bent: int                       # preferences the plan had to bend
    bars: tuple[WeekBar, ...]


@dataclass(frozen=True)
class RunnerOutcome:
    """The result for one runner: planned (with a summary and the files written) or not (with the reason)."""

    index: int
    source: str
    athlete_id: str | None
    name: str | None
    status: Status
    lines: tuple[str, ...] = ()     # why the runner was not planned: the lines `planner generate` prints
    exit_code: int = 0              # what `planner generate` would have exited with
    summary: PlanSummary | None = None
    feed_url: str | None = None
    changed: tuple[str, ...] = ()   # files of the runner's folder whose bytes changed (and were written)
    files_total: int = 0            # files the runner has (changed or not)
    solve_s: float = 0.0            # build_plan: solving, composing, the independent checker
    render_s: float = 0.0           # plan.json/.csv/.html/.ics in memory
    write_s: float = 0.0
    files: dict[str, bytes] | None = field(default=None, repr=False)  # rendered, not yet written (remote workers)

    @property
    def planned(self) -> bool:
        return self.status == "planned"



def prepare_runner(task: RunnerTask, options: BatchOptions, out_dir: Path | None) -> RunnerOutcome:
    """Plan, certify and render one runner, writing nothing: a planned outcome carries its files, to be written with
    :func:`write_outcome`.

    Args:
        task: the runner.
        options: the batch's generation time and rendering options.
        out_dir: the batch's output folder, read for the runner's previous plan.ics (each event keeps its SEQUENCE);
            None on a remote worker, which gets that file's bytes in ``task.previous_ics`` instead.

    Returns:
        The outcome: planned with ``files``, or not planned with the reason (never an exception).
    """
    name = task.profile.name
    t0 = time.perf_counter()
    try:
        plan = build_plan(task.profile, options.generated_at, source=task.source)
        t1 = time.perf_counter()
        files = _render(plan, task, options, out_dir)
        t2 = time.perf_counter()
    except PlannerError as exc:
        return failed_outcome(task.index, task.source, task.athlete_id, name, exc, time.perf_counter() - t0)
    except Exception as exc:  # a bug in planner: isolated to this runner, said plainly
        return internal_error(task, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    return RunnerOutcome(task.index, task.source, task.athlete_id, name, "planned",
                         summary=summarize(plan, task.profile), feed_url=task.feed_url, files_total=len(files),
                         solve_s=t1 - t0, render_s=t2 - t1, files=files)


def write_outcome(outcome: RunnerOutcome, out_dir: Path, *, sync: bool = True) -> RunnerOutcome:
    """Write the files a prepared outcome carries into ``out_dir/<id>/``; the outcome returned says which changed.

    An outcome without files (not planned, or already written) is returned as it is. A folder that cannot be
    written makes the runner not planned, with the reason. ``sync``: as for :func:`write_runner_files`.
    """
    if outcome.files is None or outcome.athlete_id is None:
        return outcome
    t0 = time.perf_counter()
    try:
        changed = write_runner_files(out_dir, outcome.athlete_id, outcome.files, sync=sync)
    except OutputError as exc:
        return replace(failed_outcome(outcome.index, outcome.source, outcome.athlete_id, outcome.name, exc,
                                      outcome.solve_s), render_s=outcome.render_s)
    return replace(outcome, changed=changed, files=None, write_s=time.perf_counter() - t0)


def plan_runner(task: RunnerTask, options: BatchOptions, out_dir: Path | None, *, sync: bool = True) -> RunnerOutcome:
    """Plan, certify and render one runner and write its files into ``out_dir/<id>/`` (with ``out_dir`` None, the
    files come back in the outcome, unwritten). Never raises for the runner's own sake."""
    prepared = prepare_runner(task, options, out_dir)
    return prepared if out_dir is None else write_outcome(prepared, out_dir, sync=sync)


def failed_outcome(index: int, source: str, athlete_id: str | None, name: str | None, exc: PlannerError,
                   seconds: float = 0.0) -> RunnerOutcome:
    """A runner not planned because of ``exc``, with the lines and exit status `planner generate` would give."""
    status: Status = ("invalid" if isinstance(exc, ProfileError) else
                      "infeasible" if isinstance(exc, InfeasibleGoal) else "error")
    return RunnerOutcome(index, source, athlete_id, name, status, lines=tuple(exc.lines()), exit_code=exc.exit_code,
                         solve_s=seconds)


def internal_error(task: RunnerTask, what: str, seconds: float = 0.0) -> RunnerOutcome:
    """A runner not planned because planner itself failed (``what`` says how): reported, never hidden."""
    return RunnerOutcome(task.index, task.source, task.athlete_id, task.profile.name, "error",
                         lines=(f"{task.source}: internal error: {what}. This is a bug in planner; run `planner "
                                "generate` on this profile with PLANNER_DEBUG=1 for details and report it.",),
                         exit_code=1, solve_s=seconds)


def _render(plan: Plan, task: RunnerTask, options: BatchOptions, out_dir: Path | None) -> dict[str, bytes]:
    kwargs = {"feed_url": task.feed_url, "include_rest_days": options.include_rest_days, "alarms": options.alarms}
    if out_dir is not None:
        return render_all(plan, task.profile, Path(out_dir) / task.athlete_id, **kwargs)
    # render_all reads the previous plan.ics (to keep each event's SEQUENCE) from the runner's folder; a remote
    # worker has no such folder, so the caller sent the file's bytes and they are put where render_all looks.
    with tempfile.TemporaryDirectory(prefix="planner-batch-") as tmp:
        if task.previous_ics is not None:
            (Path(tmp) / "plan.ics").write_bytes(task.previous_ics)
        return render_all(plan, task.profile, Path(tmp), **kwargs)


def summarize(plan: Plan, profile: Profile) -> PlanSummary:
    """The figures of a plan the group overview shows."""
    if profile.goal.race is not None:
        goal = profile.race_label() or "Race"
    else:
        goal = f"{profile.goal.weekly_distance:g} {profile.units} a week"
    return PlanSummary(
        goal=goal, race_name=plan.race.name if plan.race else None, race_date=plan.race.date if plan.race else None,
        race_km=plan.race.distance_km if plan.race else None, start_date=plan.start_date, end_date=plan.end_date,
        weeks=len(plan.weeks), peak_week_km=plan.peak_week_km, longest_run_km=plan.longest_run_km,
        units=profile.units, conservative=bool(plan.extras.get("conservative")),
        notes=tuple(w.text for w in plan.warnings if w.kind != "preference"),
        bent=sum(1 for w in plan.warnings if w.kind == "preference"),
        bars=tuple(WeekBar(w.distance_km, w.phase, w.recovery) for w in plan.weeks))


def write_runner_files(out_dir: Path, athlete_id: str, files: dict[str, bytes], *, sync: bool = True) -> tuple[str, ...]:
    """Write a runner's files into ``out_dir/<id>/``; returns the names whose bytes changed.

    An existing folder gets only its changed files replaced, each atomically; a new folder is written aside and
    renamed into place, so it appears whole. Ctrl-C waits until the runner is written. ``sync=False`` leaves the
    flush to disk to the caller (:func:`flush_to_disk`), once for a whole batch.

    Raises:
        OutputError: the folder cannot be written.
    """
    folder = Path(out_dir) / athlete_id
    with interrupts_deferred():
        try:
            if folder.is_dir():
                return tuple(name for name, data in files.items() if write_atomic(folder / name, data, sync=sync))
            tmp = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{athlete_id}.", dir=out_dir))
            try:
                for name, data in files.items():
                    write_atomic(tmp / name, data, sync=sync)
                os.chmod(tmp, 0o755)  # mkdtemp's folders are private; plan folders are ordinary ones
                os.rename(tmp, folder)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write ({exc.strerror or exc})") from None
    return tuple(files)



def flush_to_disk() -> None:
    """Flush the files written with ``sync=False`` to disk (all of them at once: os.sync)."""
    if not SYNC_EACH_FILE:
        os.sync()


def remove_partials(out_dir: Path, athlete_id: str | None = None) -> None:
    """Remove the folders a runner's writing left aside when it was killed (one runner's, or all); never a plan's."""
    # "<prefix><id>.<random>": ids have no dots, so one runner's pattern never matches another's (ada, ada-lovelace)
    pattern = f"{PARTIAL_PREFIX}{athlete_id}.*" if athlete_id is not None else f"{PARTIAL_PREFIX}*"
    for leftover in Path(out_dir).glob(pattern):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
