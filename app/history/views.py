"""History pages ("Geschiedenis") of cases, reflections, comments and methods, and restoring.

One view serves every kind; each kind keeps its own URL under the item
(`/cases/<case_id>/history`, ...), so the item's own id converter and read rule apply.
"""

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from app import confirm, htmx
from app.history import bp, services
from app.history.diff import field_diffs
from app.permissions import can_restore_version

ROUTES = {
    "case": "/cases/<int:case_id>",
    "reflection": "/reflections/<int:reflection_id>",
    "comment": "/comments/<int:comment_id>",
    "method": "/methods/<int:method_id>",
}


def _item_or_404(kind: str, item_id: int):
    item = services.readable_item(current_user, kind, item_id)
    if item is None:
        abort(404)
    return item


def _ids(kind: str, item) -> dict[str, int]:
    return {ROUTES[kind].split("<int:")[1].rstrip(">"): item.id}


def item_url(kind: str, item) -> str:
    """Where the item itself is shown."""
    if kind == "case":
        return url_for("cases.detail", case_id=item.id)
    if kind == "method":
        return url_for("methods.detail", method_id=item.id)
    return url_for("cases.detail", case_id=item.case_id, _anchor=f"{kind}-{item.id}")


def _title(kind: str, item) -> str:
    if kind == "case":
        return item.title
    if kind == "method":
        return item.name
    label = "Reflectie" if kind == "reflection" else "Reactie"
    return f"{label} van {item.author.display_name} op “{item.case.title}”"


def _chosen(numbers: list[int], name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value in numbers else None


def history_context(kind: str, item) -> dict:
    """The versions, and the word diff between the two chosen (by default the last two)."""
    shown = services.shown_versions(item)
    by_number = {version.number: version for version in shown}
    numbers = sorted(by_number)
    new = _chosen(numbers, "new") or numbers[-1]
    old = _chosen(numbers, "old") or max([n for n in numbers if n < new], default=new)
    old, new = min(old, new), max(old, new)
    diffs = field_diffs(services.KINDS[kind].fields, by_number[old].texts, by_number[new].texts)
    return {
        "kind": kind,
        "kind_label": services.KINDS[kind].label,
        "item": item,
        "ids": _ids(kind, item),
        "title": _title(kind, item),
        "item_url": item_url(kind, item),
        "versions": list(reversed(shown)),
        "numbers": numbers,
        "old": by_number[old],
        "new": by_number[new],
        "diffs": diffs,
        "changed_diffs": [diff for diff in diffs if diff.changed],
        "current": numbers[-1],
        "deleted": getattr(item, "is_deleted", False),
        "can_restore": can_restore_version(current_user) and not getattr(item, "is_deleted", False),
    }


def show(kind: str, item_id: int):
    item = _item_or_404(kind, item_id)
    return htmx.render("history/page.html", "history/_history.html", **history_context(kind, item))


def restore(kind: str, item_id: int, number: int):
    """An organiser puts an earlier version back: a confirmation page, then a new version."""
    item = _item_or_404(kind, item_id)
    if not can_restore_version(current_user):
        abort(403, "Alleen organisatoren zetten een eerdere versie terug.")
    version = services.get_version(item, number) or abort(404)
    label = services.KINDS[kind].label
    history_url = url_for(f"history.{kind}", **_ids(kind, item))
    confirmation = confirm.Confirmation(
        title=f"Versie {version.number} van deze {label} terugzetten?",
        consequence=(
            f"De tekst van versie {version.number} wordt de huidige tekst, als nieuwe versie; "
            "alle eerdere versies blijven in de geschiedenis. Iedereen die dit leest ziet "
            "meteen de teruggezette tekst, ook in het zoeken. Een gepubliceerde casus verandert "
            "in het archief pas na een nieuwe controle."
        ),
        button="Versie terugzetten",
        cancel_url=history_url,
    )
    form = confirm.reason_form()
    if confirm.confirmed(form, confirmation):
        try:
            services.restore(item, number, current_user, confirm.reason(form))
        except services.HistoryError as error:
            return confirm.render(confirmation, form, error=str(error))
        flash(f"Versie {number} is teruggezet als nieuwe versie.", "success")
        return htmx.client_redirect(history_url)
    return confirm.render(confirmation, form)


def _register(kind: str, base: str) -> None:
    """One URL pair per kind, under the item, each with the item's own id converter."""

    @login_required
    def history_page(**ids):
        return show(kind, next(iter(ids.values())))

    @login_required
    def restore_page(number: int, **ids):
        return restore(kind, next(iter(ids.values())), number)

    bp.add_url_rule(f"{base}/history", kind, history_page)
    bp.add_url_rule(
        f"{base}/history/<int:number>/restore",
        f"restore_{kind}",
        restore_page,
        methods=["GET", "POST"],
    )


for _kind, _base in ROUTES.items():
    _register(_kind, _base)
