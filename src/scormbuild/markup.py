"""Markdown to HTML: the markdown-it-py setup and the link, image and heading rules.

Works on values only: it is told which asset files exist and returns which ones a page uses.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .errors import Diagnostic, Location

AUDIO = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav", ".m4a": "audio/mp4"}
VIDEO = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"}
CALLOUTS = {"note", "tip", "important", "warning", "example"}
_FORMATTER = HtmlFormatter(nowrap=True)
# `C:\x`, `C:/x` or `\\server\share`: a path on the author's Windows machine, never in the package
_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
# something that looks like an HTML tag or comment; confirmed by an HTML-enabled parse
_HTML_HINT = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--)")
# text that markdown would render as itself: no markup characters, no line breaks, no list start
_PLAIN = re.compile(r"(?![ \t]*(?:[-+*>#]|\d+[.)])[ \t])[^\\`*_\[\]!<>&#|~^$\n=:{}]*")


@dataclass(frozen=True, slots=True)
class PageLinks:
    """What a page may point at: the other pages and the course's asset files."""

    pages: Set[str]
    assets: Set[PurePosixPath]


@dataclass(slots=True)
class Rendered:
    """HTML of one piece of markdown, the assets it uses and what was wrong with it."""

    html: str
    assets: set[PurePosixPath] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)  # heading ids this text defines
    anchor_links: list[tuple[str, Location]] = field(default_factory=list)  # ids it links to


def asset_url(path: PurePosixPath | str) -> str:
    """A package path as a relative URL: every byte but letters, digits, `/` and `-._~`
    percent-encoded (RFC 3986 section 2.1), so `#`, `?`, `%`, spaces and non-ASCII names
    reach the file instead of ending the path or breaking it."""
    return quote(str(path), safe="/")


