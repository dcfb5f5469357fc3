"""The one password rule, applied wherever a password is set (ASVS 5.0 6.2, NIST 800-63B).

At least MIN_LENGTH characters, no composition rules, and not guessable: not on a list of
40,101 common and breached passwords (common-passwords.txt.gz, see its NOTICE), nor such a
password with a few digits or signs around it, in l33t or repeated; not a run or repetition
of characters; not the person's own name or address, nor the site's name.
"""

import gzip
import re
from functools import cache
from importlib import resources

from wtforms.validators import ValidationError

MIN_LENGTH = 10
# Digits and signs around a listed word that still leave it guessable: "welkom2024!".
AFFIX_MAX = 5

TOO_SHORT = f"Een wachtwoord heeft minstens {MIN_LENGTH} tekens."
COMMON = (
    "Dit wachtwoord staat op een lijst van veelgebruikte of uitgelekte wachtwoorden, of lijkt "
    "er sterk op. Kies een ander: een zin van een paar losse woorden is sterk en goed te "
    "onthouden."
)
PATTERN = (
    "Dit wachtwoord is een reeks of herhaling van tekens (zoals 1234567890 of aaaaaaaaaa) en "
    "is daardoor snel te raden. Kies een ander, bijvoorbeeld een zin van een paar losse woorden."
)
PERSONAL = (
    "Gebruik niet je naam, je e-mailadres of de naam van Casusplein als wachtwoord. "
    "Kies iets wat een ander niet over je kan weten."
)
DESCRIPTION = (
    f"Minstens {MIN_LENGTH} tekens, en geen veelgebruikt wachtwoord. "
    "Een zin van een paar losse woorden is sterk en goed te onthouden."
)

SITE_WORDS = frozenset({"casusplein", "leernetwerk", "polarisatie"})
_SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_LEET = str.maketrans("0134578@$!|", "oieastbasil")
_AFFIXES = re.compile(r"(?P<before>[^a-z]*)(?P<core>.*?)(?P<after>[^a-z]*)")


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("app.auth").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().splitlines())


def _period(text: str) -> str:
    """The shortest unit the text repeats ("passwordpassword" -> "password"), else the text."""
    for size in range(1, len(text) // 2 + 1):
        unit = text[:size]
        if (unit * (len(text) // size + 1))[: len(text)] == text:
            return unit
    return text


def _variants(text: str) -> set[str]:
    """The password and the guessable words it may be made of."""
    variants = {text, text.translate(_LEET), _period(text)}
    parts = _AFFIXES.fullmatch(text)
    if parts and parts["core"] and _guessable_affix(parts["before"] + parts["after"]):
        variants |= {parts["core"], parts["core"].translate(_LEET), _period(parts["core"])}
    return {variant for variant in variants if variant}


def _guessable_affix(affix: str) -> bool:
    """A few digits or signs, or a longer run like 123456: adds little to a listed word."""
    return (
        len(affix) <= AFFIX_MAX
        or len(set(affix)) <= 2
        or _is_sequence(affix)
        or affix in common_passwords()
    )


def _is_sequence(text: str) -> bool:
    for sequence in _SEQUENCES:
        run = sequence * (len(text) // len(sequence) + 2)
        if text in run or text in run[::-1]:
            return True
    return False


def _personal_words(email: str, name: str) -> set[str]:
    local = (email or "").lower().partition("@")[0]
    words = set(SITE_WORDS)
    for source in (local, (name or "").lower()):
        pieces = [piece for piece in re.split(r"[^a-z0-9]+", source) if piece]
        words |= {piece for piece in pieces if len(piece) >= 3}
        if pieces:
            words.add("".join(pieces))
    return words


def problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password may not be used (a Dutch sentence for the person), or None."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    text = password.strip().lower()
    variants = _variants(text)
    if len(set(text)) <= 3 or len(_period(text)) <= 3 or _is_sequence(text):
        return PATTERN
    if variants & common_passwords():
        return COMMON
    letters = re.sub(r"[^a-z]", "", text)
    if (email and email.lower() in text) or (variants | {letters}) & _personal_words(email, name):
        return PERSONAL
    return None


class StrongPassword:
    """WTForms validator for a new password: the rule above, with the person as context.

    The context is the form's `email` and `display_name` fields where it has them, and
    `form.owner_email` / `form.owner_name` where a view sets them (a known account).
    """

    def __call__(self, form, field) -> None:
        if not field.data:
            return  # DataRequired or Optional decides about an empty field
        email = getattr(form, "owner_email", "") or _field_data(form, "email")
        name = getattr(form, "owner_name", "") or _field_data(form, "display_name")
        message = problem(field.data, email=email, name=name)
        if message:
            raise ValidationError(message)


def _field_data(form, name: str) -> str:
    field = getattr(form, name, None)
    return field.data or "" if field is not None and isinstance(field.data, str) else ""
