"""Benchmark: rendering plan.html for a 52-week plan (issue 3: "renders in under 100 ms"; median, wall clock and CPU).

The plan is built by hand (tests/test_render_html.py's hand_plan: no solver time in the figure); the render
includes everything render_html does for the CLI: the checker's verdicts, the charts, the templates. The first
render (template compilation, once per process) is reported separately. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the hand-built plan

from test_render_html import hand_plan, make_profile  # noqa: E402

from planner import checks  # noqa: E402
from planner.render.charts import shoe_chart, shoe_lines, weekly_chart  # noqa: E402
from planner.render.html import render_html, template_environment  # noqa: E402

TARGET_MS = 100.0
RUNS = 25


def _median_ms(fn, runs: int = RUNS) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``fn()``. CPU time is what the code costs; wall time is what a
    runner waits, and also counts waiting for a core (on a shared 2-core machine, a solver running beside)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def test_bench_render_52_weeks():
    profile = make_profile(goal={"weekly_distance": 45}, weeks=52)
    plan = hand_plan(profile, weeks=52)
    assert len(plan.weeks) == 52

    template_environment.cache_clear()
    start = time.perf_counter()
    html = render_html(plan, profile, feed_url="https://plans.example.org/feeds/t.ics", today=plan.start_date)
    first_ms = (time.perf_counter() - start) * 1000

    wall, cpu = _median_ms(lambda: render_html(plan, profile, feed_url="https://plans.example.org/feeds/t.ics",
                                               today=plan.start_date))
    _, verdicts = _median_ms(lambda: checks.verdicts(plan, profile))
    _, charts = _median_ms(lambda: (weekly_chart(plan, profile),
                                    shoe_chart(plan, profile, shoe_lines(plan, profile))))
    print(f"\nrender_html, 52 weeks ({len(plan.days)} days, {len(html) / 1024:.0f} KiB), median of {RUNS}: "
          f"{wall:.1f} ms wall, {cpu:.1f} ms CPU (target < {TARGET_MS:.0f} ms); of which checks.verdicts "
          f"{verdicts:.1f} ms, charts {charts:.1f} ms (CPU); first render {first_ms:.1f} ms wall, with template "
          "compilation")
    assert cpu < TARGET_MS, f"render_html took {cpu:.1f} ms of CPU for 52 weeks (target < {TARGET_MS:.0f} ms)"
    # the target is the time a render takes, as issue 3 puts it: the wall clock, not only the CPU it costs
    assert wall < TARGET_MS, (f"render_html took {wall:.1f} ms wall-clock for 52 weeks (target < {TARGET_MS:.0f} "
                              f"ms; {cpu:.1f} ms of it CPU, the rest waiting for a core)")
