"""The days of plan.html's calendar, as HTML: each day's ``<td>``, written here rather than in
templates/partials/weeks.html.j2, which lays out the weeks around them.

The days are most of the page: a plan of 17 weeks has 119 of them holding ~2,500 values, and through the
template each value was a Jinja expression (an attribute lookup, often a call, an escape, a yield): the calendar
took 3.2 ms of the 6.5 ms a page took, and 1.3 ms with its days written here. Every value goes through ``escape``,
as it did through the template's autoescaping, so a shoe, an exercise or a reminder is always text, never markup.
The bytes are the ones the template wrote, its whitespace included: the template's ``{% if %}`` lines lost their
indentation (``lstrip_blocks``) and their line end (``trim_blocks``), which is why the pace, shoe and focus lines
run into their neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import escape

from ..plan import Day, Reminder, Run, StrengthSession

if TYPE_CHECKING:
    from .html import Units

RUN_LABELS = {"easy": "Easy run", "recovery": "Recovery run", "long": "Long run", "tempo": "Tempo run",
              "intervals": "Intervals", "hills": "Hills", "race": "Race day"}
BLOCK_LABELS = {"warmup": "Warm-up", "main": "Main", "cooldown": "Cool-down"}
TODAY_BADGE = ' <span class="badge today">Today</span>'


@dataclass(frozen=True)
class RanText:
    """What the activity log says of one past day, in words (a re-planned plan only)."""

    state: str  # "done" (planned and run), "missed" (planned, not run), "extra" (run, not planned)
    text: str   # "Ran 5.2 km", "Not run", "Ran 5.0 km, not planned"


@lru_cache(maxsize=4096, typed=True)
def _text(value: object) -> str:
    """``value`` escaped, as ``{{ value }}`` writes it in an autoescaped template. Cached: plans repeat their
    labels, warm-ups, cool-downs and exercises (typed, so 10 and 10.0, which are written differently, do not
    share an entry)."""
    return str(escape(value))


def day_html(weekday: str, label: str, day: Day | None, units: Units, *, unavailable: bool, today: bool,
             past: bool, ran: RanText | None, reminders: Sequence[Reminder]) -> str:
    """One day of the calendar, ``<td>`` to ``</td>``: the first line not indented and no line end after the last
    (the template puts both).

    Args:
        weekday: "Mon" .. "Sun".
        label: the date as shown, "7 Dec".
        day: the plan's day, None for a date of the week outside the plan.
        units: the profile's units, for the run's distance.
        unavailable: a date the runner cannot train on (said on a rest day).
        today: the runner's today (a badge).
        past: before the re-plan date (kept as planned).
        ran: what the activity log says of this day, or None.
        reminders: the day's reminders, in the plan's order.
    """
    if day is None:
        kind = " off"
    elif day.run is None and day.strength is None:
        kind = " rest"
    else:
        kind = f" t-{_text(day.run.type)}" if day.run is not None else " t-strength"
    parts = [f'<td class="day{kind}{" today" if today else ""}{" past" if past else ""}">\n'
             f'      <p class="d"><span class="wd">{_text(weekday)}</span> {_text(label)}'
             f'{TODAY_BADGE if today else ""}</p>\n']
    if ran is not None:
        parts.append(f'      <p class="ran ran-{_text(ran.state)}">{_text(ran.text)}</p>\n')
    if day is None:
        parts.append('      <p class="off-text">Not in the plan</p>\n')
    elif kind == " rest":
        parts.append(f'      <p class="rest-text">Rest{" (unavailable)" if unavailable else ""}</p>\n')
    else:
        if day.run is not None:
            parts.append(_run_box(day.run, units))
        if day.strength is not None:
            parts.append(_strength_box(day.strength))
    parts.extend(f'      <p class="reminder"><strong>Reminder:</strong> {_text(r.text)}</p>\n' for r in reminders)
    parts.append("    </td>")
    return "".join(parts)


def _run_box(run: Run, units: Units) -> str:
    parts = ['      <div class="run">\n'
             f'        <p class="type">{_text(RUN_LABELS.get(run.type, run.type))}</p>\n'
             f'        <p class="fig"><strong>{_text(units.dist(run.distance_km))}</strong> '
             f'<span class="min">{_text(run.minutes)}&nbsp;min</span></p>\n']
    if run.pace:
        parts.append(f'<p class="pace">{_text(run.pace)}</p>')
    if run.blocks:
        parts.append('        <ol class="blocks">\n')
        parts.extend(f'          <li class="b-{_text(b.kind)}"><span class="bk">'
                     f'{_text(BLOCK_LABELS.get(b.kind, b.kind))} {_text(b.minutes)}&prime;</span> '
                     f'<span class="bt">{_text(b.text)}</span></li>\n' for b in run.blocks)
        parts.append('        </ol>\n')
    if run.shoe:
        parts.append(f'<p class="shoe"><span class="k">Shoe</span> {_text(run.shoe)}</p>')
    parts.append('      </div>\n')
    return "".join(parts)


def _strength_box(strength: StrengthSession) -> str:
    parts = ['      <div class="strength">\n'
             f'        <p class="type">Strength <span class="min">{_text(strength.minutes)}&nbsp;min</span></p>\n']
    if strength.focus:
        parts.append(f'<p class="focus">{_text(strength.focus)}</p>')
    if strength.exercises:
        parts.append('        <ul class="ex">\n')
        parts.extend(f'          <li>{_text(exercise)}</li>\n' for exercise in strength.exercises)
        parts.append('        </ul>\n')
    parts.append('      </div>\n')
    return "".join(parts)
