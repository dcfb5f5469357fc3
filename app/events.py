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
# sender: the Method; action: "created" | "updated" | "deleted" (for the search index)
method_changed = _signals.signal("method-changed")
# sender: the Assignment; action: "created" | "updated" | "deleted"
assignment_changed = _signals.signal("assignment-changed")
# sender: the Meeting; action: "created" | "updated" | "deleted"
meeting_changed = _signals.signal("meeting-changed")
# sender: the new User; invitation: the accepted Invitation
invitation_accepted = _signals.signal("invitation-accepted")
# sender: the User, already anonymised (name and e-mail replaced). Search re-indexes the
# cases and comments that showed the old name; exports made before it must not be served.
user_erased = _signals.signal("user-erased")

# sender: the Flask app, after `backup restore` replaced the database's contents. Unlike the
# signals above it comes after the fact, outside any transaction: receivers rebuild what they
# derive from the database (the search index) and may commit. One hook for every such package.
database_restored = _signals.signal("database-restored")
# sender: the ArchivePublication; action: "proposed" | "consented" | "returned" | "published" |
# "unpublished" | "consent-withdrawn" | "reflection-consent" | "resubmitted". The search index
# follows every action; notifications tell the municipality about "published" and "returned".
publication_changed = _signals.signal("publication-changed")
