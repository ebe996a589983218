"""Planned versus run in the views of a re-planned plan (``plan.actual``): plan.html and plan.csv.

The plans are built by hand (test_render_html's ``hand_plan``) and given an ``Actual`` written here from their own
days (one week as planned, one missed, one run 30% long with an unplanned extra run, and the week of the re-plan
date cut at that date), so every figure on the page can be checked exactly. One test renders a plan re-planned by
the engine end to end.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace
from html import unescape

import pytest

from planner import checks
from planner.history import Activity, ActivityLog
from planner.plan import Actual, ActualDay, ActualWeek, Plan
from planner.render import charts
from planner.render.html import render_html
from planner.render.table import ACTUAL_COLUMNS, COLUMNS, render_csv
from planner.replan import planned_profile, replan_plan
from test_render_html import Page, dist, hand_plan, make_profile

REPLANNED_ON = dt.date(2026, 12, 30)   # a Wednesday, in week 4 of the hand plan (which starts Mon 7 Dec 2026)
EXTRA_DAY = dt.date(2026, 12, 21)      # a Monday of week 3: a rest day in the hand plan, run anyway
EXTRA_KM = 5.0
LOG = "exports/activities.csv"


def ran_on(plan: Plan, date: dt.date) -> float:
    """What this test's runner ran on ``date``: week 1 as planned, week 2 nothing, week 3 30% more plus an extra
    run on its Monday, week 4 as planned."""
    week = plan.week_of(date).number
    day = plan.day(date)
    planned = day.run.distance_km if day.run else 0.0
    if date == EXTRA_DAY:
        return planned + EXTRA_KM
    return {2: 0.0, 3: round(1.3 * planned, 1)}.get(week, planned)


def with_actual(plan: Plan, replanned_on: dt.date = REPLANNED_ON, log: str = LOG) -> Plan:
    """``plan`` with a planned-vs-run comparison for every day before ``replanned_on`` (see :func:`ran_on`)."""
    weeks, days = [], []
    for week in plan.weeks:
        lived = [d for d in plan.days_of(week) if d.date < replanned_on]
        if not lived:
            continue
        runs = [d.run for d in lived if d.run]
        ran = [(d.date, ran_on(plan, d.date)) for d in lived]
        weeks.append(ActualWeek(
            number=week.number, start=week.start, planned_km=sum(r.distance_km for r in runs),
            actual_km=sum(km for _, km in ran), planned_runs=len(runs), actual_runs=sum(1 for _, km in ran if km > 0),
            longest_planned_km=max((r.distance_km for r in runs if r.type != "race"), default=0.0),
            longest_actual_km=max((km for _, km in ran), default=0.0)))
        days += [ActualDay(d.date, d.run.distance_km if d.run else 0.0, km)
                 for d, (_, km) in zip(lived, ran) if d.run or km > 0]
    return replace(plan, actual=Actual(replanned_on=replanned_on, log=log, weeks=tuple(weeks), days=tuple(days)))


@pytest.fixture(scope="module")
def maya():
    profile = make_profile()
    plan = hand_plan(profile)
    return with_actual(plan), plan, profile


def week_section(html: str, number: int) -> str:
    return re.search(rf'<section class="week [^"]*" id="week-{number}".*?</section>', html, re.S).group(0)


# --- the "Planned vs run" section ------------------------------------------------------------------------------

def test_a_plan_without_actual_shows_no_comparison(maya):
    _, plan, profile = maya
    html = render_html(plan, profile)
    page = Page(html)
    assert "actual" not in page.ids and "Planned vs run" not in page.text() and "Re-planned" not in page.text()
    assert 'class="ran ' not in html and " past\"" not in html and "week-actual" not in html.split("</style>")[1]


def test_the_section_sits_near_the_top_with_the_replan_date_and_the_log(maya):
    plan, _, profile = maya
    html = render_html(plan, profile)
    page = Page(html)
    assert not page.errors
    assert page.ids.index("actual") < page.ids.index("overview")
    text = page.text("actual")
    assert text.startswith("Planned vs run Re-planned on Wed 30 Dec 2026 from the activity log "
                           "exports/activities.csv.")
    assert "#actual" in page.hrefs  # in the page's table of contents
    assert "Re-planned Wed 30 Dec 2026" in page.text().split("The plan at a glance")[0]  # the masthead


def table_rows(html: str, section: str) -> list[list[str]]:
    """The cells of each row of the table in ``section`` (body and footer), as text."""
    table = re.search(rf'<table class="data {section}.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr[ >].*?</tr>", table.split("<tbody>")[1], re.S)
    return [[re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_the_table_has_a_row_per_past_week_with_planned_run_and_difference(maya):
    plan, _, profile = maya
    rows = table_rows(render_html(plan, profile), "actual")
    w1, w2, w3, w4 = plan.actual.weeks
    nb = "\u00a0"
    assert rows[0] == ["Week 1", "7 Dec \u2013 13 Dec 2026", dist(w1.planned_km), dist(w1.actual_km),
                       f"\u00b10.0{nb}km (100%) as planned", str(w1.planned_runs), str(w1.actual_runs),
                       dist(w1.longest_planned_km), dist(w1.longest_actual_km)]
    assert rows[1][2:7] == [dist(w2.planned_km), dist(0.0), f"\u2212{w2.planned_km:.1f}{nb}km (0%) less than planned",
                            str(w2.planned_runs), "0"]
    assert rows[2][4] == (f"+{w3.actual_km - w3.planned_km:.1f}{nb}km ({w3.actual_km / w3.planned_km:.0%}) "
                          "more than planned")
    assert rows[2][6] == str(w3.planned_runs + 1)  # the extra run on a rest day counts
    # the week of the re-plan counts its days before it only, and says so
    assert rows[3][:2] == ["Week 4", "28 Dec \u2013 29 Dec 2026 (until the re-plan)"]
    assert rows[3][2:4] == [dist(w4.planned_km), dist(w4.actual_km)]
    planned = sum(w.planned_km for w in plan.actual.weeks)
    ran = sum(w.actual_km for w in plan.actual.weeks)
    assert rows[4][:7] == ["All", "4 weeks", dist(planned), dist(ran), f"{ran / planned:.0%} of the plan",
                           str(sum(w.planned_runs for w in plan.actual.weeks)),
                           str(sum(w.actual_runs for w in plan.actual.weeks))]
    assert len(rows) == 5


def test_the_chart_pairs_planned_and_run_bars_for_each_past_week(maya):
    plan, _, profile = maya
    html = render_html(plan, profile)
    svg = re.search(r'<svg class="actual".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=\"act-title\">" in svg and "<desc id=\"act-desc\">" in svg
    planned = [float(h) for h in re.findall(r'<rect class="planned" [^>]*height="([\d.]+)"', svg)]
    ran = [float(h) for h in re.findall(r'<rect class="ran" [^>]*height="([\d.]+)"', svg)]
    assert len(planned) == len(ran) == 4
    for (p, r), week in zip(zip(planned, ran), plan.actual.weeks):
        assert r == pytest.approx(p * week.actual_km / week.planned_km, abs=0.3)
        assert f"#week-{week.number}" in svg
    assert ran[1] == 0.0
    assert "<title>Week 2: planned " in svg and ", run 0.0 km</title>" in svg
    assert "<title>Week 4 (until the re-plan): planned" in svg


def test_each_past_week_shows_planned_against_run_in_its_header(maya):
    plan, _, profile = maya
    html = render_html(plan, profile)
    page = Page(html)
    w1, w2, w3, w4 = plan.actual.weeks
    assert (f"Planned vs run: planned {dist(w1.planned_km)} in {w1.planned_runs} runs, ran {dist(w1.actual_km)} "
            f"(100%) in {w1.actual_runs} runs \u00b7 as planned") in page.text("week-1")
    assert f"ran {dist(0.0)} (0%) in 0 runs \u00b7 less than planned" in page.text("week-2")
    assert f"in {w3.actual_runs} runs \u00b7 more than planned" in page.text("week-3")
    assert page.text("week-4").count("Before the re-plan: planned") == 1
    for number in range(5, len(plan.weeks) + 1):
        assert "Planned vs run" not in page.text(f"week-{number}")
        assert "Before the re-plan" not in page.text(f"week-{number}")


def test_each_past_day_says_what_was_run(maya):
    plan, original, profile = maya
    html = render_html(plan, profile)
    page = Page(html)
    week_1_runs = [d for d in original.days_of(original.weeks[0]) if d.run]
    text = page.text("week-1")
    assert text.count("Ran ") == len(week_1_runs) and "Not run" not in text
    for day in week_1_runs:
        assert f"{day.date.day} Dec Ran {dist(day.run.distance_km)}" in text
    assert page.text("week-2").count("Not run") == sum(1 for d in original.days_of(original.weeks[1]) if d.run)
    assert f"21 Dec Ran {dist(EXTRA_KM)}, not planned Rest" in page.text("week-3")
    # the week of the re-plan: Monday and Tuesday are past and compared, Wednesday on is the new plan
    week_4 = week_section(html, 4)
    past_cells = re.findall(r'<td class="day[^"]* past">', week_4)
    assert len(past_cells) == 2
    assert week_4.count('class="ran ') == sum(1 for d in original.days_of(original.weeks[3])
                                              if d.run and d.date < REPLANNED_ON)
    for number in range(5, len(plan.weeks) + 1):
        assert 'class="ran ' not in week_section(html, number) and " past\"" not in week_section(html, number)


def test_the_log_name_is_text_not_markup(maya):
    _, original, profile = maya
    plan = with_actual(original, log='<img src=x onerror="alert(1)">&.csv')
    html = render_html(plan, profile)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;.csv" in html
    assert "<img src=x onerror=\"alert(1)\">&.csv" in Page(html).text("actual")


def test_miles_runner_sees_miles():
    profile = make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8},
                           shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
    plan = with_actual(hand_plan(profile))
    page = Page(render_html(plan, profile))
    text = page.text("actual")
    assert "Planned and run per week, in miles" in text
    first = plan.actual.weeks[0]
    assert dist(first.planned_km, "mi") in text and "\u00a0km" not in text
    assert f"ran {dist(first.actual_km, 'mi')}" in page.text("week-1")


def test_nothing_before_the_replan_date_leaves_nothing_to_compare(maya):
    _, original, profile = maya
    plan = replace(original, actual=Actual(original.start_date, LOG, (), ()))
    page = Page(render_html(plan, profile))
    assert "nothing to compare yet" in page.text("actual")
    assert "<svg class=\"actual\"" not in render_html(plan, profile)


def test_the_page_is_well_formed_and_the_same_every_time(maya):
    plan, _, profile = maya
    first, second = render_html(plan, profile), render_html(plan, profile)
    assert first == second
    page = Page(first)
    assert not page.errors
    assert len(page.ids) == len(set(page.ids))
    assert all(href[1:] in page.ids for href in page.hrefs if href.startswith("#"))


# --- chart geometry ---------------------------------------------------------------------------------------------

def _actual_weeks(count: int, km: float = 30.0) -> Actual:
    start = dt.date(2026, 1, 5)
    weeks = tuple(ActualWeek(i + 1, start + dt.timedelta(weeks=i), km, km * (0.5 + (i % 3) * 0.4), 4, 3, 10.0, 9.0)
                  for i in range(count))
    return Actual(start + dt.timedelta(weeks=count), "log.csv", weeks, ())


@pytest.mark.parametrize("count", [1, 3, 6, 12, 17, 30, 52])
def test_actual_chart_fits_its_frame_and_labels_do_not_collide(count):
    chart = charts.actual_chart(_actual_weeks(count), make_profile())
    assert 360 <= chart.width <= 960 and len(chart.bars) == count
    for bar in chart.bars:
        assert chart.plot_left <= bar.planned_x and bar.ran_x + bar.width <= chart.plot_right
        assert chart.plot_top <= bar.planned_y <= chart.plot_bottom and chart.plot_top <= bar.ran_y
        assert bar.planned_y + bar.planned_height == pytest.approx(chart.plot_bottom, abs=0.11)
    xs = [x for x, _ in chart.x_labels]
    assert all(b - a >= 22 for a, b in zip(xs, xs[1:]))
    assert chart.x_labels[0][1] == "1" and chart.x_labels[-1][1] == str(count)
    top_tick = float(chart.y_ticks[-1][1])
    assert top_tick >= max(max(b.planned, b.ran) for b in chart.bars)


def test_actual_chart_grows_with_the_weeks_then_stops():
    profile = make_profile()
    widths = [charts.actual_chart(_actual_weeks(n), profile).width for n in (1, 6, 10, 20, 40)]
    assert widths[0] == 360 and widths[-1] == widths[-2] == 960
    assert widths == sorted(widths)


# --- plan.csv ---------------------------------------------------------------------------------------------------

def _csv_rows(plan: Plan) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(render_csv(plan)))
    return reader.fieldnames, list(reader)


def test_csv_has_actual_columns_only_for_a_replanned_plan(maya):
    plan, original, _ = maya
    header, _ = _csv_rows(original)
    assert header == COLUMNS
    header, rows = _csv_rows(plan)
    assert header == COLUMNS + ACTUAL_COLUMNS
    for row in rows:
        date = dt.date.fromisoformat(row["date"])
        if date < REPLANNED_ON:
            assert float(row["actual_km"]) == pytest.approx(ran_on(original, date))
            assert row["actual_distance"] == row["actual_km"]
        else:
            assert row["actual_km"] == row["actual_distance"] == ""
    assert float(next(r for r in rows if r["date"] == EXTRA_DAY.isoformat())["actual_km"]) == EXTRA_KM


def test_csv_actual_distance_is_in_the_runners_units():
    profile = make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8},
                           shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
    plan = with_actual(hand_plan(profile))
    _, rows = _csv_rows(plan)
    run_row = next(r for r in rows if r["actual_km"] not in ("", "0.0"))
    assert float(run_row["actual_distance"]) == pytest.approx(float(run_row["actual_km"]) / 1.609344, abs=0.06)


# --- end to end: a plan the engine re-planned ----------------------------------------------------------------------

def test_an_engine_replanned_plan_renders_with_every_rule_holding(example_plan):
    from conftest import PROFILES_DIR
    profile, previous = example_plan(PROFILES_DIR / "maya-half.yaml")
    today = previous.start_date + dt.timedelta(weeks=5)
    missed_week = (today - dt.timedelta(days=7), today)
    runs = tuple(Activity(d.date, "Run", d.run.distance_km, d.run.minutes * 60.0, d.run.shoe) for d in previous.days
                 if d.run and d.date < today and not missed_week[0] <= d.date < missed_week[1])
    log = ActivityLog("activities.csv", "Strava export", runs)
    plan = replan_plan(profile, previous, log, today=today, generated_at="2027-01-11T06:00:00Z")
    certified = planned_profile(profile, previous)
    assert checks.check_plan(plan, certified) == []
    html = render_html(plan, certified)
    page = Page(html)
    assert not page.errors
    assert "All 12 safety rules hold." in html
    assert [w.number for w in plan.actual.weeks] == [1, 2, 3, 4, 5]
    assert "ran 0.0\u00a0km (0%) in 0 runs \u00b7 less than planned" in page.text("week-5")
    _, rows = _csv_rows(plan)
    assert all(r["actual_km"] == "" for r in rows if r["date"] >= today.isoformat())
