"""Geometry of the plan page's inline SVG charts: weekly distance with the progression envelope, and shoe wear.

The builders here compute numbers only (coordinates, labels, tick positions); the templates draw them, so every
piece of text reaches the page through Jinja's autoescaping. Coordinates are in the SVG's viewBox units and
rounded to one decimal so the output is byte-stable across platforms.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from ..plan import Actual, Plan, Week
from ..profile import KM_PER_MILE, Profile

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

@dataclass(frozen=True)
class Frame:
    """A chart's size and plot margins, in viewBox units."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float


# The wide frame holds 52 weeks at desktop width and in print; the narrow one is what a phone shows (its text stays
# legible at 360 px, where the wide chart's would shrink to a few pixels).
WIDE = Frame(width=960, height=320, left=52, right=56, top=40, bottom=46)
NARROW = Frame(width=420, height=280, left=34, right=30, top=40, bottom=44)


def to_units(km: float, units: str) -> float:
    """A distance in kilometres expressed in the profile's units (km or mi)."""
    return km / KM_PER_MILE if units == "mi" else km


def _r(value: float) -> float:
    """Round a coordinate to one decimal: enough for SVG, and stable text (never "-0.0")."""
    return round(value, 1) + 0.0


def nice_axis(maximum: float, target_ticks: int = 5) -> tuple[float, list[float]]:
    """A rounded axis top and evenly spaced ticks (steps of 1, 2, 2.5 or 5 times a power of ten).

    Args:
        maximum: The largest value the axis must hold (any unit); zero or less gives a 0..10 axis.
        target_ticks: About how many intervals to aim for.

    Returns:
        The axis top and the tick values from 0 to that top inclusive.
    """
    if maximum <= 0:
        maximum = 10.0
    raw = maximum / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    top = step * math.ceil(maximum / step - 1e-9)
    ticks = [round(i * step, 6) for i in range(int(round(top / step)) + 1)]
    return top, ticks


# --- the progression envelope (rule 1 of plan-format.md, drawn, not checked) ----------------------------------

def weekly_caps(plan: Plan, unavailable: set[dt.date]) -> list[float]:
    """The most each week may hold under the progression cap, in km, one per week of the plan.

    Follows rule 1 of plan-format.md: the bar is ``(1 + progression_cap)`` times the latest earlier reference
    week (a full Monday-Sunday week inside the plan, not recovery, taper or race, with no unavailable date), or
    times ``baseline_weekly_km`` before the first one. The checker is the authority on the rule; this only draws it.
    """
    cap = float(plan.rules.get("progression_cap", 0.10))
    reference = float(plan.rules.get("baseline_weekly_km", plan.weeks[0].distance_km if plan.weeks else 0.0))
    caps = []
    for week in plan.weeks:
        caps.append((1 + cap) * reference)
        if _is_reference_week(plan, week, unavailable):
            reference = week.distance_km
    return caps


def _is_reference_week(plan: Plan, week: Week, unavailable: set[dt.date]) -> bool:
    end = week.start + dt.timedelta(days=6)
    if week.start < plan.start_date or end > plan.end_date or week.recovery or week.phase in ("taper", "race"):
        return False
    return not any(week.start + dt.timedelta(days=i) in unavailable for i in range(7))


# --- weekly distance chart ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    number: int          # week number, 0 for the "now" bar (the runner's current weekly distance)
    x: float
    y: float
    width: float
    height: float
    phase: str           # a plan phase, or "now"
    recovery: bool
    value: float         # in display units
    long_run: float      # longest run of the week (race excepted), display units
    cap: float           # the week's progression cap, display units
    label_x: float       # centre of the band, for the axis label


@dataclass(frozen=True)
class PhaseSpan:
    phase: str
    x: float
    width: float
    label: str           # full name, initial, or "" when the span is too narrow for text


@dataclass(frozen=True)
class WeeklyChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    units: str
    bars: tuple[Bar, ...]
    y_ticks: tuple[tuple[float, str], ...]          # (y, label)
    x_labels: tuple[tuple[float, str], ...]         # (x, label)
    long_run_path: str                              # polyline points "x,y x,y ..."
    long_run_points: tuple[tuple[float, float, str], ...]  # (x, y, title)
    cap_path: str                                   # SVG path data of the step envelope
    cap_label_y: float
    race_marker: tuple[float, float, str] | None    # (x, y, title)
    phases: tuple[PhaseSpan, ...]
    phase_names: tuple[str, ...]                    # phases present, in plan order, for the legend
    has_recovery: bool


