"""User Markdown to safe HTML: render with markdown-it, then sanitise with nh3."""

import sys
import threading
from collections import OrderedDict

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

# What a worker keeps of rendered texts, in bytes of source plus HTML. A count of entries
# bounded nothing: 4096 previews of 1.3 MB held gigabytes (security review F4).
CACHE_BYTES = 8 * 1024 * 1024
# Longer texts are rendered every time: one would push out many short ones.
CACHE_ENTRY_BYTES = 256 * 1024


class _BytesBoundedCache:
    """Least recently used entries go first once the bytes held pass the budget."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[Markup, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0

    def get(self, text: str) -> Markup | None:
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                return None
            self._entries.move_to_end(text)
            return entry[0]

    def put(self, text: str, html: Markup) -> None:
        cost = sys.getsizeof(text) + sys.getsizeof(str(html))
        if cost > CACHE_ENTRY_BYTES:
            return
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = (html, cost)
            self.size += cost
            while self.size > CACHE_BYTES and self._entries:
                _text, (_html, freed) = self._entries.popitem(last=False)
                self.size -= freed


_cache = _BytesBoundedCache()


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown and return HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    cached = _cache.get(text)
    if cached is not None:
        return cached
    html = _renderer.render(text)
    # Headings h1/h2 belong to the page, so user headings are shifted down a level.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    rendered = Markup(sanitise(html))
    _cache.put(text, rendered)
    return rendered


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
