"""Regenerate app/search/data/nl-words.txt.gz from Debian's hunspell-nl (OpenTaal).

    apt-get install hunspell-nl && .venv/bin/python scripts/make_wordlist.py

The word list is what compound splitting (app/search/morphology.py) checks the parts of a
word against: the lower-case words of three letters or more, accents folded as the index
folds them. OpenTaal's list is BSD / CC BY 3.0 licensed (see app/search/data/README.md).
"""

import gzip
import sys
from pathlib import Path

from whoosh.support.charset import accent_map

SOURCE = Path("/usr/share/hunspell/nl.dic")
TARGET = Path(__file__).resolve().parent.parent / "app" / "search" / "data" / "nl-words.txt.gz"


def main() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} not found: apt-get install hunspell-nl")
    words = set()
    for line in SOURCE.read_text(encoding="utf-8").splitlines()[1:]:
        word = line.split("/")[0].strip()
        if len(word) >= 3 and word.isalpha() and word.islower():
            words.add(word.replace("\u0133", "ij").translate(accent_map))
    data = ("\n".join(sorted(words)) + "\n").encode("utf-8")
    # mtime=0: the same list gives the same file, so regenerating changes nothing in git.
    TARGET.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(words)} words -> {TARGET}")


if __name__ == "__main__":
    main()