def weekly_chart(plan: Plan, profile: Profile, frame: Frame = WIDE) -> WeeklyChart:
    """Bars of weekly distance by phase, the long run as a line and the progression cap as a dashed step line.

    A grey "now" bar first shows the runner's current weekly distance, so the first week's step is visible too.

    Args:
        plan: The plan (km).
        profile: Its profile (units, unavailable dates for the cap's reference weeks).
        frame: The chart's size and margins: ``WIDE`` for desktop and print, ``NARROW`` for phones.
    """
    return weekly_charts(plan, profile, (frame,))[0]


def weekly_charts(plan: Plan, profile: Profile, frames: tuple[Frame, ...]) -> list[WeeklyChart]:
    """:func:`weekly_chart` in each frame, the weeks' caps and longest runs worked out once for all of them."""
    caps_km = weekly_caps(plan, profile.schedule.unavailable_dates())
    long_km = _longest_runs(plan)
    return [_weekly_chart(plan, profile, frame, caps_km, long_km) for frame in frames]


def _weekly_chart(plan: Plan, profile: Profile, frame: Frame, caps_km: list[float],
                  long_km: dict[int, float]) -> WeeklyChart:
    units = profile.units
    left, right = frame.left, frame.width - frame.right
    top, bottom = frame.top, frame.height - frame.bottom
    baseline_km = float(plan.rules.get("baseline_weekly_km", 0.0))
    baseline_long_km = float(plan.rules.get("baseline_long_run_km", 0.0))
    race_km = plan.race.distance_km if plan.race else 0.0

    highest = max([baseline_km, *caps_km, *(w.distance_km for w in plan.weeks), *long_km.values(), race_km, 1.0])
    axis_top, ticks = nice_axis(to_units(highest, units))
    y_of = lambda value: bottom - (bottom - top) * value / axis_top  # noqa: E731 - a one-line scale

    slots = len(plan.weeks) + 1  # the "now" slot, then one per week
    band = (right - left) / slots
    bar_w = band * 0.72
    bars: list[Bar] = []
    entries = [(0, "now", False, baseline_km, baseline_long_km, baseline_km)]
    entries += [(w.number, w.phase, w.recovery, w.distance_km, long_km.get(w.number, 0.0), cap)
                for w, cap in zip(plan.weeks, caps_km)]
    for slot, (number, phase, recovery, dist_km, lr_km, cap_km) in enumerate(entries):
        value = round(to_units(dist_km, units), 1)
        x0 = left + slot * band
        y = y_of(value)
        bars.append(Bar(number=number, x=_r(x0 + (band - bar_w) / 2), y=_r(y), width=_r(bar_w),
                        height=_r(bottom - y), phase=phase, recovery=recovery, value=value,
                        long_run=round(to_units(lr_km, units), 1), cap=round(to_units(cap_km, units), 1),
                        label_x=_r(x0 + band / 2)))

    # Long run: one point per slot that has a run; the race is marked separately (it is meant to stand out).
    points = [(b.label_x, _r(y_of(b.long_run)), b) for b in bars if b.long_run > 0]
    long_run_path = " ".join(f"{x},{y}" for x, y, _ in points)
    unit = profile.units
    long_run_points = tuple(
        (x, y, f"{'Now' if b.number == 0 else f'Week {b.number}'}: longest run {b.long_run:.1f} {unit}")
        for x, y, b in points)

    # Progression cap: a horizontal step across each week's band, joined at band edges.
    segments = []
    for slot, bar in enumerate(bars[1:], start=1):
        x0, x1 = left + slot * band, left + (slot + 1) * band
        y = _r(y_of(bar.cap))
        segments.append(f"{'M' if not segments else 'L'}{_r(x0)},{y} L{_r(x1)},{y}")
    cap_path = " ".join(segments)
    cap_label_y = _r(y_of(bars[-1].cap)) if len(bars) > 1 else top

    race_marker = None
    if plan.race is not None and plan.weeks:
        race_week = plan.week_of(plan.race.date)
        slot = next((i for i, b in enumerate(bars) if race_week and b.number == race_week.number), len(bars) - 1)
        race_value = to_units(race_km, units)
        race_marker = (bars[slot].label_x, _r(y_of(race_value)),
                       f"Race: {plan.race.name}, {race_value:.1f} {unit}")

    y_ticks = tuple((_r(y_of(t)), f"{t:g}") for t in ticks)
    # Week labels at least ~22 units apart: every week, or every 2nd, 4th, 5th, 10th...; the last week always.
    step = next((s for s in (1, 2, 4, 5, 10, 20, 25, 50) if s * band >= 22), 50)
    x_labels = [(bars[0].label_x, "now")]
    x_labels += [(b.label_x, str(b.number)) for b in bars[1:] if b.number % step == 0 or step == 1]
    last = bars[-1]
    if len(bars) > 1 and x_labels[-1][1] != str(last.number):
        if len(x_labels) > 1 and last.label_x - x_labels[-1][0] < 22:
            x_labels.pop()  # the last regular label would collide with the last week's
        x_labels.append((last.label_x, str(last.number)))

    phases = _phase_spans(plan.weeks, left + band, band)
    phase_names = tuple(dict.fromkeys(w.phase for w in plan.weeks))
    return WeeklyChart(width=frame.width, height=frame.height, plot_left=left, plot_right=right, plot_top=top,
                       plot_bottom=bottom, units=units, bars=tuple(bars), y_ticks=y_ticks,
                       x_labels=tuple(x_labels), long_run_path=long_run_path, long_run_points=long_run_points,
                       cap_path=cap_path, cap_label_y=cap_label_y, race_marker=race_marker,
                       phases=phases, phase_names=phase_names, has_recovery=any(w.recovery for w in plan.weeks))


