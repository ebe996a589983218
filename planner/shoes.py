"""Shoe assignment along the plan, replacement pairs and their reminders.

Each run gets a pair of shoes (rule 12 of plan-format.md):

- **Surface.** A trail profile runs in trail shoes when the runner has any; a road profile in road shoes when the
  runner has any (track shoes only without them); a mixed profile prefers the run's surface (:func:`run_surface`)
  with no requirement.
- **Racing shoes** (``racing: true``) take the quality sessions (tempo, intervals, hills) and the race when their
  surface fits; other runs prefer the other pairs. Pairs of equal standing are rotated (fewest runs so far first).
- **Odometers.** A pair's odometer is its starting distance plus the planned runs in it. A run never starts in a pair
  already past its limit: at the first run that would take a pair past its limit the plan switches to a new pair,
  named ``"<name> (new pair)"``, then ``"<name> (new pair 2)"``..., with the same limit as the original.
- **Reminders.** Each replacement gets a ``shoe_replacement`` reminder naming the worn pair, two weeks before the new
  pair's first run (never before the plan starts, and never more than 21 days before that run).
- **Race day.** The race is never run in a pair with less than 30 km on it: a replacement that would be too fresh
  takes over earlier (the worn pair's last runs, then other runs the pair may take, latest first) so that it is
  broken in; failing that the race is run in another pair that fits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import PlannerError
from .plan import Reminder
from .profile import KM_PER_MILE, Profile, Shoe

QUALITY_TYPES = frozenset({"tempo", "intervals", "hills"})
RACE_BREAK_IN_KM = 30.0
REMINDER_LEAD_DAYS = 14   # the middle of the "1-3 weeks before"
REMINDER_MAX_DAYS = 21    # rule 12: at most 21 days before the replacement's first run
_EPS = 1e-6               # distances are sums of one-decimal floats


@dataclass(frozen=True)
class PlannedRun:
    """A run as the solver decided it: enough to assign a shoe."""

    date: dt.date
    type: str         # run type
    distance_km: float


@dataclass(frozen=True)
class ShoeState:
    """One pair along the plan, for the HTML shoe timeline.

    ``end_km`` is the odometer after the plan; ``retired_on`` is the date of the pair's last run when a replacement
    takes over (the plan's start when it is never used), None while it stays in service; ``first_used`` is the date of
    its first planned run, None if the plan never uses it.
    """

    name: str
    surface: str
    start_km: float
    limit_km: float
    end_km: float
    retired_on: dt.date | None
    first_used: dt.date | None


def run_surface(profile: Profile, run_type: str) -> str:
    """Where a run happens: "road" or "trail".

    A trail profile runs on trails and a road profile on roads; a mixed profile runs its long, easy and recovery
    runs on trails and its quality sessions and race on roads (even footing for fast running).
    """
    if profile.surface in ("road", "trail"):
        return profile.surface
    return "trail" if run_type in ("long", "easy", "recovery") else "road"


def _required_surfaces(profile: Profile) -> frozenset[str] | None:
    """The shoe surfaces every run must use, or None when there is no requirement: plan-format rule 12's surfaces
    match where the runner has a matching shoe, so a trail profile runs in trail shoes and a road profile in road
    shoes when there are any (track shoes take road runs only when the runner has no road pair)."""
    surfaces = {s.surface for s in profile.shoes}
    if profile.surface in ("trail", "road") and profile.surface in surfaces:
        return frozenset({profile.surface})
    if profile.surface == "road" and "track" in surfaces:
        return frozenset({"track"})  # no road pair: the flat-ground shoes, not the trail ones
    return None


def _fit_rank(shoe: Shoe, surface: str) -> int:
    """0: made for the run's surface; 1: will do (track shoes on the road); 2: wrong surface."""
    if shoe.surface == surface:
        return 0
    return 1 if (surface == "road" and shoe.surface == "track") else 2


def _allowed_families(profile: Profile, run_type: str) -> list[int]:
    """Indexes of the listed shoes a run may use (hard rules: surface requirement, racing shoes for quality)."""
    required = _required_surfaces(profile)
    allowed = [i for i, s in enumerate(profile.shoes) if required is None or s.surface in required]
    if run_type in QUALITY_TYPES or run_type == "race":
        racing = [i for i in allowed if profile.shoes[i].racing]
        if racing:
            return racing
    return allowed


@dataclass
class _Pair:
    family: int
    index: int        # 0: the listed pair; k: the k-th replacement
    name: str
    start_km: float
    limit_km: float


def _pair_name(shoe: Shoe, index: int) -> str:
    if index == 0:
        return shoe.name
    return f"{shoe.name} (new pair)" if index == 1 else f"{shoe.name} (new pair {index})"


class _Ledger:
    """The pairs of every listed shoe and which pair each run uses (run index -> (family, pair index))."""

    def __init__(self, profile: Profile, runs: list[PlannedRun]):
        self.profile = profile
        self.runs = runs
        self.pairs: dict[tuple[int, int], _Pair] = {}
        for i, shoe in enumerate(profile.shoes):
            self.pairs[(i, 0)] = _Pair(i, 0, shoe.name, profile.km(shoe.distance), profile.shoe_limit_km(shoe))
        self.use: list[tuple[int, int]] = []

    def pair(self, family: int, index: int) -> _Pair:
        key = (family, index)
        if key not in self.pairs:
            shoe = self.profile.shoes[family]
            self.pairs[key] = _Pair(family, index, _pair_name(shoe, index), 0.0, self.profile.shoe_limit_km(shoe))
        return self.pairs[key]

    def odometer_before(self, key: tuple[int, int], run_index: int) -> float:
        """The pair's distance when run ``run_index`` starts."""
        return self.pair(*key).start_km + sum(self.runs[j].distance_km for j in range(run_index)
                                              if self.use[j] == key)

    def copy(self) -> "_Ledger":
        other = _Ledger.__new__(_Ledger)
        other.profile, other.runs, other.pairs, other.use = self.profile, self.runs, dict(self.pairs), list(self.use)
        return other


def _choose_families(profile: Profile, runs: list[PlannedRun]) -> list[int]:
    """Each run's listed shoe: hard rules first, then racing shoes kept for quality, the run's surface, rotation."""
    counts = [0] * len(profile.shoes)
    out = []
    for run in runs:
        quality = run.type in QUALITY_TYPES or run.type == "race"
        surface = run_surface(profile, run.type)
        allowed = _allowed_families(profile, run.type)
        best = min(allowed, key=lambda i: (profile.shoes[i].racing and not quality,
                                           _fit_rank(profile.shoes[i], surface),
                                           0 if run.type == "race" else counts[i], i))
        counts[best] += 1
        out.append(best)
    return out


def _wear(ledger: _Ledger, families: list[int]) -> None:
    """Put each run in its family's current pair, moving to a new pair at the first run that would pass the limit."""
    current = {f: 0 for f in set(families)}
    odometer = {key: p.start_km for key, p in ledger.pairs.items()}
    ledger.use = []
    for run, family in zip(ledger.runs, families):
        key = (family, current[family])
        odo = odometer.get(key, 0.0)
        # A pair with no distance on it takes any run: a single run longer than the limit cannot be split.
        if odo > _EPS and odo + run.distance_km > ledger.pair(*key).limit_km + _EPS:
            current[family] += 1
            key = (family, current[family])
            ledger.pair(*key)
            odo = 0.0
        odometer[key] = odo + run.distance_km
        ledger.use.append(key)


def _repair(ledger: _Ledger) -> None:
    """Move any run that would start in a pair already past its limit to that family's next pair."""
    odometer = {key: p.start_km for key, p in ledger.pairs.items()}
    for j, run in enumerate(ledger.runs):
        family, index = ledger.use[j]
        while True:
            key = (family, index)
            pair = ledger.pair(*key)
            odo = odometer.setdefault(key, pair.start_km)
            if odo <= pair.limit_km + _EPS:
                break
            index += 1
        odometer[key] = odometer[key] + run.distance_km
        ledger.use[j] = key


def _break_in(ledger: _Ledger, race_index: int, key: tuple[int, int]) -> _Ledger | None:
    """Race in pair ``key`` with at least 30 km on it: take earlier runs into it, latest first. None if impossible."""
    out = ledger.copy()
    out.use[race_index] = key
    have = out.odometer_before(key, race_index)
    if have + _EPS >= RACE_BREAK_IN_KM:
        return out if have <= out.pair(*key).limit_km + _EPS else None
    family = key[0]
    donors = [j for j in range(race_index)
              if out.use[j] != key and family in _allowed_families(out.profile, out.runs[j].type)]
    # The worn pair of the same family first (switching earlier), then other pairs, each latest first.
    donors.sort(key=lambda j: (out.use[j][0] != family, -j))
    for j in donors:
        out.use[j] = key
        have += out.runs[j].distance_km
        if have + _EPS >= RACE_BREAK_IN_KM:
            break
    if have + _EPS < RACE_BREAK_IN_KM:
        return None
    # Taking runs in must not make the pair start a run past its limit (only possible with tiny limits).
    if any(out.use[j] == key and out.odometer_before(key, j) > out.pair(*key).limit_km + _EPS
           for j in range(race_index + 1)):
        return None
    return out


def _ready_for_race(ledger: _Ledger, race_index: int) -> _Ledger:
    """Make the race's pair broken in (>= 30 km before race day), or race in another pair that fits.

    Racing shoes come first; only when no racing pair can hold 30 km (a tiny limit, too little running before the
    race) does the race move to another pair of the right surface: the 30 km rule is a safety rule, the racing
    pair a preference.
    """
    key = ledger.use[race_index]
    fixed = _break_in(ledger, race_index, key)
    if fixed is not None:
        return fixed
    profile = ledger.profile
    racing_first = _allowed_families(profile, ledger.runs[race_index].type)
    any_surface_fit = _allowed_families(profile, "easy")  # the surface rule alone
    for allowed in (racing_first, any_surface_fit):
        # Another pair, already broken in and not past its limit: the most-run such pair.
        best: tuple[float, tuple[int, int]] | None = None
        for other in sorted(k for k in ledger.pairs if k[0] in allowed and k != key):
            odo = ledger.odometer_before(other, race_index)
            if RACE_BREAK_IN_KM - _EPS <= odo <= ledger.pair(*other).limit_km + _EPS:
                if best is None or odo > best[0] + _EPS:
                    best = (odo, other)
        if best is not None:
            out = ledger.copy()
            out.use[race_index] = best[1]
            return out
        # Or break in another pair (for example a listed pair the plan has not used yet).
        for family in allowed:
            for index in sorted(i for f, i in ledger.pairs if f == family):
                if (family, index) != key:
                    fixed = _break_in(ledger, race_index, (family, index))
                    if fixed is not None:
                        return fixed
    return ledger  # too little running before the race to break any pair in; the checker will say so


def _fmt(km: float, units: str) -> str:
    value = km / KM_PER_MILE if units == "mi" else km
    text = f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
    return f"{text} {units}"


def _reminder_date(first_run: dt.date, start_date: dt.date, worn_at_start: bool) -> dt.date:
    """Two weeks before the new pair's first run (at once if the pair is already worn), within rule 12's window."""
    preferred = start_date if worn_at_start else first_run - dt.timedelta(days=REMINDER_LEAD_DAYS)
    earliest = first_run - dt.timedelta(days=REMINDER_MAX_DAYS)
    return max(start_date, earliest, min(preferred, first_run))


def assign_shoes(profile: Profile, runs: list[PlannedRun], race_date: dt.date | None, start_date: dt.date) \
        -> tuple[dict[dt.date, str], tuple[Reminder, ...], tuple[ShoeState, ...]]:
    """Assign a pair of shoes to every run, with replacement reminders and each pair's state.

    Args:
        profile: the runner's profile (shoes, surface, units).
        runs: the plan's runs, at most one a day, in any order.
        race_date: the race's date when the goal is a race (the race is the ``race`` run on that date).
        start_date: the plan's first day; no reminder is dated before it.

    Returns:
        ``(shoe name by run date, shoe_replacement reminders sorted by date, pair states)``. With no shoes in the
        profile: ``({}, (), ())``.

    Raises:
        PlannerError: two runs on the same date.
    """
    if not profile.shoes:
        return {}, (), ()
    ordered = sorted(runs, key=lambda r: r.date)
    for a, b in zip(ordered, ordered[1:]):
        if a.date == b.date:
            raise PlannerError(f"shoes: two runs on {a.date.isoformat()}; a plan has at most one run a day")
    ledger = _Ledger(profile, ordered)
    _wear(ledger, _choose_families(profile, ordered))
    race_index = next((j for j, r in enumerate(ordered) if r.type == "race" and (race_date is None
                                                                                or r.date == race_date)), None)
    if race_index is not None:
        ledger = _ready_for_race(ledger, race_index)
    _repair(ledger)

    names = {run.date: ledger.pair(*ledger.use[j]).name for j, run in enumerate(ordered)}
    reminders = _reminders(ledger, start_date, race_index)
    return names, reminders, _states(ledger, start_date)


def _states(ledger: _Ledger, start_date: dt.date) -> tuple[ShoeState, ...]:
    """Every listed pair and every replacement the plan uses, by listed shoe then pair."""
    runs = ledger.runs
    dates_of: dict[tuple[int, int], list[int]] = {}
    for j, key in enumerate(ledger.use):
        dates_of.setdefault(key, []).append(j)
    states = []
    for key in sorted(ledger.pairs):
        pair = ledger.pairs[key]
        used = dates_of.get(key, [])
        if not used and key[1] > 0:
            continue  # a replacement the plan never reached
        successor_used = any(k[0] == key[0] and k[1] > key[1] and k in dates_of for k in ledger.pairs)
        end_km = pair.start_km + sum(runs[j].distance_km for j in used)
        retired = (runs[used[-1]].date if used else start_date) if successor_used else None
        states.append(ShoeState(name=pair.name, surface=ledger.profile.shoes[key[0]].surface,
                                start_km=round(pair.start_km, 1), limit_km=round(pair.limit_km, 1),
                                end_km=round(end_km, 1), retired_on=retired,
                                first_used=runs[used[0]].date if used else None))
    return tuple(states)


def _reminders(ledger: _Ledger, start_date: dt.date, race_index: int | None) -> tuple[Reminder, ...]:
    """A shoe_replacement reminder before each run that needs one (rule 12), naming the pair to replace.

    Two kinds of run need one: the first run of a replacement pair (the reminder names the pair it replaces), and a
    run that takes a pair past its limit (only a fresh pair given a run longer than its limit, or a race that had to
    be run in a nearly worn pair). A reminder already within 21 days before the run serves it too.
    """
    units = ledger.profile.units
    odometer = {key: p.start_km for key, p in ledger.pairs.items()}
    seen: set[tuple[int, int]] = set()
    out: list[Reminder] = []
    for j, run in enumerate(ledger.runs):
        key = ledger.use[j]
        pair = ledger.pair(*key)
        before = odometer.get(key, pair.start_km)
        odometer[key] = before + run.distance_km
        needs: list[tuple[_Pair, dt.date, str]] = []
        if key[1] > 0 and key not in seen:
            worn = ledger.pair(key[0], key[1] - 1)
            worn_at_start = key[1] == 1 and worn.start_km > worn.limit_km + _EPS
            if worn_at_start:
                text = (f"{worn.name} is already past its {_fmt(worn.limit_km, units)} limit "
                        f"({_fmt(worn.start_km, units)} run): replace it before your next run in it. "
                        f"The plan runs in {pair.name} from {run.date.isoformat()}.")
            else:
                worn_end = worn.start_km + sum(ledger.runs[i].distance_km for i in range(len(ledger.runs))
                                               if ledger.use[i] == (key[0], key[1] - 1))
                text = (f"{worn.name} is close to its {_fmt(worn.limit_km, units)} limit (about "
                        f"{_fmt(worn_end, units)} by its last planned run): get a new pair now. The plan runs in "
                        f"{pair.name} from {run.date.isoformat()}; start it on easy runs.")
            if race_index is not None and ledger.use[race_index] == key:
                text += (f" It is your race pair: about {_fmt(ledger.odometer_before(key, race_index), units)} "
                         f"on it by race day ({ledger.runs[race_index].date.isoformat()}).")
            needs.append((worn, _reminder_date(run.date, start_date, worn_at_start), text))
        seen.add(key)
        if before + run.distance_km > pair.limit_km + _EPS:
            text = (f"{pair.name} passes its {_fmt(pair.limit_km, units)} limit on this {run.type} run "
                    f"({run.date.isoformat()}, about {_fmt(before + run.distance_km, units)}): have a new pair "
                    "ready for the runs after it.")
            needs.append((pair, _reminder_date(run.date, start_date, False), text))
        for worn, date, text in needs:
            earliest = run.date - dt.timedelta(days=REMINDER_MAX_DAYS)
            if any(r.shoe == worn.name and earliest <= r.date <= run.date for r in out):
                continue
            out.append(Reminder(date=date, kind="shoe_replacement", shoe=worn.name, text=text))
    out.sort(key=lambda r: (r.date, r.shoe or ""))
    return tuple(out)
