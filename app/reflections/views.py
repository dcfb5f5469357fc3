from flask import abort, flash, render_template, url_for
from flask_login import current_user, login_required

from app import confirm, htmx
from app.cases.services import get_readable_case
from app.forms import form_status
from app.history import services as history
from app.methods.services import methods_by_ids
from app.permissions import can_change_reflection, can_reflect
from app.reflections import bp, services
from app.reflections.context import reflections_context, with_method_choices
from app.reflections.forms import ReflectionForm


def _readable_reflection_or_404(reflection_id: int):
    reflection = services.get_reflection(reflection_id)
    if reflection is None or get_readable_case(current_user, reflection.case_id) is None:
        abort(404)
    return reflection


def _changeable_reflection(reflection_id: int):
    reflection = _readable_reflection_or_404(reflection_id)
    if not can_change_reflection(current_user, reflection):
        abort(
            403, "Alleen de expert die de reflectie schreef of een organisator kan haar wijzigen."
        )
    return reflection


@bp.post("/cases/<int:case_id>/reflections")
@login_required
def create(case_id: int):
    case = get_readable_case(current_user, case_id)
    if case is None:
        abort(404)
    if not can_reflect(current_user):
        abort(403, "Alleen experts schrijven reflecties.")
    form = with_method_choices(ReflectionForm())
    if form.validate_on_submit():
        reflection = services.add_reflection(
            case,
            current_user,
            form.body.data,
            form.key_lessons.data,
            methods_by_ids(form.methods.data or []),
        )
        return htmx.after_write(
            url_for("cases.detail", case_id=case.id, _anchor=f"reflection-{reflection.id}"),
            "reflections/_section.html",
            **reflections_context(case),
        )
    context = reflections_context(case, form)
    return htmx.render("reflections/page.html", "reflections/_section.html", status=422, **context)


@bp.route("/reflections/<int:reflection_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reflection_id: int):
    reflection = _changeable_reflection(reflection_id)
    # A prefix keeps the field ids unique while the form sits inside the case page.
    form = with_method_choices(ReflectionForm(obj=reflection, prefix=f"reflection-{reflection.id}"))
    if not form.is_submitted():
        form.methods.data = [method.id for method in reflection.methods]
    if form.validate_on_submit():
        services.edit_reflection(
            reflection,
            form.body.data,
            form.key_lessons.data,
            methods_by_ids(form.methods.data or []),
            editor=current_user,
        )
        return htmx.after_write(
            url_for(
                "cases.detail", case_id=reflection.case_id, _anchor=f"reflection-{reflection.id}"
            ),
            "reflections/_reflection.html",
            reflection=reflection,
            edited_reflections=history.edited_ids("reflection", [reflection.id]),
        )
    return htmx.render(
        "reflections/edit.html",
        "reflections/_edit_form.html",
        status=form_status(form),
        reflection=reflection,
        case=reflection.case,
        form=form,
    )


@bp.get("/reflections/<int:reflection_id>")
@login_required
def show(reflection_id: int):
    """One reflection; htmx uses it to cancel an edit."""
    reflection = _readable_reflection_or_404(reflection_id)
    if not htmx.wants_fragment():
        return htmx.client_redirect(
            url_for(
                "cases.detail", case_id=reflection.case_id, _anchor=f"reflection-{reflection.id}"
            )
        )
    return render_template(
        "reflections/_reflection.html",
        reflection=reflection,
        edited_reflections=history.edited_ids("reflection", [reflection.id]),
    )


@bp.route("/reflections/<int:reflection_id>/delete", methods=["GET", "POST"])
@login_required
def delete(reflection_id: int):
    reflection = _changeable_reflection(reflection_id)
    case = reflection.case
    confirmation = confirm.deletion(
        reflection.author_id == current_user.id,
        "reflectie",
        "De reflectie verdwijnt met haar hele geschiedenis uit het netwerk, en, als ze in het "
        "openbare archief staat, meteen ook daaruit. Dit kan niet ongedaan worden gemaakt.",
        url_for("cases.detail", case_id=case.id, _anchor=f"reflection-{reflection.id}"),
        "#reflections",
    )
    form = confirm.reason_form()
    if not confirm.direct_or_confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    services.delete_reflection(reflection, current_user, confirm.reason(form))
    if not htmx.is_htmx():
        flash("De reflectie is verwijderd.", "success")
    return htmx.after_write(
        url_for("cases.detail", case_id=case.id, _anchor="reflections"),
        "reflections/_section.html",
        **reflections_context(case),
    )
