"""Benchmark: `planner generate` end to end against the bare import time of its dependencies.

Target (issue 2): generate within 1.5x the time of `python -c "import ortools.sat.python.cp_model, pydantic,
pandas, jinja2, icalendar, typer, yaml"` on this 2-core machine. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = "import ortools.sat.python.cp_model, pydantic, pandas, jinja2, icalendar, typer, yaml"


def _time(cmd: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        out.append(time.perf_counter() - t0)
    return out


def test_generate_against_bare_imports(tmp_path):
    bare = _time([sys.executable, "-c", IMPORTS], repeat=7)
    print(f"\nbare imports of the dependencies: median {statistics.median(bare) * 1000:.0f} ms")
    for profile in ("profiles/maya-half.yaml", "profiles/lena-marathon.toml", "profiles/sam-5k.yaml"):
        runs = _time([sys.executable, "-m", "planner", "generate", profile, "-o", str(tmp_path / Path(profile).stem),
                      "--generated-at", "2026-11-25T10:00:00Z"], repeat=7)
        ratio = statistics.median(runs) / statistics.median(bare)
        print(f"planner generate {profile:<30} median {statistics.median(runs) * 1000:6.0f} ms  "
              f"= {ratio:.2f} x bare imports (target <= 1.5)")
