"""Rebuild static/vendor/nlds/ from the pinned NL Design System packages on npm.

Development-time only (`make assets`): the app and `make run` serve the committed files and
never need node. The script packs the two pinned packages with `npm pack`, keeps
  - Utrecht's `html.css` (semantic HTML: headings, links, forms, tables, lists) whole,
  - from Utrecht's `index.css` only the components Casusplein uses (COMPONENTS below), and
  - from the Voorbeeld theme only the design tokens those rules reach, with the Casusplein
    overrides of assets/casusplein-theme.css (our colours, a system font stack) applied,
and writes them minified into one stylesheet, so a page loads a few kilobytes, not 600.
"""

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "vendor" / "nlds"
OVERRIDES = ROOT / "assets" / "casusplein-theme.css"

COMPONENT_PACKAGE = ("@utrecht/component-library-css", "9.0.4")
TOKENS_PACKAGE = ("@nl-design-system-unstable/voorbeeld-design-tokens", "7.4.1")
THEME_CLASS = "casusplein-theme"

# Utrecht components whose classes the templates and macros use; html.css styles the rest
# (headings, links, buttons, form controls, tables, lists) by element. Add a name here when a
# template starts using another component's class.
COMPONENTS = (
    "body",
    "form-field",
    "form-field-description",
    "form-field-error-message",
    "form-label",
    "page-footer",
    "page-header",
    "skip-link",
)
# Variants nobody here uses; leaving them out keeps the stylesheet a third smaller.
UNUSED_MODIFIERS = re.compile(
    r"--(subtle|warning|ready|html-table|html-content|html-li|html-fieldset|arrows|sticky"
    r"|distanced|pressed)\b"
)
_COMPONENT_CLASS = re.compile(r"\.utrecht-([a-z0-9-]+?)(?:__|--|(?![a-z0-9-]))")


def npm_pack(name: str, version: str, into: Path) -> Path:
    """Fetch one pinned package tarball with npm and unpack it; returns its folder."""
    result = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--pack-destination", str(into), "--silent"],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = into / result.stdout.strip().splitlines()[-1]
    target = into / tarball.stem
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def blocks(css: str) -> list[tuple[str, str]]:
    """Top-level (prelude, body) pairs; statements like @charset have an empty body."""
    found, depth, start, prelude_end = [], 0, 0, 0
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude_end = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                found.append((css[start:prelude_end].strip(), css[prelude_end + 1 : index]))
                start = index + 1
        elif char == ";" and depth == 0:
            found.append((css[start:index].strip(), ""))
            start = index + 1
    return found


def wanted_selector(selector: str) -> bool:
    """A rule is kept when every selector in its list names one of our components."""
    if UNUSED_MODIFIERS.search(selector):
        return False
    parts = [part.strip() for part in selector.split(",")]
    return all(
        (names := _COMPONENT_CLASS.findall(part)) and all(name in COMPONENTS for name in names)
        for part in parts
    )


def select_components(css: str) -> str:
    kept = []
    for prelude, body in blocks(css):
        if prelude.startswith("@charset") or prelude.startswith("@keyframes"):
            continue
        if prelude.startswith(("@media", "@supports", "@container")):
            inner = select_components(body)
            if inner:
                kept.append(f"{prelude}{{{inner}}}")
        elif wanted_selector(prelude):
            kept.append(f"{prelude}{{{body}}}")
    return "".join(kept)


def declarations(body: str) -> dict[str, str]:
    """Custom properties of one rule body, in order."""
    found = {}
    for declaration in strip_comments(body).split(";"):
        name, sep, value = declaration.partition(":")
        if sep and name.strip().startswith("--"):
            found[name.strip()] = " ".join(value.split())
    return found


def theme_tokens(theme_css: str, overrides: dict[str, str], used_css: str) -> dict[str, str]:
    """The tokens the kept rules reach, following token-to-token references."""
    tokens = {}
    for _, body in blocks(strip_comments(theme_css)):
        tokens.update(declarations(body))
    tokens.update(overrides)
    reference = re.compile(r"var\(\s*(--[a-zA-Z0-9_-]+)")
    pending = set(reference.findall(used_css)) | set(overrides)
    reached: dict[str, str] = {}
    while pending:
        name = pending.pop()
        if name in reached or name not in tokens:
            continue
        reached[name] = tokens[name]
        pending |= set(reference.findall(tokens[name]))
    return dict(sorted(reached.items()))


def minify(css: str) -> str:
    css = strip_comments(css)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    css = re.sub(r":\s+", ":", css)  # only inside declarations: selectors have no ': '
    return css.replace(";}", "}").strip()


def main() -> int:
    packages = (COMPONENT_PACKAGE, TOKENS_PACKAGE)
    with tempfile.TemporaryDirectory() as tmp:
        components = npm_pack(*COMPONENT_PACKAGE, Path(tmp))
        tokens = npm_pack(*TOKENS_PACKAGE, Path(tmp))
        html_css = strip_comments((components / "dist" / "html.css").read_text())
        html_css = "".join(
            f"{prelude}{{{body}}}" if body or not prelude.startswith("@") else ""
            for prelude, body in blocks(html_css)
        )
        component_css = select_components(
            strip_comments((components / "dist" / "index.css").read_text())
        )
        overrides = declarations(OVERRIDES.read_text())
        used = html_css + component_css
        theme = theme_tokens((tokens / "dist" / "theme.css").read_text(), overrides, used)
        theme_css = f".{THEME_CLASS}{{" + ";".join(f"{k}:{v}" for k, v in theme.items()) + "}"
        licence = (components / "LICENSE.md").read_text()
        versions = ", ".join(f"{name}@{version}" for name, version in packages)

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("nlds-*.css"):
        old.unlink()
    header = (
        f"/*! NL Design System for Casusplein: {versions}. EUPL-1.2, see LICENSE-EUPL-1.2.md."
        " Built by scripts/build_assets.py; do not edit. */\n"
    )
    name = f"nlds-{COMPONENT_PACKAGE[1]}.css"
    # In a cascade layer, so app.css (unlayered) refines NLDS without a specificity race.
    css = minify(theme_css + html_css + component_css)
    (OUT / name).write_text(f"{header}@layer nlds{{{css}}}\n")
    (OUT / "LICENSE-EUPL-1.2.md").write_text(licence)
    print(f"wrote {OUT / name}: {(OUT / name).stat().st_size} bytes, {len(theme)} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
