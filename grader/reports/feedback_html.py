"""The feedback page as HTML, beside its Markdown (``feedback/<slug>.html``), for the summary's links.

It is rendered from the Markdown that ``grader.reports.feedback`` writes, which uses a small subset: ``#``
and ``##`` headings, ``- `` list items, paragraphs, ``**strong**``, backslash escapes, code spans fenced
by runs of backticks (CommonMark's rule: a span closes at the next run of the same length, and one space
is stripped from each end when both are there) and picture lines ``![alt](<link>)``. Every text is
HTML-escaped, so what a student wrote is shown, never rendered. A picture inside the reports folder is
inlined as a ``data:`` URI (the page stands alone once mailed); any other link stays a relative link.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_PICTURE = re.compile(r"^!\[(?P<alt>.*)\]\(<(?P<link>[^<>\n]*)>\)$")
MAX_INLINE_BYTES = 4_000_000


def data_uri(data: bytes, mime: str = "image/png") -> str:
    """``data:<mime>;base64,...``."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def inline(text: str) -> str:
    """One line of the Markdown subset as HTML."""
    out: list[str] = []
    strong = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
            out.append(html.escape(text[i + 1]))
            i += 2
        elif c == "`":
            j = i
            while j < n and text[j] == "`":
                j += 1
            fence = text[i:j]
            close = re.compile(rf"(?<!`){fence}(?!`)").search(text, j)
            if close is None:
                out.append(fence)
                i = j
                continue
            body = text[j:close.start()]
            if len(body) >= 2 and body[0] == " " and body[-1] == " " and body.strip():
                body = body[1:-1]
            out.append(f"<code>{html.escape(body)}</code>")
            i = close.end()
        elif text.startswith("**", i):
            out.append("</strong>" if strong else "<strong>")
            strong = not strong
            i += 2
        else:
            out.append(html.escape(c))
            i += 1
    if strong:
        out.append("</strong>")
    return "".join(out)


def picture(alt: str, link: str, base: Path, root: Path) -> str:
    """An ``<img>`` for a picture line: inlined when ``link`` (relative to ``base``) is a PNG file inside
    ``root``, else a relative link."""
    target = (base / link).resolve()
    inside = target.is_relative_to(root.resolve()) and target.suffix == ".png"
    if inside and target.is_file() and target.stat().st_size <= MAX_INLINE_BYTES:
        src = data_uri(target.read_bytes())
    else:
        src = link
    alt_text = html.escape(re.sub(r"\\(.)", r"\1", alt))
    return f'<p><img src="{html.escape(src)}" alt="{alt_text}" style="max-width: 100%"></p>'


def markdown_to_html(markdown: str, title: str, base: Path, root: Path, lang: str = "en") -> str:
    """The whole page: ``markdown`` (the feedback subset) as HTML; ``base`` is the folder the page's links
    are relative to, ``root`` the reports folder (pictures outside it are never read)."""
    body: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            body.append("<ul>\n" + "\n".join(items) + "\n</ul>")
            items.clear()

    for line in markdown.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{inline(line[2:])}</li>")
            continue
        flush()
        if not line.strip():
            continue
        if line.startswith("## "):
            body.append(f"<h2>{inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{inline(line[2:])}</h1>")
        elif match := _PICTURE.match(line):
            body.append(picture(match["alt"], match["link"], base, root))
        else:
            body.append(f"<p>{inline(line)}</p>")
    flush()
    content = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em; line-height: 1.4; }}
code {{ background: #f3f3f3; padding: 0 0.2em; overflow-wrap: anywhere; }}
li {{ margin: 0.3em 0; }}
</style></head>
<body>
{content}
</body>
</html>
"""
