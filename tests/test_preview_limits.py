"""The Markdown preview is bounded (F4): by the form's own limit, and in what a worker keeps."""

import gc
import random
import string
import tracemalloc

import pytest

from app import markdown
from app.cases.forms import SECTION_MAX

HTMX = {"HX-Request": "true"}


def _preview(client, text: str):
    return client.post("/cases/preview?field=situation", data={"situation": text}, headers=HTMX)


def _distinct_text(seed: int, length: int) -> str:
    rng = random.Random(seed)
    words = ("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(length // 8))
    return " ".join(words)[:length]


def test_a_text_longer_than_the_form_allows_is_refused_in_dutch(client, login, make_user):
    login(make_user())
    response = _preview(client, "a" * (SECTION_MAX + 1))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "te lang voor een voorbeeld" in page and "20.000" in page
    assert 'id="situation-preview-body"' in page  # the fragment htmx swaps in
    assert _preview(client, "a" * SECTION_MAX).status_code == 200


def test_previews_of_distinct_texts_do_not_pile_up_in_memory(client, login, make_user, monkeypatch):
    monkeypatch.setattr(markdown, "CACHE_BYTES", 256 * 1024, raising=False)
    login(make_user())
    _preview(client, _distinct_text(0, 1000))  # warm up templates, session, statements
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for seed in range(1, 41):
            assert _preview(client, _distinct_text(seed, SECTION_MAX - 100)).status_code == 200
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 40 texts of 20,000 characters and their HTML are over 1.6 MB; the budget is 256 kB.
    assert kept < 700 * 1024, kept


@pytest.mark.parametrize("length", [10, 5000])
def test_a_repeated_text_is_rendered_the_same(length):
    text = _distinct_text(length, length) + "\n\n**vet**"
    assert markdown.render_markdown(text) == markdown.render_markdown(text)
    assert "<strong>vet</strong>" in markdown.render_markdown(text)
