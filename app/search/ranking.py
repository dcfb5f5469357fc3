"""How the clauses of a query combine into one ranking.

A query is a `Clauses` node (score.py) with one child per word, phrase or prefix typed. Each
child is scored on its own (BM25F); here they are combined:

- A case holding every word typed (question words and stop words are left out before,
  query.py) ranks above one holding some of them, whichever fields they are in: the number
  of clauses a case matches comes first, the score second (the integer part of the combined
  value is that number, see `tier`). Exempting words most cases hold ("gemeente") from the
  count was tried: it changed nothing measurable on the judged queries, so it is not done.
- Words typed next to each other that also stand next to each other in a text score extra,
  from the word-pair fields (the index keeps no positions): "zwembad sluiting" prefers
  "de sluiting van het zwembad" over a case naming both words pages apart.

The scorer records on the query which documents matched all clauses, so the results page
can say when none did.
"""

from collections.abc import Callable

import numpy as np

# The weight of the word-pair bonus, relative to a clause.
NEAR_WEIGHT = 0.5


def tier(value: float) -> int:
    """How many clauses a document with this combined score matched."""
    return int(value)


def combine(parts: list, near: list) -> tuple[object, int, np.ndarray]:
    """(combined scores, number of clauses, which documents match all of them).

    `parts` are the clauses' scores, `near` the word-pair bonuses (score.Scores, each over
    every document); the combined scores are made in the largest part.
    """
    matched = np.zeros(len(parts[0].hit), dtype=np.int64)
    for part in parts:
        matched += part.hit
    # The smaller parts are added to the largest, in this order: the same floats as ever.
    parts = sorted(parts, key=lambda part: np.count_nonzero(part.hit), reverse=True)
    totals = parts[0]
    for part in parts[1:]:
        totals.values += part.values
    for bonus in near:  # 0.0 where it does not match; only documents the clauses match count
        totals.values += bonus.values * NEAR_WEIGHT
    required = len(parts)
    totals.hit = matched > 0
    totals.values = np.where(totals.hit, matched + totals.values / (totals.values + 1.0), 0.0)
    return totals, required, matched == required


def coordinated(query, scored: Callable):
    """Score a `Clauses` query: `scored(node)` gives one node's score.Scores."""
    parts = [scored(clause) for clause in query.subqueries]
    near = [scored(node) for node in getattr(query, "near", ())]
    combined, query.required, query.complete = combine(parts, near)
    return combined
