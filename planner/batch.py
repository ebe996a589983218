"""Plans for a whole group: a roster in, one folder per runner, the feed manifest and a group overview out.

A roster is a folder of profile files (YAML/TOML/JSON, format 1) or a spreadsheet (CSV or XLSX) with one row per
runner and columns named by profile key paths, with an optional defaults profile (:mod:`planner.batch_roster`).
Every runner is planned by the same unit of work (:mod:`planner.batch_runner`): in this process, in worker
processes on this machine (:mod:`planner.batch_pool`) or on a Dask cluster (:mod:`planner.batch_dask`), with the
same bytes written in every case. A runner whose profile is bad or whose goal is not reachable gets an outcome
saying why, in the words ``planner generate`` uses, and no folder; the others are planned. Files are written only
when their bytes change, and a new runner's folder appears whole. Ctrl-C stops the batch promptly with no folder
half-written and the group files untouched (:mod:`planner.batch_interrupts`).

This module runs a batch (:func:`run_batch`), writes the group files, and re-exports the batch API, so callers
import everything from ``planner.batch``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .batch_cells import Column, cell_value, leaf_type
from .batch_dask import DaskRun
from .batch_interrupts import InterruptWatch, interrupts_deferred
from .batch_pool import run_in_processes
from .batch_roster import SPREADSHEETS, BatchError, Roster, RosterEntry, load_roster, merge_defaults, read_defaults
from .batch_runner import (PARTIAL_PREFIX, SYNC_EACH_FILE, BatchOptions, PlanSummary, RunnerOutcome, RunnerTask,
                           Status, WeekBar, flush_to_disk, plan_runner, prepare_runner, remove_partials, summarize,
                           write_outcome, write_runner_files)
from .engine import format_stamp, parse_generated_at
from .errors import ProfileError
from .feeds import ensure_tokens, feed_urls
from .outputs import OutputError, Written, prepare_dir, write_atomic

__all__ = [
    "BatchError", "BatchOptions", "BatchResult", "Column", "PARTIAL_PREFIX", "PlanSummary", "ProgressCallback",
    "Roster", "RosterEntry", "RunnerOutcome", "RunnerTask", "SPREADSHEETS", "Status", "WeekBar", "cell_value",
    "leaf_type", "load_roster", "merge_defaults", "plan_runner", "prepare_runner", "read_defaults", "run_batch",
    "summarize", "write_group_files", "write_outcome", "write_runner_files",
]


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: every runner's outcome in roster order, the group files, and folders it left alone."""

    out_dir: Path
    outcomes: tuple[RunnerOutcome, ...]
    group_files: tuple[Written, ...]
    stale: tuple[str, ...]   # folders of OUT holding plans of runners who are not in this roster (left alone)
    kept: tuple[str, ...]    # runners not planned this time whose folder holds a plan from an earlier run
    executor: str            # "inline", "processes" or "dask"
    workers: int
    elapsed_s: float

    @property
    def planned(self) -> int:
        return sum(1 for o in self.outcomes if o.planned)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.planned

    @property
    def exit_code(self) -> int:
        """0 when every runner was planned, 1 when some were not."""
        return 0 if self.failed == 0 else 1

    @property
    def files_changed(self) -> int:
        """Files written because their bytes changed (runners' and the group files)."""
        return sum(len(o.changed) for o in self.outcomes) + sum(1 for w in self.group_files if w.changed)

    @property
    def files_unchanged(self) -> int:
        """Files left alone because their bytes were already right."""
        return sum(o.files_total - len(o.changed) for o in self.outcomes) + \
            sum(1 for w in self.group_files if not w.changed)

    def seconds(self) -> dict[str, float]:
        """Seconds per stage summed over runners, each timed where it was planned (with several workers running
        at once, the sum exceeds the batch's wall time)."""
        return {"solve": sum(o.solve_s for o in self.outcomes), "render": sum(o.render_s for o in self.outcomes),
                "write": sum(o.write_s for o in self.outcomes)}


ProgressCallback = Callable[[RunnerOutcome, int, int], None]


