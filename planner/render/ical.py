"""plan.ics: the plan as an iCalendar feed that subscribed calendar apps update in place (shared/design/ical-feeds.md).

Every run and strength session becomes a timed event at the runner's ``start_time`` in their time zone (TZID with a
VTIMEZONE), the race its own event, shoe reminders and recovery weeks all-day events. Identity is stable: each UID
is a uuid5 of athlete id, date and slot, so regenerating a plan never duplicates events in a subscriber's calendar.
Given the previous plan.ics, events whose content changed get SEQUENCE + 1 and a new LAST-MODIFIED / DTSTAMP, and
unchanged events keep theirs, so the file is byte-identical when nothing changed. The calendar has its own
LAST-MODIFIED (RFC 7986): when anything in the file differs from the previous one (an event changed, added or
removed, a calendar property changed) it moves to the plan's generation time, otherwise it is kept. `planner serve`
sends it as the feed's Last-Modified, so a 304 on If-Modified-Since always means the body is unchanged.

The icalendar library builds the calendar's own properties and its VTIMEZONE. The events, a few hundred per plan,
are written line by line here, in the same bytes the library's Event component writes (a test holds the two
together): building them as components cost 30 ms a plan, most of what rendering a plan costs. We fold lines
ourselves (at most 75 octets, never inside an escape sequence or a UTF-8 character) so the bytes do not depend on
the library's folding rules.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import uuid
from dataclasses import dataclass

import icalendar

from ..errors import PlanFileError
from ..plan import Day, Plan, Reminder, Run, StrengthSession, Week
from ..profile import KM_PER_MILE, WEEKDAYS, Profile

PRODID = "-//planner//Running training plan//EN"
# Fixed forever: changing it changes every UID and duplicates every event in every subscribed calendar.
UID_NAMESPACE = uuid.UUID("3b0f7d2e-9a41-5c6e-8f1d-6a2b4c8e0d57")
UID_DOMAIN = "planner"
REFRESH = dt.timedelta(hours=12)
# Zones that are UTC under another name: written as UTC times (…Z) with no VTIMEZONE (a "UTC" VTIMEZONE confuses
# some apps; icalendar issue #1124).
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu",
                       "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0",
                       "Greenwich", "Etc/Greenwich"})
FOLD_LIMIT = 75  # octets per line, CRLF excluded (RFC 5545 section 3.1)
# Properties that record when an event changed rather than what it is: left out when comparing with the previous file.
STAMP_PROPERTIES = (b"DTSTAMP", b"SEQUENCE", b"LAST-MODIFIED")
# Alarms (only with alarms=True): 30 minutes before a session, 09:00 local on the day of an all-day note.
SESSION_ALARM = dt.timedelta(minutes=-30)
ALL_DAY_ALARM = dt.timedelta(hours=9)

RUN_LABELS = {
    "easy": "Easy run", "recovery": "Recovery run", "long": "Long run", "tempo": "Tempo run",
    "intervals": "Intervals", "hills": "Hill repeats", "race": "Race",
}
BLOCK_LABELS = {"warmup": "Warm-up", "main": "Main set", "cooldown": "Cool-down"}
# The day's advice: which of the plan's advice topics (sessions.plan_advice: warmup, hydration, footwear,
# overtraining, pain, strength, recovery) a session's description carries. One topic each, the one that matters
# most that day, so descriptions stay readable on a phone; the full list is in plan.html.
ADVICE_TOPICS: dict[str, tuple[str, ...]] = {
    "easy": ("warmup",), "recovery": ("recovery",), "long": ("hydration",), "tempo": ("warmup",),
    "intervals": ("warmup",), "hills": ("warmup",), "race": ("hydration",), "strength": ("strength",),
    "recovery-week": ("overtraining",), "rest": ("recovery",),
}
# Runners who reported pain get the pain advice on every run as well.
PAIN_TOPIC = "pain"


@dataclass(frozen=True)
class EventSpec:
    """One calendar event before it is turned into iCalendar: what it is, not when it last changed."""

    uid: str
    date: dt.date
    order: int  # position among the events of one day: run before strength before notes
    summary: str
    description: str
    start: dt.date | dt.datetime  # a date for all-day events
    end: dt.date | dt.datetime
    category: str

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)


def event_uid(athlete_id: str, date: dt.date, slot: str) -> str:
    """The UID of one event: uuid5 of athlete id, date and slot, so it is the same in every regeneration.

    Args:
        athlete_id: the runner's id (``plan.athlete.id``).
        date: the event's day.
        slot: what the event is that day: "run", "strength", "race", "reminder-<shoe>", "recovery-week" or "rest".

    Returns:
        ``"<uuid>@planner"``; it holds no personal data and no feed token.
    """
    digest = _UID_HASH.copy()
    digest.update(f"{athlete_id}/{date.isoformat()}/{slot}".encode("utf-8"))
    raw = bytearray(digest.digest()[:16])
    raw[6] = raw[6] & 0x0F | 0x50  # version 5
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    hexa = raw.hex()
    return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}@{UID_DOMAIN}"


# uuid.uuid5(UID_NAMESPACE, name), written out: its SHA-1 with the namespace already fed in, and the UUID's version
# and variant bits set and its text written here rather than through a uuid.UUID object, which took half the time
# of each of a plan's ~140 UIDs (a test holds the two equal).
_UID_HASH = hashlib.sha1(UID_NAMESPACE.bytes, usedforsecurity=False)


# --- what the events say ----------------------------------------------------------------------------------------------

def format_distance(km: float, units: str) -> str:
    """``"6.0 km"``, or ``"3.7 mi"`` for a runner whose profile is in miles."""
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def format_minutes(minutes: int) -> str:
    """``"52 min"`` or ``"1 h 45 min"``."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def _advice_lines(plan: Plan, kind: str, *, in_pain: bool = False) -> list[str]:
    """The advice for one kind of day, as description lines: a blank line, then the texts in the plan's order."""
    wanted = set(ADVICE_TOPICS.get(kind, ()))
    if in_pain:
        wanted.add(PAIN_TOPIC)
    texts = [a.text for a in plan.advice if a.topic in wanted]
    return ["", *texts] if texts else []