def _longest_runs(plan: Plan) -> dict[int, float]:
    """Longest run per week number, the race left out (it is drawn as its own marker)."""
    by_monday: dict[dt.date, float] = {}
    for day in plan.days:  # one pass: Plan.days_of() per week would scan every day once per week
        if day.run is not None and day.run.type != "race":
            monday = day.date - dt.timedelta(days=day.date.weekday())
            by_monday[monday] = max(by_monday.get(monday, 0.0), day.run.distance_km)
    return {week.number: by_monday.get(week.start, 0.0) for week in plan.weeks}


def _phase_spans(weeks: tuple[Week, ...], x_start: float, band: float) -> tuple[PhaseSpan, ...]:
    spans: list[PhaseSpan] = []
    i = 0
    while i < len(weeks):
        j = i
        while j + 1 < len(weeks) and weeks[j + 1].phase == weeks[i].phase:
            j += 1
        width = band * (j - i + 1)
        name = weeks[i].phase.capitalize()
        # About 7 units per character at the ribbon's font size: show the name, its initial, or nothing.
        label = name if width >= 7 * len(name) + 8 else (name[0] if width >= 12 else "")
        spans.append(PhaseSpan(phase=weeks[i].phase, x=_r(x_start + band * i), width=_r(width), label=label))
        i = j + 1
    return tuple(spans)


# --- planned against run (re-planned plans) --------------------------------------------------------------------

@dataclass(frozen=True)
class ActualBar:
    """One past week: the planned distance (outlined bar) next to the distance run (solid bar)."""

    number: int
    label_x: float           # centre of the week's band, for its axis label
    planned_x: float
    planned_y: float
    planned_height: float
    ran_x: float
    ran_y: float
    ran_height: float
    width: float             # of each bar
    planned: float           # display units
    ran: float               # display units
    partial: bool            # the week of the re-plan date, counted up to the day before it


@dataclass(frozen=True)
class ActualChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    units: str
    bars: tuple[ActualBar, ...]
    y_ticks: tuple[tuple[float, str], ...]   # (y, label)
    x_labels: tuple[tuple[float, str], ...]  # (x, label)


