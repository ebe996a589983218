"""plan.html: content, units, escaping, determinism, and the chart and shoe arithmetic behind it.

Two kinds of plan are rendered: plans built by hand here (:func:`hand_plan`, for exact numbers and odd input)
and real plans the engine makes from every profile in profiles/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from planner import checks
from planner.errors import PlannerError
from planner.paces import zones_for
from planner.plan import Athlete, Block, Day, Plan, Race, Reminder, Run, StrengthSession, Warning, Week
from planner.profile import KM_PER_MILE, Profile, profile_from_data
from planner.render import charts
from planner.render.html import long_date, render_html, template_environment
from planner.sessions import is_conservative, pain_warnings, plan_advice

ROOT = Path(__file__).resolve().parents[1]
GENERATED_AT = "2026-11-25T10:00:00Z"


# --- plans by hand ---------------------------------------------------------------------------------------------

def make_profile(**changes) -> Profile:
    """A half-marathon runner with two pairs of shoes; ``changes`` replace top-level keys of the profile."""
    data = {
        "name": "Maya Okafor", "id": "maya-okafor", "timezone": "Europe/Berlin", "units": "km",
        "current": {"weekly_distance": 30, "long_run": 12, "runs_per_week": 5,
                    "recent_race": {"distance": "10k", "time": "48:30", "date": "2026-10-04"}},
        "goal": {"race": "half", "race_date": "2027-04-11", "race_name": "Berlin Half", "target_time": "1:45:00"},
        "start_date": "2026-12-07",
        "schedule": {"rest_days": ["mon"], "long_run_day": "sun", "unavailable": ["2026-12-24"]},
        "shoes": [{"name": "Pegasus 40", "distance": 420, "replace_at": 700},
                  {"name": "Vaporfly 3", "distance": 60, "replace_at": 400, "racing": True}],
    }
    data.update(changes)
    return profile_from_data(data)


# Share of the week's distance per weekday (Mon rest, Thu tempo, Sun long); strength on Tue and Fri.
WEEK_SHAPE = {1: ("easy", 0.18), 2: ("easy", 0.16), 3: ("tempo", 0.18), 5: ("easy", 0.18), 6: ("long", 0.30)}
STRENGTH_DAYS = (1, 4)


def _run(profile: Profile, run_type: str, km: float, shoe: str | None) -> Run:
    zones = zones_for(profile)
    minutes = max(25, round(km * 6.3))
    zone = {"tempo": "threshold", "race": "marathon"}.get(run_type, "easy")
    pace = zones.label(zone)
    shown = km / KM_PER_MILE if profile.units == "mi" else km
    blocks = (Block("warmup", 10, "easy jog, leg swings, high knees"),
              Block("main", minutes - 20, f"{run_type.capitalize()} {shown:.1f} {profile.units} at {pace}"),
              Block("cooldown", 10, "walk-jog, calf and hamstring stretches"))
    return Run(type=run_type, distance_km=round(km, 1), minutes=minutes, warmup_minutes=10, cooldown_minutes=10,
               blocks=blocks, pace=pace, shoe=shoe)


def hand_plan(profile: Profile, *, weeks: int | None = None, start: dt.date | None = None,
              warnings: tuple[Warning, ...] = ()) -> Plan:
    """A plausible plan built without the solver: a steady build, a cutback every 4th week, a taper for a race.

    With a race goal the plan ends on the race date; otherwise it runs ``weeks`` weeks. Shoes follow the
    profile: the first pair until it would pass its limit, then "<name> (new pair)" with a reminder a week
    ahead; tempo runs and the race in a racing pair when there is one.
    """
    start = start or profile.start_date
    race_date = profile.goal.race_date
    end = race_date if race_date else start + dt.timedelta(days=7 * (weeks or 12) - 1 - start.weekday())
    first_monday = start - dt.timedelta(days=start.weekday())
    count = (end - first_monday).days // 7 + 1
    baseline = profile.weekly_km
    everyday = next((s for s in profile.shoes if not s.racing), None)
    racing = next((s for s in profile.shoes if s.racing), None)  # without one, the everyday pair races too
    odometer = {s.name: profile.km(s.distance) for s in profile.shoes}
    current_name = everyday.name if everyday else None
    pairs = 0  # replacements of the everyday pair so far
    unavailable = profile.schedule.unavailable_dates()

    plan_weeks, days, reminders = [], [], []
    reference = baseline
    for index in range(count):
        monday = first_monday + dt.timedelta(days=7 * index)
        if race_date and index == count - 1:
            phase, target = "race", 0.35 * reference
        elif race_date and index == count - 2:
            phase, target = "taper", 0.75 * reference
        else:
            phase = ("base" if index < count // 3 else "build" if index < 2 * count // 3 else "peak") \
                if race_date else ("base" if index < count // 2 else "maintain")
            ceiling = profile.goal_weekly_km or 2.2 * baseline  # grow to the goal (or a race peak), then hold
            target = min(reference * 1.08, max(ceiling, reference))
        recovery = phase in ("base", "build", "peak", "maintain") and index % 4 == 3
        if recovery:
            target = 0.8 * reference
        week_km = 0.0
        for offset in range(7):
            date = monday + dt.timedelta(days=offset)
            if date < start or date > end:
                continue
            run = strength = None
            if date == race_date:
                run = _run(profile, "race", profile.race_km, racing.name if racing else current_name)
            elif date not in unavailable and offset in WEEK_SHAPE and not (phase == "race" and offset == 5):
                run_type, share = WEEK_SHAPE[offset]
                if phase in ("taper", "race") and run_type != "easy":
                    run_type = "easy"
                shoe = racing.name if (run_type == "tempo" and racing) else current_name
                run = _run(profile, run_type, target * share, shoe)
            if date not in unavailable and offset in STRENGTH_DAYS and phase not in ("taper", "race"):
                strength = StrengthSession(30, "glutes, hamstrings, calves, core",
                                           ("squats 3 x 12", "glute bridges 3 x 15", "calf raises 3 x 15",
                                            "plank 3 x 40 s"))
            if run is not None and run.shoe and everyday and run.shoe == current_name:
                limit = profile.shoe_limit_km(everyday)
                if odometer.get(current_name, 0.0) + run.distance_km > limit:
                    shown = limit / KM_PER_MILE if profile.units == "mi" else limit
                    reminders.append(Reminder(date - dt.timedelta(days=7), "shoe_replacement", current_name,
                                              f"Replace {current_name}: it reaches {shown:.0f} {profile.units} "
                                              "next week."))
                    pairs += 1
                    current_name = checks.replacement_name(everyday.name, pairs)
                    odometer[current_name] = 0.0
                    run = replace(run, shoe=current_name)
            if run is not None and run.shoe:
                odometer[run.shoe] = odometer.get(run.shoe, 0.0) + run.distance_km
                week_km += run.distance_km
            days.append(Day(date=date, run=run, strength=strength))
        full = monday >= start and monday + dt.timedelta(days=6) <= end
        if full and not recovery and phase != "taper" and phase != "race":
            reference = week_km
        plan_weeks.append(Week(number=index + 1, start=monday, phase=phase, recovery=recovery,
                               distance_km=round(week_km, 1)))
    race = Race(profile.goal.race_name or (profile.race_label() or "Race"), race_date, round(profile.race_km, 1)) \
        if race_date else None
    rules = {"progression_cap": 0.10, "min_rest_days": 1, "cutback_every": 4, "cutback_ratio": 0.80,
             "strength_per_week": 2, "warmup_minutes": 10, "cooldown_minutes": 10, "long_run_max_share": 0.35,
             "easy_share_min": 0.80, "baseline_weekly_km": round(baseline, 1),
             "baseline_long_run_km": round(profile.long_run_km, 1)}
    longest_minutes = max((d.run.minutes for d in days if d.run and d.run.type != "race"), default=0)
    advice = plan_advice(profile, conservative=is_conservative(profile, start), longest_run_minutes=longest_minutes)
    warnings = pain_warnings(profile, start) + tuple(warnings)
    return Plan(generated_at=GENERATED_AT,
                athlete=Athlete(profile.athlete_id, profile.name, profile.timezone, profile.units),
                start_date=start, end_date=end, race=race, rules=rules, weeks=tuple(plan_weeks),
                days=tuple(days), reminders=tuple(reminders), advice=advice, warnings=warnings)


# --- reading the page back ---------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
INLINE = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "time", "tspan"}


class Page(HTMLParser):
    """The page as a browser's parser sees it: visible text, elements by id, and a check that tags balance."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []  # (ids of the enclosing elements, text)
        self._id_stack: list[str | None] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def _boundary(self, tag: str) -> None:
        if tag not in INLINE:  # a block's edge separates words, as it does on screen
            self.texts.append((tuple(i for i in self._id_stack if i), " "))

    def handle_starttag(self, tag, attrs):
        self._boundary(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag in VOID:
            return
        self.stack.append(tag)
        self._id_stack.append(attrs.get("id"))

    def handle_startendtag(self, tag, attrs):  # <rect .../> in SVG
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "id" in attrs:
            self.ids.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self._boundary(tag)
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        self._id_stack.pop()

    def handle_data(self, data):
        if "style" in self.stack:
            return
        self.texts.append((tuple(i for i in self._id_stack if i), data))

    def text(self, within: str | None = None) -> str:
        """Visible text, whitespace collapsed; only inside the element with id ``within`` when given."""
        chunks = [t for ids, t in self.texts if within is None or within in ids]
        return re.sub(r"[ \t\r\n\f]+", " ", "".join(chunks)).strip(" ")


def render(plan: Plan, profile: Profile, **kwargs) -> tuple[str, Page]:
    html = render_html(plan, profile, **kwargs)
    return html, Page(html)


def body(html: str) -> str:
    """The page without its style sheet (whose selectors name every class)."""
    return html[html.index("</style>"):]


def dist(km: float, units: str = "km") -> str:
    value = km / KM_PER_MILE if units == "mi" else km
    return f"{value:.1f}\u00a0{units}"


@pytest.fixture(scope="module")
def maya() -> tuple[Plan, Profile]:
    profile = make_profile()
    return hand_plan(profile), profile


# --- content ----------------------------------------------------------------------------------------------------

def test_every_week_is_on_the_page_with_its_phase_and_total(maya):
    plan, profile = maya
    html, page = render(plan, profile)
    assert not page.errors
    assert html.count('<section class="week ') == len(plan.weeks) == 18
    for week in plan.weeks:
        text = page.text(f"week-{week.number}")
        assert text.startswith(f"Week {week.number} {week.phase.capitalize()}"), text[:60]
        assert dist(week.distance_km) in text
        assert ("Recovery week" in text) == week.recovery


def test_each_day_shows_its_session(maya):
    plan, profile = maya
    html, page = render(plan, profile)
    tempo_day = next(d for d in plan.days if d.run and d.run.type == "tempo")
    week = plan.week_of(tempo_day.date)
    text = page.text(f"week-{week.number}")
    run = tempo_day.run
    for expected in ("Tempo run", dist(run.distance_km), f"{run.minutes}\u00a0min", run.pace, f"Shoe {run.shoe}",
                     "Warm-up 10\u2032", f"Main {run.minutes - 20}\u2032", "Cool-down 10\u2032",
                     run.blocks[1].text):
        assert expected in text, expected
    strength_day = next(d for d in plan.days if d.strength)
    text = page.text(f"week-{plan.week_of(strength_day.date).number}")
    assert f"Strength {strength_day.strength.minutes}\u00a0min" in text
    assert all(exercise in text for exercise in strength_day.strength.exercises)
    # Seven cells a week, Monday first; every rest day says so, the unavailable Christmas Eve says why.
    sections = re.findall(r'<section class="week .*?</section>', html, re.S)
    assert [section.count('<td class="day') for section in sections] == [7] * len(plan.weeks)
    for week in plan.weeks:
        rest_days = sum(1 for d in plan.days_of(week) if d.rest)
        assert page.text(f"week-{week.number}").count("Rest") == rest_days
    assert "Thu 24 Dec Rest (unavailable)" in page.text(f"week-{plan.week_of(dt.date(2026, 12, 24)).number}")


def test_race_day_and_goal_are_named(maya):
    plan, profile = maya
    _, page = render(plan, profile)
    header = page.text().split("The plan at a glance")[0]
    assert "Maya Okafor" in header and "Half marathon" in header and "Berlin Half" in header
    assert "Sun 11 Apr 2027" in header and "target 1:45:00" in header
    assert "Mon 7 Dec 2026 \u2013 Sun 11 Apr 2027, 18 weeks" in header
    assert "kilometres (km)" in header
    race_week = page.text(f"week-{plan.weeks[-1].number}")
    assert "Race day" in race_week and dist(21.1) in race_week


def test_summary_figures_add_up(maya):
    plan, profile = maya
    _, page = render(plan, profile)
    overview = page.text("overview")
    total = sum(r.distance_km for _, r in plan.runs())
    assert f"Total distance {dist(total)}" in overview
    assert f"Peak week {dist(plan.peak_week_km)}" in overview
    assert f"Longest run {dist(plan.longest_run_km)}" in overview
    assert f"Runs {len(plan.runs())}" in overview


def test_partial_first_week_marks_the_days_before_the_plan():
    profile = make_profile(start_date="2026-12-09")  # a Wednesday
    plan = hand_plan(profile)
    _, page = render(plan, profile)
    first = page.text("week-1")
    assert first.count("Not in the plan") == 2  # Monday and Tuesday
    assert "Not in the plan" not in page.text("week-2")


def test_page_is_well_formed_and_self_contained(maya):
    plan, profile = maya
    html, page = render(plan, profile, feed_url="https://feeds.example.org/feeds/abc.ics")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert not page.errors
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert html.count("<h1>") == 1
    # Nothing to fetch: no scripts, no external stylesheets, images or fonts.
    assert "<script" not in html and "<img" not in html and "<link rel=\"stylesheet\"" not in html
    assert not re.search(r"url\((?!#)", html) and "@import" not in html
    allowed = ("#", "plan.ics", "https://feeds.example.org/feeds/abc.ics", "webcal://feeds.example.org/feeds/abc.ics",
               "data:image/svg+xml,")
    assert all(h.startswith(allowed) for h in page.hrefs), sorted(set(page.hrefs))
    # Every in-page link points somewhere.
    assert {h[1:] for h in page.hrefs if h.startswith("#")} <= set(page.ids)
    # Tables for data carry header cells.
    assert html.count('<th scope="col"') >= 7 * len(plan.weeks)


def test_same_input_same_bytes(maya):
    plan, profile = maya
    first = render_html(plan, profile, feed_url="https://x.example/feeds/t.ics", today=dt.date(2027, 1, 6))
    again = render_html(plan, profile, feed_url="https://x.example/feeds/t.ics", today=dt.date(2027, 1, 6))
    from_json = render_html(Plan.from_dict(plan.to_dict()), profile, feed_url="https://x.example/feeds/t.ics",
                            today=dt.date(2027, 1, 6))
    assert first == again == from_json
    # Another process with another hash seed (set iteration order differs) gives the same bytes.
    script = ("import sys, datetime as dt; sys.path.insert(0, sys.argv[1]); "
              "from test_render_html import hand_plan, make_profile; from planner.render.html import render_html; "
              "p = make_profile(); sys.stdout.write(render_html(hand_plan(p), p, "
              "feed_url='https://x.example/feeds/t.ics', today=dt.date(2027, 1, 6)))")
    other = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)], capture_output=True,
                           env={**os.environ, "PYTHONHASHSEED": "4242"}, check=True, cwd=ROOT)
    assert other.stdout.decode("utf-8") == first


