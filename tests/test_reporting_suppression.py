"""Suppression: counts of 1-4 withheld, and no published table lets a reader work out a count below 5 by
solving for the withheld cells from the totals (a linear programme for each, over every equation)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from throughcare.reporting.suppression import HIDDEN_TEXT, Table, published, recoverable, suppress

T = 5


def solve_by_hand(table: Table, hidden: set) -> dict:
    """A second, independent attack: plain linear algebra (least squares) on the equations. A withheld cell
    is determined when its unit vector lies in the row space of the equations' matrix over withheld cells."""
    order = sorted(hidden)
    index = {c: i for i, c in enumerate(order)}
    rows = []
    for total, parts in table.equations():
        coefficients = np.zeros(len(order))
        for c, sign in [(total, -1)] + [(p, 1) for p in parts]:
            if c in hidden:
                coefficients[index[c]] += sign
        if coefficients.any():
            rows.append(coefficients)
    determined = {}
    if not rows:
        return determined
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    for cell, i in index.items():
        unit = np.zeros(len(order))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            determined[cell] = table.value(cell)
    return determined


def build(rows: list[list[int]], relations=()) -> Table:
    """Provider rows of part counts; the total column(s) and total row added up."""
    columns = ["a", "b", "c"]
    values = [list(r) for r in rows]
    rel = list(relations)
    if rel:
        columns = [*columns, "total"]
        values = [[*r, sum(r)] for r in values]
    values.append([sum(col) for col in zip(*values, strict=True)])
    return Table(row_labels=[f"p{i}" for i in range(len(rows))] + ["Partnership"], columns=columns, values=values,
                 relations=rel)


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    table = build([[3, 20, 30], [40, 50, 60], [70, 80, 90]], relations=[("total", ("a", "b", "c"))])
    hidden = suppress(table, T)
    assert (0, 0) in hidden
    assert sum(c in hidden for c in [(0, 1), (0, 2), (0, 3)]) >= 1  # the row cannot give it away
    assert sum(c in hidden for c in [(1, 0), (2, 0), (3, 0)]) >= 1  # nor the column
    assert recoverable(table, hidden, T) == []
    assert not {cell for cell in solve_by_hand(table, hidden) if 0 < table.value(cell) < T}
    shown = published(table, T)
    assert shown[0]["a"] is None and shown[0]["a_text"] == HIDDEN_TEXT
    assert hidden == {(0, 0), (0, 1), (1, 0), (1, 1)}  # the smallest rectangle, nothing more
    assert shown[2]["b_text"] == "80" and shown[3]["total_text"] == "443"


def test_without_secondary_suppression_the_total_gives_it_away():
    table = build([[3, 20, 30], [40, 50, 60]], relations=[("total", ("a", "b", "c"))])
    primary_only = {(0, 0)}
    assert recoverable(table, primary_only, T) == [((0, 0), 3.0, 3.0)]  # the attack works on a naive table


def test_a_block_of_small_counts_cannot_be_solved():
    table = build([[2, 2, 0], [2, 2, 0], [0, 0, 50], [0, 0, 50]])
    hidden = suppress(table, T)
    assert recoverable(table, hidden, T) == []


def test_shown_zeros_are_equations_too():
    """An outcome table (better, no change, worse; total people) where two providers' small counts were each
    covered in their row and column, but the shown zeros gave the last one away: Canal Street (3 better, 0, 0)
    makes its people equal its better; so the two withheld people and better cells in the columns differ by
    exactly The Lantern's worse. A zero is withheld to stop it."""
    table = build([[3, 0, 0], [10, 5, 6], [5, 3, 3], [20, 6, 18], [1, 0, 1]], relations=[("total", ("a", "b", "c"))])
    hidden = suppress(table, T)
    assert recoverable(table, hidden, T) == []
    assert not {cell for cell in solve_by_hand(table, hidden) if 0 < table.value(cell) < T}
    assert any(table.value(c) == 0 for c in hidden)  # the cure: a zero withheld


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.one_of(st.just(0), st.integers(min_value=0, max_value=25)), min_size=3, max_size=3),
                min_size=2, max_size=6))
def test_tables_with_many_zeros_give_nothing_away(rows):
    table = build(rows, relations=[("total", ("a", "b", "c"))])
    hidden = suppress(table, T)
    assert recoverable(table, hidden, T) == []
    assert not {cell for cell in solve_by_hand(table, hidden) if 0 < table.value(cell) < T}


def test_nothing_withheld_when_nothing_is_small():
    table = build([[0, 20, 30], [40, 50, 60]], relations=[("total", ("a", "b", "c"))])
    assert suppress(table, T) == set()
    assert published(table, T)[0]["a_text"] == "0"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=12), min_size=3, max_size=3), min_size=1, max_size=6),
       st.booleans())
def test_no_published_table_lets_a_reader_recover_a_small_count(rows, with_row_totals):
    table = build(rows, relations=[("total", ("a", "b", "c"))] if with_row_totals else [])
    hidden = suppress(table, T)
    small = {(r, c) for r in range(len(table.row_labels)) for c in range(len(table.columns))
             if 0 < table.values[r][c] < T}
    assert small <= hidden  # every count from 1 to 4 is withheld
    assert recoverable(table, hidden, T) == []
    assert not {cell for cell in solve_by_hand(table, hidden) if 0 < table.value(cell) < T}


def test_a_figure_published_in_two_tables_is_withheld_in_both_or_neither():
    from throughcare.reporting.suppression import shared

    # "sustained" is 3 at p0 in both; alone, table one takes p1 (8) as its partner, table two p2 (9).
    one = Table(row_labels=["p0", "p1", "p2", "Partnership"], columns=["sustained", "other"],
                values=[[3, 30], [8, 40], [20, 50], [31, 120]], relations=[])
    two = Table(row_labels=["p1", "p0", "p2", "Partnership"], columns=["x", "sustained"],
                values=[[50, 12], [60, 3], [70, 9], [180, 24]], relations=[])
    alone = [suppress(one, T), suppress(two, T)]
    labels = [{t.row_labels[r] for r, c in h if c == t.columns.index("sustained")} for t, h in zip((one, two), alone, strict=True)]
    assert labels[0] != labels[1]  # on their own they withhold different providers: one would give the other away
    hidden = shared([(one, "sustained"), (two, "sustained")], T)
    labels = [{t.row_labels[r] for r, c in h if c == t.columns.index("sustained")} for t, h in zip((one, two), hidden, strict=True)]
    assert labels[0] == labels[1] and "p0" in labels[0]
    assert recoverable(one, hidden[0], T) == [] and recoverable(two, hidden[1], T) == []