def actual_chart(actual: Actual, profile: Profile) -> ActualChart:
    """Planned and run distance side by side for each week before the re-plan date (``plan.actual``).

    Compact: about 56 units a week, at least 360 and at most 960 wide, so a few weeks make a small chart that
    phones show legibly and a long history still fits a desktop page.
    """
    units = profile.units
    left, right, top, bottom_margin, height = 44.0, 16.0, 18.0, 30.0, 200
    count = max(1, len(actual.weeks))
    width = int(min(960, max(360, left + right + 56 * count)))
    plot_right, bottom = width - right, height - bottom_margin
    band = (plot_right - left) / count
    highest = max([1.0, *(w.planned_km for w in actual.weeks), *(w.actual_km for w in actual.weeks)])
    axis_top, ticks = nice_axis(to_units(highest, units), target_ticks=4)
    y_of = lambda value: bottom - (bottom - top) * value / axis_top  # noqa: E731 - a one-line scale
    bar_w = min(20.0, band * 0.36)
    bars = []
    for i, week in enumerate(actual.weeks):
        centre = left + band * (i + 0.5)
        planned, ran = round(to_units(week.planned_km, units), 1), round(to_units(week.actual_km, units), 1)
        planned_y, ran_y = y_of(planned), y_of(ran)
        end = week.start + dt.timedelta(days=6)
        bars.append(ActualBar(
            number=week.number, label_x=_r(centre), planned_x=_r(centre - bar_w - 1), planned_y=_r(planned_y),
            planned_height=_r(bottom - planned_y), ran_x=_r(centre + 1), ran_y=_r(ran_y),
            ran_height=_r(bottom - ran_y), width=_r(bar_w), planned=planned, ran=ran,
            partial=actual.replanned_on <= end))
    step = next((s for s in (1, 2, 4, 5, 10) if s * band >= 22), 10)
    labels = [(b.label_x, str(b.number)) for i, b in enumerate(bars) if i % step == 0]
    if bars and labels[-1][1] != str(bars[-1].number):
        if bars[-1].label_x - labels[-1][0] < 22:
            labels.pop()  # the last regular label would collide with the last week's
        labels.append((bars[-1].label_x, str(bars[-1].number)))
    return ActualChart(width=width, height=height, plot_left=left, plot_right=plot_right, plot_top=top,
                       plot_bottom=bottom, units=units, bars=tuple(bars),
                       y_ticks=tuple((_r(y_of(t)), f"{t:g}") for t in ticks), x_labels=tuple(labels))


# --- shoes -----------------------------------------------------------------------------------------------------

@dataclass
class ShoeLine:
    """One pair of shoes along the plan: how far it has gone, how far the plan takes it, and its limit (km)."""

    name: str
    surface: str
    start_km: float
    limit_km: float | None
    run_dates: list[dt.date] = field(default_factory=list)
    planned_km: float = 0.0
    replace_on: list[dt.date] = field(default_factory=list)   # shoe_replacement reminders naming this pair
    first_over: dt.date | None = None                          # first run that ends past the limit, if any

    @property
    def end_km(self) -> float:
        return self.start_km + self.planned_km

    @property
    def share_used(self) -> float | None:
        return None if not self.limit_km else self.end_km / self.limit_km


_REPLACEMENT = re.compile(r"^(?P<base>.+) \(new pair(?: (?P<n>\d+))?\)$")


def shoe_lines(plan: Plan, profile: Profile) -> list[ShoeLine]:
    """Each pair's odometer along the plan: profile order, each pair's replacements right after it.

    A replacement is named "<name> (new pair)", then "<name> (new pair 2)"... (plan-format.md, rule 12): it starts
    at 0 km with the limit of the pair it replaces. A shoe named by a run but absent from the profile is listed
    too (with no known limit), after the others, so the page hides nothing.
    """
    by_name = {shoe.name: (i, shoe) for i, shoe in enumerate(profile.shoes)}
    lines: dict[str, ShoeLine] = {}
    order: dict[str, tuple] = {}

    def line_for(name: str) -> ShoeLine:
        if name in lines:
            return lines[name]
        match = _REPLACEMENT.match(name)
        if name in by_name:
            index, shoe = by_name[name]
            lines[name] = ShoeLine(name, shoe.surface, profile.km(shoe.distance), profile.shoe_limit_km(shoe))
            order[name] = (0, index, 0)
        elif match and match.group("base") in by_name:
            index, shoe = by_name[match.group("base")]
            lines[name] = ShoeLine(name, shoe.surface, 0.0, profile.shoe_limit_km(shoe))
            order[name] = (0, index, int(match.group("n") or 1))
        else:
            lines[name] = ShoeLine(name, "unknown", 0.0, None)
            order[name] = (1, len(order), 0)
        return lines[name]

    for shoe in profile.shoes:  # every pair of the profile, even one the plan does not use
        line_for(shoe.name)
    for date, run in plan.runs():
        if not run.shoe:
            continue
        line = line_for(run.shoe)
        line.run_dates.append(date)
        line.planned_km += run.distance_km
        if line.limit_km is not None and line.first_over is None and line.end_km > line.limit_km + 0.05:
            line.first_over = date
    for reminder in plan.reminders:
        if reminder.kind == "shoe_replacement" and reminder.shoe:
            line_for(reminder.shoe).replace_on.append(reminder.date)
    return [lines[name] for name in sorted(lines, key=lambda n: order[n])]


