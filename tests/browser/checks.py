"""What the browser tests check on every page: accessibility, translation, weight."""

from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, Request

# Text a translated page may show in Latin letters: what people wrote (names, handles, posts:
# isolated in <bdi> or dir="auto"), other languages' names in the switcher (each in its own
# lang), code, and the browser's own labels of file inputs.
UNTRANSLATED_TEXT = r"""
() => {
  const skip = "bdi, [dir=auto], code, pre, script, style, [translate=no], input, textarea";
  const pageLanguage = document.documentElement.lang;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || element.closest(skip)) continue;
    const tagged = element.closest("[lang]");
    if (tagged && tagged.lang !== pageLanguage) continue;
    const text = walker.currentNode.textContent.trim();
    if (/[A-Za-z]{2,}/.test(text)) found.push(text);
  }
  const labelled = "[aria-label], [placeholder], [title], img[alt]";
  for (const element of document.querySelectorAll(labelled)) {
    if (element.closest("bdi, [dir=auto]")) continue;
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      const value = element.getAttribute(name);
      // An example address (example.com, name@server.example) is not a word to translate.
      const address = /^[^\s]+[.@][^\s]+$/.test(value || "");
      if (value && !address && /[A-Za-z]{2,}/.test(value)) found.push(`${name}: ${value}`);
    }
  }
  return found;
}
"""


async def untranslated_text(page: Page) -> list[str]:
    found: list[str] = await page.evaluate(UNTRANSLATED_TEXT)
    return found


async def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical, with the elements concerned."""
    results = await Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


class TransferMeter:
    """Bytes a page load moved over the network (headers and encoded bodies), images aside."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[Request] = []
        page.on("requestfinished", self._finished)

    def _finished(self, request: Request) -> None:
        self.requests.append(request)

    def reset(self) -> None:
        self.requests.clear()

    async def transferred(self) -> dict[str, int]:
        by_url: dict[str, int] = {}
        for request in self.requests:
            if request.resource_type == "image":
                continue
            sizes = await request.sizes()
            by_url[request.url] = (
                sizes["requestHeadersSize"]
                + sizes["requestBodySize"]
                + sizes["responseHeadersSize"]
                + sizes["responseBodySize"]
            )
        return by_url