def run_batch(roster: Roster, out_dir: str | Path, *, workers: int | None = None, generated_at: str | None = None,
              base_url: str | None = None, include_rest_days: bool = False, alarms: bool = False,
              scheduler: str | None = None, progress: ProgressCallback | None = None,
              in_process: bool | None = None) -> BatchResult:
    """Plan every runner of ``roster`` into ``out_dir``, then write ``index.html`` and ``summary.csv``.

    Args:
        roster: from :func:`load_roster`.
        out_dir: the output folder (created when missing): ``<id>/plan.*`` per runner, feeds.json, the group files.
        workers: processes on this machine (default: every core); with ``scheduler="local"``, Dask workers; an
            existing Dask cluster (``scheduler`` an address) uses all of its own workers.
        generated_at: ISO 8601 generation time for every runner (default: now, taken once for the whole batch).
        base_url: where `planner serve` will be reachable: plans and the overview then link to each runner's feed.
        include_rest_days, alarms: as for `planner generate`.
        scheduler: None to use local processes; ``"local"`` for a Dask LocalCluster; ``"tcp://HOST:8786"`` for an
            existing Dask scheduler. The output is the same in every case.
        progress: called in this process after each runner as ``progress(outcome, done, total)``.
        in_process: plan in this process, one runner after another (no worker to start: quick for a few runners).
            Default: when there is one worker. False runs even one worker as a process of its own, as
            ``planner batch`` does: Ctrl-C then stops at once, where in this process it waits for the runner in
            hand to be planned (seconds for a long plan).

    Returns:
        The result. Runners who could not be planned are outcomes with their reason, not exceptions.

    Raises:
        BatchError, ProfileError: unusable options (exit 2). OutputError: the output folder cannot be written.
        KeyboardInterrupt: on Ctrl-C (in the main thread), once every worker has stopped; each runner folder is
            whole (written completely or not at all) and the group files are not written.
    """
    started = time.perf_counter()
    options = BatchOptions(generated_at=format_stamp(parse_generated_at(generated_at)),
                           include_rest_days=include_rest_days, alarms=alarms)
    if workers is not None and workers < 1:
        raise BatchError(f"--workers: {workers} must be at least 1")
    if in_process and (scheduler is not None or (workers or 1) > 1):
        raise BatchError("in_process plans one runner at a time in this process: give workers=1 and no scheduler")
    if base_url is not None:
        feed_urls(base_url, "x" * 22)  # raises FeedError (exit 2) for a malformed URL before any work
    out = Path(out_dir)
    valid = [e for e in roster.entries if e.valid]
    workers = max(1, min(workers or os.cpu_count() or 1, len(valid)))
    total = len(roster.entries)
    outcomes: dict[int, RunnerOutcome] = {}

    def record(outcome: RunnerOutcome) -> None:
        outcomes[outcome.index] = outcome
        if progress is not None:
            progress(outcome, len(outcomes), total)

    with InterruptWatch() as interrupts:
        # a Dask scheduler is reached before anything is written, so an unreachable one leaves OUT as it was
        dask_run = DaskRun(options, out, scheduler, workers) if scheduler is not None else None
        try:
            _stop_if(interrupts)
            prepare_dir(out)
            remove_partials(out)
            tokens = ensure_tokens(out, sorted({e.athlete_id for e in valid})) if valid else {}
            tasks = [RunnerTask(e.index, e.source, e.athlete_id, e.profile,
                                feed_urls(base_url, tokens[e.athlete_id])[0] if base_url else None) for e in valid]
            for entry in roster.entries:
                if not entry.valid:
                    record(RunnerOutcome(entry.index, entry.source, entry.athlete_id, entry.name, "invalid",
                                         lines=entry.problems, exit_code=ProfileError.exit_code))
            stream: Iterator[RunnerOutcome]
            if dask_run is not None:
                executor, workers, stream = "dask", dask_run.workers, dask_run.run(tasks, interrupts)
            elif in_process or (in_process is None and workers == 1):
                executor, stream = "inline", _run_inline(tasks, options, out, interrupts)
            else:
                executor, stream = "processes", run_in_processes(tasks, options, out, workers, interrupts)
            with contextlib.closing(stream) as planned:  # on Ctrl-C or an error, every worker stops before this ends
                for outcome in planned:
                    record(outcome)
        finally:
            if dask_run is not None:
                dask_run.close()
            flush_to_disk()  # the runners' files were written without an fsync each (SYNC_EACH_FILE)
        _stop_if(interrupts)  # the group files describe finished batches only
        ordered = tuple(outcomes[i] for i in sorted(outcomes))
        group = write_group_files(out, ordered, roster=roster, generated_at=options.generated_at,
                                  with_feeds=base_url is not None)
        _stop_if(interrupts)  # Ctrl-C while they were written (whole): still a stop
    kept = tuple(sorted(o.athlete_id for o in ordered
                        if not o.planned and o.athlete_id and (out / o.athlete_id / "plan.json").is_file()))
    return BatchResult(out_dir=out, outcomes=ordered, group_files=tuple(group), stale=_stale_folders(out, roster),
                       kept=kept, executor=executor, workers=workers, elapsed_s=time.perf_counter() - started)


def _stop_if(interrupts: InterruptWatch) -> None:
    if interrupts.interrupted:
        raise KeyboardInterrupt


def _run_inline(tasks: Sequence[RunnerTask], options: BatchOptions, out_dir: Path,
                interrupts: InterruptWatch) -> Iterator[RunnerOutcome]:
    """One runner after another in this process; Ctrl-C is taken between runners."""
    for task in tasks:
        if interrupts.interrupted:
            return
        outcome = plan_runner(task, options, out_dir, sync=SYNC_EACH_FILE)
        interrupts.rearm()  # OR-Tools leaves SIGINT at the system default after each solve
        yield outcome


def write_group_files(out_dir: Path, outcomes: Sequence[RunnerOutcome], *, roster: Roster, generated_at: str,
                      with_feeds: bool) -> list[Written]:
    """Render and write OUT/index.html (the group overview) and OUT/summary.csv; unchanged bytes are not rewritten."""
    from .render.group import render_group_html, render_summary_csv

    files = {
        "index.html": render_group_html(outcomes, roster_name=roster.path.name, generated_at=generated_at,
                                        with_feeds=with_feeds).encode("utf-8"),
        "summary.csv": render_summary_csv(outcomes).encode("utf-8"),
    }
    written = []
    with interrupts_deferred():
        try:
            for name, data in files.items():
                written.append(Written(out_dir / name, write_atomic(out_dir / name, data)))
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot write ({exc.strerror or exc})") from None
    return written


def _stale_folders(out_dir: Path, roster: Roster) -> tuple[str, ...]:
    """Folders of earlier plans whose runner is not in this roster (not deleted: their feeds may be subscribed)."""
    ids = {e.athlete_id for e in roster.entries}
    return tuple(sorted(p.name for p in out_dir.iterdir()
                        if p.is_dir() and not p.name.startswith(".") and p.name not in ids
                        and (p / "plan.json").is_file()))

