"""What the matcher compares, written once as data.

Each comparison is a list of levels, most specific first. The same list builds Splink's comparisons
(`throughcare.matching.linkage`, SQL run by DuckDB, or Spark for a national register) and the
pure-Python scorer (`throughcare.matching.scoring`) that scores one new record against a few
candidates with the trained model's parameters. Keeping both readings of one list is what lets the
fast path and the batch path agree (tests/test_matching_model.py checks that they do).

Records are dicts with the columns in `COLUMNS`; missing values are None, never "".
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The columns of a record, in order. `record_id` is the caller's own id (a person id for the register).
COLUMNS = ("record_id", "given_name", "surname", "dob", "sex", "postcode", "address", "town",
           "nhs_number", "prison_number", "probation_reference")

#: Exact identifiers: strong evidence when both records hold one; their absence is normal (a null level).
IDENTIFIER_COLUMNS = ("nhs_number", "prison_number", "probation_reference")


@dataclass(frozen=True)
class Level:
    """One comparison level. `kind` is one of: null, exact, jw, cross_jw, lev, dob_transposed, year, else."""

    kind: str
    label: str
    threshold: float = 0.0
    other: str = ""  # cross_jw: the other column on the right-hand record
    #: Fixed probabilities for identifiers (Splink keeps them fixed while training).
    m: float | None = None
    u: float | None = None


@dataclass(frozen=True)
class Comparison:
    column: str
    title: str
    levels: tuple[Level, ...] = field(default_factory=tuple)


def _name(column: str, other: str, title: str) -> Comparison:
    return Comparison(column, title, (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("jw", "nearly the same (a typing error or a variant spelling)", 0.92),
        Level("cross_jw", "matches the other name (given name and surname swapped)", 0.92, other),
        Level("else", "different"),
    ))


def _identifier(column: str, title: str, *, m_differ: float) -> Comparison:
    # Identifiers are checked and unique on the register: two records with the same one are almost surely the
    # same person (u is the chance two different people share it by a typing error). A different value is
    # evidence against, weaker for prison numbers and probation references, which are re-issued.
    return Comparison(column, title, (
        Level("null", "not held on both records"),
        Level("exact", "the same", m=1.0 - m_differ, u=1e-6),
        Level("else", "different", m=m_differ, u=1.0 - 1e-6),
    ))


COMPARISONS: tuple[Comparison, ...] = (
    _name("given_name", "surname", "Given name"),
    _name("surname", "given_name", "Family name"),
    Comparison("dob", "Date of birth", (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("dob_transposed", "day and month swapped"),
        Level("lev", "one digit different", 1),
        Level("year", "the same year"),
        Level("else", "different"),
    )),
    Comparison("sex", "Sex", (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("else", "different"),
    )),
    Comparison("postcode", "Postcode", (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("lev", "one character different", 1),
        Level("else", "different"),
    )),
    Comparison("address", "Address", (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("jw", "nearly the same", 0.9),
        Level("else", "different"),
    )),
    Comparison("town", "Town", (
        Level("null", "not recorded"),
        Level("exact", "the same"),
        Level("jw", "nearly the same", 0.9),
        Level("else", "different"),
    )),
    _identifier("nhs_number", "NHS number", m_differ=0.01),
    _identifier("prison_number", "Prison number", m_differ=0.2),
    _identifier("probation_reference", "Probation case reference", m_differ=0.2),
)

COMPARISON_BY_COLUMN = {c.column: c for c in COMPARISONS}

#: Pairs of records Splink compares at all (any one rule is enough). Chosen so no single error hides a
#: duplicate, while keeping the pairs few enough for a million records: see the decision record 0014.
#: Each rule is a list of column expressions that must be equal on both sides.
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("given_name", "surname"),
    ("dob",),
    ("postcode",),
    ("address",),
    ("surname", "town"),
    ("nhs_number",),
    ("prison_number",),
    ("probation_reference",),
)

#: Rules that find pairs likely to be the same person, for Splink's estimate of how often two records match.
DETERMINISTIC_RULES: tuple[tuple[str, ...], ...] = (("given_name", "surname", "dob"), ("nhs_number",))
DETERMINISTIC_RECALL = 0.7

#: Blocks for the EM passes: each pass estimates m for the comparisons not in its block.
TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (("dob",), ("postcode",))

#: Pairs at or above this probability are linked (dedupe, the matching job); below it they are not.
LINK_THRESHOLD = 0.9
#: Candidates at or above this probability are shown when registering a person.
CANDIDATE_THRESHOLD = 0.5