def test_environment_is_cached_escapes_and_is_strict():
    env = template_environment()
    assert env is template_environment()
    assert env.autoescape is True
    with pytest.raises(UndefinedError, match="missing"):
        env.from_string("{{ missing }}").render()
    assert env.from_string("{{ name }}").render(name="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"


# --- names and odd input ------------------------------------------------------------------------------------------

NASTY_NAME = '<script>alert("pwn")</script> Zoë O\'Brien & 山田 花子 🏃‍♀️'
NASTY_RACE = '"Quotes" & <b>bold</b> Ünïcødé 東京マラソン 🎉'
NASTY_SHOE = "<img src=x onerror=alert(1)> Pegasus & Co"


def test_names_with_markup_quotes_accents_cjk_and_emoji_are_text():
    profile = make_profile(name=NASTY_NAME, id="nasty",
                           goal={"race": "half", "race_date": "2027-04-11", "race_name": NASTY_RACE},
                           shoes=[{"name": NASTY_SHOE, "distance": 100}])
    plan = hand_plan(profile, warnings=(Warning("preference", "<i>bent</i> & noted"),))
    html, page = render(plan, profile, feed_url='https://x.example/feeds/a.ics?b="c"&d=<e>')
    assert not page.errors
    for raw in ("<script>alert", "<b>bold</b>", "<img src=x", "<i>bent</i>", 'b="c"'):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;" in html
    text = page.text()
    assert NASTY_NAME in text  # the browser shows exactly what the runner typed
    assert NASTY_RACE in text
    assert NASTY_SHOE in text
    assert "<i>bent</i> & noted" in page.text("safety")
    assert ("<title>Training plan: &lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt; Zoë O&#39;Brien &amp; "
            "山田 花子 🏃‍♀️</title>") in html


def test_every_text_of_a_calendar_day_is_escaped():
    """The days are written by calendar_days.py, not by the autoescaped template: each text in them is escaped."""
    profile = make_profile()
    plan = hand_plan(profile)
    nasty = '<b class="x">&\'</b>'
    escaped = "&lt;b class=&#34;x&#34;&gt;&amp;&#39;&lt;/b&gt;"
    run_day = next(d for d in plan.days if d.run and not d.strength)
    strength_day = next(d for d in plan.days if d.strength and not d.run)
    run = replace(run_day.run, type=nasty, pace=nasty, shoe=nasty, blocks=(Block(nasty, 10, nasty),))
    strength = replace(strength_day.strength, focus=nasty, exercises=(nasty,))
    days = tuple(replace(d, run=run) if d is run_day else replace(d, strength=strength) if d is strength_day else d
                 for d in plan.days)
    plan = replace(plan, days=days, reminders=(Reminder(run_day.date, "shoe_replacement", None, nasty),))
    html = body(render_html(plan, profile))
    assert nasty not in html

    def cell(date: dt.date) -> str:
        label = f"{date.day} {charts.MONTHS[date.month - 1]}"
        return re.search(rf'<td class="day[^"]*">\s*<p class="d"><span class="wd">\w+</span> {label}</p>.*?</td>',
                         html, re.S).group(0)

    # the run's type (its class and its label), pace, block kind (class and label), block text, shoe; the reminder
    assert cell(run_day.date).count(escaped) == 8
    assert cell(strength_day.date).count(escaped) == 2  # focus, exercise


def test_feed_links_in_both_forms_and_the_local_file():
    profile = make_profile()
    plan = hand_plan(profile)
    _, page = render(plan, profile, feed_url="https://plans.example.org/feeds/Zm9v.ics")
    assert "webcal://plans.example.org/feeds/Zm9v.ics" in page.hrefs
    assert "https://plans.example.org/feeds/Zm9v.ics" in page.hrefs
    assert "plan.ics" in page.hrefs
    _, page = render(plan, profile)
    assert page.hrefs.count("plan.ics") == 1
    assert not [h for h in page.hrefs if h.startswith(("webcal:", "https:"))]
    for bad in ("javascript:alert(1)", "ftp://x/y.ics", "https://", "https://a b/c.ics", "webcal"):
        with pytest.raises(PlannerError, match="feed URL"):
            render_html(plan, profile, feed_url=bad)


def test_week_index_names_each_phase_in_words_and_marks_recovery_weeks_in_text(maya):
    """The index of week chips shows each run of weeks under its phase's name (not by colour alone, nor only in a
    title attribute), and a recovery week says so in the link's text."""
    plan, profile = maya
    html, page = render(plan, profile)
    nav = re.search(r'<nav class="week-index".*?</nav>', html, re.S).group(0)
    groups = re.findall(r'<li class="wi-phase"><span class="wi-name">([^<]+)</span>(.*?)</ol>', nav, re.S)
    phases = [(w.phase, w.number) for w in plan.weeks]
    assert [name for name, _ in groups] == ["Base", "Build", "Peak", "Taper", "Race"]
    shown = [(name.lower(), int(n)) for name, chips in groups for n in re.findall(r'href="#week-(\d+)"', chips)]
    assert shown == phases
    for week in plan.weeks:
        link = re.search(rf'<a class="([^"]*)" href="#week-{week.number}"[^>]*>(.*?)</a>', nav).groups()
        assert ("is-recovery" in link[0]) == week.recovery
        text = re.sub(r"<[^>]+>", "", link[1])
        assert text == f"Week {week.number}" + (", recovery week" if week.recovery else "")


def test_today_marks_its_week_and_day_and_nothing_by_default(maya):
    plan, profile = maya
    html, page = render(plan, profile)
    assert "is-current" not in body(html) and "This week" not in page.text() and "Today" not in page.text()
    html, page = render(plan, profile, today=dt.date(2026, 12, 23))
    assert re.search(r'<section class="week [^"]*is-current[^"]*" id="week-3"', html)
    assert body(html).count("is-current") == 2  # the week section and its chip in the week index
    assert "This week" in page.text("week-3") and "Today" in page.text("week-3")
    assert "#week-3" in page.hrefs
    assert "This week (week 3)" in page.text()


def test_the_files_mark_this_week_by_the_runners_own_date(maya):
    """plan.html as written marks the week of the runner's local date when the plan was generated: Sunday 23:30
    in London is Monday in Tokyo."""
    from planner.outputs import render_all
    plan, profile = maya
    monday = plan.weeks[2].start
    stamp = f"{monday - dt.timedelta(days=1)}T23:30:00Z"
    for zone, week in (("Asia/Tokyo", 3), ("Europe/London", 2)):
        local = replace(plan, generated_at=stamp, athlete=replace(plan.athlete, timezone=zone))
        html = render_all(local, profile, Path("/nonexistent"))["plan.html"].decode()
        assert re.search(rf'<section class="week [^"]*is-current[^"]*" id="week-{week}"', html), zone


# --- units ---------------------------------------------------------------------------------------------------------

# Distances in the other unit than the profile's: what a page must never show.
OTHER_UNITS = {"mi": r"\d\s?km\b|/km|kilomet", "km": r"\d\s?mi\b|/mi\b|\bmiles?\b"}


def assert_one_unit(page: Page, units: str, sections: list[str | None]) -> None:
    """No distance in the other unit in any of ``sections`` (None: the whole page)."""
    for section in sections:
        text = page.text(section)
        found = re.findall(rf".{{0,40}}(?:{OTHER_UNITS[units]}).{{0,10}}", text)
        assert not found, (section, found[:3])


def test_miles_profile_shows_miles():
    profile = make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8},
                           shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
    plan = hand_plan(profile)
    _, page = render(plan, profile)
    assert "miles (mi)" in page.text()
    for week in plan.weeks:
        assert dist(week.distance_km, "mi") in page.text(f"week-{week.number}")
    total = sum(r.distance_km for _, r in plan.runs())
    assert f"Total distance {dist(total, 'mi')}" in page.text("overview")
    assert_one_unit(page, "mi", ["overview", "shoes", "weeks", "paces", "safety", None]
                    + [f"week-{w.number}" for w in plan.weeks])
    assert "never race in shoes with under 18.7 mi on them" in page.text("safety")  # 30 km, rounded up
    assert "Shoe distances in miles" in page.text("shoes")
    assert "180 \u2192" in page.text("shoes")  # the odometer reads in miles, as the runner wrote it
    assert "/mi" in page.text("paces")


