"""Rebuild app/auth/common-passwords.txt.gz from the two wheels named in its NOTICE file.

    python scripts/common_passwords.py DJANGO_WHEEL ZXCVBN_WHEEL

(`pip download --no-deps django==5.2.17 zxcvbn==4.5.0` fetches them.) The output is the
Django list followed by zxcvbn's, lower-cased, without duplicates, in that order.
"""

import ast
import gzip
import sys
import zipfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "app" / "auth" / "common-passwords.txt.gz"


def django_list(wheel: str) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        data = gzip.decompress(archive.read("django/contrib/auth/common-passwords.txt.gz"))
    return data.decode().splitlines()


def zxcvbn_list(wheel: str) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("zxcvbn/frequency_lists.py").decode()
    # FREQUENCY_LISTS = {"passwords": "123456,password,...".split(","), ...}: read from the
    # syntax tree, without running the module.
    assignment = next(node for node in ast.parse(source).body if isinstance(node, ast.Assign))
    lists = assignment.value
    value = next(v for k, v in zip(lists.keys, lists.values, strict=True) if k.value == "passwords")
    return value.func.value.value.split(*(argument.value for argument in value.args))


def main(django_wheel: str, zxcvbn_wheel: str) -> None:
    seen: dict[str, None] = {}
    for password in django_list(django_wheel) + zxcvbn_list(zxcvbn_wheel):
        if password.strip():
            seen.setdefault(password.strip().lower(), None)
    with gzip.GzipFile(TARGET, "wb", mtime=0) as output:
        output.write(("\n".join(seen) + "\n").encode())
    print(f"{len(seen)} passwords written to {TARGET}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
