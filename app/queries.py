"""Query shapes that stay cheap as the network's cases and comments grow."""

import sqlalchemy as sa


def page_first(query: sa.Select, entity, order: tuple, limit: int, offset: int = 0) -> sa.Select:
    """The rows `offset` to `offset + limit` of `query` in `order`, found by their ids first.

    Where no index gives the order, the database sorts every matching row before it cuts
    the page, and SQLite computes a row's columns (its texts, what is joined to it, counts)
    before it sorts: a case list page sorted the whole rows of every readable case. Here only
    the ids are sorted and cut, and the page's rows are loaded by their keys afterwards, in
    one statement. Add loader options to the result as to any select of `entity`.
    """
    page = query.with_only_columns(entity.id).order_by(*order).limit(limit).offset(offset)
    page = page.subquery()
    return sa.select(entity).join(page, page.c.id == entity.id).order_by(*order)
