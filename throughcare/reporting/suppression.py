"""Small-number suppression for anything a commissioner or the public sees (docs/reporting.md, "Suppression").

A published table has rows (providers, then the partnership total as the last row) and count columns.
Its *equations* are what a reader can add up: in every row, a total column equals the sum of its part
columns (`relations`, e.g. referrals started = the five waiting-time bands; planned exits = re-presented +
sustained), and in every column the total row equals the sum of the providers.

1. Primary: a count from 1 to threshold - 1 is withheld ("[c]").
2. Secondary: while any equation has exactly one withheld cell (which its other cells would give away), the
   smallest non-zero shown cell among its parts is withheld too (or its total, if there is none).
3. Audit: for each primarily withheld cell, linear programmes find the least and the greatest value it
   could take given every shown cell and every equation (withheld cells are only known to be 0 or more). If
   the two are equal the reader could solve for it, so another cell on one of its equations is withheld (a
   non-zero one if there is one, else a zero: a shown zero is as telling as any other figure; else the
   smallest shown cell on any equation holding a withheld cell), and the audit runs again (a cell found safe stays safe: withholding more only widens its bounds). `recoverable` is the same audit, used by the tests on every published table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = tuple[int, int]
HIDDEN_TEXT = "[c]"


@dataclass
class Table:
    row_labels: list[str]  # the last is the total row (the sum of the others)
    columns: list[str]
    values: list[list[int]]
    #: (total column, its part columns): in every row, total = sum(parts)
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def equations(self) -> list[tuple[Cell, list[Cell]]]:
        col = {name: i for i, name in enumerate(self.columns)}
        total_row = len(self.row_labels) - 1
        out = []
        for r in range(len(self.row_labels)):
            for total, parts in self.relations:
                out.append(((r, col[total]), [(r, col[p]) for p in parts]))
        for c in range(len(self.columns)):
            out.append(((total_row, c), [(r, c) for r in range(total_row)]))
        return out

    def value(self, cell: Cell) -> int:
        return self.values[cell[0]][cell[1]]


def _system(table: Table, hidden: set[Cell]):
    """The equations that hold a withheld cell, as A x = b over the withheld cells x (in sorted order), and each
    withheld cell's index in x; None for A and b when no equation holds one."""
    import numpy as np

    index = {c: i for i, c in enumerate(sorted(hidden))}
    rows, rhs = [], []
    for total, parts in table.equations():
        cells = [(total, -1)] + [(p, 1) for p in parts]
        if not any(c in hidden for c, _s in cells):
            continue
        coefficients = np.zeros(len(index))
        known = 0
        for c, sign in cells:
            if c in hidden:
                coefficients[index[c]] += sign
            else:
                known += sign * table.value(c)
        rows.append(coefficients)
        rhs.append(-known)
    return index, (np.array(rows), np.array(rhs)) if rows else None


def _extreme(system, index: dict[Cell, int], cell: Cell, sense: int) -> float:
    """The least (sense 1) or greatest (sense -1) value `cell` can take, withheld cells being 0 or more."""
    import numpy as np
    from scipy.optimize import linprog

    a, b = system
    objective = np.zeros(len(index))
    objective[index[cell]] = sense
    found = linprog(objective, A_eq=a, b_eq=b, bounds=[(0, None)] * len(index), method="highs")
    if found.status != 0:
        return 0.0 if sense > 0 else float("inf")
    return sense * found.fun


def recoverable(table: Table, hidden: set[Cell], threshold: int,
                skip: set[Cell] | frozenset = frozenset()) -> list[tuple[Cell, float, float]]:
    """Withheld cells whose true count is 1 to threshold - 1 and which a reader could work out exactly, with the
    least and greatest value each could take (equal, or within 0.5). `skip`: cells not to check.

    One linear programme settles most cells: when the greatest value a cell could take is half a count or more
    above its true value, it cannot be pinned down (the true value is possible, so the least is no more than it).
    Only the others need the least as well. The matrix of equations is built once for all the cells."""
    index, system = _system(table, hidden)
    found = []
    for cell in sorted(hidden):
        if cell in skip or not 0 < table.value(cell) < threshold or system is None:
            continue
        greatest = _extreme(system, index, cell, -1)
        if greatest - table.value(cell) >= 0.5:
            continue
        least = _extreme(system, index, cell, 1)
        if greatest - least < 0.5:
            found.append((cell, least, greatest))
    return found


