"""Expert reflections on cases."""

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from app import events
from app.audit.services import record
from app.extensions import db
from app.history import services as history
from app.models import Case, Method, Reflection, User, reflection_methods
from app.permissions import AnyUser, readable_cases_clause

# A case's reflections and whether each was edited, built once: the case id is bound when it
# runs. The author is one row: joined into this query rather than a query of its own. The
# methods are a few per reflection: joined through the link table (plain outer joins, see
# cases.services) rather than a second query, and only what the page shows of them.
_FOR_CASE = (
    sa.select(Reflection, history.is_edited("reflection"))
    .where(Reflection.case_id == sa.bindparam("case_id"))
    .outerjoin(reflection_methods, reflection_methods.c.reflection_id == Reflection.id)
    .outerjoin(Method, Method.id == reflection_methods.c.method_id)
    .order_by(Reflection.created_at, Reflection.id, Method.name)  # the methods' own order
    .options(
        joinedload(Reflection.author),
        contains_eager(Reflection.methods).load_only(Method.id, Method.name),
    )
)


def for_case(case: Case) -> list[Reflection]:
    return for_case_marked(case)[0]


def for_case_marked(case: Case) -> tuple[list[Reflection], set[int]]:
    """The case's reflections, and the ids of the edited ones, in one query."""
    found = db.session.execute(_FOR_CASE, {"case_id": case.id}).unique().all()
    return [reflection for reflection, _edited in found], {r.id for r, edited in found if edited}


def recent(user: AnyUser, limit: int) -> list[Reflection]:
    """The newest reflections on cases this user may read."""
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .join(Reflection.case)
            .where(readable_cases_clause(user))
            .order_by(Reflection.created_at.desc())
            .limit(limit)
            .options(joinedload(Reflection.author), joinedload(Reflection.case))
        )
    )


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
