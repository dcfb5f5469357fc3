"""Likely personal data in a text, for the organiser's anonymisation review.

The check is a help, not a verdict, so it must not cry wolf: a reviewer who sees the same
place name flagged six times learns to skip the list. So each finding is listed once, with a
count, and a capitalised word group counts as a person's name only when it is not plainly
something else:
- a sentence that starts with a common word: "In Weerdhuizen", "Bewoners van ..." (the
  word is dropped, and what is left must still be two words: "Bewoner Jan Jansen" keeps
  "Jan Jansen");
- a place the texts themselves name as one: "polder De Weerd", "het dorp Weerdhuizen";
- an organisation ("Woningcorporatie ...", "... Vereniging") or a named building or area:
  "De Kamp", unless a title says it is a person ("mevrouw De Vries").
Those places and organisations are listed apart (opvanglocaties matter too), not marked.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass

import nh3
from markupsafe import Markup, escape

from app.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

_WORD = r"[A-Z][a-zà-ÿ]+"
_PARTICLES = ("van", "de", "der", "den", "ter", "te", "el", "al", "het")
# Two or more capitalised words on one line, optionally with Dutch name particles.
_NAME = re.compile(
    rf"\b{_WORD}(?:[ \t]+(?:{'|'.join(_PARTICLES)}))*[ \t]+{_WORD}(?:[ \t]+{_WORD})*"
)
PATTERNS = (
    ("e-mailadres", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("telefoonnummer", re.compile(r"(?<!\d)(?:\+31|0031|0)[\s-]?(?:\d[\s-]?){8}\d(?!\d)")),
    ("postcode", re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b")),
    (
        "adres",
        re.compile(
            r"\b[A-Z][a-zà-ÿ]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|hof|pad|steeg)"
            r"[ \t]+\d+[a-z]?\b"
        ),
    ),
    ("naam", _NAME),
)

# Words that start a sentence with a capital without being a name: function words, and the
# people and groups a case text talks about ("Bewoners van ...", "Wethouder Jan Jansen").
_COMMON = frozenset(
    """de het een in op bij uit van voor naar met over onder na tot door om aan tegen zonder
    zij wij we ze hij ik je jij u dit dat deze die ook maar en of als toen daarom daarna
    volgens sinds tijdens omdat want wat wie hoe waar er hier daar nu toch alle veel sommige
    elke iedere hallo beste bewoners bewoner inwoners inwoner omwonenden buurtbewoners
    buurtbewoner wijkbewoners jongeren jongere ouderen kinderen ouders ondernemers ondernemer
    boeren boer medewerkers medewerker leden lid vrijwilligers vrijwilliger deelnemers
    ambtenaren ambtenaar raadsleden raadslid woningzoekenden studenten vluchtelingen
    statushouders asielzoekers gemeenteraad wethouder burgemeester politie agent""".split()  # noqa: SIM905
)
# Words after which a capitalised name is a place, not a person.
_PLACE_WORDS = (
    "polder|wijk|woonwijk|stadsdeel|dorp|buurt|buurtschap|kern|stad|gemeente|provincie|"
    "plein|park|regio|winkelcentrum|sporthal|azc|opvang|locatie|straat|weg|haven|bos"
)
_PLACE = re.compile(
    rf"\b(?i:{_PLACE_WORDS})[ \t]+((?:(?:[Dd]e|[Hh]et|van|der|den|ter)[ \t]+)*{_WORD}"
    rf"(?:[ \t]+{_WORD})*)"
)
# Word endings of organisations and buildings: "Bewonersvereniging", "Woningcorporatie".
_ORGANISATION = re.compile(
    r"(?:vereniging|corporatie|organisatie|stichting|groep|comit[ée]|belang|co[öo]peratie|"
    r"college|netwerk|team|park|huis|hal|school|bibliotheek|centrum|caf[ée]|raad|raden|"
    r"tafel|platform|loket|wonen|energie)$",
    re.IGNORECASE,
)
_TITLES = re.compile(r"(?i:\b(?:mevrouw|meneer|heer|mw|dhr|familie|mr|dr)\.?)[ \t]+$")
# Before a sentence's first word: the end of the last one, white space, quotes, a bullet.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n])[\s\"'\u2018\u201c(*-]*$")


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    count: int = 1


def places_in(*texts: str) -> set[str]:
    """The names the texts call a place ("polder De Weerd"); they count for all the texts."""
    return {match.group(1) for text in texts for match in _PLACE.finditer(text or "")}


def _person(text: str, start: int, candidate: str, places: set[str]) -> tuple[int, str] | None:
    """(start, name) when this capitalised word group is likely a person's name, else None."""
    words = candidate.split()
    if _SENTENCE_START.search(text[:start]) and words[0].lower() in _COMMON:
        start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
        words = words[1:]
        while words and words[0] in _PARTICLES:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
            words = words[1:]
    rest = " ".join(words)
    if len(words) < 2 or rest in places or any(rest.endswith(f" {p}") for p in places):
        return None
    if any(_ORGANISATION.search(word) for word in words):
        return None
    if words[0] in ("De", "Het") and len(words) == 2 and not _TITLES.search(text[:start]):
        return None
    return start, rest


