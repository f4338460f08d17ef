"""What the pages' catalogs must hold: every string the templates and the page code mark.

Run `python -m tests.web.catalogs` to list what each language still lacks.
"""

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from fedi.web.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("fr", "ar", "de", "pt")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [
    ("fedi/web/templates/**.html", "jinja2.ext:babel_extract"),
    ("fedi/web/**.py", "python"),
    ("fedi/api/oauth.py", "python"),
]
OPTIONS = {"fedi/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def marked_messages() -> dict[str, str]:
    """Each marked message (the singular of a plural pair), with a place it comes from."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, OPTIONS, keywords=KEYWORDS
    ):
        singular = message[0] if isinstance(message, tuple) else message
        if singular:
            found.setdefault(singular, f"{filename}:{lineno}")
    return found


def catalog_entries(language: str) -> dict[str, str | tuple[str, ...]]:
    entries: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as source:
            catalog = read_po(source, locale=language)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key:
                entries[key] = message.string
    return entries


def translation_gaps() -> list[tuple[str, str, str]]:
    """(language, message, where) for every marked message a catalog lacks or mistranslates:
    missing, empty, or with other `%(name)s` placeholders than the English."""
    marked = marked_messages()
    gaps = []
    for language in TRANSLATED:
        entries = catalog_entries(language)
        for message, where in sorted(marked.items()):
            translated = entries.get(message)
            forms = translated if isinstance(translated, tuple) else (translated,)
            wanted = sorted(set(_PLACEHOLDER.findall(message)))
            if not all(forms) or any(
                sorted(set(_PLACEHOLDER.findall(str(form)))) != wanted
                for form in forms
                if "%(num)" not in message  # a plural form may leave the count implicit
            ):
                gaps.append((language, message, where))
    return gaps


if __name__ == "__main__":
    gaps = translation_gaps()
    for language, message, where in gaps:
        print(f"{language}\t{where}\t{message!r}")
    print(f"{len(gaps)} gaps", file=sys.stderr)
    sys.exit(1 if gaps else 0)
