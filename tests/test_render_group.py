"""planner.render.group: the group overview page (index.html) and summary.csv, from hand-made outcomes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

from planner.batch import PlanSummary, RunnerOutcome, WeekBar
from planner.render.group import (SORT_COLUMNS, SPARK_HEIGHT, SUMMARY_COLUMNS, group_rows, render_group_html,
                                  render_summary_csv, spark_chart)

STAMP = "2026-11-25T10:00:00Z"


def summary(**over) -> PlanSummary:
    values = dict(goal="Half marathon", race_name="Berlin Half", race_date=dt.date(2027, 4, 11), race_km=21.0975,
                  start_date=dt.date(2026, 12, 7), end_date=dt.date(2027, 4, 11), weeks=4, peak_week_km=40.0,
                  longest_run_km=16.0, units="km", conservative=False, notes=(), bent=0,
                  bars=(WeekBar(30.0, "base", False), WeekBar(40.0, "build", False), WeekBar(32.0, "build", True),
                        WeekBar(25.0, "race", False)))
    values.update(over)
    return PlanSummary(**values)


def outcomes() -> list[RunnerOutcome]:
    return [
        RunnerOutcome(0, "club.csv row 2", "maya", "Maya <b>Okafor</b>", "planned", summary=summary()),
        RunnerOutcome(1, "club.csv row 3", "sam", "Sam", "planned",
                      summary=summary(goal="5K", race_name="5K", race_km=5.0, race_date=dt.date(2027, 2, 28),
                                      end_date=dt.date(2027, 2, 28), peak_week_km=32.18688, longest_run_km=9.656064,
                                      units="mi", notes=("Peak week reaches 20.0 mi of the 22.0 mi aimed for.",))),
        RunnerOutcome(2, "club.csv row 4", "dora", "Dora", "infeasible", exit_code=3,
                      lines=("Not reachable safely: Marathon on 2027-01-10 <soon>.", "What would work: later.")),
        RunnerOutcome(3, "club.csv row 5", "priya", "Priya", "planned",
                      summary=summary(goal="30 km a week", race_name=None, race_date=None, race_km=None,
                                      end_date=dt.date(2027, 3, 28), weeks=16, peak_week_km=30.0,
                                      conservative=True, notes=("Knee pain: see a professional.",), bent=2),
                      feed_url="https://plans.example.org/feeds/TOKENTOKENTOKENTOKENTOKEN.ics"),
    ]


class _Collect(HTMLParser):
    """Rows of the roster table: (id, style) of each body row, plus every radio's id."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
        self.radios: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("id", "").startswith("runner-"):
            self.rows.append((a["id"], a.get("style", "")))
        if tag == "input" and a.get("type") == "radio":
            self.radios.append(a["id"])


def parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


def rank_of(style: str, key: str, way: str = "o") -> int:
    return int(re.search(rf"--{way}-{key}:(\d+)", style).group(1))


def test_every_runner_is_a_row_with_a_rank_for_every_sortable_column():
    html = render_group_html(outcomes(), roster_name="club.csv", generated_at=STAMP)
    page = parse(html)
    assert [r[0] for r in page.rows] == ["runner-1", "runner-2", "runner-3", "runner-4"]
    styles = [s for _, s in page.rows]
    # peak week: Sam (32.2) < Maya (40) ; Priya (30) is the lowest; Dora has no plan and sorts last
    assert [rank_of(s, "peak") for s in styles] == [3, 2, 4, 1]
    assert [rank_of(s, "runner") for s in styles] == [2, 4, 1, 3]  # Dora, Maya, Priya, Sam
    assert [rank_of(s, "status") for s in styles] == [4, 3, 1, 2]  # not planned, pain, notes, fine
    assert [rank_of(s, "goal") for s in styles] == [2, 1, 4, 3]    # 5K, half, fitness, no plan
    assert [rank_of(s, "roster") for s in styles] == [1, 2, 3, 4]
    # descending: reversed, except that a runner without a plan stays last in columns of plan figures
    assert [rank_of(s, "peak", "d") for s in styles] == [1, 2, 4, 3]
    assert [rank_of(s, "runner", "d") for s in styles] == [3, 1, 4, 2]
    # each column has an ascending and a descending radio, and CSS that orders rows by its rank
    for key, _ in SORT_COLUMNS:
        assert {f"sort-{key}", f"sort-{key}-desc"} <= set(page.radios)
        assert f"#sort-{key}:checked ~ .roster-table tbody tr {{ order: var(--o-{key}); }}" in html
        assert f"#sort-{key}-desc:checked ~ .roster-table tbody tr {{ order: var(--d-{key}); }}" in html
    assert "<script" not in html


