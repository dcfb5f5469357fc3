"""What the archive panel on a case page shows this user."""

from typing import Any

from flask_login import current_user

from app.archive import services
from app.archive.forms import ConsentForm
from app.permissions import can_consent_reflection
from app.reflections.services import for_case

# "Not loaded yet": a case without a publication passes None.
_UNLOADED = object()


def archive_panel_context(
    case,
    consent_form: ConsentForm | None = None,
    reflections: list | None = None,
    publication: Any = _UNLOADED,
) -> dict[str, Any]:
    """The case page passes the reflections and the publication it already loaded, so they
    are not queried twice."""
    if reflections is None:
        reflections = for_case(case)
    if publication is _UNLOADED:
        publication = services.publication_for(case)
    own = [r for r in reflections if can_consent_reflection(current_user, r)]
    # Only the expert who wrote a reflection decides on it: nobody else needs the consents.
    consented = services.consented_reflection_ids(case) if own else set()
    consent_wanted = services.consent_wanted(publication)
    # The panel shows the consent form only while consent is wanted: no form to build before.
    if consent_form is None and consent_wanted:
        consent_form = ConsentForm(formdata=None)
    return {
        "case": case,
        "publication": publication,
        "consent_wanted": consent_wanted,
        "consent_text": services.consent_text(case),
        "consent_form": consent_form,
        "event_labels": services.EVENT_LABELS,
        "own_reflections": [(reflection, reflection.id in consented) for reflection in own],
    }