def _week_line(plan: Plan, date: dt.date) -> str:
    week = plan.week_of(date)
    if week is None:
        return ""
    return f"Week {week.number}, {week.phase} phase{', recovery week' if week.recovery else ''}"


def _run_description(plan: Plan, date: dt.date, run: Run, units: str, in_pain: bool) -> str:
    lines = [f"{RUN_LABELS.get(run.type, run.type.capitalize())}: {format_distance(run.distance_km, units)}, "
             f"{format_minutes(run.minutes)}"]
    if run.type == "race":
        name = plan.race.name if plan.race is not None else "Race"
        lines[0] = f"{name}: {format_distance(run.distance_km, units)}"
        lines.append("The event is at your usual start time: check the race's own start time.")
    week = _week_line(plan, date)
    if week:
        lines.append(week)
    if run.pace:
        lines.append(f"Pace: {run.pace}")
    if run.shoe:
        lines.append(f"Shoe: {run.shoe}")
    if run.blocks:
        lines.append("")
        lines.extend(f"{BLOCK_LABELS.get(b.kind, b.kind.capitalize())}, {format_minutes(b.minutes)}: {b.text}"
                     for b in run.blocks)
    lines.extend(_advice_lines(plan, run.type, in_pain=in_pain))
    return "\n".join(lines)


def _strength_description(plan: Plan, strength: StrengthSession) -> str:
    lines = [f"Strength: {format_minutes(strength.minutes)}" + (f", {strength.focus}" if strength.focus else "")]
    lines.extend(f"- {exercise}" for exercise in strength.exercises)
    lines.extend(_advice_lines(plan, "strength"))
    return "\n".join(lines)


def _run_summary(plan: Plan, run: Run, units: str) -> str:
    if run.type == "race":
        name = plan.race.name if plan.race is not None else "Race"
        return f"Race: {name} ({format_distance(run.distance_km, units)})"
    return f"{RUN_LABELS.get(run.type, run.type.capitalize())} {format_distance(run.distance_km, units)}"


# --- when the events are ----------------------------------------------------------------------------------------------

def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    if name in UTC_ZONES:
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PlanFileError(f"timezone {name!r} is not a known IANA time zone: fix `timezone` in the profile") \
            from None


