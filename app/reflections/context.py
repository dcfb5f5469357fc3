"""What the reflections fragment shows; the case page includes the same fragment."""

from typing import Any

from flask_login import current_user

from app.forms import options
from app.methods.services import method_names
from app.permissions import can_reflect
from app.reflections import services
from app.reflections.forms import ReflectionForm


def with_method_choices(form: ReflectionForm) -> ReflectionForm:
    form.methods.choices = options(method_names())
    return form


def reflections_context(case, form: ReflectionForm | None = None) -> dict[str, Any]:
    if form is None and can_reflect(current_user):
        form = with_method_choices(ReflectionForm(formdata=None))
    # Without the right to reflect there is no form, and so no list of methods to query.
    reflections, edited = services.for_case_marked(case)
    return {
        "case": case,
        "reflections": reflections,
        "reflection_form": form,
        "edited_reflections": edited,
    }