def slugify(text: str) -> str:
    """A heading's anchor: lowercase ASCII words joined by hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _highlight(code: str, lang: str, _attrs: str) -> str:
    if not lang:
        return ""
    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return ""
    body = highlight(code, lexer, _FORMATTER)
    return f'<pre class="highlight"><code class="language-{escape(lang)}">{body}</code></pre>\n'


def make_parser(allow_html: bool) -> MarkdownIt:
    """The markdown-it-py parser every lesson and quiz text goes through."""
    md = MarkdownIt("commonmark", {"html": allow_html, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(deflist_plugin).use(admon_plugin)
    return md


@dataclass
class MarkupContext:
    """Per-course rendering state: the parser, the link targets and the course language's
    default callout titles (kind -> title, for `!!! note` written without one)."""

    links: PageLinks
    allow_html: bool = False
    callout_titles: Mapping[str, str] = field(default_factory=dict)
    parser: MarkdownIt = field(init=False)

    _by_nfc: dict[str, PurePosixPath] = field(init=False)

    def __post_init__(self) -> None:
        self.parser = make_parser(self.allow_html)
        # names as the author types them (NFC) -> the file as stored (macOS writes NFD)
        self._by_nfc = {unicodedata.normalize("NFC", str(p)): p for p in sorted(self.links.assets)}

    def asset_named(self, name: str) -> PurePosixPath | None:
        """The asset file a course-relative name means, whatever its Unicode normal form."""
        path = PurePosixPath(name)
        if path in self.links.assets:
            return path
        return self._by_nfc.get(unicodedata.normalize("NFC", name))

    def render(self, text: str, path: PurePosixPath, page: str, first_line: int = 1,
               inline: bool = False) -> Rendered:
        """Render markdown from `path` (starting at `first_line`) for page `page`."""
        if inline and _PLAIN.fullmatch(text):
            return Rendered(escape(text.strip(), quote=False))  # most choices: no markup at all
        out = Rendered("")
        env: dict[str, Any] = {"docId": page}
        tokens = self.parser.parse(text, env)
        _Walker(self, path, page, first_line - 1, out).walk(tokens)
        html = self.parser.renderer.render(tokens, self.parser.options, env)
        if not self.allow_html and _HTML_HINT.search(text):
            out.diagnostics.extend(_raw_html(text, path, first_line - 1))
        if inline:
            html = _unwrap_paragraph(html)
        out.html = html
        return out


_HTML_PARSER: list[MarkdownIt] = []


def _raw_html(text: str, path: PurePosixPath, offset: int) -> list[Diagnostic]:
    """Warnings for the HTML a parser with HTML enabled finds (code spans and blocks excluded)."""
    if not _HTML_PARSER:
        _HTML_PARSER.append(make_parser(True))
    found: list[Diagnostic] = []
    lines: set[int | None] = set()
    for token in _HTML_PARSER[0].parse(text, {}):
        line = token.map[0] + 1 if token.map else None
        pieces = [(token, line)] if token.type == "html_block" else []
        breaks = 0
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                breaks += 1
            elif child.type == "html_inline":
                pieces.append((child, None if line is None else line + breaks))
        for piece, where in pieces:
            if where in lines:
                continue
            lines.add(where)
            shown = piece.content.strip().splitlines()[0][:40] if piece.content.strip() else "<>"
            found.append(Diagnostic(
                Location(path, None if where is None else where + offset),
                f"raw HTML '{shown}' will show as text because allow_html is off",
                "write it in markdown, or set 'allow_html: true' in course.yml if you trust "
                "this HTML", "warning"))
    return found


def _unwrap_paragraph(html: str) -> str:
    stripped = html.strip()
    if stripped.startswith("<p>") and stripped.endswith("</p>") and stripped.count("<p>") == 1:
        return stripped[3:-4]
    return stripped


class _Walker:
    """Rewrites tokens in place: heading ids, callouts, images, media and links."""

    def __init__(self, ctx: MarkupContext, path: PurePosixPath, page: str, offset: int,
                 out: Rendered) -> None:
        self.ctx, self.path, self.page, self.offset, self.out = ctx, path, page, offset, out
        self.last_level = 1
        self.slugs: set[str] = set()
        self.next_suffix: dict[str, int] = {}  # base slug -> next "-N" to try

    def where(self, line: int | None) -> Location:
        return Location(self.path, None if line is None else line + self.offset)

    def warn(self, line: int | None, message: str, hint: str, severity: str = "warning") -> None:
        where = Location(self.path, None if line is None else line + self.offset)
        self.out.diagnostics.append(Diagnostic(where, message, hint, severity))  # type: ignore[arg-type]

    def walk(self, tokens: list[Token]) -> None:
        for i, token in enumerate(tokens):
            line = token.map[0] + 1 if token.map else None
            if token.type == "heading_open":
                self.heading(token, tokens[i + 1], line)
            elif token.type == "admonition_open":
                self.callout(token, line)
                if i + 2 < len(tokens) and tokens[i + 1].type == "admonition_title_open":
                    self.callout_title(token, tokens[i + 2])
            elif token.type == "inline" and token.children:
                self.inline(token.children, line)

    def heading(self, token: Token, inline: Token, line: int | None) -> None:
        level = int(token.tag[1])
        if level == 1:
            self.warn(line, "a '#' heading inside a lesson repeats the page title level",
                      "start lesson headings at '##'; the lesson title is the page's '#' heading")
        elif level > self.last_level + 1:
            self.warn(line, f"heading level jumps from h{self.last_level} to h{level}",
                      f"use '{'#' * (self.last_level + 1)}' here so headings go down one level "
                      "at a time")
        self.last_level = level
        slug = self.unique_slug(slugify(inline.content))
        anchor = f"{self.page}--{slug}"
        if anchor.startswith("page-") and anchor.endswith("--title") \
                and anchor[5:-7] in self.ctx.links.pages:  # the <h1> of another page
            self.warn(line, f"heading '{inline.content}' gets the HTML id '{anchor}', which is "
                      f"the title of page '{anchor[5:-7]}'", "reword the heading, or rename "
                      "this page so its name does not start with 'page-'", "error")
        token.attrSet("id", anchor)
        self.out.anchors.add(f"{self.page}--{slug}")
        token.attrSet("tabindex", "-1")
        # headings inside a page shift one level down: the page title is the <h1>
        new_tag = f"h{min(level + (1 if level == 1 else 0), 6)}"
        token.tag = new_tag

    def unique_slug(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... when taken. Each base remembers its next suffix, so
        a page of many equal headings costs linear time (retrying from 2 was quadratic)."""
        slug, n = base, self.next_suffix.get(base, 2)
        if slug in self.slugs:
            while (slug := f"{base}-{n}") in self.slugs:
                n += 1
            n += 1
        self.next_suffix[base] = n
        self.slugs.add(slug)
        return slug

    def callout(self, token: Token, line: int | None) -> None:
        kind = str(token.meta.get("tag", "note"))
        if kind not in CALLOUTS:
            self.warn(line, f"unknown callout kind '{kind}'",
                      "use one of: " + ", ".join(sorted(CALLOUTS)))
        token.attrSet("class", f"callout callout-{kind}")
        token.attrSet("role", "note")

    def callout_title(self, token: Token, inline: Token) -> None:
        """`!!! note` alone gets the plugin's English title ("Note"): use the course's own."""
        params = token.info.strip().split(" ")
        title = self.ctx.callout_titles.get(str(token.meta.get("tag", "")))
        if len(params) != 1 or title is None:
            return
        text = Token("text", "", 0)
        text.content = title
        inline.content, inline.children = title, [text]

    def inline(self, children: list[Token], line: int | None) -> None:
        breaks = 0
        for child in children:
            here = None if line is None else line + breaks
            if child.type in ("softbreak", "hardbreak"):
                breaks += 1
            elif child.type == "image":
                self.image(child, here)
            elif child.type == "link_open":
                self.link(child, here)
        for i, child in enumerate(children):
            if child.type == "image" and child.meta.get("media"):
                children[i] = child.meta["media"]

    def resolve(self, target: str, line: int | None) -> PurePosixPath | None:
        """The course-relative path of a local file reference, or None with a diagnostic."""
        rel = unquote(target)
        if "\0" in rel:
            self.warn(line, f"'{target}' contains a NUL character",
                      "remove it: file names cannot contain NUL", "error")
            return None
        if _WINDOWS_PATH.match(rel):
            self.warn(line, f"'{rel}' is a path on your computer, not in the course",
                      "copy the file into the course's assets/ folder and write ../assets/NAME",
                      "error")
            return None
        if "\\" in rel:
            self.warn(line, f"'{rel}' uses backslashes", "write paths with forward slashes: "
                      + rel.replace("\\", "/"), "error")
            return None
        joined = posixpath.normpath(posixpath.join(str(self.path.parent), rel))
        if joined.startswith("../") or joined == ".." or rel.startswith("/"):
            self.warn(line, f"'{target}' points outside the course folder",
                      "keep files in the course's assets/ folder and link them as ../assets/NAME",
                      "error")
            return None
        for candidate in (joined, posixpath.normpath(rel)):
            found = self.ctx.asset_named(candidate)
            if found is not None:
                return found
        wanted = unicodedata.normalize("NFC", joined).casefold()
        near = [p for p in sorted(self.ctx.links.assets)
                if unicodedata.normalize("NFC", str(p)).casefold() == wanted]
        hint = (f"the file is named '{near[0]}': write its name with the same capitals, since "
                "LMS servers tell capitals apart" if near else
                f"put it in assets/ and write ../assets/{PurePosixPath(rel).name}")
        self.warn(line, f"file '{target}' not found", hint, "error")
        return None

    def image(self, token: Token, line: int | None) -> None:
        src = str(token.attrGet("src") or "")
        alt = token.content.strip()
        if (urlsplit(src).scheme or src.startswith("//")) and not _WINDOWS_PATH.match(unquote(src)):
            self.warn(line, f"image '{src}' is loaded from the internet",
                      "download it into assets/: a package must not make network requests",
                      "error")
            return
        path = self.resolve(src, line)
        if path is None:
            return
        if not alt:
            self.warn(line, f"image '{src}' has no alt text",
                      "describe the image between the brackets: ![what it shows](...)", "error")
        self.out.assets.add(path)
        suffix = path.suffix.lower()
        if suffix in AUDIO or suffix in VIDEO:
            tag = "audio" if suffix in AUDIO else "video"
            mime = AUDIO.get(suffix) or VIDEO[suffix]
            media = Token("html_inline", "", 0)
            media.content = (
                f'<{tag} controls preload="metadata" aria-label="{escape(alt)}">'
                f'<source src="{escape(asset_url(path))}" type="{mime}">'
                f'<a href="{escape(asset_url(path))}" download>{escape(alt or path.name)}</a>'
                f'</{tag}>')
            token.meta["media"] = media
            return
        if suffix not in IMAGES:
            self.warn(line, f"'{src}' is not an image, audio or video file",
                      "link to it as a download instead: [title](../assets/file)")
        token.attrSet("src", asset_url(path))
        token.attrSet("loading", "lazy")

    def link(self, token: Token, line: int | None) -> None:
        href = str(token.attrGet("href") or "")
        parts = urlsplit(href)
        if (parts.scheme or href.startswith("//")) and not _WINDOWS_PATH.match(unquote(href)):
            token.attrSet("target", "_blank")
            token.attrSet("rel", "noopener noreferrer")
            return
        if href.startswith("#"):
            anchor = f"{self.page}--{href[1:]}"
            self.out.anchor_links.append((anchor, self.where(line)))
            token.attrSet("href", f"#{anchor}")
            return
        name = PurePosixPath(unquote(parts.path)).name
        if parts.path.endswith(".md") or parts.path.endswith(".yml"):
            page = PurePosixPath(name).stem
            if page not in self.ctx.links.pages:
                self.warn(line, f"link to '{href}' points at no lesson or quiz of this course",
                          "check the file name; lessons are linked as other-lesson.md")
                return
            anchor = f"{page}--{parts.fragment}" if parts.fragment else f"page-{page}"
            if parts.fragment:
                self.out.anchor_links.append((anchor, self.where(line)))
            token.attrSet("href", f"#{anchor}")
            token.attrSet("data-page", page)
            return
        suffix = ""
        if (parts.fragment or parts.query) and parts.path and self.ctx.asset_named(
                posixpath.normpath(posixpath.join(str(self.path.parent), unquote(href)))) is None:
            href, suffix = parts.path, href[len(parts.path):]  # f.pdf#page=2: the file is f.pdf
        path = self.resolve(href, line)
        if path is not None:
            self.out.assets.add(path)
            token.attrSet("href", asset_url(path) + suffix)
            token.attrSet("download", "")


def render_texts(ctx: MarkupContext, texts: Mapping[str, str | None], path: PurePosixPath,
                 page: str, lines: Mapping[str, int | None] | None = None
                 ) -> tuple[dict[str, str], Rendered]:
    """Render several short texts (quiz prompts, feedback) of one file; merge what they use.

    `lines` gives the file line where each text starts, so diagnostics point into the file.
    """
    merged = Rendered("")
    html: dict[str, str] = {}
    for key, text in texts.items():
        if not text:
            continue
        first = (lines or {}).get(key) or 1
        rendered = ctx.render(text, path, page, first, inline="\n\n" not in text.strip())
        html[key] = rendered.html
        merged.assets |= rendered.assets
        merged.diagnostics.extend(rendered.diagnostics)
        merged.anchors |= rendered.anchors
        merged.anchor_links.extend(rendered.anchor_links)
    return html, merged