def _start_times(profile: Profile) -> list[tuple[int, int]]:
    """The runner's start time (hour, minute) on each weekday, Monday first."""
    times = []
    for weekday in WEEKDAYS:
        hour, minute = profile.schedule.start_time_on(weekday).split(":")
        times.append((int(hour), int(minute)))
    return times


def _local_start(start_times: list[tuple[int, int]], date: dt.date, zone: dt.tzinfo) -> dt.datetime:
    hour, minute = start_times[date.weekday()]
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=zone)


def _exists_once(moment: dt.datetime) -> bool:
    """True when this wall-clock time occurs exactly once in its zone: not in a DST gap, not in a DST overlap."""
    return moment.utcoffset() == moment.replace(fold=1 - moment.fold).utcoffset()


def _timed(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end as written: local with TZID, or in UTC when either falls in a DST gap or overlap.

    A start time such as 02:30 on the night the clocks change does not exist, or exists twice; calendar engines
    resolve those differently (ical.js takes the second 02:30 where RFC 5545 says the first), so such a session is
    pinned to its instant in UTC, which every app shows at the same moment in the runner's zone.
    """
    if _exists_once(start) and _exists_once(end):
        return start, end
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def _after(start: dt.datetime, minutes: int) -> dt.datetime:
    """``start`` plus elapsed minutes, in start's zone (through UTC, so a DST change in between is counted right)."""
    return (start.astimezone(dt.timezone.utc) + dt.timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _all_day(uid: str, date: dt.date, order: int, summary: str, description: str, category: str) -> EventSpec:
    return EventSpec(uid=uid, date=date, order=order, summary=summary, description=description,
                     start=date, end=date + dt.timedelta(days=1), category=category)


@dataclass(frozen=True)
class _Days:
    """What the events of all the days of one plan share, worked out once per plan rather than once per day."""

    zone: dt.tzinfo
    units: str
    start_times: list[tuple[int, int]]  # the runner's start time (hour, minute) on each weekday, Monday first
    in_pain: bool                       # the runner reports pain: every run carries the pain advice
    clock_changes: frozenset[dt.date]   # the dates next to a change of the zone's clocks (_clock_change_dates)


def _clock_change_dates(zone: dt.tzinfo, first: dt.date, last: dt.date) -> frozenset[dt.date]:
    """The local dates next to a change of the zone's clocks in the plan's years: the day before, of and after each.

    A day's sessions start on it and end by the next day, so only on these dates can one start or end in a DST gap
    or overlap or span a change; on every other date a session's end is its start plus its minutes and its times
    are written as they are, without _after's and _timed's care (which cost a tenth of plan.ics). The changes are
    those the plan's VTIMEZONE was built from (cached).
    """
    if zone is dt.timezone.utc:
        return frozenset()
    begin, end = _zone_span(zone, first, last)
    dates: set[dt.date] = set()
    for instant in _transitions(zone, int(begin.timestamp()), int(end.timestamp())):
        day = dt.datetime.fromtimestamp(instant, zone).date()
        dates.update((day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)))
    return frozenset(dates)


def _session_times(start: dt.datetime, minutes: int, days: _Days) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """A session's start and end as written (see _timed), and its end in the runner's zone."""
    if minutes < 24 * 60 and start.date() not in days.clock_changes:  # it ends by the next day: no clock change
        end = start + dt.timedelta(minutes=minutes)
        return start, end, end
    end = _after(start, minutes)
    return (*_timed(start, end), end)


def _day_events(plan: Plan, day: Day, days: _Days) -> list[EventSpec]:
    athlete = plan.athlete.id
    units = days.units
    events: list[EventSpec] = []
    start = _local_start(days.start_times, day.date, days.zone)
    if day.run is not None:
        slot = "race" if day.run.type == "race" else "run"
        shown_start, shown_end, end = _session_times(start, day.run.minutes, days)
        events.append(EventSpec(uid=event_uid(athlete, day.date, slot), date=day.date, order=0,
                                summary=_run_summary(plan, day.run, units),
                                description=_run_description(plan, day.date, day.run, units, days.in_pain),
                                start=shown_start, end=shown_end, category="Race" if slot == "race" else "Run"))
        start = end  # strength on a run day follows the run
    if day.strength is not None:
        shown_start, shown_end, _ = _session_times(start, day.strength.minutes, days)
        events.append(EventSpec(uid=event_uid(athlete, day.date, "strength"), date=day.date, order=1,
                                summary=f"Strength {format_minutes(day.strength.minutes)}",
                                description=_strength_description(plan, day.strength),
                                start=shown_start, end=shown_end, category="Strength"))
    return events


def _reminder_event(plan: Plan, reminder: Reminder, slot: str) -> EventSpec:
    what = f"Shoe reminder: {reminder.shoe}" if reminder.shoe else f"Reminder: {reminder.kind.replace('_', ' ')}"
    return _all_day(event_uid(plan.athlete.id, reminder.date, slot), reminder.date, 3, what,
                    reminder.text or what, "Reminder")


def _recovery_week_event(plan: Plan, week: Week, units: str) -> EventSpec | None:
    date = max(week.start, plan.start_date)
    if date > plan.end_date:
        return None
    description = "\n".join([
        f"Week {week.number} is a recovery week: about {format_distance(week.distance_km, units)} in all. "
        "It is lighter on purpose, so your body absorbs the training of the weeks before. "
        "Keep every easy run truly easy.", *_advice_lines(plan, "recovery-week")])
    return _all_day(event_uid(plan.athlete.id, date, "recovery-week"), date, 2,
                    f"Recovery week ({format_distance(week.distance_km, units)})", description, "Note")


def plan_events(plan: Plan, profile: Profile, *, include_rest_days: bool = False) -> list[EventSpec]:
    """Every event of the plan's calendar, sorted by date, then run / strength / notes, then UID.

    Args:
        plan: the certified plan.
        profile: its profile (start times, time zone, units).
        include_rest_days: also add an all-day "Rest day" event on each rest day.

    Returns:
        The events; their UIDs are unique (a second reminder for the same shoe on one day gets a numbered slot).
    """
    zone = _zone(profile.timezone)
    units = profile.units
    days = _Days(zone=zone, units=units, start_times=_start_times(profile),
                 in_pain=any(p.severity > 0 for p in profile.health.pain),
                 clock_changes=_clock_change_dates(zone, plan.start_date, plan.end_date))
    events: list[EventSpec] = []
    for day in plan.days:
        events.extend(_day_events(plan, day, days))
        if include_rest_days and day.rest:
            text = "\n".join(["No run and no strength today: rest is part of the plan.", *_advice_lines(plan, "rest")])
            events.append(_all_day(event_uid(plan.athlete.id, day.date, "rest"), day.date, 4, "Rest day", text, "Rest"))
    for week in plan.weeks:
        if week.recovery:
            event = _recovery_week_event(plan, week, units)
            if event is not None:
                events.append(event)
    seen: set[tuple[dt.date, str]] = set()
    for reminder in plan.reminders:
        base = f"reminder-{reminder.shoe if reminder.shoe else reminder.kind}"
        slot, n = base, 1
        while (reminder.date, slot) in seen:
            n += 1
            slot = f"{base}-{n}"
        seen.add((reminder.date, slot))
        events.append(_reminder_event(plan, reminder, slot))
    events.sort(key=lambda e: (e.date, e.order, e.uid))
    return events


# --- iCalendar text ---------------------------------------------------------------------------------------------------

def _unfold(data: bytes) -> list[bytes]:
    """Content lines of an iCalendar stream with folding undone (CRLF or bare LF line ends accepted)."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n ", b"").replace(b"\n\t", b"")
    return [line for line in data.split(b"\n") if line]


def _name(line: bytes) -> bytes:
    cut = len(line)
    for sep in (b":", b";"):
        pos = line.find(sep)
        if 0 <= pos < cut:
            cut = pos
    return line[:cut].upper()


def _value(line: bytes) -> bytes:
    return line.split(b":", 1)[1] if b":" in line else b""


def fold_line(line: bytes) -> bytes:
    """Fold one content line at 75 octets with CRLF + space, never inside a UTF-8 character or a backslash escape."""
    if len(line) <= FOLD_LIMIT:
        return line
    step = FOLD_LIMIT - 1  # a continuation line: its leading space, then 74 octets
    if line.isascii() and b"\\" not in line[step::step]:
        # The common case, a third quicker: no UTF-8 character to keep whole and no backslash just before a cut
        # (octets 74, 148, ...), so the cuts fall at 75, 149, 223, ...
        cuts = range(FOLD_LIMIT, len(line), step)
        return b"\r\n ".join([line[:FOLD_LIMIT], *[line[cut:cut + step] for cut in cuts]])
    pieces: list[bytes] = []
    start, room = 0, FOLD_LIMIT
    while len(line) - start > room:
        cut = start + room
        while 0x80 <= line[cut] <= 0xBF:  # inside a UTF-8 character: cut before it
            cut -= 1
        slashes = 0
        while cut - 1 - slashes >= start and line[cut - 1 - slashes] == 0x5C:
            slashes += 1
        if slashes % 2:  # an escape's backslash would end the piece: keep it with its character
            cut -= 1
            while 0x80 <= line[cut] <= 0xBF:
                cut -= 1
        pieces.append(line[start:cut])
        start, room = cut, FOLD_LIMIT - 1  # a continuation's leading space counts towards its 75 octets
    pieces.append(line[start:])
    return b"\r\n ".join(pieces)


def _fold_lines(data: bytes) -> bytes:
    """``data``, CRLF-ended content lines, with each line longer than the limit folded by :func:`fold_line`."""
    return b"\r\n".join([fold_line(line) if len(line) > FOLD_LIMIT else line for line in data.split(b"\r\n")])


def _serialize(component: icalendar.cal.Component) -> list[bytes]:
    """The component's content lines, unfolded: icalendar's own folding is skipped (we fold ourselves, safely)."""
    return [str(line).encode("utf-8") for line in component.content_lines() if line]


def _content_key(lines: list[bytes]) -> bytes:
    """What an event is, without when it changed: its unfolded lines minus DTSTAMP, SEQUENCE and LAST-MODIFIED."""
    return b"\n".join(line for line in lines if _name(line) not in STAMP_PROPERTIES)


@dataclass(frozen=True)
class _Previous:
    content: bytes
    sequence: int
    dtstamp: dt.datetime
    last_modified: dt.datetime


def _utc_stamp(value: bytes) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value.decode("ascii"), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except (UnicodeDecodeError, ValueError):
        return None


def previous_events(previous: bytes) -> dict[str, _Previous]:
    """The VEVENTs of an earlier plan.ics by UID, with their content and stamps.

    Read with a small line reader rather than a full parser: only what this module wrote needs to be understood, and
    an event that cannot be read (no UID, a stamp in another format) is simply treated as new, which at worst
    raises its SEQUENCE once.
    """
    events: dict[str, _Previous] = {}
    block: list[bytes] | None = None
    depth = 0
    for line in _unfold(previous):
        upper = line.upper()
        if upper == b"BEGIN:VEVENT" and block is None:
            block, depth = [line], 0
            continue
        if block is None:
            continue
        block.append(line)
        if upper.startswith(b"BEGIN:"):
            depth += 1
        elif upper.startswith(b"END:"):
            if depth:
                depth -= 1
                continue
            fields = {_name(l): _value(l) for l in block if _name(l) in (b"UID", *STAMP_PROPERTIES)}
            uid = fields.get(b"UID", b"").decode("utf-8", "replace")
            stamp, modified = _utc_stamp(fields.get(b"DTSTAMP", b"")), _utc_stamp(fields.get(b"LAST-MODIFIED", b""))
            sequence = fields.get(b"SEQUENCE", b"0").strip()
            if uid and stamp and modified and sequence.isdigit():
                events[uid] = _Previous(_content_key(block), int(sequence), stamp, modified)
            block = None
    return events


def _generated_at(plan: Plan) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(plan.generated_at.replace("Z", "+00:00"))
    except ValueError:
        raise PlanFileError(f"plan generated_at {plan.generated_at!r} is not an ISO 8601 time "
                            "(expected e.g. 2026-11-25T10:00:00Z)") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc).replace(microsecond=0)


# Characters RFC 5545 allows in no TEXT value (its CONTROL: every C0 control but HTAB, and DEL); line breaks are
# escaped as \n, the rest dropped, so a stray control character in a name cannot make the file unreadable.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    if value.isprintable():  # a quick scan in C; what is not printable (a tab, an NBSP, a control) is looked at
        return value
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


# What ical_text changes: most summaries, categories and UIDs hold none of it and are returned as they are.
_TEXT_SPECIAL = re.compile("[\\\\;,\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def ical_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 says: backslash, semicolon and comma escaped, line breaks
    (CRLF, LF or a lone CR) as ``\\n``, other control characters dropped."""
    if not _TEXT_SPECIAL.search(value):
        return value
    return _printable(value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                      .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _when(name: str, value: dt.date | dt.datetime) -> str:
    """DTSTART / DTEND: a date (all-day), a UTC time (…Z), or a local time with its TZID."""
    if not isinstance(value, dt.datetime):
        return "%s;VALUE=DATE:%04d%02d%02d" % (name, value.year, value.month, value.day)
    if value.utcoffset() == dt.timedelta(0) and value.tzinfo is dt.timezone.utc:
        return f"{name}:{_basic_time(value)}Z"
    return f"{name};TZID={_tzid(value.tzinfo)}:{_basic_time(value)}"


def _basic_time(value: dt.datetime) -> str:
    """``20270304T073000``: the wall time as RFC 5545 writes it. Formatted field by field with %, a third of what
    strftime costs (an f-string with format specs costs twice as much): a plan has ~300 of these."""
    return "%04d%02d%02dT%02d%02d%02d" % (value.year, value.month, value.day, value.hour, value.minute, value.second)


def _tzid(zone: dt.tzinfo) -> str:
    key = getattr(zone, "key", None)
    if not key:  # pragma: no cover - _zone only hands out ZoneInfo zones and UTC
        raise PlanFileError(f"time zone {zone!r} has no IANA name")
    return key


def _duration(value: dt.timedelta) -> str:
    """An alarm trigger: ``-PT30M``, ``PT9H`` (whole minutes, under a day)."""
    sign = "-" if value < dt.timedelta(0) else ""
    minutes = abs(int(value.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{sign}PT{f'{hours}H' if hours else ''}{f'{minutes}M' if minutes or not hours else ''}"


def _stamp(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.timezone.utc):%Y%m%dT%H%M%S}Z"


def _event_lines(spec: EventSpec, alarms: bool) -> tuple[list[str], list[str], list[str], list[str]]:
    """One VEVENT's content lines, unfolded, split where DTSTAMP / SEQUENCE / LAST-MODIFIED go (they are set once
    compared with the previous file). Properties in icalendar's canonical order, then alphabetical, as the
    library itself writes them (tests/test_render_ical.py holds the two to the same bytes)."""
    head = ["BEGIN:VEVENT", f"SUMMARY:{ical_text(spec.summary)}", _when("DTSTART", spec.start),
            _when("DTEND", spec.end)]
    # all-day notes must not show the runner as busy all day
    tail = [f"CATEGORIES:{ical_text(spec.category)}", f"DESCRIPTION:{ical_text(spec.description)}"]
    end = [f"TRANSP:{'TRANSPARENT' if spec.all_day else 'OPAQUE'}"]
    if alarms and spec.category != "Rest":  # nobody needs an alarm to rest
        end += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{ical_text(spec.summary)}",
                f"TRIGGER:{_duration(ALL_DAY_ALARM if spec.all_day else SESSION_ALARM)}", "END:VALARM"]
    end.append("END:VEVENT")
    return head, [f"UID:{ical_text(spec.uid)}"], tail, end


def previous_calendar_modified(previous: bytes) -> dt.datetime | None:
    """The calendar-level LAST-MODIFIED of an earlier plan.ics (the one before its first component), or None."""
    for line in _unfold(previous):
        name = _name(line)
        if name == b"BEGIN" and line.upper() != b"BEGIN:VCALENDAR":
            return None  # the calendar's own properties all come before its first component
        if name == b"LAST-MODIFIED":
            return _utc_stamp(_value(line).strip())
    return None


def _calendar_modified(now: dt.datetime, earlier: dt.datetime | None) -> dt.datetime:
    """The calendar's LAST-MODIFIED when the file changed: the generation time, and always later than the previous
    file's (a plan regenerated with the same or an earlier ``generated_at`` still gets a newer stamp, one second on),
    so a client's If-Modified-Since from the earlier file never matches the new one."""
    if earlier is None or now > earlier:
        return now
    return earlier + dt.timedelta(seconds=1)


def _calendar(plan: Plan, profile: Profile, zone: dt.tzinfo) -> icalendar.Calendar:
    title = _printable(f"Training plan: {plan.athlete.name}")
    if plan.race is not None:
        about = f"{plan.race.name} on {plan.race.date.isoformat()}. Plan from {plan.start_date.isoformat()}."
    else:
        about = f"Plan from {plan.start_date.isoformat()} to {plan.end_date.isoformat()}."
    about = _printable(about)
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("UID", f"{uuid.uuid5(UID_NAMESPACE, f'{plan.athlete.id}/calendar')}@{UID_DOMAIN}")
    # X- properties get no type from the library: wrap them as TEXT so they are escaped like the rest
    cal.add("NAME", icalendar.vText(title))  # as TEXT, so a line break in a name is escaped, never written raw
    cal.add("X-WR-CALNAME", icalendar.vText(title))
    cal.add("DESCRIPTION", about)
    cal.add("X-WR-CALDESC", icalendar.vText(about))
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    cal.add("X-WR-TIMEZONE", icalendar.vText("UTC" if zone is dt.timezone.utc else profile.timezone))
    # RFC 7986: when the calendar last changed. render_ical sets its value once the file is compared with the
    # previous one; the line is placed here so the library decides where it goes and how it is written.
    cal.add("LAST-MODIFIED", _generated_at(plan))
    return cal


@functools.lru_cache(maxsize=64)  # a batch renders many plans in the same few zones and years
def _vtimezone_lines(tzid: str, first_year: int, last_year: int) -> tuple[bytes, ...]:
    return tuple(_serialize(vtimezone(tzid, dt.date(first_year, 1, 1), dt.date(last_year, 1, 1))))


def vtimezone(tzid: str, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """A VTIMEZONE for ``tzid`` from the tz database, covering ``first``..``last`` and a year either side.

    Built here from zoneinfo rather than with icalendar's ``Timezone.from_tzid``, which drops some transitions
    (Africa/Casablanca's Ramadan changes of 2027), writes spring onsets in the new offset's wall time, and puts
    several onsets in one multi-valued RDATE that ical.js reads only in part. Here every transition is its own
    STANDARD or DAYLIGHT observance whose DTSTART is the wall time just before it (RFC 5545 3.6.5).
    """
    zone = _zone(tzid)
    observances = []
    begin, end = _zone_span(zone, first, last)
    state = _zone_state(zone, int(begin.timestamp()))
    observances.append(_observance(begin.replace(tzinfo=None), state, state))
    for instant in _transitions(zone, int(begin.timestamp()), int(end.timestamp())):
        before, after = _zone_state(zone, instant - 1), _zone_state(zone, instant)
        wall = dt.datetime.fromtimestamp(instant, dt.timezone.utc).replace(tzinfo=None) + before[0]
        observances.append(_observance(wall, before, after))
    out = icalendar.Timezone()
    out.add("TZID", tzid)
    for observance in observances:
        out.add_component(observance)
    return out


def _zone_span(zone: dt.tzinfo, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """What a VTIMEZONE for ``first``..``last`` covers: 1 January of the year before to 1 January two years after.
    Aware times: naive ones would depend on the machine's zone."""
    return dt.datetime(first.year - 1, 1, 1, tzinfo=zone), dt.datetime(last.year + 2, 1, 1, tzinfo=zone)


_ZoneState = tuple[dt.timedelta, str, bool]  # UTC offset, abbreviation, daylight saving in force


def _zone_state(zone: dt.tzinfo, instant: int) -> _ZoneState:
    local = dt.datetime.fromtimestamp(instant, dt.timezone.utc).astimezone(zone)
    return local.utcoffset(), local.tzname() or "", bool(local.dst())


@functools.lru_cache(maxsize=64)  # a batch renders many plans in the same few zones
def _transitions(zone: dt.tzinfo, begin: int, end: int) -> tuple[int, ...]:
    """UTC instants (epoch seconds) in [begin, end) at which the zone's offset, name or DST flag changes.

    Sampled once a day, then bisected to the second: no zone changes twice within a day (the closest pairs in
    the tz database, Ramadan suspensions of DST, are weeks apart). Daily sampling makes this 4x cheaper than the
    6-hourly it was, which mattered: it was a tenth of `planner generate`'s own time.
    """
    step = 24 * 3600
    found = []
    state = _zone_state(zone, begin)
    at = begin
    while at < end:
        nxt = min(at + step, end)
        if _zone_state(zone, nxt) != state:
            lo, hi = at, nxt  # state holds at lo, not at hi
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _zone_state(zone, mid) == state else (lo, mid)
            found.append(hi)
            state = _zone_state(zone, hi)
        at = nxt
    return tuple(found)


def _observance(wall: dt.datetime, before: _ZoneState, after: _ZoneState) -> icalendar.cal.Component:
    observance = icalendar.TimezoneDaylight() if after[2] else icalendar.TimezoneStandard()
    observance.add("DTSTART", wall)
    observance.add("TZNAME", after[1])
    observance.add("TZOFFSETFROM", before[0])
    observance.add("TZOFFSETTO", after[0])
    return observance


def render_ical(plan: Plan, profile: Profile, *, previous: bytes | None = None, include_rest_days: bool = False,
                alarms: bool = False) -> bytes:
    """The plan as an iCalendar feed (plan.ics bytes).

    Args:
        plan: the certified plan.
        profile: the profile it was built from (start times per weekday, time zone, units).
        previous: the plan.ics already in the output folder, or None the first time. Events whose content changed
            since then get SEQUENCE + 1 and LAST-MODIFIED = DTSTAMP = ``plan.generated_at``; unchanged events keep
            all three. The calendar's own LAST-MODIFIED is kept from ``previous`` when the output would otherwise
            be byte-identical to it, and is ``plan.generated_at`` (or one second past the previous stamp, if that
            is not later) when anything differs.
        include_rest_days: add an all-day event on each rest day.
        alarms: add a VALARM to each event (30 minutes before a session, 09:00 on an all-day note). Google ignores
            them and Apple strips them when subscribing, so the events never rely on them.

    Returns:
        UTF-8 bytes with CRLF line ends and lines folded at 75 octets.

    Raises:
        PlanFileError: the plan's ``generated_at`` or time zone cannot be read.
    """
    now = _generated_at(plan)
    now_stamp = _stamp(now)
    zone = _zone(profile.timezone)
    before = previous_events(previous) if previous else {}
    calendar = _serialize(_calendar(plan, profile, zone))
    modified_at = next(i for i, line in enumerate(calendar) if line.startswith(b"LAST-MODIFIED:"))
    lines = calendar[modified_at + 1:-1]  # the time zone and the events go before END:VCALENDAR
    if zone is not dt.timezone.utc:
        lines.extend(_vtimezone_lines(profile.timezone, plan.start_date.year, plan.end_date.year))
    events: list[str] = []
    for spec in plan_events(plan, profile, include_rest_days=include_rest_days):
        head, uid, tail, end = _event_lines(spec, alarms)
        old = before.get(spec.uid)
        if old is not None and old.content == "\n".join(head + uid + tail + end).encode("utf-8"):
            sequence, stamp, modified = old.sequence, _stamp(old.dtstamp), _stamp(old.last_modified)
        else:
            sequence, stamp, modified = (old.sequence + 1 if old else 0), now_stamp, now_stamp
        events += head
        events.append(f"DTSTAMP:{stamp}")
        events += uid
        events.append(f"SEQUENCE:{sequence}")
        events += tail
        events.append(f"LAST-MODIFIED:{modified}")
        events += end
    if events:
        lines.append("\r\n".join(events).encode("utf-8"))
    lines.append(calendar[-1])
    head = _fold_lines(b"\r\n".join(calendar[:modified_at]) + b"\r\n")
    rest = _fold_lines(b"\r\n".join(lines) + b"\r\n")
    earlier = previous_calendar_modified(previous) if previous else None
    if earlier is not None:
        kept = head + f"LAST-MODIFIED:{_stamp(earlier)}\r\n".encode("ascii") + rest
        if kept == previous:
            return kept
    return head + f"LAST-MODIFIED:{_stamp(_calendar_modified(now, earlier))}\r\n".encode("ascii") + rest
