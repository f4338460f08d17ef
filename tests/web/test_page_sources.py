"""The pages' sources hold no inline code and load nothing from another site (CSP would block
it in the browser; these catch it before anyone sees a broken page)."""

import re
from pathlib import Path

import pytest

from fedi.web.templating import STATIC_DIR, TEMPLATES_DIR

TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_holds_inline_script_style_or_event_handler(template: Path) -> None:
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
    assert "<style" not in text


@pytest.mark.parametrize(
    "path",
    [*TEMPLATES, *sorted(STATIC_DIR.rglob("*.css")), *sorted(STATIC_DIR.rglob("*.js"))],
    ids=lambda path: path.name,
)
def test_nothing_is_loaded_from_another_site(path: Path) -> None:
    text = path.read_text()
    loads = re.findall(
        r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", text
    )
    assert loads == []
    assert "@import" not in text
