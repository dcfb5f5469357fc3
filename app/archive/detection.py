"""Likely personal data in a text, for the organiser's anonymisation review."""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

PATTERNS = (
    ("e-mailadres", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("telefoonnummer", re.compile(r"(?<!\d)(?:\+31|0031|0)[\s-]?(?:\d[\s-]?){8}\d(?!\d)")),
    ("postcode", re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b")),
    # Two or more capitalised words, optionally with Dutch name particles: "Jan de Vries".
    (
        "naam",
        re.compile(
            r"\b[A-Z][a-zà-ÿ]+(?:\s+(?:van|de|der|den|ter|te|el|al))*\s+[A-Z][a-zà-ÿ]+"
            r"(?:\s+[A-Z][a-zà-ÿ]+)*"
        ),
    ),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str


def _spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for kind, pattern in PATTERNS:
        spans.extend((match.start(), match.end(), kind) for match in pattern.finditer(text))
    spans.sort(key=lambda span: (span[0], -span[1]))
    chosen, last_end = [], -1
    for start, end, kind in spans:
        if start >= last_end:
            chosen.append((start, end, kind))
            last_end = end
    return chosen


def findings(text: str) -> list[Finding]:
    return [Finding(kind, text[start:end]) for start, end, kind in _spans(text or "")]


def marked(text: str) -> Markup:
    """The text escaped, with every likely piece of personal data in a <mark>."""
    text = text or ""
    parts, position = [], 0
    for start, end, kind in _spans(text):
        parts.append(escape(text[position:start]))
        parts.append(
            Markup('<mark class="pii" title="{0}">{1}</mark>').format(kind, text[start:end])
        )
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
