"""Shared fixtures: the fixed generation time, the example profiles, and their plans built once per test session.

Solving is the expensive part of most engine and CLI tests, so every example profile in profiles/ is solved at most
once per session (``example_plan``) and every test reads that one plan. Tests that need a variation of a profile
build it themselves.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROFILES_DIR = ROOT / "profiles"
BAD_DIR = Path(__file__).resolve().parent / "data" / "bad"
GENERATED_AT = "2026-11-25T10:00:00Z"
PROFILE_SUFFIXES = (".yaml", ".yml", ".toml", ".json")


def example_profile_paths() -> list[Path]:
    """Every example profile in profiles/, sorted by file name (used to parametrize tests)."""
    return sorted(p for p in PROFILES_DIR.iterdir() if p.suffix.lower() in PROFILE_SUFFIXES)


def planner_command() -> list[str]:
    """The installed console script when there is one, else ``python -m planner`` with this interpreter."""
    script = Path(sys.executable).with_name("planner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "planner"]


def subprocess_env() -> dict[str, str]:
    """The environment for `planner` subprocesses: no debug tracebacks, UTF-8 output, no colour codes."""
    env = {k: v for k, v in os.environ.items() if k != "PLANNER_DEBUG"}
    env.update({"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120"})
    return env


@functools.cache
def _load(path: str):
    from planner.profile import load_profile
    return load_profile(path)


@functools.cache
def _build(path: str):
    from planner.engine import build_plan
    return build_plan(_load(path), generated_at=GENERATED_AT, source=path)


@pytest.fixture(scope="session")
def example_plan():
    """``example_plan(path) -> (profile, plan)``: the example profile and its plan, solved once per session."""

    def get(path: Path | str):
        return _load(str(path)), _build(str(path))

    return get


@pytest.fixture(params=example_profile_paths(), ids=lambda p: p.name)
def example_path(request) -> Path:
    """Each example profile path in turn."""
    return request.param


HANG_GUARD_SECONDS = 600  # no single test comes near this; a hung one is dumped and ended instead of blocking CI


@pytest.fixture(autouse=True)
def _hang_guard():
    """A test that hangs (a subprocess, a solver, a server) prints every thread's stack and ends the run,
    rather than running into CI's overall timeout with nothing to show for it."""
    import faulthandler
    faulthandler.dump_traceback_later(HANG_GUARD_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