def suppress(table: Table, threshold: int, forced: set[Cell] | frozenset = frozenset()) -> set[Cell]:
    """The cells to withhold (primary and secondary) so no count from 1 to threshold - 1 can be recovered.
    `forced`: cells withheld anyway (because the same figure is withheld in another published table)."""
    hidden = {(r, c) for r in range(len(table.row_labels)) for c in range(len(table.columns))
              if 0 < table.values[r][c] < threshold} | set(forced)
    if not hidden:
        return hidden
    equations = table.equations()

    def hide_another(total: Cell, parts: list[Cell], zeros: bool = False) -> bool:
        shown = sorted((table.value(p), p) for p in parts if p not in hidden and (zeros or table.value(p) > 0))
        if shown:
            hidden.add(shown[0][1])
            return True
        if total not in hidden:
            hidden.add(total)
            return True
        return False

    def widen(cell: Cell) -> bool:
        """Withhold one more cell so a reader has more unknowns around `cell`: a non-zero part or the total of
        one of its equations; failing that a shown zero on one (a shown zero is a known part too: a provider's
        "0 no change" tells the reader the rest of the row); failing that the smallest shown cell on any
        equation that holds a withheld cell."""
        for zeros in (False, True):
            if any(hide_another(total, parts, zeros) for total, parts in equations if cell == total or cell in parts):
                return True
        around = [(table.value(c), c) for total, parts in equations for c in [total, *parts]
                  if c not in hidden and any(x in hidden for x in [total, *parts])]
        if around:
            hidden.add(min(around)[1])
            return True
        return False

    # Withholding another cell only widens what a reader could take the others to be (the earlier answer is
    # still possible), so a small count found safe stays safe: the audit checks each once until it is.
    safe: set[Cell] = set()
    for _round in range(len(table.row_labels) * len(table.columns) + 1):
        changed = False
        while True:
            lonely = next(((t, p) for t, p in equations if sum(c in hidden for c in [t, *p]) == 1), None)
            if lonely is None or not hide_another(*lonely):
                break
            changed = True
        found = recoverable(table, hidden, threshold, skip=safe)
        safe |= {c for c in hidden if 0 < table.value(c) < threshold} - {c for c, _least, _greatest in found}
        if any(widen(cell) for cell, _least, _greatest in found):
            changed = True
        if not changed:
            return hidden
    return hidden


def shared(tables: list[tuple[Table, str]], threshold: int) -> list[set[Cell]]:
    """Suppress tables that publish the same figure (a column, row by row label) so that it is withheld in all
    of them or in none: a figure withheld in one but shown in another would undo the first's protection.
    Repeats until no table withholds a shared figure another shows. Returns each table's withheld cells."""
    forced: list[set[Cell]] = [set() for _ in tables]
    for _round in range(100):
        hiddens = [suppress(t, threshold, forced=f) for (t, _col), f in zip(tables, forced, strict=True)]
        labels = set()
        for (t, col), h in zip(tables, hiddens, strict=True):
            c = t.columns.index(col)
            labels |= {t.row_labels[r] for r, cc in h if cc == c}
        wanted = [{(r, t.columns.index(col)) for r, label in enumerate(t.row_labels) if label in labels}
                  for t, col in tables]
        if all(w <= h for w, h in zip(wanted, hiddens, strict=True)):
            return hiddens
        forced = [f | w for f, w in zip(forced, wanted, strict=True)]
    raise RuntimeError("shared suppression did not settle")  # pragma: no cover - bounded by the cells


def published(table: Table, threshold: int, hidden: set[Cell] | None = None) -> list[dict]:
    """The table as shown: each row {"label", column: int or None, column_text: str}."""
    hidden = suppress(table, threshold) if hidden is None else hidden
    out = []
    for r, label in enumerate(table.row_labels):
        row = {"label": label}
        for c, name in enumerate(table.columns):
            withheld = (r, c) in hidden
            row[name] = None if withheld else table.values[r][c]
            row[f"{name}_text"] = HIDDEN_TEXT if withheld else f"{table.values[r][c]:,}"
        out.append(row)
    return out