def test_km_profile_shows_km_only(maya):
    plan, profile = maya
    _, page = render(plan, profile)
    assert "kilometres (km)" in page.text()
    assert_one_unit(page, "km", ["overview", "shoes", "weeks", "paces", "safety", None])
    assert "never race in shoes with under 30 km on them" in page.text("safety")


def test_the_checkers_verdicts_are_shown_in_the_profiles_units(monkeypatch):
    """The checker words its findings in km (plan.json's unit); a miles runner's page shows them in miles."""
    violation = checks.Violation(rule=8, name=checks.RULES[8], where="week 5 (2027-01-04)",
                                 message="longest run 16.1 km > 0.35 x 40.0 km (long_run_max_share)")
    monkeypatch.setattr(checks, "verdicts", lambda p, pr: {**{n: [] for n in range(0, 13)}, 8: [violation]})
    for units, expected in (("mi", "longest run 10.0\u00a0mi > 0.35 x 24.9\u00a0mi (long_run_max_share)"),
                            ("km", "longest run 16.1 km > 0.35 x 40.0 km (long_run_max_share)")):
        profile = make_profile(units=units, current={"weekly_distance": 20, "long_run": 8},
                               shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
        _, page = render(hand_plan(profile), profile)
        assert f"week 5 (2027-01-04): {expected}" in page.text("safety"), units
        assert_one_unit(page, units, ["safety"])


# --- safety section -------------------------------------------------------------------------------------------------

def test_rules_section_shows_each_rule_in_words_with_its_verdict(maya, monkeypatch):
    plan, profile = maya
    violation = checks.Violation(rule=4, name=checks.RULES[4], where="week 3 (2026-12-21)",
                                 message="no rest day in 7 days <from> 2026-12-21")
    monkeypatch.setattr(checks, "verdicts", lambda p, pr: {0: [], **{n: [] for n in range(1, 13)}, 4: [violation]})
    html, page = render(plan, profile)
    safety = page.text("safety")
    for number in range(1, 13):
        assert checks.RULES[number] in safety
        assert checks.RULE_TEXT[number] in safety
    assert safety.count("Holds") == 11 and "Broken: rule 4 (Rest)." in safety
    assert "week 3 (2026-12-21): no rest day in 7 days <from> 2026-12-21" in safety
    assert "at most +10% a week" in safety  # this plan's numbers from plan.rules

    monkeypatch.setattr(checks, "verdicts", lambda p, pr: {n: [] for n in range(0, 13)})
    _, page = render(plan, profile)
    safety = page.text("safety")
    assert "All 12 safety rules hold." in safety and safety.count("Holds") == 12 and "Broken" not in safety


def test_bent_preferences_and_advice_are_listed():
    profile = make_profile()
    plan = hand_plan(profile, warnings=(Warning("preference", "Long run moved to Saturday in week 3."),
                                        Warning("goal", "Peak week reaches 40.0 km of the 45.0 km aimed for.")))
    _, page = render(plan, profile)
    safety = page.text("safety")
    assert "Long run moved to Saturday in week 3." in safety
    assert "Signs of overtraining" in safety and "Hydration" in safety
    assert page.text("notes") == "Good to know Peak week reaches 40.0 km of the 45.0 km aimed for."
    _, page = render(hand_plan(profile), profile)
    assert "None: the plan keeps every preference in your profile." in page.text("safety")


def test_pain_warning_and_professional_advice_stand_out_at_the_top():
    profile = make_profile(health={"pain": [{"area": "shin", "severity": 5, "since": "2026-11-10"}]})
    plan = hand_plan(profile)
    html, page = render(plan, profile)
    assert html.index('id="pain"') < html.index('id="overview"') < html.index('id="weeks"')
    alert = page.text("pain")
    assert alert.startswith("Pain: read this first Shin pain (severity 5/10")
    assert "See a physiotherapist or doctor" in alert  # the warning
    assert "Pain: Do not run through pain." in alert  # and the advice to see a professional, with it
    _, calm = render(hand_plan(make_profile()), make_profile())
    assert "Pain: read this first" not in calm.text()


def test_pace_zones_from_a_race_or_an_effort_guide():
    profile = make_profile()
    _, page = render(hand_plan(profile), profile)
    zones = zones_for(profile)
    paces = page.text("paces")
    assert "Your pace zones" in paces and f"VDOT {zones.vdot:.1f}" in paces
    assert all(zones.label(z) in paces for z in ("easy", "threshold", "interval"))
    no_time = make_profile(current={"weekly_distance": 30, "long_run": 12},
                           goal={"race": "half", "race_date": "2027-04-11"})
    _, page = render(hand_plan(no_time), no_time)
    paces = page.text("paces")
    assert "Effort guide" in paces and "conversational" in paces and "/km" not in paces


# --- chart arithmetic ------------------------------------------------------------------------------------------------

def test_nice_axis():
    assert charts.nice_axis(55.0) == (60.0, [0, 20.0, 40.0, 60.0])
    assert charts.nice_axis(21.1) == (25.0, [0, 5.0, 10.0, 15.0, 20.0, 25.0])
    top, ticks = charts.nice_axis(37.2)
    assert top >= 37.2 and ticks[0] == 0 and ticks[-1] == top and len(ticks) <= 7
    assert charts.nice_axis(0) == (10.0, [0, 2.0, 4.0, 6.0, 8.0, 10.0])


def _week(number: int, start: dt.date, km: float, *, recovery: bool = False, phase: str = "build") -> Week:
    return Week(number=number, start=start, phase=phase, recovery=recovery, distance_km=km)


def test_weekly_caps_follow_the_reference_week_of_rule_1():
    mon = dt.date(2027, 1, 4)
    weeks = (_week(1, mon - dt.timedelta(days=7), 20.0),       # partial (plan starts on a Wednesday)
             _week(2, mon, 33.0),                               # full: the first reference week
             _week(3, mon + dt.timedelta(days=7), 26.0, recovery=True),
             _week(4, mon + dt.timedelta(days=14), 25.0),       # holds an unavailable date: not a reference
             _week(5, mon + dt.timedelta(days=21), 36.0, phase="taper"),
             _week(6, mon + dt.timedelta(days=28), 30.0))
    plan = Plan(generated_at=GENERATED_AT, athlete=Athlete("a", "A", "UTC", "km"),
                start_date=mon - dt.timedelta(days=5), end_date=mon + dt.timedelta(days=34), race=None,
                rules={"progression_cap": 0.1, "baseline_weekly_km": 30.0}, weeks=weeks, days=())
    caps = charts.weekly_caps(plan, {mon + dt.timedelta(days=16)})
    assert caps == pytest.approx([33.0, 33.0, 36.3, 36.3, 36.3, 36.3])


def test_weekly_chart_geometry(maya):
    plan, profile = maya
    chart = charts.weekly_chart(plan, profile)
    assert len(chart.bars) == len(plan.weeks) + 1 and chart.bars[0].phase == "now"
    assert chart.bars[0].value == pytest.approx(30.0)
    unit_height = chart.bars[1].height / chart.bars[1].value
    for bar, week in zip(chart.bars[1:], plan.weeks):
        assert bar.value == pytest.approx(round(week.distance_km, 1))
        assert bar.height == pytest.approx(bar.value * unit_height, abs=0.15)
        assert bar.recovery == week.recovery and bar.phase == week.phase
    assert [b.number for b in chart.bars if b.recovery] == [w.number for w in plan.weeks if w.recovery]
    assert chart.race_marker is not None and chart.race_marker[0] == chart.bars[-1].label_x
    assert [s.phase for s in chart.phases] == ["base", "build", "peak", "taper", "race"]
    assert chart.x_labels[0][1] == "now" and chart.x_labels[-1][1] == str(len(plan.weeks))
    narrow = charts.weekly_chart(plan, profile, charts.NARROW)
    assert narrow.width < chart.width and len(narrow.bars) == len(chart.bars)


def test_shoe_odometer_along_the_plan(maya):
    plan, profile = maya
    lines = {line.name: line for line in charts.shoe_lines(plan, profile)}
    assert list(lines) == ["Pegasus 40", "Pegasus 40 (new pair)", "Vaporfly 3"]
    for name, line in lines.items():
        runs = [r for _, r in plan.runs() if r.shoe == name]
        assert line.planned_km == pytest.approx(sum(r.distance_km for r in runs))
        assert line.run_dates == [d for d, r in plan.runs() if r.shoe == name]
    assert lines["Pegasus 40"].start_km == 420 and lines["Pegasus 40"].limit_km == 700
    assert lines["Pegasus 40 (new pair)"].start_km == 0 and lines["Pegasus 40 (new pair)"].limit_km == 700
    assert lines["Pegasus 40"].end_km <= 700 + 0.05 and lines["Pegasus 40"].first_over is None
    assert lines["Pegasus 40"].replace_on == [r.date for r in plan.reminders]
    _, page = render(plan, profile)
    shoes = page.text("shoes")
    assert f"420 \u2192 {lines['Pegasus 40'].end_km:.0f} of 700 km" in shoes
    reminder = plan.reminders[0].date
    assert f"Replace Pegasus 40 by {reminder.day} {charts.MONTHS[reminder.month - 1]} {reminder.year}" in shoes
    assert long_date(reminder) in shoes  # the table's "Replace by" column


def test_replacement_pairs_follow_one_another():
    profile = make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8}, goal={"weekly_distance": 30},
                           weeks=52, shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
    plan = hand_plan(profile, weeks=52)
    lines = charts.shoe_lines(plan, profile)
    names = [line.name for line in lines]
    assert names[:3] == ["Ghost 15", "Ghost 15 (new pair)", "Ghost 15 (new pair 2)"]
    assert names == ["Ghost 15"] + [checks.replacement_name("Ghost 15", n) for n in range(1, len(names))]
    limit = 400 * KM_PER_MILE
    assert all(line.limit_km == pytest.approx(limit) for line in lines)
    assert [line.start_km for line in lines] == [pytest.approx(180 * KM_PER_MILE)] + [0.0] * (len(lines) - 1)
    assert all(line.end_km <= limit + 0.05 for line in lines)
    assert [d for line in lines for d in line.replace_on] == [r.date for r in plan.reminders]
    assert sum(line.planned_km for line in lines) == pytest.approx(sum(r.distance_km for _, r in plan.runs()))


