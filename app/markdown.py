"""User Markdown to safe HTML: render with markdown-it, then sanitise with nh3.

Pages do not render Markdown: every model with Markdown columns (app/models/base.py
StoredHtml) keeps their sanitised HTML beside them, filled here whenever a session flushes a
new or changed row. `render_markdown` itself serves the form previews and that fill.
"""

from itertools import chain

import nh3
import sqlalchemy as sa
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

# Raw HTML in the source is escaped by the renderer; the sanitiser is the second fence.
_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

REBUILD_BATCH = 500


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown and return HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    html = _renderer.render(text)
    # Headings h1/h2 belong to the page, so user headings are shifted down a level.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    # No cache: pages show the HTML stored at save time, so only previews and that fill
    # render, and a cache of arbitrary preview texts only held memory (security review F4).
    return Markup(sanitise(html))


def sanitise(html: str) -> str:
    """The allowlist: only these tags and attributes survive, so hx-*, data-*, on* and style go,
    and links keep only http, https and mailto (no javascript:, data:, vbscript: ...)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def _fill_stored_html(session: Session, _flush_context, _instances) -> None:
    """Before every flush: the HTML of each new or changed Markdown field of a StoredHtml row."""
    for row in chain(session.new, session.dirty):
        fields = getattr(row, "__markdown_fields__", ())
        if not fields:
            continue
        state = sa.inspect(row)
        for name in fields:
            if state.pending or state.attrs[name].history.has_changes():
                setattr(row, f"{name}_html", str(render_markdown(getattr(row, name))))


def stored_html_models() -> list[type]:
    """Every model that keeps the HTML of its Markdown columns."""
    return sorted(
        (
            mapper.class_
            for mapper in db.Model.registry.mappers
            if getattr(mapper.class_, "__markdown_fields__", ())
        ),
        key=lambda model: model.__tablename__,
    )


def _rendered_row(row: sa.Row, fields: tuple) -> dict[str, str]:
    values = {f"new_{name}": str(render_markdown(row._mapping[name])) for name in fields}
    return {"row_id": row.id, **values}


def render_columns(connection: sa.Connection, table: sa.TableClause, fields: tuple) -> int:
    """Write the HTML of `fields` into their `<name>_html` columns, a batch at a time.

    Core statements on a connection: no flush listener and no `updated_at` bump, since the
    text itself does not change. Used by `markdown rebuild` and by the migration that added
    the columns. Returns the number of rows written.
    """
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({f"{name}_html": sa.bindparam(f"new_{name}") for name in fields})
    )
    count, last_id = 0, 0
    while rows := connection.execute(
        sa.select(table.c.id, *(table.c[name] for name in fields))
        .where(table.c.id > last_id)
        .order_by(table.c.id)
        .limit(REBUILD_BATCH)
    ).all():
        connection.execute(update, [_rendered_row(row, fields) for row in rows])
        count += len(rows)
        last_id = rows[-1].id
    return count


def rebuild_stored_html() -> dict[str, int]:
    """Render every stored Markdown field again (after a change to the sanitiser's rules)."""
    rewritten = {}
    for model in stored_html_models():
        with db.engine.begin() as connection:
            rewritten[model.__tablename__] = render_columns(
                connection, model.__table__, model.__markdown_fields__
            )
    return rewritten


def init_app(_app: Flask) -> None:
    # On the Session class, so every session fills them, not only db.session.
    if not event.contains(Session, "before_flush", _fill_stored_html):
        event.listen(Session, "before_flush", _fill_stored_html)
