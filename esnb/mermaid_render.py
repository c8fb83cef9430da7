"""Draw the Mermaid diagrams of Markdown cells as SVG at build time, in a headless browser, offline.

The script is `esnb/assets/mermaid/mermaid.min.js`: the file `dist/mermaid.min.js` of the npm package
`mermaid` at version 11.16.1 (MIT licence, beside it), the version JupyterLab 4.6 draws diagrams with,
so a handout shows what a learner sees in the lab. A local page loads it into the build's headless
browser, which runs with its networking turned off.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from esnb.browser import HeadlessBrowser

MERMAID_VERSION = "11.16.1"
MERMAID_JS = Path(__file__).parent / "assets" / "mermaid" / "mermaid.min.js"
# Liberation Sans has Arial's metrics, so labels fit their boxes wherever the SVG is shown.
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, sans-serif"

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*mermaid[ \t]*\n(?P<source>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
DRAW = """(async () => {
  mermaid.initialize({startOnLoad: false, theme: "default", fontFamily: %s});
  const results = [];
  for (const [index, source] of %s.entries()) {
    try {
      results.push({svg: (await mermaid.render("esnb-mermaid-" + index, source)).svg});
    } catch (error) {
      results.push({error: String((error && error.message) || error)});
    }
  }
  return results;
})()"""


class MermaidError(ValueError):
    """A diagram Mermaid could not draw."""


def mermaid_sources(markdown: str) -> list[str]:
    """The sources of the ```mermaid blocks in a Markdown text, in order."""
    return [match["source"] for match in FENCE.finditer(markdown)]


def replace_mermaid(markdown: str, replacement: dict[str, str]) -> str:
    """The Markdown with each ```mermaid block whose source is a key replaced by its value."""
    return FENCE.sub(lambda match: replacement.get(match["source"], match[0]), markdown)


def render_svgs(sources: Iterable[str], browser: HeadlessBrowser) -> dict[str, str]:
    """Each distinct source drawn as an SVG element with an id of its own."""
    distinct = list(dict.fromkeys(sources))
    if not distinct:
        return {}
    with tempfile.TemporaryDirectory(prefix="esnb-mermaid-") as folder:
        page = Path(folder) / "mermaid.html"
        page.write_text(f'<!DOCTYPE html><meta charset="utf-8"><script src="{MERMAID_JS.as_uri()}"></script>',
                        encoding="utf-8")
        browser.load(page.as_uri())
        results = browser.evaluate(DRAW % (json.dumps(FONT_FAMILY), json.dumps(distinct)))
    svgs = {}
    for source, result in zip(distinct, results, strict=True):
        if "error" in result:
            raise MermaidError(f"Mermaid {MERMAID_VERSION} cannot draw this diagram: {result['error']}\n{source}")
        svgs[source] = result["svg"]
    return svgs
