"""markup.py: markdown features, asset and link rules, with lesson line numbers."""

from __future__ import annotations

import re
import sys
import time
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath
from types import FrameType

import pytest

from scormbuild.markup import MarkupContext, PageLinks, asset_url, slugify

LESSON = PurePosixPath("lessons/a.md")


@pytest.fixture
def ctx() -> MarkupContext:
    links = PageLinks(
        frozenset({"a", "b"}),
        frozenset(
            {
                PurePosixPath("assets/x.svg"),
                PurePosixPath("assets/clip.mp4"),
                PurePosixPath("assets/f.pdf"),
            }
        ),
    )
    return MarkupContext(links)


def lines(ctx: MarkupContext, text: str, first_line: int = 4) -> list[str]:
    return [d.render() for d in ctx.render(text, LESSON, "a", first_line).diagnostics]


def test_image_is_resolved_and_collected(ctx: MarkupContext) -> None:
    out = ctx.render("![A diagram](../assets/x.svg)", LESSON, "a")
    assert '<img src="assets/x.svg" alt="A diagram" loading="lazy" />' in out.html
    assert out.assets == {PurePosixPath("assets/x.svg")}


def test_image_problems_name_the_line(ctx: MarkupContext) -> None:
    text = "Intro\n\n![](../assets/x.svg)\n\n![Gone](../assets/gone.png)\n\n![Web](https://e.org/a.png)\n"
    assert lines(ctx, text) == [
        "lessons/a.md:6: error: image '../assets/x.svg' has no alt text\n"
        "    hint: describe the image between the brackets: ![what it shows](...)",
        "lessons/a.md:8: error: file '../assets/gone.png' not found\n"
        "    hint: put it in assets/ and write ../assets/gone.png",
        "lessons/a.md:10: error: image 'https://e.org/a.png' is loaded from the internet\n"
        "    hint: download it into assets/: a package must not make network requests",
    ]


def test_path_outside_the_course(ctx: MarkupContext) -> None:
    assert lines(ctx, "![Secret](../../etc/passwd)") == [
        "lessons/a.md:4: error: '../../etc/passwd' points outside the course folder\n"
        "    hint: keep files in the course's assets/ folder and link them as ../assets/NAME",
    ]


def test_links_between_lessons_become_page_links(ctx: MarkupContext) -> None:
    html = ctx.render("[next](b.md) and [part](b.md#the-part) and [x](c.md)", LESSON, "a").html
    assert '<a href="#page-b" data-page="b">next</a>' in html
    assert '<a href="#b--the-part" data-page="b">part</a>' in html
    assert lines(ctx, "[x](c.md)") == [
        "lessons/a.md:4: warning: link to 'c.md' points at no lesson or quiz of this course\n"
        "    hint: check the file name; lessons are linked as other-lesson.md",
    ]


def test_media_and_downloads(ctx: MarkupContext) -> None:
    out = ctx.render("![Role play](../assets/clip.mp4)\n\n[Form](../assets/f.pdf)", LESSON, "a")
    assert '<video controls preload="metadata" aria-label="Role play">' in out.html
    assert '<a href="assets/f.pdf" download="">Form</a>' in out.html
    assert out.assets == {PurePosixPath("assets/clip.mp4"), PurePosixPath("assets/f.pdf")}


def test_headings_get_page_scoped_ids_and_skips_warn(ctx: MarkupContext) -> None:
    out = ctx.render("## Why it matters\n\n#### Too deep\n", LESSON, "a", 4)
    assert '<h2 id="a--why-it-matters" tabindex="-1">Why it matters</h2>' in out.html
    assert [d.render() for d in out.diagnostics] == [
        "lessons/a.md:6: warning: heading level jumps from h2 to h4\n"
        "    hint: use '###' here so headings go down one level at a time",
    ]


def test_callouts_footnotes_tables_deflists_code(ctx: MarkupContext) -> None:
    text = (
        '!!! example "Case: Sam"\n    Sam asks.[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n'
        "Term\n: Meaning\n\n```python\nx = 1\n```\n\n[^1]: Note.\n"
    )
    html = ctx.render(text, LESSON, "a").html
    assert '<div class="callout callout-example" role="note">' in html
    assert '<p class="admonition-title">Case: Sam</p>' in html
    assert 'id="fnref-a-1"' in html and "<table>" in html and "<dt>Term</dt>" in html
    assert '<pre class="highlight"><code class="language-python">' in html


def test_callout_without_title_gets_the_course_language_title() -> None:
    ctx = MarkupContext(PageLinks(frozenset(), frozenset()), callout_titles={"tip": "Consejo"})
    text = '!!! tip\n    Lávese.\n\n!!! tip "Propio"\n    x\n\n!!! note\n    y\n\n!!! tip ""\n    z\n'
    html = ctx.render(text, LESSON, "a").html
    assert re.findall(r'<p class="admonition-title">([^<]*)</p>', html) == [
        "Consejo", "Propio", "Note"]  # no title for note given: the plugin's; "" means none


