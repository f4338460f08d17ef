"""Every string of the pages is translated into French, Arabic, German and Portuguese."""

from fedi.web.i18n import LANGUAGES
from tests.web.catalogs import marked_messages, translation_gaps


def test_the_pages_are_offered_in_five_languages() -> None:
    assert set(LANGUAGES) == {"en", "fr", "ar", "de", "pt"}


def test_the_extraction_finds_the_strings_of_templates_and_code() -> None:
    marked = marked_messages()
    assert "Sign out everywhere" in marked  # a template
    assert "Your post is published." in marked  # page code, marked with N_
    assert "Wrong username or password." in marked  # the OAuth page's messages


def test_every_marked_string_is_translated_in_every_catalog() -> None:
    gaps = translation_gaps()
    assert gaps == [], f"{len(gaps)} untranslated; run `python -m tests.web.catalogs`"