def test_names_and_messages_are_escaped_and_failures_are_listed_first():
    html = render_group_html(outcomes(), roster_name="club <x>.csv", generated_at=STAMP)
    assert "Maya &lt;b&gt;Okafor&lt;/b&gt;" in html and "<b>Okafor" not in html
    assert "club &lt;x&gt;.csv" in html
    assert "1 runner not planned" in html
    assert html.index("1 runner not planned") < html.index('id="runner-1"')
    assert "Not reachable safely: Marathon on 2027-01-10 &lt;soon&gt;." in html and "What would work: later." in html
    assert "25 Nov 2026, 10:00 UTC" in html


def test_distances_are_in_each_runners_units_and_links_follow_the_feeds():
    html = render_group_html(outcomes(), roster_name="club.csv", generated_at=STAMP, with_feeds=True)
    assert "40.0\u00a0km" in html and "20.0\u00a0mi" in html and "6.0\u00a0mi" in html
    assert 'href="maya/plan.html"' in html and 'href="maya/plan.ics"' in html  # no feed URL: the file
    assert 'href="https://plans.example.org/feeds/TOKENTOKENTOKENTOKENTOKEN.ics"' in html
    assert 'href="webcal://plans.example.org/feeds/TOKENTOKENTOKENTOKENTOKEN.ics"' in html
    assert "Feed links are private" in html
    plain = render_group_html(outcomes(), roster_name="club.csv", generated_at=STAMP)
    assert "Feed links are private" not in plain and "dora/plan.html" not in plain


def test_reasons_drop_the_count_line_and_the_repeated_source():
    bad = RunnerOutcome(0, "club.csv row 7", None, None, "invalid", exit_code=2,
                        lines=("club.csv row 7: 2 problems in the profile", "club.csv row 7: name: is required",
                               "club.csv row 7: goal: give exactly one of `race` or `weekly_distance`"))
    (row,) = group_rows([bad])
    assert row.lines == ("name: is required", "goal: give exactly one of `race` or `weekly_distance`")
    assert row.name == "club.csv row 7" and row.kind == "failed"
    html = render_group_html([bad], roster_name="club.csv", generated_at=STAMP)
    assert "club.csv row 7</a> (club.csv row 7): name: is required goal: give exactly one" in html


def test_rows_say_why_a_runner_needs_attention():
    rows = group_rows(outcomes())
    assert [r.kind for r in rows] == ["ok", "notes", "failed", "pain"]
    assert rows[3].goal == "30 km a week" and rows[3].date_label == "until Sun 28 Mar 2027"
    assert rows[0].date_label == "Sun 11 Apr 2027" and rows[0].goal_detail == "Berlin Half"
    assert rows[1].goal_detail == ""  # a race named like its distance says nothing more


def test_spark_chart_scales_bars_to_the_runners_peak():
    bars = summary().bars
    chart = spark_chart(bars, "km", 40.0)
    heights = {}
    for phase, recovery, d in chart.paths:
        for h in re.findall(r"v([\d.]+)h", d):
            heights.setdefault((phase, recovery), []).append(float(h))
    assert heights[("build", False)] == [SPARK_HEIGHT - 2]  # the peak week fills the chart
    assert heights[("base", False)] == [round(30 / 40 * (SPARK_HEIGHT - 2), 1)]
    assert ("build", True) in heights and sum(len(v) for v in heights.values()) == len(bars)
    assert chart.label == "Weekly distance over 4 weeks, peak 40.0\u00a0km in week 2"


def test_summary_csv_has_a_row_per_runner_in_roster_order():
    text = render_summary_csv(outcomes())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == SUMMARY_COLUMNS
    assert [r["id"] for r in rows] == ["maya", "sam", "dora", "priya"]
    assert rows[1]["peak_week_km"] == "32.2" and rows[1]["peak_week"] == "20.0" and rows[1]["units"] == "mi"
    assert rows[2]["status"] == "infeasible" and rows[2]["weeks"] == "" and rows[2]["plan"] == ""
    assert rows[2]["message"] == "Not reachable safely: Marathon on 2027-01-10 <soon>. | What would work: later."
    assert rows[3]["conservative"] == "yes" and rows[3]["race_date"] == "" and rows[3]["end_date"] == "2027-03-28"
    assert rows[3]["feed_url"].startswith("https://plans.example.org/feeds/")
    assert "\r" not in text


def test_same_outcomes_give_the_same_bytes():
    first = render_group_html(outcomes(), roster_name="club.csv", generated_at=STAMP)
    assert render_group_html(outcomes(), roster_name="club.csv", generated_at=STAMP) == first
    assert render_summary_csv(outcomes()) == render_summary_csv(outcomes())