def test_raw_html_is_text_unless_allowed() -> None:
    links = PageLinks(frozenset(), frozenset())
    assert "&lt;script&gt;" in MarkupContext(links).render("<script>x</script>", LESSON, "a").html
    assert "<b>x</b>" in MarkupContext(links, allow_html=True).render("<b>x</b>", LESSON, "a").html


def test_slugify() -> None:
    assert slugify("Über Grenzen: 5 Strategien!") == "uber-grenzen-5-strategien"
    assert slugify("???") == "section"


def test_links_to_missing_headings_warn(course_copy) -> None:  # type: ignore[no-untyped-def]
    from scormbuild.pipeline import check
    from support import without_item_rules, write

    course = course_copy("features")
    intro = course / "lessons" / "intro.md"
    write(intro, intro.read_text().replace("second.md#details", "second.md#detials")
          + "\n[up](#hello) and [nowhere](#nowhere)\n")
    assert [d.render() for d in without_item_rules(check(course))] == [
        "lessons/intro.md:10: warning: link to '#detials' points at no heading of page 'second'\n"
        "    hint: use the heading's text in lowercase with hyphens, e.g. '#my-heading' for '## My heading'",
        "lessons/intro.md:32: warning: link to '#nowhere' points at no heading of page 'intro'\n"
        "    hint: use the heading's text in lowercase with hyphens, e.g. '#my-heading' for '## My heading'",
    ]


def test_quiz_text_problems_point_into_the_quiz_file(course_copy) -> None:  # type: ignore[no-untyped-def]
    from scormbuild.pipeline import check
    from support import write

    course = course_copy("features")
    path = course / "quizzes" / "final.yml"
    text = path.read_text().replace("prompt: Sky is blue?", "prompt: |\n      Look:\n\n      ![](../assets/box.svg)")
    write(path, text.replace("- {text: B}", "- {text: '![Gone](../assets/gone.png)'}"))
    assert [d.render() for d in check(course)] == [
        "quizzes/final.yml:9: error: image '../assets/box.svg' has no alt text\n"
        "    hint: describe the image between the brackets: ![what it shows](...)",
        "quizzes/final.yml:16: error: file '../assets/gone.png' not found\n"
        "    hint: put it in assets/ and write ../assets/gone.png",
    ]


# --- pathological markdown: work grows linearly with the input --------------------------------
# Each generator gives a text whose length is linear in n. `_work` counts the Python lines and
# calls executed while rendering it (deterministic, unlike a clock), so a quadratic step shows
# as a ratio near 4 when n doubles. Regular expressions run in C are not counted: the hang guard
# (a generous budget for the larger text) catches those.
PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "image-openers": lambda n: "![" * n,
    "image-openers-lines": lambda n: "![\n" * n,
    "link-openers": lambda n: "[" * n,
    "unclosed-links": lambda n: "[a](b " * n,
    "unclosed-images": lambda n: "![a](" * n,
    "brackets-nested": lambda n: "[" * n + "a" + "]" * n,
    "stars": lambda n: "*" * n,
    "stars-words": lambda n: "*a " * n,
    "strong-openers": lambda n: "**a" * n,
    "underscores": lambda n: "_a " * n,
    "emphasis-nested": lambda n: "*a _b " * n + "c" + " b_ a*" * n,
    "backticks": lambda n: "`" * n,
    "backtick-words": lambda n: "`a " * n,
    "angle-brackets": lambda n: "<" * n,
    "tag-openers": lambda n: "<a b " * n,
    "autolink-openers": lambda n: "<http://a" * n,
    "ampersands": lambda n: "&" * n,
    "entities": lambda n: "&amp;&#1;&#x" * n,
    "nested-quotes": lambda n: "> " * n + "x\n",
    "nested-quote-lines": lambda n: "".join(">" * min(i, 30) + " x\n" for i in range(n)),
    "nested-lists": lambda n: "- " * n + "x\n",
    "nested-ordered-lists": lambda n: "1. " * n + "x\n",
    "long-table": lambda n: "| a | b |\n|---|---|\n" + "| x | *y* |\n" * n,
    "wide-table": lambda n: "|" + "a|" * n + "\n|" + "-|" * n + "\n|" + "x|" * n + "\n",
    "long-line": lambda n: "word " * (4 * n),
    "footnotes": lambda n: "".join(f"a[^{i}] " for i in range(n)) + "\n\n"
    + "".join(f"[^{i}]: note\n" for i in range(n)),
    "reference-links": lambda n: "".join(f"[l{i}] " for i in range(n)) + "\n\n"
    + "".join(f"[l{i}]: https://example.org/{i}\n" for i in range(n)),
    "links": lambda n: "[a](https://example.org) " * n,
    "page-links": lambda n: "[b](b.md#part) [#](#here) " * n,
    "callouts": lambda n: "!!! note\n    x\n\n" * n,
    "callout-openers": lambda n: "!!! note\n" * n,
    "equal-headings": lambda n: "## Same\n\n" * n,
    "numbered-headings": lambda n: "".join(f"## Same {i % 7}\n\n## Same\n\n" for i in range(n)),
    "definition-lists": lambda n: "term\n: definition\n\n" * n,
    "html-like": lambda n: "<b>x</b> <!-- " * n,
}


