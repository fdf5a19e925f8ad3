"""Drive the scormbuild player through its UI, the way a learner would.

Works on a Playwright Frame (the SCO inside the LMS page) or a Page (the player opened alone).
Answers come from the course data the player itself reads, so any course can be played
right or wrong without knowing its questions.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page

from scormbuild.pipeline import build

VISIBLE = "section.page:not([hidden])"


class Player:
    """A learner at the keyboard and mouse of one player instance."""

    def __init__(self, frame: Frame | Page) -> None:
        self.frame = frame
        self.frame.wait_for_selector("html.js-ready")
        self.data: dict[str, Any] = json.loads(self.frame.inner_text("#course-data"))

    # where we are ---------------------------------------------------------------------------

    def page_id(self) -> str:
        section_id = self.frame.get_attribute(VISIBLE, "id") or ""
        return section_id.removeprefix("page-")

    def page_index(self) -> int:
        return [p["id"] for p in self.data["pages"]].index(self.page_id())

    def is_quiz(self) -> bool:
        return self.data["pages"][self.page_index()]["kind"] == "quiz"

    def question(self) -> tuple[int, dict[str, Any]] | None:
        """Index and data of the question on screen, or None when the quiz shows its results."""
        box = self.frame.query_selector(
            f"{VISIBLE} form.quiz:not([hidden]) fieldset.question:not([hidden])")
        if box is None:
            return None
        index = int(box.get_attribute("data-index") or "0")
        return index, self.data["quizzes"][self.page_id()]["questions"][index]

    def button(self, action: str) -> Any:
        return self.frame.query_selector(f"{VISIBLE} [data-action='{action}']:not([hidden])")

    # moving ---------------------------------------------------------------------------------

    def next_page(self) -> None:
        self.frame.click("#next")

    def go_to(self, page_id: str) -> None:
        """Open a page from the table of contents."""
        if not self.frame.is_visible("#toc"):
            self.frame.click("#toc-toggle")
        self.frame.click(f"#toc a[data-page='{page_id}']")

    def exit(self) -> None:
        self.frame.click("#exit")

    # answering ------------------------------------------------------------------------------

    def answer(self, correct: bool) -> Any:
        """Fill in the question on screen, right or wrong; return the response given."""
        found = self.question()
        assert found is not None, "no question on screen"
        _, q = found
        qid = f"q--{self.page_id()}--{q['id']}"
        kind = q["type"]
        if kind in ("single", "true-false", "likert"):
            ids = [c["id"] for c in q["choices"]]
            right = [c["id"] for c in q["choices"] if c["correct"]] or ids[:1]
            wrong = [i for i in ids if i not in right] or ids[:1]
            pick = right[0] if correct else wrong[0]
            self.frame.click(f"label[for='{qid}-{pick}']")
            return pick
        if kind == "multiple":
            right = [c["id"] for c in q["choices"] if c["correct"]]
            wrong = [c["id"] for c in q["choices"] if not c["correct"]]
            picks = right if correct else (wrong[:1] or right[:1])
            for c in q["choices"]:
                box = f"#{qid}-{c['id']}"
                if c["id"] in picks:
                    self.frame.check(box)
                else:
                    self.frame.uncheck(box)
            return picks
        if kind == "fill-in":
            text = q["answers"][0] if correct else "definitely not the answer"
            self.frame.fill(f"#{qid}-input", text)
            return text
        if kind == "numeric":
            value = q["answer"] if q["answer"] is not None else q["min"]
            text = str(value if correct else value + 1000)
            self.frame.fill(f"#{qid}-input", text)
            return text
        if kind == "matching":
            targets = [p[1] for p in q["pairs"]]
            if not correct:
                targets = targets[1:] + targets[:1]
            chosen = {}
            for (source, _), target in zip(q["pairs"], targets, strict=True):
                self.frame.select_option(f"#{qid}-{source}", target)
                chosen[source] = target
            return chosen
        if kind == "ordering":
            wanted = [i["id"] for i in q["items"]]
            if not correct:
                wanted = wanted[::-1]
            for position, item in enumerate(wanted):
                selector = f"{VISIBLE} fieldset:not([hidden]) li[data-item='{item}']"
                while self._position(item) > position:
                    self.frame.click(f"{selector} [data-move='up']")
            return wanted
        raise AssertionError(f"unknown question type {kind}")

    def _position(self, item: str) -> int:
        order = self.frame.eval_on_selector_all(
            f"{VISIBLE} fieldset:not([hidden]) li[data-item]",
            "els => els.map(e => e.getAttribute('data-item'))")
        return int(order.index(item))

    def advance(self) -> str:
        """After answering: check (knowledge checks), then next or submit; return the action."""
        check = self.button("check")
        if check is not None:
            check.click()
        for action in ("next", "submit"):
            button = self.button(action)
            if button is not None:
                button.click()
                return action
        raise AssertionError("no next or submit button on screen")

    def start_if_timed(self) -> bool:
        """Press Start when the quiz on screen is timed and waits for it; True when pressed."""
        start = self.frame.query_selector(f"{VISIBLE} .quiz-start:not([hidden]) "
                                          "[data-action='start']")
        if start is None:
            return False
        start.click()
        return True

    def complete_quiz(self, correct: bool) -> None:
        """Answer every question of the quiz on screen and submit it."""
        self.start_if_timed()
        while self.question() is not None:
            self.answer(correct)
            self.advance()

    def play_to_end(self, correct: bool = True) -> None:
        """Visit every page from here to the last, completing each quiz on the way."""
        while True:
            if self.is_quiz():
                self.start_if_timed()
            if self.is_quiz() and self.question() is not None:
                self.complete_quiz(correct)
            if self.page_index() == len(self.data["pages"]) - 1:
                return
            self.next_page()


def extract(course: Path, tmp: Path, target: str = "scorm12") -> Path:
    """Build one package of course for target and unzip it under tmp; return the folder."""
    (result,) = build(course, [target], tmp / "dist")
    folder = tmp / f"pkg-{target}"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(folder)
    return folder
