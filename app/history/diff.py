"""Word-by-word differences between two versions of a text, as safe HTML.

The texts are Markdown source; the diff shows the source (as typed), with removed words in
<del> and added words in <ins>. Every piece of text is escaped first, and the result goes
through the same sanitiser as all user text, with only <ins> and <del> allowed.
"""

import difflib
import re
from dataclasses import dataclass

import nh3
from markupsafe import Markup, escape

# Words, runs of white space, and single other characters: joined again they give the text back.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_ALLOWED = {"ins", "del"}


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def word_diff(old: str, new: str) -> Markup:
    """The new text with the words removed since the old one in <del>, added ones in <ins>."""
    before, after = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    parts: list[str] = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = "".join(before[old_start:old_end])
        added = "".join(after[new_start:new_end])
        if operation == "equal":
            parts.append(str(escape(added)))
            continue
        if removed:
            parts.append(f"<del>{escape(removed)}</del>")
        if added:
            parts.append(f"<ins>{escape(added)}</ins>")
    return Markup(nh3.clean("".join(parts), tags=_ALLOWED, attributes={}, strip_comments=True))


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    html: Markup
    changed: bool


def field_diffs(
    fields: tuple[tuple[str, str], ...], old: dict[str, str] | None, new: dict[str, str]
) -> list[FieldDiff]:
    """Per field, the word diff from old to new (old None: everything is new)."""
    old = old or {}
    return [
        FieldDiff(
            name,
            label,
            word_diff(old.get(name, ""), new.get(name, "")),
            old.get(name, "") != new.get(name, ""),
        )
        for name, label in fields
    ]
