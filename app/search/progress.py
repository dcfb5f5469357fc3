"""How far THIS index directory got through the shared change log.

Progress lives in the index directory (SEARCH_INDEX_DIR/progress.json), not in the database,
so several app instances that share one database but each have their own index directory
each catch up on their own: an instance never skips a change because another one applied it.

The change log is read in id order, but on PostgreSQL ids are handed out before commit, so a
transaction can commit a lower id after a higher one was already seen. Such holes ("gaps")
below the high-water mark are remembered and looked at again until GAP_SECONDS have passed;
an id a rolled-back transaction used never appears and is forgotten after that time.
Re-applying a change is harmless (a case document is rebuilt from the database), so progress
is written after the index commit: a crash in between only repeats work.
"""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

FILE = "progress.json"
GAP_SECONDS = 600.0


@dataclass
class Progress:
    upto: int = 0
    # change-log id -> when it was first found missing (epoch seconds)
    gaps: dict[int, float] = field(default_factory=dict)

    def advanced(self, seen: list[int], now: float | None = None) -> "Progress":
        """Progress after applying the change-log rows `seen` (sorted, as read)."""
        now = time.time() if now is None else now
        done = set(seen)
        upto = max([self.upto, *seen])
        gaps = {
            gap: since
            for gap, since in self.gaps.items()
            if gap not in done and now - since < GAP_SECONDS
        }
        for missing in range(self.upto + 1, upto):
            if missing not in done:
                gaps.setdefault(missing, now)
        return Progress(upto, gaps)

    def includes(self, ids: list[int]) -> bool:
        """Whether every one of these change-log ids has been applied."""
        return all(i <= self.upto and i not in self.gaps for i in ids)


def path(root: Path) -> Path:
    return root / FILE


def load(root: Path) -> Progress | None:
    """The stored progress, or None when this directory has none (yet)."""
    try:
        data = json.loads(path(root).read_text())
        return Progress(int(data["upto"]), {int(k): float(v) for k, v in data["gaps"].items()})
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        # Unreadable progress: start over; re-applying the log is harmless, only slower.
        return Progress()


def save(root: Path, progress: Progress) -> None:
    """Replace the progress file atomically (call it while holding the index write lock)."""
    temporary = root / f".{FILE}.{os.getpid()}"
    temporary.write_text(json.dumps({"upto": progress.upto, "gaps": progress.gaps}))
    os.replace(temporary, path(root))
