"""`scormbuild docs` and `--version`: the format reference that ships with the tool, by topic."""

from __future__ import annotations

import ast
import re
import webbrowser
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scormbuild import cli, reference

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "scormbuild"


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli.app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_version_prints_the_installed_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"scormbuild {version('scormbuild')}\n"


def test_docs_without_a_topic_lists_every_topic() -> None:
    result = run("docs")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert listed == list(reference.TOPICS)
    assert {"quizzes", "lessons", "course", "gift", "moodle", "ci"} <= set(listed)


@pytest.mark.parametrize("name", list(reference.TOPICS))
def test_each_topic_prints_its_part_of_the_docs(name: str) -> None:
    topic = reference.TOPICS[name]
    result = run("docs", name)
    assert result.exit_code == 0
    whole = (REPO / "docs" / topic.file).read_text(encoding="utf-8")
    if topic.heading is None:
        assert result.stdout == whole
    else:
        assert result.stdout.startswith(f"## {topic.heading}")
        assert result.stdout in whole
        # one section: no other second-level heading outside code blocks
        outside_fences = re.sub(r"```.*?```", "", result.stdout, flags=re.S)
        assert len(re.findall(r"^## ", outside_fences, flags=re.M)) == 1


def test_a_section_ends_at_the_next_heading() -> None:
    quizzes = reference.topic_text("quizzes")
    assert "### Question types" in quizzes
    assert "Moodle GIFT: `quizzes/<name>.gift`" not in quizzes
    assert reference.topic_text("QUIZZES") == quizzes


def test_an_unknown_topic_is_a_usage_error_with_did_you_mean() -> None:
    result = run("docs", "quizes")
    assert result.exit_code == 2
    assert "no documentation topic 'quizes' (did you mean 'quizzes'?)" in result.stderr
    assert "topics: " + ", ".join(reference.TOPICS) in result.stderr
    far = run("docs", "xyzzy")
    assert far.exit_code == 2
    assert "did you mean" not in far.stderr


def test_open_writes_an_html_page_and_opens_it(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    result = run("docs", "gift", "--open")
    assert result.exit_code == 0
    page = Path(result.stdout.strip())
    assert page.parent == tmp_path
    assert opened == [page.as_uri()]
    text = page.read_text(encoding="utf-8")
    assert "<h2>Moodle GIFT: <code>quizzes/&lt;name&gt;.gift</code></h2>" in text
    assert "<table>" in text


def _message_strings(tree: ast.AST) -> list[str]:
    """String constants of a module except docstrings (developer notes may cite docs/)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_every_docs_hint_in_the_code_names_a_topic() -> None:
    named: set[str] = set()
    for path in SRC.rglob("*.py"):
        for text in _message_strings(ast.parse(path.read_text(encoding="utf-8"))):
            named.update(re.findall(r"scormbuild docs ([a-z]\w*)", text))
            # a pip user has no docs/ folder: hints name the command, never a path
            assert "docs/" not in text, (path, text)
    assert {"course", "quizzes", "lessons", "gift"} <= named
    assert named <= set(reference.TOPICS)


def test_the_wheel_maps_every_documented_file() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for topic in reference.TOPICS.values():
        assert f'"docs/{topic.file}" = "scormbuild/docs/{topic.file}"' in pyproject
