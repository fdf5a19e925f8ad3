"""sources.py: YAML and front matter reading, shape errors with file:line and a hint."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from scormbuild import specs, yamltree
from scormbuild.errors import Diagnostic, at
from scormbuild.pipeline import check
from scormbuild.sources import read_course
from support import CourseFactory, write


def rendered(course: Path) -> list[str]:
    return [d.render() for d in check(course)]


def test_fixture_course_reads_cleanly(course_copy: CourseFactory) -> None:
    sources = read_course(course_copy("features"))
    assert sources.diagnostics == []
    assert sources.spec is not None and sources.spec.id == "features"
    assert [e.name for e in sources.outline] == ["intro", "check", "second", "final"]
    assert sources.outline[0].module == "One" and sources.outline[2].module is None
    assert sources.outline[1].where.line == 18


def test_unknown_key_suggests_the_near_miss(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    text = (course / "course.yml").read_text().replace("title:", "titel: x\ntitle:")
    write(course / "course.yml", text)
    assert rendered(course) == [
        "course.yml:2:1: error: unknown key 'titel'\n    hint: did you mean 'title'?",
    ]


def test_missing_required_key(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "course.yml", "id: minimal\noutline:\n  - lesson: only\n")
    assert rendered(course) == [
        "course.yml:1:1: error: missing required key 'title'\n"
        "    hint: add 'title:' here; run `scormbuild docs course`",
    ]


def test_bad_id_and_version_name_the_rule(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    text = (course / "course.yml").read_text().replace("id: minimal", "id: My Course\nversion: 1.0")
    write(course / "course.yml", text)
    assert rendered(course) == [
        "course.yml:1:1: error: 'My Course' is not a valid id\n"
        "    hint: use lowercase letters, digits and single hyphens, e.g. 'professional-boundaries'",
        "course.yml:2:1: error: version: expected text, found 1.0\n"
        "    hint: use a semantic version such as 1.0.0 (quote it if your editor changes it)",
    ]


def test_yaml_syntax_error_has_line_and_column(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "course.yml", "id: minimal\ntitle: [unclosed\noutline: []\n")
    (line,) = rendered(course)
    assert line.startswith("course.yml:3:")
    assert "error: YAML syntax:" in line


def test_duplicate_key_is_an_error(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    text = (course / "course.yml").read_text() + "title: Again\n"
    write(course / "course.yml", text)
    (line,) = rendered(course)
    assert line.startswith("course.yml:")
    assert "duplicate key" in line and "each key may appear only once" in line


def test_lesson_without_front_matter(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "lessons" / "only.md", "# Just text\n")
    assert rendered(course) == [
        "lessons/only.md:1:1: error: lesson has no front matter\n"
        "    hint: start the file with a '---' line, 'title: ...', and another '---' line",
    ]


def test_front_matter_error_line_counts_the_fence(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    write(course / "lessons" / "only.md", "---\ntitle: Only\nobjectivs: [x]\n---\nBody\n")
    assert rendered(course) == [
        "lessons/only.md:3:1: error: unknown key 'objectivs'\n    hint: did you mean 'objectives'?",
    ]


def test_non_utf8_file(course_copy: CourseFactory) -> None:
    course = course_copy("minimal")
    (course / "lessons" / "only.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    assert rendered(course) == [
        "lessons/only.md:2: error: file is not valid UTF-8 text\n"
        "    hint: save the file with UTF-8 encoding in your editor",
    ]


def test_unknown_question_type(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    path = course / "quizzes" / "check.yml"
    write(path, path.read_text().replace("type: single", "type: singel"))
    assert rendered(course) == [
        "quizzes/check.yml:4:5: error: unknown question type 'singel'\n"
        "    hint: did you mean 'single'? types: single, multiple, true-false, fill-in, numeric, "
        "matching, ordering, likert",
    ]


def test_symlink_is_refused(course_copy: CourseFactory, tmp_path: Path) -> None:
    course = course_copy("minimal")
    outside = write(tmp_path / "secret.txt", "secret")
    (course / "lessons" / "link.md").symlink_to(outside)
    assert (
        "lessons/link.md: error: symbolic links are not allowed in a course" in rendered(course)[0]
    )


def test_unquoted_colon_in_text_gets_a_quoting_hint(course_copy: CourseFactory) -> None:
    course = course_copy("features")
    path = course / "quizzes" / "check.yml"
    write(path, path.read_text().replace("prompt: Pick b.", "prompt: Boundary crossing: pick b."))
    assert rendered(course) == [
        "quizzes/check.yml:5:30: error: YAML syntax: mapping values are not allowed in this context\n"
        "    hint: text that contains ': ' must be quoted (\"...\"), or write '>' after the key and "
        "the text indented on the next lines",
    ]


# --- hostile input at the reader (issue 13) ---------------------------------------------------


def _yaml_error(text: str) -> str:
    with pytest.raises(yamltree.MarkedYAMLError) as err:
        yamltree.load(text)
    mark = err.value.problem_mark
    return f"{mark.line + 1}:{mark.column + 1}: {err.value.problem}"


def test_aliases_are_bounded_by_expanded_text_at_the_alias_that_crosses() -> None:
    big = "x" * (yamltree.MAX_CHARS // 4 - 10)  # the anchor and three aliases fit
    text = f'a: &big "{big}"\nb:\n  - *big\n  - *big\n  - *big\n  - *big\n'
    assert _yaml_error(text) == (
        f"6:5: aliases expand the file to more than {yamltree.MAX_CHARS:,} characters of text")
    assert yamltree.load(text.rsplit("  - *big\n", 1)[0] + "\n")["b"] == [big] * 3  # at the limit


def test_aliases_of_anchors_count_their_whole_expansion() -> None:
    # an anchored list of aliases is counted expanded: 30 x 30 x 300 values, each tiny
    leaf = "[" + ", ".join("v" for _ in range(300)) + "]"
    text = (f"a: &a {leaf}\nb: &b [" + ", ".join("*a" for _ in range(30)) + "]\n"
            "c: [" + ", ".join("*b" for _ in range(30)) + "]\n")
    assert _yaml_error(text).endswith(f"aliases expand the file to more than "
                                      f"{yamltree.MAX_NODES:,} values")
    assert _yaml_error(text).startswith("3:")


def test_many_values_without_aliases_are_not_blamed_on_aliases() -> None:
    text = "a: [" + ", ".join("1" for _ in range(yamltree.MAX_NODES)) + "]\n"
    assert _yaml_error(text).endswith(f"the file has more than {yamltree.MAX_NODES:,} values")


def test_diagnostics_never_send_control_characters_to_the_terminal() -> None:
    diag = Diagnostic(at("course.yml", 2), "'\x1b[2Jx' is not a valid id", "fix \x07 \ud800")
    assert diag.render() == ("course.yml:2: error: '\\x1b[2Jx' is not a valid id\n"
                             "    hint: fix \\x07 \\ud800")


def _numeric_fields() -> list[tuple[str, Any]]:
    """(Model.field, annotation) of every number in every spec class."""
    found = []
    for model in {m for cls in (specs.CourseSpec, specs.LessonSpec, specs.QuizSpec,
                                *typing.get_args(typing.get_args(specs.QuestionSpec)[0]))
                  for m in _models(cls)}:
        for name, field in model.model_fields.items():
            kinds = {a for a in _flat(field.annotation) if a in (int, float)}
            if kinds:
                whole = (Annotated[field.annotation, *field.metadata] if field.metadata
                         else field.annotation)
                found.append((f"{model.__name__}.{name}", whole))
    return sorted(found, key=lambda item: item[0])


def _flat(annotation: Any) -> set[Any]:
    out = {annotation}
    for arg in typing.get_args(annotation):
        out |= _flat(arg)
    return out


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    out = {model}
    for field in model.model_fields.values():
        for sub in _flat(field.annotation):
            if isinstance(sub, type) and issubclass(sub, BaseModel) and sub not in out:
                out |= _models(sub)
    return out


NUMERIC_FIELDS = _numeric_fields()


def test_every_numeric_field_is_found() -> None:
    names = {name for name, _ in NUMERIC_FIELDS}
    assert {"CourseSpec.pass_mark", "FontSpec.weight", "NumericSpec.tolerance", "PoolSpec.draw",
            "QuizSpec.weight", "SingleSpec.points"} <= names
    assert len(names) >= 17


@pytest.mark.parametrize(("field", "annotation"), NUMERIC_FIELDS,
                         ids=[name for name, _ in NUMERIC_FIELDS])
@pytest.mark.parametrize("bad", [True, False, float("nan"), float("inf"), float("-inf"), "80",
                                 10**400], ids=["true", "false", "nan", "inf", "-inf", "text",
                                                "huge"])
def test_every_numeric_field_refuses_booleans_text_and_non_finite(
        field: str, annotation: Any, bad: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(annotation).validate_python(bad)
