"""plan.json: the machine-readable plan, format 1 (shared/design/plan-format.md)."""

from __future__ import annotations

from ..plan import Plan


def render_json(plan: Plan) -> str:
    """plan.json text: exactly the keys of format 1, stable order, UTF-8 kept readable, trailing newline."""
    return plan.to_json()
