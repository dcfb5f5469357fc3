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

from collections import Counter
from collections.abc import Callable

# The weight of the word-pair bonus, relative to a clause.
NEAR_WEIGHT = 0.5


def tier(value: float) -> int:
    """How many clauses a document with this combined score matched."""
    return int(value)


def combine(
    parts: list[dict[int, float]],
    near: list[dict[int, float]],
) -> tuple[dict[int, float], int, set[int]]:
    """(docnum -> combined score, number of clauses, docnums matching all of them).

    `parts` are the clauses' scores, `near` the word-pair bonuses.
    """
    matched: Counter = Counter()
    for part in parts:
        matched.update(part.keys())
    # The smaller parts are added into the largest, which is used as it is.
    parts = sorted(parts, key=len, reverse=True)
    totals = parts[0]
    for part in parts[1:]:
        get = totals.get
        for docnum, score in part.items():
            totals[docnum] = get(docnum, 0.0) + score
    for bonus in near:  # only for documents the clauses matched
        for docnum, score in bonus.items():
            if docnum in totals:
                totals[docnum] += score * NEAR_WEIGHT
    required = len(parts)
    complete = {docnum for docnum, count in matched.items() if count == required}
    combined = {docnum: matched[docnum] + score / (score + 1.0) for docnum, score in totals.items()}
    return combined, required, complete


def coordinated(query, add: Callable) -> dict[int, float]:
    """Score a `Clauses` query: `add(node, scores)` adds one node's scores to a dict."""
    parts = []
    for clause in query.subqueries:
        part: dict[int, float] = {}
        add(clause, part)
        parts.append(part)
    near = []
    for node in getattr(query, "near", ()):
        bonus: dict[int, float] = {}
        add(node, bonus)
        near.append(bonus)
    combined, query.required, query.complete = combine(parts, near)
    return combined
