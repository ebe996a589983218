"""Benchmark: `planner generate` end to end against the bare import time of its dependencies.

Target (issue 2): generate within 1.5x the time of `python -c "import ortools.sat.python.cp_model, pydantic,
pandas, jinja2, icalendar, typer, yaml"` on this 2-core machine. The two are timed in turns (bare, then each
profile, repeated), so a change in the machine's load weighs on both alike. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = "import ortools.sat.python.cp_model, pydantic, pandas, jinja2, icalendar, typer, yaml"
PROFILES = ("profiles/maya-half.yaml", "profiles/lena-marathon.toml", "profiles/sam-5k.yaml")
ROUNDS = 9
TARGET = 1.5


def _once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def test_generate_against_bare_imports(tmp_path):
    # planner's own bytecode, as pip writes it for an installed package (the dependencies have theirs): an editable
    # install has none, and with PYTHONDONTWRITEBYTECODE set each run would compile planner again
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "planner")], check=True)
    bare: list[float] = []
    runs: dict[str, list[float]] = {p: [] for p in PROFILES}
    for round_ in range(ROUNDS):
        bare.append(_once([sys.executable, "-c", IMPORTS]))
        for profile in PROFILES:
            out = tmp_path / f"{Path(profile).stem}-{round_}"  # a fresh folder: every run writes all four files
            runs[profile].append(_once([sys.executable, "-m", "planner", "generate", profile, "-o", str(out),
                                        "--generated-at", "2026-11-25T10:00:00Z"]))
    base = statistics.median(bare)
    print(f"\nbare imports of the dependencies: median {base * 1000:.0f} ms (min {min(bare) * 1000:.0f} ms)")
    for profile, times in runs.items():
        print(f"planner generate {profile:<30} median {statistics.median(times) * 1000:6.0f} ms "
              f"= {statistics.median(times) / base:.2f} x bare imports (min {min(times) * 1000:.0f} ms = "
              f"{min(times) / min(bare):.2f} x; target <= {TARGET})")
