from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import confirm, htmx, reference
from app.archive.context import archive_panel_context
from app.cases import bp, services
from app.cases.forms import SECTION_MAX, CaseFilterForm, CaseForm
from app.comments.context import thread_context
from app.forms import form_status, options
from app.meetings.services import for_case as meetings_for_case
from app.methods.context import case_methods_context
from app.models import CASE_SECTIONS
from app.permissions import (
    can_create_case,
    can_delete_case,
    can_edit_case,
    is_network_member,
    is_organiser,
)
from app.reflections.context import reflections_context
from app.search import services as search_services

INVALID_FILTER = "Onbekende keuze; dit filter is niet toegepast."


def _require_network_member() -> None:
    # Readers and anonymous visitors may not know these cases exist at all.
    if not is_network_member(current_user):
        abort(404)


def _readable_case_or_404(case_id: int):
    case = services.get_readable_case(current_user, case_id)
    if case is None:
        abort(404)
    return case


def _filter_form() -> tuple[CaseFilterForm, services.CaseFilters]:
    form = CaseFilterForm(formdata=request.args)
    form.theme.choices = options(reference.theme_choices(), empty_label="Alle thema's")
    form.municipality.choices = options(
        reference.municipality_choices(), empty_label="Alle gemeenten"
    )
    form.validate()
    for field in form:
        if field.errors:
            field.errors = [INVALID_FILTER]
            field.data = ""
    filters = services.CaseFilters(
        theme=form.theme.data or "",
        municipality=int(form.municipality.data) if form.municipality.data else None,
        kind=form.kind.data or "",
        status=form.status.data or "",
    )
    return form, filters


@bp.get("")
@login_required
def index():
    _require_network_member()
    form, filters = _filter_form()
    page = request.args.get("page", 1, type=int)
    pagination = services.list_cases(
        current_user, filters, max(page, 1), current_app.config["CASES_PER_PAGE"]
    )
    return htmx.render(
        "cases/list.html",
        "cases/_results.html",
        form=form,
        filters=filters,
        pagination=pagination,
        activity=pagination.activity,
    )


def _case_form(case=None) -> CaseForm:
    form = CaseForm() if case is None or request.method == "POST" else CaseForm(obj=case)
    form.themes.choices = options((theme.id, theme.name) for theme in services.all_themes())
    form.dilemmas.choices = options(
        (dilemma.id, f"{dilemma.number}. {dilemma.title}") for dilemma in services.all_dilemmas()
    )
    if case is not None and request.method == "GET":
        form.themes.data = [theme.id for theme in case.themes]
        form.dilemmas.data = [dilemma.id for dilemma in case.dilemmas]
        form.polarisation_kind.data = case.polarisation_kind.value
        form.status.data = case.status.value
    return form


def _saved_message(case) -> str:
    if case.is_draft:
        return "De casus is opgeslagen als concept. Alleen je eigen gemeente ziet hem."
    return "De casus is gedeeld met het netwerk."


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_create_case(current_user):
        abort(403, "Alleen deelnemers van een gemeente kunnen een casus schrijven.")
    form = _case_form()
    if form.validate_on_submit():
        case = services.create_case(
            current_user, form.data, share=request.form.get("action") == "share"
        )
        flash(_saved_message(case), "success")
        return redirect(url_for("cases.detail", case_id=case.id), code=303)
    status = form_status(form)
    return render_template("cases/form.html", form=form, case=None), status


@bp.get("/<int:case_id>")
@login_required
def detail(case_id: int):
    found = services.get_case_detail(current_user, case_id)
    if found is None:
        abort(404)
    case = found.case
    # The contexts all carry the case itself, so merging them gives one "case" key; each
    # part's statement also tells which of its items were edited.
    reflections = reflections_context(case)
    context = {
        **thread_context(case),
        **reflections,
        **case_methods_context(case),
        **archive_panel_context(
            case, reflections=reflections["reflections"], publication=found.publication
        ),
    }
    return render_template(
        "cases/detail.html",
        sections=CASE_SECTIONS,
        case_meetings=meetings_for_case(case),
        case_edited=found.edited,
        may_edit_case=can_edit_case(current_user, case),
        may_delete_case=can_delete_case(current_user, case),
        similar=search_services.similar_cases(current_user, case.id),
        **context,
    )


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):
    case = _readable_case_or_404(case_id)
    if not can_edit_case(current_user, case):
        abort(403, "Je kunt alleen casussen van je eigen gemeente bewerken.")
    form = _case_form(case)
    if form.validate_on_submit():
        was_draft = case.is_draft
        services.update_case(
            case, form.data, share=request.form.get("action") == "share", editor=current_user
        )
        flash(_saved_message(case) if was_draft else "De wijzigingen zijn opgeslagen.", "success")
        return redirect(url_for("cases.detail", case_id=case.id), code=303)
    status = form_status(form)
    return render_template("cases/form.html", form=form, case=case), status


@bp.route("/<int:case_id>/delete", methods=["GET", "POST"])
@login_required
def delete(case_id: int):
    case = _readable_case_or_404(case_id)
    if not can_delete_case(current_user, case):
        abort(403, "Een gedeelde casus kan alleen door een organisator worden verwijderd.")
    # The municipality removing its own draft is not asked why; an organiser moderates.
    moderating = is_organiser(current_user)
    confirmation = confirm.Confirmation(
        title=f"De casus “{case.title}” definitief verwijderen?",
        consequence=(
            "De casus verdwijnt met alle reacties, reflecties en de geschiedenis, ook uit het "
            "zoeken en uit het openbare archief. Dit kan niet ongedaan worden gemaakt."
        ),
        button="Casus verwijderen",
        cancel_url=url_for("cases.detail", case_id=case.id),
        reason_required=moderating,
        ask_reason=moderating,
    )
    form = confirm.reason_form()
    if not confirm.confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    services.delete_case(case, current_user, confirm.reason(form))
    flash("De casus is verwijderd.", "success")
    return htmx.client_redirect(url_for("cases.index"))


@bp.post("/preview")
@login_required
def preview():
    """Markdown preview of one form field, as the case page would show it."""
    if not is_network_member(current_user):
        abort(404)
    field = request.args.get("field", "")
    if field not in services.SECTION_FIELDS:
        abort(400, "Onbekend veld voor het voorbeeld.")
    text = request.form.get(field, "")
    if len(text) > SECTION_MAX:
        # The form's own limit: a longer text could not be saved, so it is not rendered either.
        error = (
            f"Deze tekst is te lang voor een voorbeeld: {_thousands(len(text))} tekens, "
            f"en er mogen er {_thousands(SECTION_MAX)} in. Maak hem korter."
        )
        return render_template("cases/_preview.html", text="", field=field, error=error), 422
    return render_template("cases/_preview.html", text=text, field=field)


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")
