"""Translations for the node's pages: gettext catalogs read from .po files when first imported.

The catalogs are compiled in memory, so a checkout runs without a build step. English is the
source language and needs no catalog. A language's folder may hold several .po files (one per
area of the pages); they are merged into one catalog.
"""

import gettext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a string for the catalogs where it is defined; it is translated where shown."""
    return message


def _compile(paths: list[Path], language: str) -> Translations:
    merged: Translations | None = None
    for path in paths:
        with path.open("rb") as source:
            catalog = read_po(source, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        part = Translations(fp=compiled)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    assert merged is not None
    return merged


def load_catalogs(directory: Path = LOCALE_DIR) -> dict[str, Translations]:
    """Every `<language>/LC_MESSAGES/*.po` under `directory`, merged by language code."""
    return {
        folder.parent.name: _compile(sorted(folder.glob("*.po")), folder.parent.name)
        for folder in sorted(directory.glob("*/LC_MESSAGES"))
        if any(folder.glob("*.po"))
    }


CATALOGS = load_catalogs()
LANGUAGES = (DEFAULT_LANGUAGE, *sorted(CATALOGS))


def _supported(tag: str) -> str | None:
    """The language we have for a tag such as `pt-BR` or `fr_CA`, matched on its first part."""
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most preferred first (RFC 9110 section 12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "").split(",")):
        tag, *options = (part.strip() for part in item.split(";"))
        weight = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """An explicit choice first, then the browser's preferences, then English."""
    for tag in [requested or "", *parse_accept_language(accept_language)]:
        found = _supported(tag) if tag else None
        if found:
            return found
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """One language's strings for a page, and which way its text runs."""

    language: str
    translations: gettext.NullTranslations

    @property
    def direction(self) -> str:
        return str(Locale.parse(self.language).text_direction)

    def gettext(self, message: str, **values: object) -> str:
        """The translation of `message`, with `%(name)s` placeholders filled from `values`."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, count)
        return text % {"num": count, **values}


def translator(language: str) -> Translator:
    translations = CATALOGS.get(language)
    return Translator(language, translations or gettext.NullTranslations())