def _spans(text: str, places: set[str] | None = None) -> list[tuple[int, int, str]]:
    places = places_in(text) if places is None else places
    spans = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if kind == "naam":
                person = _person(text, start, match.group(), places)
                if person is None:
                    continue
                start = person[0]
                end = start + len(person[1])
            spans.append((start, end, kind))
    spans.sort(key=lambda span: (span[0], -span[1]))
    chosen, last_end = [], -1
    for start, end, kind in spans:
        if start >= last_end:
            chosen.append((start, end, kind))
            last_end = end
    return chosen


def findings(*texts: str) -> list[Finding]:
    """Each distinct finding once, with how often it occurs, in order of first occurrence."""
    places = places_in(*texts)
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for start, end, kind in _spans(text or "", places):
            counts[(kind, text[start:end])] += 1
    return [Finding(kind, found, count) for (kind, found), count in counts.items()]


def mentioned_places(*texts: str) -> list[str]:
    """Places, buildings and organisations the texts name: not personal data, but a reviewer
    checks that a shelter's location cannot be traced. Each once, alphabetically."""
    places = places_in(*texts)
    found = set(places)
    for text in texts:
        for match in _NAME.finditer(text or ""):
            if _person(text, match.start(), match.group(), places) is None:
                words = match.group().split()
                if _SENTENCE_START.search(text[: match.start()]) and words[0].lower() in _COMMON:
                    continue
                found.add(match.group())
    return sorted(found)


def _mark(kind: str, text: str) -> str:
    return str(Markup('<mark class="pii" title="{0}">{1}</mark>').format(kind, text))


def marked(text: str, places: set[str] | None = None) -> Markup:
    """Plain text escaped, with every likely piece of personal data in a <mark>."""
    text = text or ""
    parts, position = [], 0
    for start, end, kind in _spans(text, places):
        parts.append(escape(text[position:start]))
        parts.append(Markup(_mark(kind, text[start:end])))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


_TAG = re.compile(r"(<[^>]*>)")
_BLOCK = re.compile(r"^</?(?:p|li|ul|ol|h\d|blockquote|pre|table|tr|td|th|br|hr)\b", re.I)


def _pieces(rendered: str) -> tuple[list[str], list[str], list[int]]:
    """The HTML split into tags and texts, each piece's visible text, and where it starts."""
    pieces = _TAG.split(str(rendered))
    plain, offsets, length = [], [], 0
    for index, piece in enumerate(pieces):
        # A tag shows nothing, but a block boundary ends a line: no name runs across it.
        tag_text = "\n" if _BLOCK.match(piece) else ""
        text = tag_text if index % 2 else html.unescape(piece)
        offsets.append(length)
        plain.append(text)
        length += len(text)
    return pieces, plain, offsets


def visible_text(rendered: str) -> str:
    """The text of rendered HTML as a reader sees it, one line per block."""
    return "".join(_pieces(rendered)[1])


def marked_html(rendered: str, places: set[str] | None = None) -> Markup:
    """Rendered (already sanitised) HTML with the likely personal data in its text marked.

    Detection runs over the text as a reader sees it, so a name split by emphasis
    ("**Jan** Jansen") is still found; only text between tags is changed, and the result is
    sanitised again with <mark> as the one extra element.
    """
    pieces, plain, offsets = _pieces(rendered)
    visible = "".join(plain)
    spans = _spans(visible, places)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(piece)
            continue
        start, text = offsets[index], plain[index]
        end, position = start + len(text), start
        for span_start, span_end, kind in spans:
            low, high = max(span_start, start), min(span_end, end)
            if low >= high:
                continue
            out.append(str(escape(visible[position:low])))
            out.append(_mark(kind, visible[low:high]))
            position = high
        out.append(str(escape(visible[position:end])))
    attributes = {**ALLOWED_ATTRIBUTES, "mark": {"class", "title"}}
    return Markup(
        nh3.clean(
            "".join(out),
            tags=ALLOWED_TAGS | {"mark"},
            attributes=attributes,
            link_rel="noopener noreferrer nofollow ugc",
            strip_comments=True,
        )
    )
