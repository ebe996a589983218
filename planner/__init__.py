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

from .checks import check_plan  # noqa: E402
from .engine import build_plan  # noqa: E402
from .errors import InfeasibleGoal, PlannerError, PlanRuleViolation, ProfileError  # noqa: E402
from .plan import Plan, load_plan  # noqa: E402
from .profile import Profile, load_profile  # noqa: E402
from .render.html import render_html  # noqa: E402
from .render.ical import render_ical  # noqa: E402
from .render.json import render_json  # noqa: E402
from .render.table import render_csv  # noqa: E402

__all__ = [
    "__version__", "load_profile", "build_plan", "check_plan", "load_plan", "render_html", "render_ical",
    "render_json", "render_csv", "Plan", "Profile", "PlannerError", "ProfileError", "InfeasibleGoal",
    "PlanRuleViolation",
]
