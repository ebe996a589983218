"""planner: safe, personalised running plans built by a constraint solver and certified against safety rules.

Library API::

    from planner import load_profile, build_plan, check_plan, render_html, render_ical
    profile = load_profile("profiles/maya-half.yaml")
    plan = build_plan(profile, generated_at="2026-11-25T10:00:00Z")   # raises InfeasibleGoal when unsafe
    assert check_plan(plan, profile) == []
    html = render_html(plan, profile)
"""

from __future__ import annotations

__version__ = "0.1.0"

# The names below are imported on first use: `planner version` or `planner schema` need not load OR-Tools.
_LAZY = {
    "check_plan": "checks", "build_plan": "engine", "InfeasibleGoal": "errors", "PlannerError": "errors",
    "PlanRuleViolation": "errors", "ProfileError": "errors", "Plan": "plan", "load_plan": "plan",
    "Profile": "profile", "load_profile": "profile", "render_html": "render.html", "render_ical": "render.ical",
    "render_json": "render.json", "render_csv": "render.table",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


__all__ = [
    "__version__", "load_profile", "build_plan", "check_plan", "load_plan", "render_html", "render_ical",
    "render_json", "render_csv", "Plan", "Profile", "PlannerError", "ProfileError", "InfeasibleGoal",
    "PlanRuleViolation",
]
