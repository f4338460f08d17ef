"""The Jinja2 environments for the node's pages: one per language, each with its catalog."""

from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.templating import Jinja2Templates

from fedi.web.i18n import CATALOGS, DEFAULT_LANGUAGE

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"


def _locale_filters(environment: Environment, language: str) -> None:
    """Dates and numbers written as the reader's locale writes them."""

    def when(value: datetime | str | None, form: str = "medium") -> str:
        if value is None or value == "":
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_datetime(moment, format=form, locale=language)

    def day(value: datetime | str | None, form: str = "medium") -> str:
        if value is None or value == "":
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_date(moment, format=form, locale=language)

    def number(value: int | float | str | None) -> str:
        return format_decimal(value or 0, locale=language)

    def language_name(code: str | None) -> str:
        if not code:
            return ""
        try:
            return Locale.parse(code.replace("-", "_")).get_display_name(language) or code
        except (ValueError, UnknownLocaleError):
            return code

    environment.filters["language_name"] = language_name
    environment.globals["post_languages"] = sorted(
        ((code, language_name(code)) for code in POST_LANGUAGES), key=lambda pair: pair[1]
    )
    environment.filters["datetime"] = when
    environment.filters["date"] = day
    environment.filters["number"] = number


# Languages offered for a post, besides the reader's own; the API takes any BCP 47 tag.
POST_LANGUAGES = (
    "ar",
    "de",
    "en",
    "es",
    "fa",
    "fr",
    "he",
    "hi",
    "it",
    "ja",
    "ku",
    "nl",
    "pl",
    "pt",
    "ru",
    "sw",
    "tr",
    "uk",
    "ur",
    "zh",
)
VISIBILITY_NAMES = {
    "public": "Public",
    "unlisted": "Unlisted",
    "private": "Followers only",
    "direct": "Mentioned people only",
}


@pass_context
def is_own(context: Context, url: str | None) -> bool:
    """Whether `url` is served by this node: the browser may load it without asking anyone else."""
    if not url:
        return False
    base = str(context.get("site_base") or "")
    if url.startswith("/"):
        return not url.startswith("//")
    return bool(base) and url.startswith(base + "/")


@pass_context
def own_image(context: Context, url: str | None, placeholder: str) -> str:
    """`url` if this node serves it, else a placeholder: pages make no third-party requests."""
    return url if url and is_own(context, url) else placeholder


def profile_link(account: dict[str, str]) -> str:
    return "/@" + account.get("acct", "")


def _page_helpers(environment: Environment) -> None:
    environment.filters["is_own"] = is_own
    environment.filters["own_image"] = own_image
    environment.filters["profile_link"] = profile_link
    environment.globals["visibility_names"] = VISIBILITY_NAMES


@cache
def templates_for(language: str) -> Jinja2Templates:
    """The templates rendered in `language` (`{% trans %}`, `_()` and `ngettext` translated)."""
    found = Jinja2Templates(directory=str(TEMPLATES_DIR))
    environment = found.env
    environment.add_extension("jinja2.ext.i18n")
    translations = CATALOGS.get(language)
    if translations is None:
        environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    else:
        environment.install_gettext_translations(  # type: ignore[attr-defined]
            translations, newstyle=True
        )
    _locale_filters(environment, language)
    _page_helpers(environment)
    # For text that may not be ours (an API's message quoting what someone typed): translated
    # when the catalog has it, never %-formatted as `_()` does.
    catalog = translations
    environment.filters["translated"] = lambda text: catalog.gettext(text) if catalog else text
    environment.globals["page_language"] = language
    return found


templates = templates_for(DEFAULT_LANGUAGE)
