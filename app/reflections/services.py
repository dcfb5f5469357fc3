"""Expert reflections on cases."""

import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import Case, Method, Reflection, User, reflection_methods
from app.permissions import AnyUser, case_read_clause, case_read_rule
from app.rows import CaseLink, Writer


@dataclass(frozen=True)
class MethodLink:
    id: int
    name: str


@dataclass(frozen=True)
class CaseReflection:
    """A reflection as the case page shows it, read as plain rows: nothing there changes it,
    and loading the entities cost several times the query. It has the attributes of a
    Reflection that the reflection fragment, the archive panel and the permission checks read.
    """

    id: int
    author_id: int
    key_lessons: str
    body_html: str
    key_lessons_html: str
    created_at: datetime
    author: Writer
    methods: list[MethodLink] = field(default_factory=list)

    def html(self, name: str) -> Markup:
        """The stored HTML of a field, as Reflection.html gives it."""
        if name not in Reflection.__markdown_fields__:
            raise KeyError(f"CaseReflection.{name} is not a stored Markdown field")
        return Markup(getattr(self, f"{name}_html") or "")


# A case's reflections with their authors and methods, and whether each was edited, built
# once: the case id is bound when it runs. The methods are a few per reflection: joined
# through the link table (plain outer joins, see cases.services), one row each, rather than
# a second query.
_FOR_CASE = (
    sa.select(
        Reflection.id,
        Reflection.author_id,
        Reflection.key_lessons,
        Reflection.body_html,
        Reflection.key_lessons_html,
        Reflection.created_at,
        User.display_name,
        User.organisation,
        history.is_edited("reflection"),
        Method.id.label("method_id"),
        Method.name.label("method_name"),
    )
    .join(User, User.id == Reflection.author_id)
    .outerjoin(reflection_methods, reflection_methods.c.reflection_id == Reflection.id)
    .outerjoin(Method, Method.id == reflection_methods.c.method_id)
    .where(Reflection.case_id == sa.bindparam("case_id"))
    .order_by(Reflection.created_at, Reflection.id, Method.name)  # the methods' own order
)


def for_case(case: Case) -> list[CaseReflection]:
    return for_case_marked(case)[0]


def for_case_marked(case: Case) -> tuple[list[CaseReflection], set[int]]:
    """The case's reflections, and the ids of the edited ones, in one query."""
    reflections: dict[int, CaseReflection] = {}
    edited = set()
    for row in db.session.connection().execute(_FOR_CASE, {"case_id": case.id}):
        reflection = reflections.get(row.id)
        if reflection is None:
            reflection = reflections[row.id] = CaseReflection(
                row.id,
                row.author_id,
                row.key_lessons,
                row.body_html,
                row.key_lessons_html,
                row.created_at,
                Writer(row.display_name, row.organisation),
            )
            if row.edited:
                edited.add(row.id)
        if row.method_id is not None:
            reflection.methods.append(MethodLink(row.method_id, row.method_name))
    return list(reflections.values()), edited


@dataclass(frozen=True)
class RecentReflection:
    """A reflection as the dashboards list it (case, writer, date), read as plain rows."""

    id: int
    case_id: int
    case: CaseLink
    author: Writer
    created_at: datetime


@functools.cache
def _recent_statement(rule_kind: str) -> sa.Select:
    # Built once per kind of reader: every dashboard shows the newest reflections.
    return (
        sa.select(
            Reflection.id,
            Reflection.case_id,
            Reflection.created_at,
            Case.title,
            User.display_name,
            User.organisation,
        )
        .join(Case, Case.id == Reflection.case_id)
        .join(User, User.id == Reflection.author_id)
        # EXISTS rather than the read rule on the joined case: the database reads the
        # reflections newest first and checks each one's case, instead of collecting every
        # readable case to sort their reflections.
        .where(
            sa.exists()
            .where(Case.id == Reflection.case_id, case_read_clause(rule_kind))
            .correlate(Reflection)  # its own cases, not the joined one
        )
        .order_by(Reflection.created_at.desc())
        .limit(sa.bindparam("limit"))
    )


def recent(user: AnyUser, limit: int) -> list[RecentReflection]:
    """The newest reflections on cases this user may read."""
    rule = case_read_rule(user)
    rows = db.session.connection().execute(
        _recent_statement(rule.kind), {**rule.params, "limit": limit}
    )
    return [
        RecentReflection(
            row.id,
            row.case_id,
            CaseLink(row.case_id, row.title),
            Writer(row.display_name, row.organisation),
            row.created_at,
        )
        for row in rows
    ]


def add_reflection(
    case: Case, author: User, body: str, key_lessons: str, methods: list[Method] | None = None
) -> Reflection:
    reflection = Reflection(
        case=case,
        author=author,
        body=body.strip(),
        key_lessons=(key_lessons or "").strip(),
        methods=list(methods or []),
    )
    db.session.add(reflection)
    db.session.flush()
    history.record_new(reflection, author)
    events.reflection_changed.send(reflection, action="created")
    db.session.commit()
    return reflection


def edit_reflection(
    reflection: Reflection,
    body: str,
    key_lessons: str,
    methods: list[Method] | None = None,
    editor: User | None = None,
) -> Reflection:
    """A changed text becomes a new version; a published copy keeps the reviewed one."""
    history.keep_baseline(reflection)
    reflection.body = body.strip()
    reflection.key_lessons = (key_lessons or "").strip()
    if methods is not None:
        reflection.methods = list(methods)
    db.session.flush()
    history.record(reflection, editor)
    events.reflection_changed.send(reflection, action="updated")
    db.session.commit()
    return reflection


def delete_reflection(reflection: Reflection, actor: User | None = None, reason: str = "") -> None:
    """Gone with its versions; a published copy of it goes too (the database cascades)."""
    if actor is not None and actor.id != reflection.author_id:
        details = {"case_id": reflection.case_id, "reason": reason.strip()}
        record("reflection.moderated", actor, reflection, details)
    events.reflection_changed.send(reflection, action="deleted")
    db.session.delete(reflection)
    db.session.commit()


def get_reflection(reflection_id: int) -> Reflection | None:
    return db.session.get(Reflection, reflection_id)
