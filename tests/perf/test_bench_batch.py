"""Benchmark of `planner batch`: 1,000 generated, varied runners planned end to end, every output written.

Issue 5's targets on a 2-core machine: at least 25 plans per second end to end with all cores, a speed-up of at
least 1.7 from one worker to two, peak memory (this process and its workers together) under 1 GB. The runners are
generated from a fixed seed (same roster every run), written as a roster CSV, read by `load_roster` and planned by
`run_batch` into a temporary folder, in worker processes as `planner batch` does (one worker included): roster
parsing, starting the workers, solving, checking, rendering, writing, feeds and the group files are all inside the
measured time.

Printed: plans/s for 1 and 2 workers, the speed-up, peak memory, how the workers' time splits between solving
(build_plan with its checker), rendering and writing, and the slowest runners. Figures are written to
tests/perf/results/batch.json. BENCH_BATCH_RUNNERS overrides the roster size (for a quick look).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import statistics
import threading
import time
from pathlib import Path

from planner.batch import load_roster, run_batch

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "perf" / "results" / "batch.json"
RUNNERS = int(os.environ.get("BENCH_BATCH_RUNNERS", "1000"))
SEED = 20261125
GENERATED_AT = "2026-11-25T10:00:00Z"   # plans start on Monday 2026-11-30 unless a runner says otherwise
TARGET_PLANS_PER_S = 25
TARGET_SPEEDUP = 1.7
TARGET_PEAK_MB = 1024

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
         "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf",
         "Zoë", "Björn", "Siobhán", "Łukasz", "Ngozi"]
LAST = ["Okafor", "Schmidt", "Dubois", "Patel", "Yılmaz", "Adeyemi", "Liu", "Tanaka", "García", "Novak", "Mensah",
        "Berg", "Rossi", "Haddad", "Nilsson", "Natarajan", "O'Neill", "Costa", "Johansson", "Rahman", "Kowalski",
        "Ivanova", "Chen", "Martínez", "Demir", "Murphy", "Andersson", "Ferreira", "Kim", "Walker"]
ZONES = ["Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago", "Asia/Tokyo",
         "Asia/Kolkata", "Africa/Lagos", "Australia/Sydney", "America/Sao_Paulo"]
# goal, share of runners, current weekly km range, weeks of plan range
GOALS = [("5k", 15, (10, 30), (6, 14)), ("10k", 20, (15, 40), (8, 16)), ("half", 25, (20, 50), (10, 20)),
         ("marathon", 15, (35, 70), (14, 24)), ("50k", 5, (50, 80), (16, 26)), ("fitness", 20, (10, 40), (6, 20))]
RUN_DAY_PATTERNS = ["mon;wed;fri;sun", "tue;thu;sat;sun", "mon;tue;thu;sat;sun", "mon;wed;thu;sat;sun",
                    "mon;tue;wed;fri;sat;sun", "tue;thu;sun", "mon;wed;sat;sun"]  # [2:5]: 5 or 6 days
SHOES = [("Pegasus 40", "road"), ("Clifton 9", "road"), ("Speedgoat 5", "trail"), ("Kinvara 14", "road"),
         ("Novablast 4", "road")]


def _sunday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(6 - day.weekday()) % 7)


def generated_runners(count: int, seed: int = SEED) -> list[dict[str, str]]:
    """``count`` varied roster rows (CSV cells as text), the same for the same seed."""
    rng = random.Random(seed)
    goals = [g for g in GOALS for _ in range(g[1])]
    rows = []
    for i in range(count):
        goal, _, (lo, hi), (wlo, whi) = rng.choice(goals)
        units = "mi" if rng.random() < 0.25 else "km"
        to_units = (lambda km: km / 1.609344) if units == "mi" else (lambda km: km)
        weekly_km = rng.uniform(lo, hi)
        long_km = weekly_km * rng.uniform(0.3, 0.42)
        weeks = rng.randint(wlo, whi)
        row = {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "id": f"runner-{i:05d}", "units": units,
               "timezone": rng.choice(ZONES),
               "current.weekly_distance": f"{to_units(weekly_km):.0f}", "current.long_run": f"{to_units(long_km):.0f}"}
        # people who run long races run more days; time budgets fit the volume they already run
        days = rng.choice(RUN_DAY_PATTERNS if goal in ("5k", "10k", "fitness") else RUN_DAY_PATTERNS[2:5])
        per_run_minutes = 7 * weekly_km * 1.4 / len(days.split(";")) + 20
        weekday_minutes = next(m for m in (60, 75, 90, 105, 120, 150) if m >= per_run_minutes or m == 150)
        if goal == "fitness":
            row.update({"goal.weekly_distance": f"{to_units(weekly_km * rng.uniform(1.1, 1.4)):.0f}",
                        "weeks": str(weeks)})
        else:
            # races across 2027; most plans start now, some later so that they last the usual 10-26 weeks
            earliest = dt.date(2026, 11, 30) + dt.timedelta(weeks=wlo)
            race = _sunday_on_or_after(max(earliest, dt.date(2027, 1, 3) + dt.timedelta(days=rng.randint(0, 330))))
            start = race - dt.timedelta(weeks=weeks, days=6)
            row.update({"goal.race": goal, "goal.race_date": race.isoformat()})
            if start > dt.date(2026, 11, 30) and rng.random() < 0.5:
                row["start_date"] = start.isoformat()
            if rng.random() < 0.3:
                row["goal.race_name"] = f"{rng.choice(LAST)} {goal.upper()}"
        row["schedule.run_days"] = days
        # the long-run day's budget holds the race with warm-up and cool-down (or planner rightly refuses)
        long_minutes = {"5k": 120, "10k": 150, "half": 210, "marathon": 330, "50k": 420}.get(goal, 150)
        row["schedule.max_minutes"] = str(weekday_minutes)
        row["schedule.max_minutes.sun"] = str(long_minutes)
        if rng.random() < 0.5:
            row["current.recent_race.distance"] = rng.choice(["5k", "10k"])
            minutes = rng.uniform(19, 32) if row["current.recent_race.distance"] == "5k" else rng.uniform(40, 65)
            seconds = int(minutes * 60)
            row["current.recent_race.time"] = (f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
                                               if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}")
        for s in range(rng.choice([0, 0, 1, 1, 2])):
            name, surface = rng.choice(SHOES)
            row[f"shoes[{s}].name"] = f"{name} #{s + 1}"
            row[f"shoes[{s}].distance"] = str(rng.randint(0, 600))
            row[f"shoes[{s}].surface"] = surface
        if rng.random() < 0.05:
            row.update({"health.pain[0].area": rng.choice(["knee", "shin", "hip", "achilles"]),
                        "health.pain[0].severity": str(rng.randint(3, 5)),
                        "health.pain[0].since": "2026-11-10"})
        if rng.random() < 0.1:
            row["climate"] = rng.choice(["hot", "humid"])
        rows.append(row)
    return rows


def write_roster(path: Path, rows: list[dict[str, str]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


class MemorySampler:
    """Peak resident memory of this process plus all its descendants, sampled from /proc every 50 ms."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
            self._stop.wait(0.05)


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and its descendants (kB), found through each thread's children list (about
    0.1 ms; reading every process's status, as this did first, took 1.6 ms a sample, 3% of a core at 20 samples a
    second taken from the workers being measured). Falls back to that scan where the lists are missing."""
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
                total += next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except FileNotFoundError:
            if pid == root and not os.path.exists(f"/proc/{pid}/task/{pid}/children"):
                return _tree_rss_kb_by_scan(root)
        except OSError:
            continue  # a process that has just ended
    return total


def _tree_rss_kb_by_scan(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


TAIL_S = 2.0  # a runner whose build_plan takes longer than this is counted in the tail


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _run(roster_path: Path, out: Path, workers: int) -> dict:
    load_before = os.getloadavg()[0]
    with MemorySampler() as memory:
        t0 = time.perf_counter()
        roster = load_roster(roster_path)
        t1 = time.perf_counter()
        # as `planner batch --workers N` runs: N worker processes, one included (so 1 -> 2 compares like with like)
        result = run_batch(roster, out, workers=workers, generated_at=GENERATED_AT, in_process=False)
        elapsed = time.perf_counter() - t0
    seconds = result.seconds()
    busy = sum(seconds.values()) or 1.0
    slowest = sorted(result.outcomes, key=lambda o: -(o.solve_s + o.render_s + o.write_s))[:10]
    solves = [o.solve_s for o in result.outcomes]
    planned = [o for o in result.outcomes if o.planned]
    tail = [s for s in solves if s > TAIL_S]
    return {
        "workers": result.workers, "executor": result.executor, "runners": len(result.outcomes),
        "planned": result.planned, "not_planned": result.failed, "seconds": round(elapsed, 2),
        "roster_seconds": round(t1 - t0, 3),
        "plans_per_s": round(len(result.outcomes) / elapsed, 2), "peak_memory_mb": round(memory.peak_kb / 1024, 1),
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "stage_seconds": {k: round(v, 2) for k, v in seconds.items()},
        "stage_share": {k: round(v / busy, 3) for k, v in seconds.items()},
        # per planned runner, in ms: what a plan costs once solved (render: all four files; write: fsync'd)
        "render_ms_median": round(statistics.median(o.render_s for o in planned) * 1000, 1) if planned else None,
        "write_ms_median": round(statistics.median(o.write_s for o in planned) * 1000, 1) if planned else None,
        "solve_ms": {"p50": round(_quantile(solves, 0.5) * 1000, 1), "p90": round(_quantile(solves, 0.9) * 1000, 1),
                     "p99": round(_quantile(solves, 0.99) * 1000, 1), "max": round(max(solves) * 1000, 1)},
        "tail": {"threshold_s": TAIL_S, "runners": len(tail), "share_of_solve_time":
                 round(sum(tail) / (sum(solves) or 1.0), 3)},
        "slowest": [{"id": o.athlete_id, "status": o.status, "seconds": round(o.solve_s + o.render_s + o.write_s, 2)}
                    for o in slowest],
        "failures": sorted({o.status for o in result.outcomes if not o.planned}),
    }


def test_bench_batch(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", generated_runners(RUNNERS))
    runs = {}
    for workers in (1, 2):
        runs[workers] = _run(roster, tmp_path / f"out-{workers}", workers)
    # the outputs of both runs are the same bytes: parallelism changes nothing but the time
    for name in ("summary.csv", "index.html"):
        assert (tmp_path / "out-1" / name).read_bytes() == (tmp_path / "out-2" / name).read_bytes()
    speedup = runs[1]["seconds"] / runs[2]["seconds"]
    figures = {"runners": RUNNERS, "seed": SEED, "cpu_count": os.cpu_count(), "runs": runs,
               "speedup_1_to_2": round(speedup, 2),
               "targets": {"plans_per_s": TARGET_PLANS_PER_S, "speedup": TARGET_SPEEDUP, "peak_mb": TARGET_PEAK_MB}}
    print()
    for workers, run in runs.items():
        share = run["stage_share"]
        print(f"batch {RUNNERS} runners, {workers} worker(s) [{run['executor']}]: {run['seconds']:.1f} s, "
              f"{run['plans_per_s']:.1f} plans/s, peak {run['peak_memory_mb']:.0f} MB; "
              f"{run['planned']} planned, {run['not_planned']} not ({', '.join(run['failures']) or 'none'})")
        solve, tail = run["solve_ms"], run["tail"]
        print(f"  time in workers: solve {share['solve']:.0%}, render {share['render']:.0%}, "
              f"write {share['write']:.0%}; per plan: render {run['render_ms_median']} ms, "
              f"write {run['write_ms_median']} ms (medians)")
        print(f"  solve ms: p50 {solve['p50']}, p90 {solve['p90']}, p99 {solve['p99']}, max {solve['max']}; "
              f"{tail['runners']} runners over {tail['threshold_s']} s take {tail['share_of_solve_time']:.0%} "
              f"of solve time; load average {run['load_average']['before']} -> {run['load_average']['after']}")
        slowest = ", ".join(f"{s['id']} {s['seconds']} s" for s in run["slowest"][:5])
        print(f"  slowest: {slowest}")
    print(f"speed-up 1 -> 2 workers: {speedup:.2f} (target {TARGET_SPEEDUP}); "
          f"target {TARGET_PLANS_PER_S} plans/s, peak < {TARGET_PEAK_MB} MB")
    if RUNNERS == 1000:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    else:
        print(f"(figures not saved: {RUNNERS} runners, not 1000)")
    assert runs[2]["planned"] > 0
