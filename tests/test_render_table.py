"""plan.csv: written with the csv module, in the bytes pandas' ``DataFrame.to_csv`` writes for the same table.

plan.csv used to be written by pandas; its readers (spreadsheets, scripts) see the same file. Each example plan,
re-planned or not, and a plan with text that needs quoting (commas, quotes, line breaks, a lone CR, non-ASCII) is
written both ways and compared.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from planner.plan import Plan
from planner.render.table import ACTUAL_COLUMNS, COLUMNS, render_csv, table_rows
from test_render_replan import with_actual

ODD_TEXT = 'Pegasus, "fast" \u00e9dition\nline two\r and a lone CR; \u5c71\u7530 \U0001f3c3'


def pandas_csv(plan: Plan) -> str:
    columns = COLUMNS + (ACTUAL_COLUMNS if plan.actual is not None else [])
    return pd.DataFrame(table_rows(plan), columns=columns).to_csv(index=False, lineterminator="\n")


def odd(plan: Plan) -> Plan:
    """Every text of the plan that reaches the table made to need quoting; one run with no pace, shoe or blocks."""
    days = []
    for i, day in enumerate(plan.days):
        run, strength = day.run, day.strength
        if run is not None:
            blocks = tuple(replace(b, text=ODD_TEXT) for b in run.blocks)
            run = replace(run, pace=ODD_TEXT, shoe=ODD_TEXT, blocks=blocks)
            if i % 5 == 0:
                run = replace(run, pace="", shoe=None, blocks=())
        if strength is not None:
            strength = replace(strength, focus=ODD_TEXT)
        days.append(replace(day, run=run, strength=strength))
    return replace(plan, days=tuple(days))


@pytest.mark.parametrize("variant", ["as planned", "re-planned", "odd text"])
def test_the_csv_is_what_pandas_writes(example_path, example_plan, variant):
    _, plan = example_plan(example_path)
    if variant == "re-planned":  # half way through
        plan = with_actual(plan, replanned_on=plan.start_date + (plan.end_date - plan.start_date) / 2)
    elif variant == "odd text":
        plan = odd(plan)
    text = render_csv(plan)
    assert text == pandas_csv(plan)
    assert text.count("\n") >= len(plan.days) + 1
    if variant == "re-planned":
        assert text.splitlines()[0].endswith(",actual_km,actual_distance")
