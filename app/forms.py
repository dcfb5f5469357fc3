"""Form pieces shared by several features."""

from collections.abc import Iterable

import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

# The hint under every text field that takes formatting: the three things people use, without
# the word "Markdown", which means nothing to most readers.
FORMAT_HINT = "Opmaak: **vet**, *cursief*, - opsomming"


class BaseForm(FlaskForm):
    """Every form: WTForms' own messages (invalid choice, number, date ...) in Dutch."""

    class Meta:
        locales = ("nl",)


def form_status(form: FlaskForm) -> int:
    """The status of a page showing a form: 422 when it comes back with errors, else 200."""
    return 422 if form.is_submitted() else 200


def options(pairs: Iterable[tuple], empty_label: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally led by an empty "all" option."""
    choices = [SelectChoice(value, label) for value, label in pairs]
    if empty_label is not None:
        choices.insert(0, SelectChoice("", empty_label))
    return choices


def field_input(field, attrs: dict) -> Markup:
    """A form field's input with the accessibility attributes the field macro promises: the
    hint and the errors it is described by, and aria-invalid when it has errors.

    In Python rather than a macro: every field of every form goes through it, and the macro's
    list filters and dict updates cost more than rendering the input itself.
    """
    attrs = dict(attrs)
    described_by = " ".join(
        name
        for name in (
            f"{field.id}-hint" if field.description else "",
            f"{field.id}-errors" if field.errors else "",
        )
        if name
    )
    if described_by:
        attrs["aria-describedby"] = described_by
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field(**attrs)


class SelectWidget(wtforms.widgets.Select):
    """WTForms' select with the plain options written directly: the same HTML.

    The filter forms on the busiest pages carry dozens of options, and WTForms builds each
    one through its generic attribute writer: a fifth of a case list's rendering went there.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        # WTForms writes the attributes sorted by name: "selected" before "value".
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class SelectField(wtforms.SelectField):
    widget = SelectWidget()


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice rendered as a list of checkboxes instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # Report an unknown choice in Dutch rather than WTForms' English default.
        known = {choice.value for choice in self.choices or []}
        if self.data and any(value not in known for value in self.data):
            raise ValidationError("Kies alleen uit de getoonde mogelijkheden.")


class ReasonForm(BaseForm):
    """The reason asked on a confirmation page before a deliberate action."""

    reason = TextAreaField(
        "Reden",
        validators=[Optional(), Length(max=2_000, message="Maximaal 2.000 tekens.")],
    )
