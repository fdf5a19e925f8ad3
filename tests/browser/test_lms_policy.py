"""The player plays by the LMS's rules (issue 17), against scorm-again as Moodle's stand-in.

- Attempt policy: a failed try with attempts left keeps the LMS attempt open (incomplete,
  exit=suspend, no score), checked through the mastery override as Moodle applies it at
  LMSFinish; failed and its score when no attempt is left or the learner finishes.
- Launch modes: review and browse write nothing; no-credit never a status or score.
- Commits only at moments that matter (at most 30 for a full play of an example course), and
  an exit that is exactly exit + session_time + one LMSFinish, nothing after it.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from player_driver import VISIBLE, Player, extract
from playwright.sync_api import Frame, Page

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "courses"
EXAMPLE = sorted(p for p in (REPO / "courses").glob("*") if (p / "course.yml").is_file())[0]
WRITES = {"LMSSetValue", "LMSCommit"}
RECORDS = ("cmi.core.lesson_status", "cmi.core.score.", "cmi.interactions.")



def features_with_attempts(course_copy: Any, attempts: int) -> Path:
    """The features fixture with its final assessment limited to `attempts` tries."""
    course = course_copy("features")
    final = course / "quizzes" / "final.yml"
    text = final.read_text(encoding="utf-8")
    final.write_text(text.replace("kind: assessment\n", f"kind: assessment\nattempts: {attempts}\n", 1),
                     encoding="utf-8")
    return course


def moodle_status(cmi: dict[str, Any], mastery: float) -> str:
    """Moodle's mastery override at LMSFinish (mod/scorm, masteryoverride on, normal + credit):
    with a score.raw the status is passed/failed by raw vs mastery score, whatever was sent."""
    raw = str(cmi.get("core", {}).get("score", {}).get("raw", ""))
    status = str(cmi["core"]["lesson_status"])
    if raw == "":
        return "completed" if status in ("", "not attempted") else status
    return "passed" if float(raw) >= mastery else "failed"


def fail_final(player: Player) -> None:
    player.go_to("final")
    player.complete_quiz(correct=False)


def results_text(frame: Frame) -> str:
    return frame.inner_text(f"{VISIBLE} .quiz-results")


def set_elements(scorm_lms: Any, page: Page) -> set[str]:
    return set(scorm_lms.values_set(page))


# -- attempt policy ----------------------------------------------------------------------------


def test_the_test_lms_applies_the_mastery_override_as_moodle_does(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    # what would catch "failed with attempts left": an incomplete status with a score below the
    # mastery score is stored as failed at LMSFinish
    scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(page)
    scorm_lms.wait_for_call(page, "LMSInitialize")
    page.evaluate("() => { API.LMSSetValue('cmi.core.score.raw', '50');"
                  " API.LMSSetValue('cmi.core.lesson_status', 'incomplete'); API.LMSFinish(''); }")
    stored = scorm_lms.stored_cmi(page)
    assert stored["core"]["lesson_status"] == "failed"
    assert moodle_status(stored, float(scorm_lms.sco.mastery_score)) == "failed"


def test_failed_with_attempts_left_is_never_reported_even_through_the_mastery_override(
    tmp_path: Path, page: Page, scorm_lms: Any, course_copy: Any,
) -> None:
    frame = scorm_lms.serve(extract(features_with_attempts(course_copy, 3), tmp_path)).launch(page)
    player = Player(frame)
    mastery = float(scorm_lms.sco.mastery_score)
    for name in ("second", "check"):
        player.go_to(name)
    player.complete_quiz(correct=True)
    fail_final(player)
    # the try failed, two attempts are left: the LMS hears nothing that the override could
    # turn into "failed" (no score), and the results screen says what finishing would mean
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "incomplete"
    assert not any(k.startswith("cmi.core.score.") for k in scorm_lms.values_set(page))
    text = results_text(frame)
    assert "Not passed yet: 2 attempts left." in text and "recorded as not passed" in text
    assert player.button("retry") is not None and player.button("finish") is not None
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    stored = scorm_lms.stored_cmi(page)
    assert stored["core"]["exit"] == "suspend"
    assert stored["core"]["lesson_status"] == "incomplete"  # scorm-again's override applied
    assert moodle_status(stored, mastery) == "incomplete"   # and Moodle's rule agrees

    # the same LMS attempt goes on: retry and pass; passed as soon as it is earned
    frame = scorm_lms.relaunch(page)
    player = Player(frame)
    assert scorm_lms.value(page, "cmi.core.entry") == "resume"
    player.go_to("final")
    frame.click(f"{VISIBLE} [data-action='retry']")
    player.complete_quiz(correct=True)
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "passed"
    assert float(scorm_lms.value(page, "cmi.core.score.raw")) == 100
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    stored = scorm_lms.stored_cmi(page)
    assert stored["core"]["exit"] == "" and moodle_status(stored, mastery) == "passed"
    assert scorm_lms.api_errors(page) == []


def test_failed_and_its_score_when_no_attempt_is_left(
    tmp_path: Path, page: Page, scorm_lms: Any, course_copy: Any,
) -> None:
    frame = scorm_lms.serve(extract(features_with_attempts(course_copy, 2), tmp_path)).launch(page)
    player = Player(frame)
    player.play_to_end(correct=False)
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "incomplete"
    frame.click(f"{VISIBLE} [data-action='retry']")
    player.complete_quiz(correct=False)
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "failed"
    assert float(scorm_lms.value(page, "cmi.core.score.raw")) < 80
    assert "You did not pass: no attempts left." in results_text(frame) and player.button("finish") is None
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    stored = scorm_lms.stored_cmi(page)
    assert stored["core"]["exit"] == "", "a final result ends the LMS attempt"
    assert stored["core"]["lesson_status"] == "failed"


def test_the_learner_may_finish_with_a_failing_result(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    # unlimited attempts: only the learner can end them
    frame = scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(page)
    player = Player(frame)
    player.play_to_end(correct=False)
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "incomplete"
    commits = len(scorm_lms.calls(page, "LMSCommit"))
    player.button("finish").click()
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "failed"
    assert float(scorm_lms.value(page, "cmi.core.score.raw")) < 80
    assert len(scorm_lms.calls(page, "LMSCommit")) == commits + 1, "finishing is committed at once"
    assert player.button("retry") is None and player.button("finish") is None
    assert "You did not pass: you chose to finish with this result." in results_text(frame)
    assert "You did not pass this course." in frame.inner_text("#notice")
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    assert scorm_lms.stored_cmi(page)["core"]["exit"] == ""
    assert scorm_lms.api_errors(page) == []


# -- launch modes ------------------------------------------------------------------------------


def suspended_session(scorm_lms: Any, page: Page, tmp_path: Path) -> tuple[dict[str, Any], list[Any]]:
    """A normal session of the features course: the knowledge check done, three answers of the
    final given, then left; returns the CMI the LMS stored and the answers."""
    frame = scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(page)
    player = Player(frame)
    player.go_to("check")
    player.complete_quiz(correct=True)
    player.go_to("final")
    given = []
    for _ in range(3):
        given.append(player.answer(correct=True))
        player.advance()
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    stored = scorm_lms.stored_cmi(page)
    assert stored is not None and stored["core"]["exit"] == "suspend"
    return stored, given


def launch_again(scorm_lms: Any, page: Page, stored: dict[str, Any], **mode: str) -> Frame:
    cmi = scorm_lms.next_launch_cmi(stored)
    cmi["core"]["entry"] = ""  # Moodle's review of a closed attempt: not a resume
    cmi["core"].update(mode)   # next_launch_cmi hands back the last launch's mode
    return scorm_lms.launch(page, cmi, **mode)


def calls_after_initialize(scorm_lms: Any, page: Page) -> list[str]:
    return [c["name"] for c in scorm_lms.calls(page)
            if c["name"] not in ("LMSGetValue", "LMSGetLastError", "LMSGetErrorString",
                                 "LMSGetDiagnostic")]


def test_review_shows_saved_answers_and_results_and_writes_nothing(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    stored, given = suspended_session(scorm_lms, page, tmp_path)
    frame = launch_again(scorm_lms, page, stored, lesson_mode="review", credit="no-credit")
    player = Player(frame)
    assert "Review" in frame.inner_text("#notice")
    assert player.page_id() == "final"  # where the learner was
    # the attempt in progress as saved: its answers, read-only, pages through
    fill = "#q--final--fill-input"
    assert frame.input_value(fill) == given[2] and frame.is_disabled(fill)
    assert player.button("submit") is None and player.button("check") is None
    frame.click(f"{VISIBLE} [data-action='prev']")
    frame.click(f"{VISIBLE} [data-action='prev']")
    assert frame.is_checked("#q--final--multi-a") and frame.is_disabled("#q--final--multi-a")
    # the knowledge check's recorded result
    player.go_to("check")
    assert "Your score: 100%" in results_text(frame) and player.button("retry") is None
    player.go_to("intro")
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    assert calls_after_initialize(scorm_lms, page) == ["LMSInitialize", "LMSFinish"]
    assert scorm_lms.api_errors(page) == []


def test_browse_lets_the_learner_look_around_and_records_nothing(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    frame = scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(
        page, lesson_mode="browse", credit="no-credit")
    player = Player(frame)
    assert "Browse" in frame.inner_text("#notice")
    player.play_to_end(correct=True)  # quizzes work, nothing is sent
    assert "You passed." in results_text(frame)
    scorm_lms.unload(page)  # leaving by closing: one LMSFinish, nothing else written
    names = [c["name"] for c in scorm_lms.calls(page)]
    assert not WRITES & set(names)
    assert names.count("LMSFinish") == 1


def test_no_credit_saves_the_place_but_never_a_status_or_score(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    frame = scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(
        page, credit="no-credit")
    player = Player(frame)
    assert "not for credit" in frame.inner_text("#notice")
    player.play_to_end(correct=True)
    player.go_to("intro")
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    written = set_elements(scorm_lms, page)
    assert not [k for k in written if k.startswith(RECORDS)], written
    assert {"cmi.core.lesson_location", "cmi.suspend_data", "cmi.core.exit"} <= written
    assert scorm_lms.api_errors(page) == []


# -- commits and exit --------------------------------------------------------------------------


def commit_count(page: Page) -> int:
    count: int = page.evaluate("window.__scormCalls.filter(c => c.name === 'LMSCommit').length")
    return count


def test_a_full_play_commits_at_most_30_times_and_exits_with_one_finish(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    frame = scorm_lms.serve(extract(EXAMPLE, tmp_path)).launch(page)
    player = Player(frame)
    # a learner who reads every page: each page change waits out its debounced commit
    while True:
        before = commit_count(page)
        page.wait_for_function(f"() => window.__scormCalls.filter(c => c.name === 'LMSCommit')"
                               f".length > {before}", timeout=5000)
        if player.is_quiz() and player.question() is not None:
            player.complete_quiz(correct=True)
        if player.page_index() == len(player.data["pages"]) - 1:
            break
        player.next_page()
    assert scorm_lms.value(page, "cmi.core.lesson_status") == "passed"
    calls = scorm_lms.calls(page)
    exit_from = len(calls)
    player.exit()
    scorm_lms.wait_for_call(page, "LMSFinish")
    scorm_lms.unload(page)  # pagehide after Exit: nothing more
    calls = scorm_lms.calls(page)
    names = [c["name"] for c in calls]
    assert names.count("LMSCommit") <= 30, names.count("LMSCommit")
    # never a commit with nothing set since the one before
    commits = [i for i, n in enumerate(names) if n == "LMSCommit"]
    for a, b in itertools.pairwise(commits):
        assert "LMSSetValue" in names[a:b], f"calls {a}..{b}: two commits in a row"
    # the exit, call by call: values set, exit, session time, one LMSFinish, then nothing
    tail = [(c["name"], c["args"][0] if c["args"] else "") for c in calls[exit_from:]]
    assert ("LMSCommit", "") not in tail, tail
    assert tail[-3:] == [("LMSSetValue", "cmi.core.exit"), ("LMSSetValue", "cmi.core.session_time"),
                         ("LMSFinish", "")], tail
    assert names.count("LMSFinish") == 1 and names[-1] == "LMSFinish"
    assert scorm_lms.api_errors(page) == []


def test_closing_the_window_sends_one_finish_and_loses_nothing(
    tmp_path: Path, page: Page, scorm_lms: Any,
) -> None:
    frame = scorm_lms.serve(extract(FIXTURES / "features", tmp_path)).launch(page)
    player = Player(frame)
    player.next_page()
    player.go_to("final")  # at once: the page change's commit is still waiting
    given = player.answer(correct=True)
    player.advance()       # inside a quiz: set, not committed
    before = len(scorm_lms.calls(page))
    scorm_lms.unload(page)  # the window closes: pagehide
    leaving = [(c["name"], c["args"][0] if c["args"] else "") for c in scorm_lms.calls(page)[before:]
               if c["name"] in ("LMSSetValue", "LMSCommit", "LMSFinish")]
    assert [n for n, _ in leaving].count("LMSFinish") == 1 and leaving[-1] == ("LMSFinish", "")
    assert ("LMSCommit", "") not in leaving, "LMSFinish commits: one request, not three"
    stored = scorm_lms.stored_cmi(page)
    assert stored["core"]["lesson_location"] == "final" and stored["core"]["exit"] == "suspend"
    frame = scorm_lms.relaunch(page)
    player = Player(frame)
    assert player.page_id() == "final"
    frame.click(f"{VISIBLE} [data-action='prev']")
    assert frame.is_checked(f"#q--final--tf-{given}")
