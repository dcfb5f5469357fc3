from werkzeug.datastructures import MultiDict
from wtforms import TextAreaField
from wtforms.validators import Length, ValidationError

from app.forms import BaseForm
from app.search.schema import FACET_FIELDS
from app.search.services import SORTS, SearchParams
from app.search.thesaurus import problems

MAX_FACET_VALUE = 80
MAX_FACET_VALUES = 20  # per facet


def _values(raw: list[str]) -> list[str]:
    """A facet's chosen values: trimmed, cut to length, each once."""
    return list(dict.fromkeys(value.strip()[:MAX_FACET_VALUE] for value in raw if value.strip()))


def search_params(args: MultiDict) -> SearchParams:
    """The search in a query string; anything unknown or malformed is left out, never an error."""
    facets = tuple(
        (name, value)
        for name in FACET_FIELDS
        for value in _values(args.getlist(name)[:MAX_FACET_VALUES])
    )
    sort = args.get("sort", "relevance")
    return SearchParams(
        text=args.get("q", ""),
        facets=facets,
        sort=sort if sort in SORTS else "relevance",
        page=args.get("page", 1, type=int) or 1,
        as_typed=args.get("as_typed") == "1",
    )


class SynonymsForm(BaseForm):
    text = TextAreaField(
        "Synoniemen",
        validators=[Length(max=50_000, message="De lijst mag maximaal 50.000 tekens hebben.")],
        description=(
            "Eén groep per regel, gescheiden door komma's: azc, asielzoekerscentrum. Een "
            "woordgroep mag ook: drag queen, dragartiest. Met => vindt het brede woord links "
            "de smallere rechts, niet andersom: sociale media => facebook, tiktok. Regels die "
            "met # beginnen zijn toelichting."
        ),
    )

    def validate_text(self, field) -> None:
        field.data = field.data or ""  # a post without the field at all
        found = problems(field.data)
        if found:
            raise ValidationError(found[0])
