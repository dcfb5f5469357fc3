"""What the case page's methods fragment shows."""

from flask_login import current_user

from app.forms import options
from app.methods import services
from app.methods.forms import LinkMethodForm
from app.permissions import can_link_methods


def case_methods_context(case, form: LinkMethodForm | None = None) -> dict:
    """The linked methods, and the form to link another for those who may."""
    may_link = can_link_methods(current_user, case)
    if may_link:
        if form is None:
            form = LinkMethodForm(formdata=None)
        methods = services.methods_with_link(case)
        linked = [method for method in methods if method.linked]
        form.method.choices = options(
            ((str(method.id), method.name) for method in methods if not method.linked),
            empty_label="Kies een methodiek…",
        )
    else:
        linked = services.linked_methods(case)
    return {"case": case, "case_methods": linked, "may_link_methods": may_link, "link_form": form}
