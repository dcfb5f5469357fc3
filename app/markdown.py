"""User Markdown to safe HTML: render with markdown-it, then sanitise with nh3."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is escaped by the renderer; the sanitiser is the second fence.
_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=4096)
def render_markdown(text: str | None) -> Markup:
    """Render user Markdown and return HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    html = _renderer.render(text)
    # Headings h1/h2 belong to the page, so user headings are shifted down a level.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return Markup(sanitise(html))


def sanitise(html: str) -> str:
    """The allowlist: only these tags and attributes survive, so hx-*, data-*, on* and style go,
    and links keep only http, https and mailto (no javascript:, data:, vbscript: ...)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )
