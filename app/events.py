"""Domain events that other features (search index, notifications) subscribe to.

Services send these after their change is flushed and *before* they commit, so a receiver that
writes rows (a search change-log entry, a notification) joins the same transaction: the change
and its consequences are committed together or not at all. Receivers must not commit.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Case; action: "created" | "updated" | "deleted"
case_changed = _signals.signal("case-changed")
# sender: the Comment; action: "created" | "updated" | "deleted"
comment_changed = _signals.signal("comment-changed")
# sender: the Reflection; action: "created" | "updated" | "deleted"
reflection_changed = _signals.signal("reflection-changed")
# sender: the ArchivePublication; action: "proposed" | "consented" | "returned" | "published" |
# "unpublished" | "reflection-consent"
publication_changed = _signals.signal("publication-changed")