def _work(ctx: MarkupContext, text: str) -> int:
    count = 0

    def trace(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        ctx.render(text, LESSON, "a")
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_markdown_costs_linear_work(ctx: MarkupContext, name: str) -> None:
    make = PATHOLOGICAL[name]
    small, large = make(300), make(600)
    assert 1.8 < len(large) / len(small) < 2.2, "the generator must grow linearly"
    ratio = _work(ctx, large) / _work(ctx, small)
    assert ratio < 2.25, f"{name}: doubling the input multiplied the work by {ratio:.1f}"


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_markdown_finishes(ctx: MarkupContext, name: str) -> None:
    """A hang guard, not a speed test: 64 KB of any case renders well within a minute."""
    make = PATHOLOGICAL[name]
    n = 64_000 // max(1, len(make(100)) // 100)
    start = time.monotonic()
    ctx.render(make(n), LESSON, "a")
    assert time.monotonic() - start < 60


# --- asset names that need percent-encoding ---------------------------------------------------
ODD_NAMES = ["slide#2.svg", "my file.svg", "100%.svg", "a?b.svg", "café.svg", "ünï cödé#1.svg"]


def test_odd_asset_names_are_percent_encoded(ctx: MarkupContext) -> None:
    names = {PurePosixPath(f"assets/{n}") for n in ODD_NAMES}
    odd = MarkupContext(PageLinks(frozenset({"a"}), frozenset(names | {PurePosixPath("assets/f.pdf")})))
    written = {
        "![s](../assets/slide#2.svg)": "assets/slide%232.svg",
        "![s](../assets/slide%232.svg)": "assets/slide%232.svg",
        "![s](<../assets/my file.svg>)": "assets/my%20file.svg",
        "![s](../assets/my%20file.svg)": "assets/my%20file.svg",
        "![s](../assets/100%25.svg)": "assets/100%25.svg",
        "![s](../assets/a%3Fb.svg)": "assets/a%3Fb.svg",
        "![s](../assets/caf%C3%A9.svg)": "assets/caf%C3%A9.svg",
        "![s](../assets/café.svg)": "assets/caf%C3%A9.svg",
    }
    for text, src in written.items():
        out = odd.render(text, LESSON, "a")
        assert out.diagnostics == [], text
        assert f'src="{src}"' in out.html, (text, out.html)
    out = odd.render("[f](../assets/f.pdf#page=2) [g](<../assets/my file.svg>)", LESSON, "a")
    assert 'href="assets/f.pdf#page=2"' in out.html and 'href="assets/my%20file.svg"' in out.html
    assert out.assets == {PurePosixPath("assets/f.pdf"), PurePosixPath("assets/my file.svg")}


def test_decomposed_file_name_is_found_from_a_composed_link(ctx: MarkupContext) -> None:
    """macOS stores café.svg decomposed (NFD); the author types it composed (NFC)."""
    nfd = PurePosixPath(unicodedata.normalize("NFD", "assets/café.svg"))
    odd = MarkupContext(PageLinks(frozenset({"a"}), frozenset({nfd})))
    out = odd.render(unicodedata.normalize("NFC", "![s](../assets/café.svg)"), LESSON, "a")
    assert out.diagnostics == [] and out.assets == {nfd}
    assert 'src="assets/cafe%CC%81.svg"' in out.html


def test_packages_with_odd_asset_names_pass_validate(course_copy, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The built zip keeps the plain names; every URL to them (HTML, manifest) is encoded."""
    from scormbuild.package_check import validate_package
    from scormbuild.pipeline import build
    from support import write

    course = course_copy("features")
    svg = (course / "assets" / "box.svg").read_bytes()
    body = ""
    for name in ODD_NAMES:
        (course / "assets" / name).write_bytes(svg)
        body += f"\n![Box](<../assets/{name}>)\n"
    intro = course / "lessons" / "intro.md"
    write(intro, intro.read_text() + body)
    for result in build(course, ["scorm12", "tincan", "cmi5"], tmp_path / "dist"):
        report = validate_package(result.path)
        assert report.ok, [d.render() for d in report.diagnostics]
        with zipfile.ZipFile(result.path) as archive:
            names = set(archive.namelist())
            html = archive.read("index.html").decode()
            manifest = archive.read("imsmanifest.xml").decode() if result.target == "scorm12" else ""
        for name in ODD_NAMES:
            assert f"assets/{name}" in names
            assert f'src="{asset_url("assets/" + name)}"' in html
            if manifest:
                assert f'<file href="{asset_url("assets/" + name)}"/>' in manifest


def test_link_with_other_capitals_names_the_file() -> None:
    odd = MarkupContext(PageLinks(frozenset({"a"}), frozenset({PurePosixPath("assets/Logo.svg")})))
    assert [d.render() for d in odd.render("![Logo](../assets/logo.svg)", LESSON, "a", 4)
            .diagnostics] == [
        "lessons/a.md:4: error: file '../assets/logo.svg' not found\n"
        "    hint: the file is named 'assets/Logo.svg': write its name with the same capitals, "
        "since LMS servers tell capitals apart"]
