from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import confirm, htmx
from app.cases.services import all_dilemmas, all_themes, get_readable_case
from app.forms import form_status, options
from app.history import services as history
from app.methods import bp, services
from app.methods.context import case_methods_context
from app.methods.forms import LinkMethodForm, MethodFilterForm, MethodForm
from app.permissions import (
    can_curate_methods,
    can_delete_method,
    can_link_methods,
    is_network_member,
)


def _require_network_member() -> None:
    if not is_network_member(current_user):
        abort(404)


def _require_curator() -> None:
    if not can_curate_methods(current_user):
        abort(403, "Alleen experts en organisatoren beheren de methodieken.")


def _method_or_404(method_id: int):
    method = services.get_method(method_id)
    if method is None:
        abort(404)
    return method


@bp.get("/methods")
@login_required
def index():
    _require_network_member()
    form = MethodFilterForm(formdata=request.args)
    form.theme.choices = options(
        ((theme.slug, theme.name) for theme in all_themes()), empty_label="Alle thema's"
    )
    if not form.validate():
        form = MethodFilterForm(formdata=None)
        form.theme.choices = options(
            ((theme.slug, theme.name) for theme in all_themes()), empty_label="Alle thema's"
        )
    methods = services.list_methods(form.theme.data or "", form.kind.data or "")
    return render_template("methods/list.html", methods=methods, form=form)


@bp.get("/methods/<int:method_id>")
@login_required
def detail(method_id: int):
    _require_network_member()
    method = _method_or_404(method_id)
    return render_template(
        "methods/detail.html",
        method=method,
        cases=services.cases_using(method, current_user),
        reflections=services.reflections_using(method, current_user),
        method_edited=method.id in history.edited_ids("method", [method.id]),
    )


def _method_form(method=None) -> MethodForm:
    form = MethodForm(obj=method) if request.method == "GET" else MethodForm()
    form.themes.choices = options((theme.id, theme.name) for theme in all_themes())
    form.dilemmas.choices = options(
        (dilemma.id, f"{dilemma.number}. {dilemma.title}") for dilemma in all_dilemmas()
    )
    if method is not None and request.method == "GET":
        form.themes.data = [theme.id for theme in method.themes]
        form.dilemmas.data = [dilemma.id for dilemma in method.dilemmas]
        form.polarisation_kind.data = (
            method.polarisation_kind.value if method.polarisation_kind else None
        )
    return form


@bp.route("/methods/new", methods=["GET", "POST"])
@bp.route("/methods/<int:method_id>/edit", methods=["GET", "POST"])
@login_required
def edit(method_id: int | None = None):
    _require_curator()
    method = _method_or_404(method_id) if method_id is not None else None
    form = _method_form(method)
    if form.validate_on_submit():
        try:
            saved = services.save_method(method, current_user, form.data)
        except services.MethodError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            flash(f"Methodiek '{saved.name}' is opgeslagen.", "success")
            return redirect(url_for("methods.detail", method_id=saved.id), code=303)
    status = form_status(form)
    return render_template("methods/form.html", form=form, method=method), status


@bp.route("/methods/<int:method_id>/delete", methods=["GET", "POST"])
@login_required
def delete(method_id: int):
    method = _method_or_404(method_id)
    if not can_delete_method(current_user, method):
        abort(403, "Alleen wie de methodiek schreef of een organisator kan haar verwijderen.")
    confirmation = confirm.Confirmation(
        title=f"De methodiek “{method.name}” verwijderen?",
        consequence=(
            "De methodiek verdwijnt met haar geschiedenis uit de bibliotheek, uit het zoeken "
            "en, als ze openbaar is, uit het archief. Casussen en reflecties die haar noemen "
            "verliezen die koppeling. Dit kan niet ongedaan worden gemaakt."
        ),
        button="Methodiek verwijderen",
        cancel_url=url_for("methods.detail", method_id=method.id),
    )
    form = confirm.reason_form()
    if not confirm.confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    services.delete_method(method, current_user, confirm.reason(form))
    flash("De methodiek is verwijderd.", "success")
    return htmx.client_redirect(url_for("methods.index"))


def _linkable_case(case_id: int):
    case = get_readable_case(current_user, case_id)
    if case is None:
        abort(404)
    if not can_link_methods(current_user, case):
        abort(403, "Je kunt aan deze casus geen methodieken koppelen.")
    return case


@bp.post("/cases/<int:case_id>/methods")
@login_required
def link(case_id: int):
    case = _linkable_case(case_id)
    form = LinkMethodForm()
    form.method.choices = options(
        (str(method_id), name) for method_id, name in services.method_names()
    )
    if form.validate_on_submit():
        services.link_case(case, services.get_method(int(form.method.data)))
        return htmx.after_write(
            url_for("cases.detail", case_id=case.id, _anchor="case-methods"),
            "methods/_case_methods.html",
            **case_methods_context(case),
        )
    if htmx.wants_fragment():
        return render_template(
            "methods/_case_methods.html", **case_methods_context(case, form)
        ), 422
    # Without htmx there is no fragment to show the error in: back to the case page.
    flash("Kies een methodiek uit de lijst.", "error")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="case-methods"), code=303)


@bp.post("/cases/<int:case_id>/methods/<int:method_id>/unlink")
@login_required
def unlink(case_id: int, method_id: int):
    case = _linkable_case(case_id)
    services.unlink_case(case, _method_or_404(method_id))
    return htmx.after_write(
        url_for("cases.detail", case_id=case.id, _anchor="case-methods"),
        "methods/_case_methods.html",
        **case_methods_context(case),
    )
