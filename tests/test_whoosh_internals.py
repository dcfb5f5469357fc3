"""The app reads and patches parts of Whoosh that are not its public API: a Whoosh without
them must fail at start-up, saying what is missing, not score wrongly or fail per search."""

import pytest
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

from app.search import whoosh_internals, whoosh_patches
from app.search.whoosh_internals import WhooshChanged


def test_the_installed_whoosh_has_everything_the_app_relies_on():
    whoosh_internals.check_classes(own_set_inline=whoosh_patches.set_inline)
    whoosh_internals.check_instances()


def test_the_start_up_probe_keeps_its_temporary_files_to_itself(monkeypatch):
    # RamStorage's own temporary folder is tempfile.gettempdir()/MAIN.tmp for every process,
    # emptied by each writer that ends: two workers starting at once broke each other.
    def shared_folder(self, name=None):
        raise AssertionError(f"the probe wrote to the machine-wide temporary folder {name}")

    monkeypatch.setattr(RamStorage, "temp_storage", shared_folder)
    whoosh_internals.check_instances()


@pytest.mark.parametrize(
    ("owner", "name", "named"),
    [
        (whoosh3.W3LeafMatcher, "_next_block", "W3LeafMatcher._next_block"),
        (whoosh3.W3LeafMatcher, "_read_data", "W3LeafMatcher._read_data"),
        (whoosh3.W3PerDocReader, "_cached_reader", "W3PerDocReader._cached_reader"),
        (whoosh3, "_lenfield", "_lenfield"),
        (whoosh3.W3TermInfo, "set_inlined", "W3TermInfo.set_inlined"),
        (whoosh_index, "clean_files", "clean_files"),
        (whoosh_index.TOC, "read", "TOC.read"),
        (writing.SegmentWriter, "_flush_segment", "SegmentWriter._flush_segment"),
        (writing.IndexWriter, "_field_boost", "SegmentWriter._field_boost"),
        (whoosh3.W3PerDocWriter, "_prep_vectors", "W3PerDocWriter._prep_vectors"),
        (whoosh3.W3TermInfo, "_struct", "W3TermInfo._struct"),
    ],
)
def test_a_missing_attribute_is_named(monkeypatch, owner, name, named):
    monkeypatch.delattr(owner, name)
    with pytest.raises(WhooshChanged, match=named.replace(".", r"\.")):
        whoosh_internals.check_classes(own_set_inline=whoosh_patches.set_inline)


def test_an_upstream_set_inline_is_not_silently_replaced(monkeypatch):
    monkeypatch.setattr(whoosh3.W3TermInfo, "set_inline", lambda *args: None, raising=False)
    with pytest.raises(WhooshChanged, match="set_inline exists now"):
        whoosh_internals.check_classes(own_set_inline=whoosh_patches.set_inline)


def test_a_writer_without_the_private_lock_argument_is_named(monkeypatch):
    original = writing.SegmentWriter.__init__

    def without_lk(self, ix, poolclass=None, timeout=0.0, delay=0.1, **kwargs):
        original(self, ix, poolclass, timeout, delay, **kwargs)

    monkeypatch.setattr(writing.SegmentWriter, "__init__", without_lk)
    with pytest.raises(WhooshChanged, match="_lk"):
        whoosh_internals.check_classes(own_set_inline=whoosh_patches.set_inline)


def test_a_changed_posting_block_layout_is_found(monkeypatch):
    """score.py reads a block's ids and weights from _data[0] and _data[1]; a Whoosh that
    stored them otherwise would give wrong scores without an error."""
    original = whoosh3.W3LeafMatcher._read_data

    def swapped(self):
        original(self)
        self._data = (self._data[1], self._data[0], *self._data[2:])

    monkeypatch.setattr(whoosh3.W3LeafMatcher, "_read_data", swapped)
    with pytest.raises(WhooshChanged, match=r"W3LeafMatcher\._data"):
        whoosh_internals.check_instances()


def test_a_scorer_without_per_field_b_is_named(monkeypatch):
    original = BM25F.__init__

    def without_field_b(self, *args, **kwargs):
        original(self, *args, **kwargs)
        del self._field_B

    monkeypatch.setattr(BM25F, "__init__", without_field_b)
    with pytest.raises(WhooshChanged, match=r"BM25F\._field_B"):
        whoosh_internals.check_instances()
