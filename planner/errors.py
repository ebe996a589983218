"""Domain errors. The library raises these; the CLI turns each into a message and an exit code.

Exit codes (architecture.md): 0 ok, 1 internal error, 2 bad input, 3 goal not reachable safely.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, problems: list[str] | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.source = source

    def lines(self) -> list[str]:
        """The message as the lines a person should read, one problem per line."""
        if self.problems:
            return [self.message, *self.problems] if self.message else list(self.problems)
        return [self.message]

    def __str__(self) -> str:  # pragma: no cover - trivial
        return "\n".join(self.lines())


class ProfileError(PlannerError):
    """The profile (or a roster row) is malformed: unknown keys, wrong types, values out of range."""

    exit_code = 2


class InfeasibleGoal(PlannerError):
    """The goal cannot be reached without breaking a safety rule; `suggestion` says what would work."""

    exit_code = 3

    def __init__(self, message: str, *, rule: str | None = None, suggestion: str | None = None,
                 problems: list[str] | None = None, source: str | None = None):
        super().__init__(message, problems=problems, source=source)
        self.rule = rule
        self.suggestion = suggestion

    def lines(self) -> list[str]:
        out = super().lines()
        if self.suggestion:
            out.append(self.suggestion)
        return out


class PlanRuleViolation(PlannerError):
    """A generated plan failed the independent checker: a bug in planner, never written to disk."""

    exit_code = 1

    def __init__(self, message: str, *, violations: list | None = None):
        super().__init__(message, problems=[str(v) for v in (violations or [])])
        self.violations = list(violations or [])


class PlanFileError(PlannerError):
    """A plan.json given to `planner check` (or found in an output folder) cannot be read."""

    exit_code = 2
