"""The learner's side to WCAG 2.1 AA: axe-core on every page and quiz state (light and dark),
a keyboard-only playthrough, reflow at 320 px, right-to-left and Spanish courses, printing and
the plain web export (--target html).

axe-core comes from tests/js/node_modules (scripts/install-test-deps.sh); it is evaluated into
the player's frame by Playwright, never shipped in a package.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from player_driver import VISIBLE, Player, extract
from playwright.sync_api import Frame, Page

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "courses"
AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
EXAMPLES = sorted(p for p in (REPO / "courses").glob("*") if (p / "course.yml").is_file())
FIXTURE_COURSES = [FIXTURES / n for n in ("features", "all-question-types", "spanish",
                                           "rtl-hebrew")]
COURSES = [*FIXTURE_COURSES, *EXAMPLES]
BLOCKING = ("moderate", "serious", "critical")

Target = Frame | Page



def open_export(page: Page, static_server: Any, course: Path, tmp: Path) -> Player:
    """The html export of a course, served on 127.0.0.1 and opened in page."""
    static_server.mount("/site/", extract(course, tmp, "html"))
    page.goto(static_server.url("/site/index.html"))
    return Player(page)


def axe_violations(frame: Target, state: str, only: list[str] | None = None) -> list[str]:
    """Serious and critical axe-core violations in frame, one readable line per node.

    Hidden pages are left out (axe skips hidden content anyway; this only saves time);
    `only` limits the run to some rules."""
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(AXE.read_text(encoding="utf-8"))
    found = frame.evaluate(
        """async (only) => {
          const options = {resultTypes: ['violations']};
          if (only) options.runOnly = {type: 'rule', values: only};
          const r = await axe.run({exclude: [['section.page[hidden]']]}, options);
          return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""", only)
    return [f"{state}: {v['id']} ({v['impact']}) {node}"
            for v in found if v["impact"] in BLOCKING for node in v["nodes"]]


def visit_all_states(player: Player, check: Callable[[str], None]) -> None:
    """Every page; on quizzes every question and its feedback (first attempt; later attempts
    show the same questions), the results after each attempt and the final review."""
    frame = player.frame
    for index, page in enumerate(player.data["pages"]):
        frame.evaluate(f"window.scormbuildPlayer.show({index})")
        check(page["id"])
        if page["kind"] != "quiz":
            continue
        quiz = player.data["quizzes"][page["id"]]
        attempts = quiz["attempts"] or 1
        for attempt in range(attempts):
            n = 0
            while player.question() is not None:
                n += 1
                player.answer(correct=False)
                button = player.button("check")
                if button is not None:
                    button.click()
                    if attempt == 0:
                        check(f"{page['id']} q{n} feedback")
                elif attempt == 0:
                    check(f"{page['id']} q{n} answered")
                for action in ("next", "submit"):
                    button = player.button(action)
                    if button is not None:
                        button.click()
                        break
            check(f"{page['id']} results after attempt {attempt + 1}")
            retry = frame.query_selector(f"{VISIBLE} [data-action='retry']:not([hidden])")
            if retry is None or attempt == attempts - 1:
                break
            retry.click()
            check(f"{page['id']} retry")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_no_serious_axe_violations(course: Path, scheme: str, tmp_path: Path, page: Page,
                                   scorm_lms: Any, browser_log: Any) -> None:
    page.emulate_media(color_scheme=scheme)
    frame = scorm_lms.serve(extract(course, tmp_path)).launch(page)
    player = Player(frame)
    found: list[str] = []
    # the dark scheme changes colours only: run the colour rules there
    only = ["color-contrast", "link-in-text-block"] if scheme == "dark" else None
    visit_all_states(player, lambda state: found.extend(axe_violations(frame, state, only)))
    assert found == []
    assert browser_log.page_errors == []


# --- keyboard ------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 60),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          visible: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < innerHeight};
}"""


class Keyboard:
    """A learner with a keyboard only: Tab to things, Space/Enter/arrows to operate them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.unfocused: list[str] = []

    def focused_matches(self, selector: str) -> bool:
        return bool(self.page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector))

    def tab_to(self, selector: str, limit: int = 60) -> None:
        """Press Tab until the element matching selector has focus; each stop must show focus."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            info = self.page.evaluate(FOCUSED)
            if info and not (info["outline"] and info["visible"]):
                self.unfocused.append(f"{info['tag']}#{info['id']} {info['text']!r}")
            if self.focused_matches(selector):
                return
        raise AssertionError(f"{selector} is not reachable with Tab")

    def press_on(self, selector: str, key: str = "Enter") -> None:
        self.tab_to(selector)
        self.page.keyboard.press(key)


def heading_has_focus(page: Page) -> bool:
    return bool(page.evaluate(
        f"() => document.activeElement === document.querySelector('{VISIBLE} h1')"))


def answer_by_keyboard(kb: Keyboard, player: Player) -> None:
    """Answer the question on screen correctly with the keyboard."""
    found = player.question()
    assert found is not None
    _, q = found
    qid = f"q--{player.page_id()}--{q['id']}"
    box = f"{VISIBLE} fieldset:not([hidden])"
    kind = q["type"]
    page = kb.page
    if kind in ("single", "true-false", "likert"):
        right = [c["id"] for c in q["choices"] if c["correct"]] or [q["choices"][0]["id"]]
        order = page.eval_on_selector_all(f"{box} input", "els => els.map(e => e.value)")
        kb.tab_to(f"{box} input")
        for _ in range(order.index(right[0])):
            page.keyboard.press("ArrowDown")
        if not page.is_checked(f"#{qid}-{right[0]}"):
            page.keyboard.press("Space")
    elif kind == "multiple":
        for c in q["choices"]:
            if c["correct"]:
                kb.press_on(f"#{qid}-{c['id']}", "Space")
    elif kind in ("fill-in", "numeric"):
        kb.tab_to(f"#{qid}-input")
        page.keyboard.type(str(q["answers"][0] if kind == "fill-in" else
                               q["answer"] if q["answer"] is not None else q["min"]))
    elif kind == "matching":
        for source, target in q["pairs"]:
            select = f"#{qid}-{source}"
            kb.tab_to(select)
            for _ in range(len(q["targets"]) + 1):
                if page.eval_on_selector(select, "s => s.value") == target:
                    break
                page.keyboard.press("ArrowDown")
            assert page.eval_on_selector(select, "s => s.value") == target
    elif kind == "ordering":
        wanted = [i["id"] for i in q["items"]]
        for position, item in enumerate(wanted):
            button = f"{box} li[data-item='{item}'] [data-move='up']"
            while player._position(item) > position:
                if not kb.focused_matches(button):
                    kb.tab_to(button)
                page.keyboard.press("Alt+ArrowUp")
    else:
        raise AssertionError(kind)


def test_keyboard_only_playthrough(tmp_path: Path, page: Page, static_server: Any) -> None:
    player = open_export(page, static_server, FIXTURES / "features", tmp_path)
    kb = Keyboard(page)
    # the first Tab stop is the skip link, visible when focused; it moves focus into <main>
    page.keyboard.press("Tab")
    assert kb.focused_matches(".skip-link")
    assert page.evaluate(FOCUSED)["visible"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    pages = player.data["pages"]
    while True:
        if player.is_quiz():
            while player.question() is not None:
                answer_by_keyboard(kb, player)
                for action in ("check", "next", "submit"):
                    if player.button(action) is not None:
                        kb.press_on(f"{VISIBLE} [data-action='{action}']:not([hidden])")
                        if action != "check":
                            break
            assert page.is_visible(f"{VISIBLE} .quiz-results")
        if player.page_index() == len(pages) - 1:
            break
        before = player.page_index()
        kb.press_on("#next")
        assert player.page_index() == before + 1
        assert heading_has_focus(page), "focus goes to the new page's heading"
    assert page.evaluate("() => window.scormbuildPlayer.evaluate().status") == "passed"
    # the table of contents works from the keyboard too
    kb.press_on(f"#toc a[data-page='{pages[0]['id']}']")
    assert player.page_index() == 0 and heading_has_focus(page)
    assert kb.unfocused == [], "every Tab stop shows a visible focus indicator"


# --- reflow, motion, languages, right-to-left ------------------------------------------------

NO_HSCROLL = "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"


@pytest.mark.parametrize("width", [320, 640])  # 640 = 1280 px at 200% zoom
@pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)
def test_no_horizontal_scrolling(course: Path, width: int, tmp_path: Path, page: Page,
                                 static_server: Any) -> None:
    page.set_viewport_size({"width": width, "height": 640})
    player = open_export(page, static_server, course, tmp_path)
    wide = []
    for index, info in enumerate(player.data["pages"]):
        page.evaluate(f"window.scormbuildPlayer.show({index})")
        if not page.evaluate(NO_HSCROLL):
            wide.append(info["id"])
        while player.is_quiz() and player.question() is not None:
            player.answer(correct=False)
            player.advance()
            if not page.evaluate(NO_HSCROLL):
                wide.append(f"{info['id']} after a question")
    page.click("#toc-toggle")
    if not page.evaluate(NO_HSCROLL):
        wide.append("open menu")
    assert wide == []


def test_reduced_motion_turns_off_transitions(tmp_path: Path, page: Page,
                                              static_server: Any) -> None:
    page.emulate_media(reduced_motion="reduce")
    open_export(page, static_server, FIXTURES / "features", tmp_path)
    assert page.eval_on_selector("#next", "b => getComputedStyle(b).transitionDuration") == "0s"
    assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") \
        == "auto"


def test_spanish_course_speaks_spanish(tmp_path: Path, page: Page, static_server: Any) -> None:
    catalog = json.loads((REPO / "src/scormbuild/locales/es.json").read_text(encoding="utf-8"))
    english = json.loads((REPO / "src/scormbuild/locales/en.json").read_text(encoding="utf-8"))
    player = open_export(page, static_server, FIXTURES / "spanish", tmp_path)
    assert page.get_attribute("html", "lang") == "es-ES"
    assert page.inner_text("#next") == catalog["next"]
    assert page.inner_text("#print-course") == catalog["print_course"]
    assert page.inner_text(".skip-link") == catalog["skip_to_content"]
    assert page.inner_text("#page-count") == "Página 1 de 4"
    assert "1 h 35 min" in page.inner_text(".duration")
    player.go_to("evaluacion")
    chrome = page.eval_on_selector_all(
        ".topbar button, .pager button, "
        f"{VISIBLE} button:not([hidden]), {VISIBLE} legend, {VISIBLE} .quiz-kind",
        "els => els.map(e => e.innerText.trim())")
    leaked = [text for text in chrome if text in english.values() and text not in
              catalog.values()]
    assert leaked == [], "player strings in English in a Spanish course"
    player.complete_quiz(correct=True)
    assert "Su puntuación: 100 %" in page.inner_text(f"{VISIBLE} .quiz-results")
    # brand colours from course.yml reach the page through static/theme.css
    background = page.eval_on_selector("#next", "b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(11, 110, 79)"


def test_right_to_left_course_mirrors_the_layout(tmp_path: Path, page: Page,
                                                 static_server: Any) -> None:
    page.set_viewport_size({"width": 1200, "height": 800})
    player = open_export(page, static_server, FIXTURES / "rtl-hebrew", tmp_path)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "he"
    toc = page.eval_on_selector("#toc", "e => e.getBoundingClientRect().toJSON()")
    main = page.eval_on_selector("#main", "e => e.getBoundingClientRect().toJSON()")
    assert toc["left"] >= main["right"] - 1, "the table of contents sits on the right"
    border = page.eval_on_selector("#toc", "e => getComputedStyle(e).borderLeftWidth")
    assert border == "1px", "the toc's divider faces the content"
    h1 = page.eval_on_selector(f"{VISIBLE} h1", "e => e.getBoundingClientRect().toJSON()")
    assert main["right"] - h1["right"] < 40, "headings start at the right edge"
    assert page.inner_text("#next") == "הבא"
    page.keyboard.press("Tab")
    skip = page.eval_on_selector(".skip-link", "e => e.getBoundingClientRect().toJSON()")
    assert skip["right"] > 1200 - 40, "the skip link appears at the start edge (right)"
    player.go_to("mivchan")
    player.complete_quiz(correct=True)
    assert page.evaluate(NO_HSCROLL)


def test_matching_review_arrow_points_from_source_to_target_in_rtl(
        tmp_path: Path, page: Page, static_server: Any) -> None:
    course = tmp_path / "rtl-hebrew"
    shutil.copytree(FIXTURES / "rtl-hebrew", course)
    quiz = course / "quizzes" / "mivchan.yml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace(
        "kind: assessment\n", "kind: assessment\nattempts: 1\n"), encoding="utf-8")
    player = open_export(page, static_server, course, tmp_path)
    player.go_to("mivchan")
    player.complete_quiz(correct=False)
    pairs = page.eval_on_selector_all(f"{VISIBLE} .correct-answer ul li",
                                      "els => els.map(e => e.textContent)")
    assert pairs and all("\u2190" in p and "\u2192" not in p for p in pairs), pairs
    # the arrow points from the source (the right, where RTL text starts) to the target
    boxes = page.eval_on_selector_all(
        f"{VISIBLE} .correct-answer ul li:first-child bdi",
        "els => els.map(e => e.getBoundingClientRect().left)")
    assert boxes[0] > boxes[1]


