"""A corpus of broken courses, each named for its one fault, checked through the CLI.

Folder cases live in tests/fixtures/courses/broken/<fault>/ with `expected.txt`: the exit code
of `scormbuild check <fault>` on the first line, then its exact stderr. Faults a folder cannot
hold (symlinks, bytes no editor writes, huge files, unreadable files) are built from the
minimal course by the GENERATED table below. Regenerate after a deliberate message change with
`SCORMBUILD_REGEN=1 pytest tests/test_broken_courses.py`, then review the diff.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scormbuild.cli import app
from support import COURSES, write

BROKEN = COURSES / "broken"
REGEN = os.environ.get("SCORMBUILD_REGEN") == "1"
FOLDER_CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
MIB = 1024 * 1024


def run_check(cwd: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, ["check", name])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fault", FOLDER_CASES)
def test_broken_course_folder(fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(BROKEN / fault, tmp_path / fault, ignore=shutil.ignore_patterns("expected.txt"))
    code, stdout, stderr = run_check(tmp_path, fault, monkeypatch)
    expected_file = BROKEN / fault / "expected.txt"
    if REGEN:
        expected_file.write_text(f"exit {code}\n{stderr}")
    first, _, expected = expected_file.read_text().partition("\n")
    assert stdout == ""
    assert stderr == expected
    assert f"exit {code}" == first
    assert code == 1 or "warning" in stderr  # a corpus case is never silently fine


def _minimal(root: Path) -> Path:
    shutil.copytree(COURSES / "minimal", root)
    return root


def symlinked_lesson(root: Path) -> None:
    secret = write(root.parent / "secret.md", "---\ntitle: Secret\n---\nPasswords.\n")
    (root / "lessons" / "secret.md").symlink_to(secret)


def symlinked_assets_folder(root: Path) -> None:
    (root.parent / "elsewhere").mkdir()
    (root / "assets").symlink_to(root.parent / "elsewhere", target_is_directory=True)


def non_utf8_lesson(root: Path) -> None:
    (root / "lessons" / "only.md").write_bytes(b"---\ntitle: Caf\xe9\n---\nText.\n")


def nul_bytes_in_course_yml(root: Path) -> None:
    path = root / "course.yml"
    path.write_bytes(path.read_bytes().replace(b"title: Minimal", b"title: Min\0imal"))


def utf16_lesson(root: Path) -> None:
    (root / "lessons" / "only.md").write_bytes("---\ntitle: Only\n---\nText.\n".encode("utf-16"))


def huge_lesson(root: Path) -> None:
    write(root / "lessons" / "only.md", "---\ntitle: Only\n---\n" + "word " * (450 * 1024))


def asset_over_budget(root: Path) -> None:
    write(root / "lessons" / "only.md", "---\ntitle: Only\n---\n[Film](../assets/film.pdf)\n")
    (root / "assets").mkdir()
    with (root / "assets" / "film.pdf").open("wb") as f:
        f.truncate(26 * MIB)


def asset_over_limit(root: Path) -> None:
    (root / "assets").mkdir()
    with (root / "assets" / "film.mp4").open("wb") as f:
        f.truncate(201 * MIB)


def course_path_is_a_file(root: Path) -> None:
    shutil.rmtree(root)
    root.write_text("id: not-a-folder\n")


def course_path_missing(root: Path) -> None:
    shutil.rmtree(root)


def no_course_yml(root: Path) -> None:
    (root / "course.yml").unlink()


def deep_yaml_block_nesting(root: Path) -> None:
    write(root / "course.yml", (root / "course.yml").read_text() + "objectives:\n" + "- " * 70
          + "x\n")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _add_quiz(root: Path, name: str, text: str) -> None:
    stem = name.rsplit(".", 1)[0]
    _replace(root / "course.yml", "  - lesson: only\n", f"  - lesson: only\n  - quiz: {stem}\n")
    write(root / "quizzes" / name, text)


QUIZ = ("title: Check\nquestions:\n  - id: q1\n    type: true-false\n    prompt: {prompt}\n"
        "    answer: true\n")


def escape_in_course_title(root: Path) -> None:
    _replace(root / "course.yml", "title: Minimal course", "title: Minimal \x1b[2Jcourse")


def delete_in_module_title(root: Path) -> None:
    _replace(root / "course.yml", "  - lesson: only\n",
             "  - module: Basics\x7f\n    items:\n      - lesson: only\n")


def form_feed_in_quiz_prompt(root: Path) -> None:
    _add_quiz(root, "check.yml", QUIZ.format(prompt="Is it\x0c true?"))


def escape_in_gift_text(root: Path) -> None:
    _add_quiz(root, "check.gift", "// scormbuild: title: Check\n\n::Q1:: Is it\x1b true? {T}\n")


def control_characters_in_lesson_body(root: Path) -> None:
    write(root / "lessons" / "only.md", "---\ntitle: Only\n---\nText.\n\nA \x01 and\x08.\n")


def many_control_characters(root: Path) -> None:
    write(root / "lessons" / "only.md", "---\ntitle: Only\n---\n" + "Text\x1b.\n" * 9)


def non_character_in_lesson_title(root: Path) -> None:
    write(root / "lessons" / "only.md", "---\ntitle: On\ufffely\n---\nText.\n")


def escaped_nul_in_course_yml(root: Path) -> None:
    _replace(root / "course.yml", "title: Minimal course", 'title: "Minimal\\0 course"')


def alias_text_bomb(root: Path) -> None:
    """235 KB that once expanded to 1 GB: one 200 KB string, 5,000 aliases of it."""
    aliases = "".join("  - *d\n" for _ in range(5000))
    _replace(root / "course.yml", "title: Minimal course\n",
             f'title: Minimal course\ndescription: &d "{"x" * 200_000}"\nobjectives:\n{aliases}')


def course_yml_over_limit(root: Path) -> None:
    _replace(root / "course.yml", "title: Minimal course\n",
             "title: Minimal course\ndescription: >\n" + "  words words words\n" * 60_000)


def quiz_over_limit(root: Path) -> None:
    _add_quiz(root, "check.yml", QUIZ.format(prompt="Is it true?") + "    hint: >\n"
              + "      words words words\n" * 50_000)


CHAR_HINT = ("    hint: delete it (most editors do not show it; it often comes with text pasted "
             "from another program): a package cannot contain it\n")


def _two_logos(root: Path, first: str, second: str) -> None:
    (root / "assets").mkdir()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    (root / "assets" / first).write_bytes(svg)
    (root / "assets" / second).write_bytes(svg)
    write(root / "lessons" / "only.md", f"---\ntitle: Only\n---\n![Logo](../assets/{first})\n"
          f"![Logo](../assets/{second})\n")


def case_only_duplicate_names(root: Path) -> None:
    _two_logos(root, "Logo.svg", "logo.svg")


def unicode_form_duplicate_names(root: Path) -> None:
    _two_logos(root, unicodedata.normalize("NFC", "café.svg"), unicodedata.normalize("NFD", "café.svg"))


GENERATED: dict[str, tuple[Callable[[Path], None], int, str]] = {
    "symlinked-lesson": (symlinked_lesson, 1, (
        "{c}/lessons/secret.md: error: symbolic links are not allowed in a course\n"
        "    hint: copy the file into the course folder instead of linking to it\n"
        "{c}: 1 error, 0 warnings\n")),
    "symlinked-assets-folder": (symlinked_assets_folder, 1, (
        "{c}/assets: error: symbolic links are not allowed in a course\n"
        "    hint: copy the file into the course folder instead of linking to it\n"
        "{c}: 1 error, 0 warnings\n")),
    "non-utf8-lesson": (non_utf8_lesson, 1, (
        "{c}/lessons/only.md:2: error: file is not valid UTF-8 text\n"
        "    hint: save the file with UTF-8 encoding in your editor\n"
        "{c}: 1 error, 0 warnings\n")),
    "utf16-lesson": (utf16_lesson, 1, (
        "{c}/lessons/only.md:1: error: file contains NUL bytes, so it is not text\n"
        "    hint: save it again as plain UTF-8 text, or check that this is the right file\n"
        "{c}: 1 error, 0 warnings\n")),
    "nul-bytes-in-course-yml": (nul_bytes_in_course_yml, 1, (
        "{c}/course.yml:2: error: file contains NUL bytes, so it is not text\n"
        "    hint: save it again as plain UTF-8 text, or check that this is the right file\n"
        "{c}: 1 error, 0 warnings\n")),
    "huge-lesson": (huge_lesson, 1, (
        "{c}/lessons/only.md: error: file is 2.2 MiB (2,304,020 bytes), over the 2 MiB limit "
        "for a lesson\n    hint: split it into several lessons\n"
        "{c}: 1 error, 0 warnings\n")),
    "asset-over-budget": (asset_over_budget, 0, (
        "{c}/assets/film.pdf: warning: file is 26.0 MiB, over the 25.0 MiB budget for one file\n"
        "    hint: compress it (smaller images, a lower video bitrate); large files are slow for "
        "learners and some LMSs refuse them\n{c}: 0 errors, 1 warning\n")),
    "asset-over-limit": (asset_over_limit, 1, (
        "{c}/assets/film.mp4: error: file is 201 MiB, over the 200 MiB limit\n"
        "    hint: compress it or host it outside the package\n{c}: 1 error, 0 warnings\n")),
    "course-path-is-a-file": (course_path_is_a_file, 1, (
        "{abs}: error: is a file, not a course folder\n"
        "    hint: pass the folder that contains course.yml\n{c}: 1 error, 0 warnings\n")),
    "course-path-missing": (course_path_missing, 1, (
        "{abs}: error: course folder not found\n"
        "    hint: pass the folder that contains course.yml\n{c}: 1 error, 0 warnings\n")),
    "no-course-yml": (no_course_yml, 1, (
        "{c}/course.yml: error: course.yml not found in the course folder\n"
        "    hint: create {c}/course.yml or run 'scormbuild new {c}'\n"
        "{c}: 1 error, 0 warnings\n")),
    "deep-yaml-block-nesting": (deep_yaml_block_nesting, 1, (
        "{c}/course.yml:9:127: error: YAML syntax: values nested more than 64 levels deep\n"
        "    hint: course files need only a few levels: check for unbalanced brackets\n"
        "{c}: 1 error, 0 warnings\n")),
    "escape-in-course-title": (escape_in_course_title, 1, (
        "{c}/course.yml:2:16: error: contains the invisible control character U+001B (escape)\n"
        + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "delete-in-module-title": (delete_in_module_title, 1, (
        "{c}/course.yml:7:19: error: contains the invisible control character U+007F (delete)\n"
        + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "form-feed-in-quiz-prompt": (form_feed_in_quiz_prompt, 1, (
        "{c}/quizzes/check.yml:5:18: error: contains the invisible control character U+000C "
        "(form feed)\n" + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "escape-in-gift-text": (escape_in_gift_text, 1, (
        "{c}/quizzes/check.gift:3:13: error: contains the invisible control character U+001B "
        "(escape)\n" + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "control-characters-in-lesson-body": (control_characters_in_lesson_body, 1, (
        "{c}/lessons/only.md:6:3: error: contains the invisible control character U+0001\n"
        + CHAR_HINT
        + "{c}/lessons/only.md:6:8: error: contains the invisible control character U+0008 "
        "(backspace)\n" + CHAR_HINT + "{c}: 2 errors, 0 warnings\n")),
    "many-control-characters": (many_control_characters, 1, (
        "".join(f"{{c}}/lessons/only.md:{line}:5: error: contains the invisible control "
                f"character U+001B (escape)\n" + CHAR_HINT for line in range(4, 9))
        + "{c}/lessons/only.md:9: error: 4 more invisible characters from here on\n"
        "    hint: the same fix: retype the text from this line on, or paste it into a "
        "plain-text editor and copy it back\n{c}: 6 errors, 0 warnings\n")),
    "non-character-in-lesson-title": (non_character_in_lesson_title, 1, (
        "{c}/lessons/only.md:2:10: error: contains the non-character U+FFFE\n"
        + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "escaped-nul-in-course-yml": (escaped_nul_in_course_yml, 1, (
        "{c}/course.yml:2: error: title: contains the invisible control character U+0000 (NUL)\n"
        + CHAR_HINT + "{c}: 1 error, 0 warnings\n")),
    "alias-text-bomb": (alias_text_bomb, 1, (
        "{c}/course.yml:24:5: error: aliases expand the file to more than 4,194,304 characters "
        "of text\n    hint: each alias (*name) repeats its anchor's (&name) whole value: write "
        "the text out once instead of repeating it\n{c}: 1 error, 0 warnings\n")),
    "course-yml-over-limit": (course_yml_over_limit, 1, (
        "{c}/course.yml: error: file is 1.1 MiB (1,200,141 bytes), over the 1 MiB limit for "
        "course.yml\n    hint: course.yml holds settings and the outline: move long text into "
        "lessons\n{c}: 1 error, 0 warnings\n")),
    "quiz-over-limit": (quiz_over_limit, 1, (
        "{c}/quizzes/check.yml: error: file is 1.1 MiB (1,200,109 bytes), over the 1 MiB limit "
        "for a quiz file\n    hint: split it into several quizzes\n{c}: 1 error, 0 warnings\n")),
    "case-only-duplicate-names": (case_only_duplicate_names, 1, (
        "{c}/assets/logo.svg: error: file names 'assets/Logo.svg' and 'assets/logo.svg' differ "
        "only in case\n    hint: rename or delete one: Windows and macOS see one file, and an "
        "LMS unpacking the package keeps only one of them\n{c}: 1 error, 0 warnings\n")),
    "unicode-form-duplicate-names": (unicode_form_duplicate_names, 1, (
        "{c}/assets/caf\u00e9.svg: error: file names 'assets/cafe\u0301.svg' and "
        "'assets/caf\u00e9.svg' are the same name written in two Unicode forms (NFC and NFD)\n"
        "    hint: rename or delete one: Windows and macOS see one file, and an LMS unpacking the "
        "package keeps only one of them\n{c}: 1 error, 0 warnings\n")),
}


@pytest.mark.parametrize("fault", sorted(GENERATED))
def test_generated_broken_course(fault: str, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    make, exit_code, expected = GENERATED[fault]
    root = _minimal(tmp_path / fault)
    make(root)
    code, stdout, stderr = run_check(tmp_path, fault, monkeypatch)
    assert stdout == ""
    assert stderr == expected.format(c=fault, abs=tmp_path / fault)
    assert code == exit_code


def test_corpus_is_large_enough() -> None:
    assert len(FOLDER_CASES) + len(GENERATED) >= 40
