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

# sender: the Flask app, after `backup restore` replaced the database's contents. Unlike the
# signals above it comes after the fact, outside any transaction: receivers rebuild what they
# derive from the database (the search index) and may commit. One hook for every such package.
database_restored = _signals.signal("database-restored")