def test_a_fitness_plan_without_shoes_or_race():
    profile = make_profile(goal={"weekly_distance": 40}, weeks=10, shoes=[], start_date="2026-12-07")
    plan = hand_plan(profile, weeks=10)
    html, page = render(plan, profile)
    assert not page.errors
    assert "Fitness goal" in page.text() and "build to 40.0\u00a0km a week" in page.text()
    assert 'id="shoes"' not in html and "race-marker" not in body(html)
    assert html.count('<section class="week ') == 10


# --- the example profiles, through the engine --------------------------------------------------------------------

def test_every_example_profile_renders(example_path, example_plan):
    profile, plan = example_plan(example_path)  # solved once per session (tests/conftest.py)
    html, page = render(plan, profile, today=plan.start_date)
    assert not page.errors
    assert html.count('<section class="week ') == len(plan.weeks)
    for week in plan.weeks:
        assert dist(week.distance_km, profile.units) in page.text(f"week-{week.number}")
    safety = page.text("safety")
    assert "All 12 safety rules hold." in safety and safety.count("Holds") == 12
    assert profile.name in page.text()
    assert f"{dict(km='kilometres', mi='miles')[profile.units]} ({profile.units})" in page.text()
    assert_one_unit(page, profile.units, ["overview", "shoes", "weeks", "paces", "safety", None])
    assert render_html(plan, profile, today=plan.start_date) == html
