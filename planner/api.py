"""One call per CLI command: what `planner generate` and `planner check` do, as library functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checks import Violation, check_plan
from .engine import build_plan
from .outputs import Written, prepare_dir, write_plan
from .plan import Plan, load_plan
from .profile import KM_PER_MILE, Profile, load_profile


@dataclass(frozen=True)
class GenerateResult:
    plan: Plan
    profile: Profile
    written: list[Written]
    feed_url: str | None

    def format_distance(self, km: float) -> str:
        value = km / KM_PER_MILE if self.profile.units == "mi" else km
        return f"{value:.1f} {self.profile.units}"


def generate_plan_files(profile_path: str | Path, out_dir: str | Path, *, generated_at: str | None = None,
                        base_url: str | None = None, include_rest_days: bool = False,
                        alarms: bool = False) -> GenerateResult:
    """Load a profile, build and certify its plan, and write plan.json/.csv/.html/.ics into ``out_dir``.

    Nothing is written unless the plan passed every check. With ``base_url`` the runner gets a secret feed token
    (kept in out_dir/feeds.json) and the page links to the feed.
    """
    profile = load_profile(profile_path)
    plan = build_plan(profile, generated_at, source=str(profile_path))
    out = Path(out_dir)
    feed_url = None
    if base_url:
        from .feeds import ensure_tokens, feed_urls
        prepare_dir(out)
        token = ensure_tokens(out, [profile.athlete_id])[profile.athlete_id]
        feed_url = feed_urls(base_url, token)[0]
    written = write_plan(plan, profile, out, feed_url=feed_url, include_rest_days=include_rest_days, alarms=alarms)
    return GenerateResult(plan=plan, profile=profile, written=written, feed_url=feed_url)


def check_plan_file(profile_path: str | Path, plan_path: str | Path) -> list[Violation]:
    """Every rule violation of a plan.json against the profile it was made for (empty: all rules hold)."""
    profile = load_profile(profile_path)
    plan = load_plan(plan_path)
    return check_plan(plan, profile)
