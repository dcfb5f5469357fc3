from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.admin import bp, services
from app.admin.forms import MunicipalityForm, NewUserForm, ThemeForm, UserForm
from app.auth import guards
from app.auth.signin import refresh
from app.cases.services import all_municipalities, all_themes
from app.forms import form_status, options
from app.models import Role, SizeClass

bp.before_request(guards.organisers_only)


def _form_failed(form, error: services.AdminError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")


def _with_municipality_choices(form: UserForm) -> UserForm:
    form.municipality.choices = options(
        ((str(m.id), m.name) for m in all_municipalities()), empty_label="Geen gemeente"
    )
    return form


def _user_fields(form: UserForm) -> dict:
    municipality = None
    if form.municipality.data:
        municipality = services.get_municipality(int(form.municipality.data))
    return {
        "email": form.email.data,
        "display_name": form.display_name.data,
        "role": Role(form.role.data),
        "municipality": municipality,
        "job_title": form.job_title.data,
        "organisation": form.organisation.data,
    }


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=services.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = _with_municipality_choices(NewUserForm())
    if form.validate_on_submit():
        try:
            user = services.create_user(
                password=form.password.data, acting_user=current_user, **_user_fields(form)
            )
        except services.AdminError as error:
            _form_failed(form, error)
        else:
            flash(f"Account voor {user.display_name} aangemaakt.", "success")
            return redirect(url_for("admin.users"), code=303)
    status = form_status(form)
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = services.get_user(user_id)
    if user is None:
        abort(404)
    form = _with_municipality_choices(UserForm(obj=user))
    if not form.is_submitted():
        form.municipality.data = str(user.municipality_id or "")
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                active=form.active.data,
                password=form.password.data or None,
                acting_user=current_user,
                **_user_fields(form),
            )
        except services.AdminError as error:
            _form_failed(form, error)
        else:
            if user.id == current_user.id:
                refresh(current_user)  # own password changed: stay signed in here
            flash(f"Account van {user.display_name} bijgewerkt.", "success")
            return redirect(url_for("admin.users"), code=303)
    status = form_status(form)
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.get("/municipalities")
def municipalities():
    return render_template("admin/municipalities.html", municipalities=all_municipalities())


@bp.route("/municipalities/new", methods=["GET", "POST"])
@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
def edit_municipality(municipality_id: int | None = None):
    municipality = None
    if municipality_id is not None:
        municipality = services.get_municipality(municipality_id)
        if municipality is None:
            abort(404)
    form = MunicipalityForm(obj=municipality)
    if municipality is not None and not form.is_submitted():
        form.size_class.data = municipality.size_class.value
    if form.validate_on_submit():
        try:
            saved = services.save_municipality(
                municipality,
                name=form.name.data,
                size_class=SizeClass(form.size_class.data),
                province=form.province.data,
            )
        except services.AdminError as error:
            _form_failed(form, error)
        else:
            flash(f"Gemeente {saved.name} opgeslagen.", "success")
            return redirect(url_for("admin.municipalities"), code=303)
    status = form_status(form)
    return render_template(
        "admin/municipality_form.html", form=form, municipality=municipality
    ), status


@bp.get("/themes")
def themes():
    return render_template("admin/themes.html", themes=all_themes())


@bp.route("/themes/new", methods=["GET", "POST"])
@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit_theme(theme_id: int | None = None):
    theme = None
    if theme_id is not None:
        theme = services.get_theme(theme_id)
        if theme is None:
            abort(404)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            saved = services.save_theme(
                theme,
                name=form.name.data,
                slug=form.slug.data,
                description=form.description.data,
            )
        except services.AdminError as error:
            _form_failed(form, error)
        else:
            flash(f"Thema {saved.name} opgeslagen.", "success")
            return redirect(url_for("admin.themes"), code=303)
    status = form_status(form)
    return render_template("admin/theme_form.html", form=form, theme=theme), status
