"""`scormbuild new`'s course and the committed JSON Schemas."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from scormbuild import pipeline, scaffold
from scormbuild.targets import TARGETS

REPO = Path(__file__).resolve().parents[1]
REGENERATE = "scormbuild schema {kind} > schemas/{kind}.schema.json"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "new-course"
    scaffold.write_course(folder, "New course", "new-course", "en-US")
    return folder


def test_the_new_course_checks_clean_for_every_target(course: Path) -> None:
    assert pipeline.check(course, list(TARGETS)) == []


def test_the_new_course_builds_at_once(course: Path, tmp_path: Path) -> None:
    results = pipeline.build(course, list(TARGETS), tmp_path / "dist")
    assert [r.target for r in results] == list(TARGETS)
    with zipfile.ZipFile(results[0].path) as zf:
        names = zf.namelist()
    assert "assets/diagram.svg" in names  # the lesson's image is packaged


def test_the_new_course_uses_the_features_authors_start_with(course: Path) -> None:
    lesson = (course / "lessons" / "welcome.md").read_text()
    assert "!!! tip" in lesson and "](../assets/diagram.svg)" in lesson
    kinds = {p.stem: re.search(r"^kind: (\S+)", p.read_text(), re.M).group(1)  # type: ignore[union-attr]
             for p in (course / "quizzes").glob("*.yml")}
    assert kinds == {"check-welcome": "knowledge-check", "final-assessment": "assessment"}
    assert (course / "assets" / "diagram.svg").read_text().startswith("<svg")


def test_yaml_files_point_editors_at_schemas_that_exist(course: Path) -> None:
    for path in [course / "course.yml", *sorted((course / "quizzes").glob("*.yml"))]:
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, f"{path.name}: no modeline"
        schema = (path.parent / match.group(1)).resolve()
        assert schema.is_file(), f"{path.name}: {schema} missing"
        kind = "course" if path.name == "course.yml" else "quiz"
        assert schema.read_text() == scaffold.schema_text(kind)


def test_write_course_refuses_a_non_empty_folder(course: Path) -> None:
    with pytest.raises(scaffold.ScaffoldError, match="is not empty"):
        scaffold.write_course(course, "Again", "again", "en-US")


@pytest.mark.parametrize(("text", "slug"), [
    ("Safe lifting", "safe-lifting"), ("  Hygiène & Sécurité 2024 ", "hygiene-securite-2024"),
    ("---", "my-course"), ("日本語", "my-course"), ("a" * 80, "a" * 64)])
def test_slugify(text: str, slug: str) -> None:
    assert scaffold.slugify(text) == slug


def test_title_from_a_folder_name() -> None:
    assert scaffold.title_from("safe_lifting-basics") == "Safe lifting basics"
    assert scaffold.title_from("") == "My course"


@pytest.mark.parametrize("kind", scaffold.SCHEMA_KINDS)
def test_committed_schemas_are_up_to_date(kind: scaffold.SchemaKind) -> None:
    committed = REPO / "schemas" / f"{kind}.schema.json"
    assert committed.is_file(), f"missing; run: {REGENERATE.format(kind=kind)}"
    assert committed.read_text() == scaffold.schema_text(kind), (
        f"schemas/{kind}.schema.json is out of date with specs.py; regenerate it from the "
        f"repository root with:\n    {REGENERATE.format(kind=kind)}\nand commit it")


def test_schemas_describe_the_spec_keys() -> None:
    course = json.loads(scaffold.schema_text("course"))
    assert course["$schema"] == scaffold.SCHEMA_DIALECT
    assert {"id", "title", "outline", "pass_mark"} <= set(course["properties"])
    assert course["additionalProperties"] is False  # unknown keys are errors, as in check
    quiz = json.loads(scaffold.schema_text("quiz"))
    assert {"title", "kind", "questions"} <= set(quiz["properties"])


@pytest.mark.parametrize("title", ["a\x01b", "\x1b[2J", "bell\x07", "x\x7f", "x\ufffe"])
def test_a_title_with_control_characters_is_refused_before_anything_is_written(
        tmp_path: Path, title: str) -> None:
    with pytest.raises(scaffold.ScaffoldError, match="character U\\+"):
        scaffold.write_course(tmp_path / "new", title, "new-course", "en-US")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_an_interrupted_new_course_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  fault: BaseException | type) -> None:
    written: list[Path] = []
    original = Path.write_text

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        if len(written) == 3:
            raise fault  # type: ignore[misc]
        written.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(type(fault) if isinstance(fault, BaseException) else fault):
        scaffold.write_course(tmp_path / "c", "C", "c", "en-US")
    assert list(tmp_path.iterdir()) == []  # neither the course nor its staging folder


def test_new_course_into_an_existing_empty_folder_keeps_its_place(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    written = scaffold.write_course(tmp_path / "c", "C", "c", "en-US")
    assert (tmp_path / "c" / "course.yml") in written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]
    assert all(p.is_file() for p in written)