# --- print and the html export ----------------------------------------------------------------

SHOWN_PAGES = """() => Array.from(document.querySelectorAll('section.page'))
  .filter(s => getComputedStyle(s).display !== 'none').map(s => s.id.slice(5))"""


def test_print_current_page_or_whole_course(tmp_path: Path, page: Page,
                                            static_server: Any) -> None:
    player = open_export(page, static_server, FIXTURES / "features", tmp_path)
    lessons = [p["id"] for p in player.data["pages"] if p["kind"] == "lesson"]
    page.emulate_media(media="print")
    assert page.evaluate(SHOWN_PAGES) == [lessons[0]], "Ctrl+P prints the page on screen"
    assert not page.is_visible("#toc") and not page.is_visible(".pager")
    page.emulate_media(media="screen")
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    page.click("#print-course")
    assert page.evaluate("() => window.__printed") is True
    page.emulate_media(media="print")
    assert page.evaluate(SHOWN_PAGES) == lessons, "Print course prints every lesson in order"
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(SHOWN_PAGES) == [lessons[0]]


def test_html_export_runs_without_an_lms(tmp_path: Path, page: Page, static_server: Any,
                                         browser_log: Any) -> None:
    site = extract(FIXTURES / "features", tmp_path, "html")
    names = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert "index.html" in names and "static/tracking-none.js" in names
    assert not any(n.endswith((".xml", ".xsd")) or "axe" in n for n in names)
    player = open_export(page, static_server, FIXTURES / "features", tmp_path / "again")
    assert page.is_hidden("#notice"), "no 'no LMS' notice in a review export"
    player.next_page()
    page.reload()
    player = Player(page)
    assert player.page_index() == 1, "progress is kept in localStorage"
    assert browser_log.page_errors == []