@dataclass(frozen=True)
class ShoeRow:
    name: str
    short_name: str
    name_x: float
    name_y: float
    name_anchor: str                              # "end" (label left of the track) or "start" (above it)
    track_y: float
    tick_path: str                                # SVG path data: a 16-unit tick at each run in this pair
    span: tuple[float, float] | None              # first to last use
    replace_marks: tuple[tuple[float, str], ...]  # (x, title)
    gauge_y: float
    gauge_start: float                            # width of the distance already run
    gauge_planned: float                          # width of what the plan adds
    gauge_limit: float | None                     # x offset of the limit inside the gauge
    gauge_text: str
    text_x: float
    text_y: float
    over_limit: bool


@dataclass(frozen=True)
class ShoeChart:
    width: int
    height: int
    timeline_left: float
    timeline_right: float
    gauge_left: float
    gauge_width: float
    narrow: bool
    months: tuple[tuple[float, str], ...]
    rows: tuple[ShoeRow, ...]


def shoe_chart(plan: Plan, profile: Profile, lines: list[ShoeLine], narrow: bool = False) -> ShoeChart | None:
    """A timeline row per pair (a tick per run, a marker per replacement reminder) and a wear gauge vs its limit.

    Wide: name | timeline | gauge on one line per pair. Narrow (phones): the name above a full-width timeline,
    the gauge and its numbers below it.
    """
    if not lines:
        return None
    units = profile.units
    if narrow:
        width, top, row_h = 420, 30.0, 78.0
        t_left, t_right, g_left, g_width = 10.0, 410.0, 10.0, 230.0
    else:
        width, top, row_h = 960, 34.0, 40.0
        t_left, t_right, g_left, g_width = 190.0, 640.0, 670.0, 270.0
    days = max(1, (plan.end_date - plan.start_date).days)
    x_of = lambda d: _r(t_left + (t_right - t_left) * (d - plan.start_date).days / days)  # noqa: E731
    scale_km = max([(line.limit_km or 0.0) for line in lines] + [line.end_km for line in lines] + [1.0])

    # Month lines at an even step (every 1, 2, 3... months) that keeps labels apart; the start date first.
    min_gap = 34.0
    per_month = (t_right - t_left) * 30.44 / days
    step = next((n for n in (1, 2, 3, 4, 6) if n * per_month >= min_gap), 12)
    start = plan.start_date
    months = [(t_left, f"{start.day} {MONTHS[start.month - 1]} {start.year}")]
    month = dt.date(start.year, start.month, 1)
    while month <= plan.end_date:
        x = x_of(month)
        if month > start and (month.month - 1) % step == 0 and x - t_left >= 70:  # clear of the start date
            with_year = month.month == 1 and step * per_month >= 64  # room for "Jan 2027"
            label = MONTHS[month.month - 1] + (f" {month.year}" if with_year else "")
            months.append((x, label))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)

    rows = []
    for i, line in enumerate(lines):
        y = top + i * row_h
        ticks = tuple(x_of(d) for d in line.run_dates)
        marks = tuple((x_of(d), f"Replace {line.name} by {d.day} {MONTHS[d.month - 1]} {d.year}")
                      for d in line.replace_on)
        limit_text = f" of {to_units(line.limit_km, units):.0f}" if line.limit_km else ""
        text = (f"{to_units(line.start_km, units):.0f} \u2192 {to_units(line.end_km, units):.0f}"
                f"{limit_text} {units}")
        room = 48 if narrow else 24
        short = line.name if len(line.name) <= room else line.name[:room - 1] + "\u2026"
        if narrow:
            name_x, name_y, anchor, track_y = t_left, y + 12, "start", y + 30
            gauge_y, text_x, text_y = y + 46, g_left + g_width + 8, y + 57
        else:
            name_x, name_y, anchor, track_y = t_left - 12, y + 18, "end", y + 14
            gauge_y, text_x, text_y = y + 6, g_left, y + 34
        rows.append(ShoeRow(
            name=line.name, short_name=short, name_x=name_x, name_y=name_y, name_anchor=anchor,
            track_y=track_y, tick_path="".join(f"M{x},{track_y - 8}v16" for x in ticks),
            span=(ticks[0], ticks[-1]) if ticks else None, replace_marks=marks,
            gauge_y=gauge_y, gauge_start=_r(g_width * line.start_km / scale_km),
            gauge_planned=_r(g_width * line.planned_km / scale_km),
            gauge_limit=_r(g_width * line.limit_km / scale_km) if line.limit_km else None,
            gauge_text=text, text_x=text_x, text_y=text_y, over_limit=line.first_over is not None))
    return ShoeChart(width=width, height=int(top + row_h * len(lines) + 4), timeline_left=t_left,
                     timeline_right=t_right, gauge_left=g_left, gauge_width=g_width,
                     narrow=narrow, months=tuple(months), rows=tuple(rows))
