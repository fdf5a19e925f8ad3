"""The only place that orders the stages: sources, model, markup, theme, target, xsd, zip."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2
from jinja2.exceptions import SecurityError

from . import archive, xsd
from .audit import LessonDuration, audit_course, lesson_durations
from .branding import check_branding
from .errors import CourseInvalid, Diagnostic, Location, has_errors
from .i18n import available_languages, catalog_for, has_catalog
from .itemlint import GuessEstimate, lint_course
from .markup import CALLOUTS, MarkupContext, PageLinks, render_texts
from .model import Course, build_course
from .quiz import Quiz
from .sources import CourseSources, Locator, read_asset, read_course
from .targets import TARGETS, Target
from .theme import SANDBOX_HINT, Site, Texts, make_theme, render_site


@dataclass(frozen=True, slots=True)
class Compiled:
    """A course read, checked and rendered to markup, ready for any target."""

    root: Path
    course: Course
    texts: Texts
    assets: dict[PurePosixPath, bytes]
    templates: Path | None
    warnings: tuple[Diagnostic, ...]
    rules: dict[Diagnostic, str] = field(default_factory=dict)  # item-writing rule of a warning
    guesses: tuple[GuessEstimate, ...] = ()  # the test-wise guesser on each graded quiz


@dataclass(frozen=True, slots=True)
class BuildResult:
    """One package written."""

    course_id: str
    target: str
    path: Path
    size: int
    files: int
    warnings: tuple[Diagnostic, ...] = field(default=())


def compile_course(root: Path) -> Compiled:
    """Read, check and render a course folder; raises CourseInvalid with every problem found."""
    sources = read_course(root)
    diags = list(sources.diagnostics)
    course, found = build_course(sources)
    diags.extend(found)
    if course is None or has_errors(diags):
        raise CourseInvalid(diags)
    if not has_catalog(course.language):
        diags.append(Diagnostic(
            sources.locate.at("language"), f"language '{course.language}' has no catalog of "
            "player strings, so buttons, notices and feedback will be in English",
            "use a language with a catalog (" + ", ".join(available_languages()) + "), or add "
            f"locales/{course.language.split('-')[0].lower()}.json to scormbuild (copy en.json)",
            "warning"))
    texts, used, found = _render_texts(course, sources)
    diags.extend(found)
    if course.branding.logo is not None:
        if course.branding.logo in sources.assets:
            used.add(course.branding.logo)
        else:
            diags.append(Diagnostic(sources.locate.at("branding", "logo"),
                                    f"logo '{course.branding.logo}' not found",
                                    "give the path from the course folder, e.g. assets/logo.svg"))
    fonts, found = check_branding(course.branding, sources.locate.at, sources.assets)
    used |= fonts
    diags.extend(found)
    for path in sorted(set(sources.assets) - used):
        diags.append(Diagnostic(Location(path), "asset is not used by any lesson or quiz",
                                "it is left out of the package; delete it or link to it",
                                "warning"))
    if has_errors(diags):
        raise CourseInvalid(diags)
    assets = {path: read_asset(root, path) for path in sorted(used)}
    diags.extend(audit_course(course, sources, assets))
    lint = lint_course(course, sources)
    diags.extend(lint.diagnostics)
    if has_errors(diags):  # e.g. a saved state that cannot fit in suspend_data
        raise CourseInvalid(diags)
    return Compiled(root, course, texts, assets, sources.templates, tuple(diags),
                    {hit.diagnostic: hit.rule for hit in lint.hits}, lint.guesses)


def _render_texts(course: Course, sources: CourseSources
                  ) -> tuple[Texts, set[PurePosixPath], list[Diagnostic]]:
    strings = catalog_for(course.language)
    ctx = MarkupContext(PageLinks(frozenset(p.name for p in course.pages),
                                  frozenset(sources.assets)), course.allow_html,
                        {kind: strings[f"callout_{kind}"] for kind in sorted(CALLOUTS)})
    lessons: dict[str, str] = {}
    quiz_texts: dict[str, dict[str, str]] = {}
    used: set[PurePosixPath] = set()
    diags: list[Diagnostic] = []
    anchors: set[str] = set()
    anchor_links: list[tuple[str, Location]] = []
    for page in course.pages:
        if page.lesson is not None:
            lesson = page.lesson
            rendered = ctx.render(lesson.body, lesson.path, page.name, lesson.body_line)
            if not lesson.body.strip():
                rendered.diagnostics.append(Diagnostic(
                    Location(lesson.path, lesson.body_line), "lesson has no content",
                    "write the lesson below the front matter", "warning"))
            lessons[page.name] = rendered.html
        else:
            assert page.quiz is not None
            source = sources.quizzes[page.name]
            html, rendered = render_texts(ctx, _quiz_markdown(page.quiz), source.path, page.name,
                                          _quiz_lines(page.quiz, source.locate))
            quiz_texts[page.name] = html
        used |= rendered.assets
        diags.extend(rendered.diagnostics)
        anchors |= rendered.anchors
        anchor_links.extend(rendered.anchor_links)
    for anchor, where in anchor_links:
        if anchor not in anchors:
            page_name, _, heading = anchor.partition("--")
            diags.append(Diagnostic(where, f"link to '#{heading}' points at no heading of page "
                                    f"'{page_name}'", "use the heading's text in lowercase with "
                                    "hyphens, e.g. '#my-heading' for '## My heading'", "warning"))
    return Texts(lessons, quiz_texts), used, diags


def _quiz_markdown(quiz: Quiz) -> dict[str, str | None]:
    texts: dict[str, str | None] = {"introduction": quiz.introduction}
    for q in quiz.questions:
        key = f"{q.id}."
        texts.update({key + "prompt": q.prompt, key + "feedback.correct": q.feedback_correct,
                      key + "feedback.incorrect": q.feedback_incorrect,
                      key + "explanation": q.explanation, key + "hint": q.hint})
        for c in q.choices:
            if c.text:
                texts[f"{key}choice.{c.id}"] = c.text
            texts[f"{key}choice.{c.id}.feedback"] = c.feedback
    return texts


def _quiz_lines(quiz: Quiz, locate: Locator) -> dict[str, int | None]:
    """Where each text of `_quiz_markdown` starts in the quiz file."""
    lines: dict[str, int | None] = {"introduction": locate.text_line("introduction")}
    for i, q in enumerate(quiz.questions):
        key, at = f"{q.id}.", ("questions", i)
        for name, loc in (("prompt", ("prompt",)), ("feedback.correct", ("feedback", "correct")),
                          ("feedback.incorrect", ("feedback", "incorrect")),
                          ("explanation", ("explanation",)), ("hint", ("hint",))):
            lines[key + name] = locate.text_line(*at, *loc)
        for j, c in enumerate(q.choices):
            if q.type == "true-false":
                lines[f"{key}choice.{c.id}.feedback"] = locate.text_line(
                    *at, "feedback_true" if c.id == "t" else "feedback_false")
                continue
            field = "scale" if q.type == "likert" else "choices"
            text_loc = (*at, field, j) if q.type == "likert" else (*at, field, j, "text")
            lines[f"{key}choice.{c.id}"] = locate.text_line(*text_loc)
            lines[f"{key}choice.{c.id}.feedback"] = locate.text_line(*at, field, j, "feedback")
    return lines


def render_package(compiled: Compiled, target: Target, templates: Path | None = None) -> Site:
    """Every file of one target's package, in memory, with the manifest checked by its XSD."""
    theme = make_theme(compiled.templates, templates)
    try:
        site = render_site(compiled.course, compiled.texts, theme, target.adapter,
                           compiled.assets, connect_src=target.connect_src,
                           extra_scripts=target.scripts)
    except jinja2.TemplateError as err:  # a course's own templates/ can be broken
        raise CourseInvalid([_template_error(err, compiled.root)]) from err
    files = dict(site)
    files.update(target.write(compiled.course, site))
    if target.schema is not None and target.manifest_name is not None:  # html has neither
        errors = xsd.validate_xml(target.schema, files[target.manifest_name],  # type: ignore[arg-type]
                                  target.manifest_name)
        if errors:
            raise CourseInvalid(errors)
    return files


def _template_error(err: jinja2.TemplateError, root: Path) -> Diagnostic:
    """Where a template failed (its file and line when Jinja knows them) and what to do."""
    filename, line = getattr(err, "filename", None), getattr(err, "lineno", None)
    if filename is None:  # errors while rendering carry their place in the traceback only
        for frame in traceback.extract_tb(err.__traceback__)[::-1]:
            if frame.filename.endswith((".html", ".xml", ".js", ".css")):
                filename, line = frame.filename, frame.lineno
                break
    path = Path(filename) if filename else Path("templates")
    with contextlib.suppress(ValueError):
        path = path.resolve().relative_to(root.resolve())
    where = Location(PurePosixPath(path.as_posix()), line)
    if isinstance(err, jinja2.TemplateNotFound):
        return Diagnostic(where, f"template error: no template '{err.name}' in the template "
                          "folders", "a template can include only templates of the course's "
                          "templates/ folder, of --templates or of the default theme, named "
                          "from that folder (no '..', no absolute paths)")
    if isinstance(err, SecurityError):
        return Diagnostic(where, f"template refused by the sandbox: {err.message}", SANDBOX_HINT)
    return Diagnostic(where, f"template error: {err.message or type(err).__name__}",
                      "fix the template, or delete it to use the default one")


def package_name(course: Course, target: Target) -> str:
    """dist/ file name: <course-id>-<version>-<target>.zip."""
    return f"{course.id}-{course.version}-{target.name}.zip"


def build(root: Path, target_names: Sequence[str], out_dir: Path,
          templates: Path | None = None) -> list[BuildResult]:
    """Build one course for each target into out_dir; nothing is written when a check fails."""
    compiled = compile_course(root)
    packages = [(TARGETS[name], render_package(compiled, TARGETS[name], templates))
                for name in target_names]
    archive.sweep_temporaries(out_dir)
    writes = [(out_dir / package_name(compiled.course, target), files)
              for target, files in packages]
    # all or nothing: a full disk at the last target leaves every previous zip as it was
    sizes = archive.write_zips(writes)
    return [BuildResult(compiled.course.id, target.name, dest, size, len(files),
                        compiled.warnings)
            for (dest, files), size, (target, _) in zip(writes, sizes, packages, strict=True)]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `check` found: every diagnostic, and the estimates behind some of the warnings."""

    diagnostics: list[Diagnostic]
    rules: dict[Diagnostic, str] = field(default_factory=dict)  # item-writing rule of a warning
    guesses: tuple[GuessEstimate, ...] = ()  # the test-wise guesser on each graded quiz
    durations: tuple[LessonDuration, ...] = ()  # each lesson's estimated time


def check_course(root: Path, target_names: Iterable[str] = ("scorm12",),
                 templates: Path | None = None) -> CheckResult:
    """Every problem of a course, with the linter's rule ids and estimates; writes nothing."""
    try:
        compiled = compile_course(root)
        for name in target_names:
            render_package(compiled, TARGETS[name], templates)
    except CourseInvalid as invalid:
        return CheckResult(invalid.diagnostics)
    return CheckResult(list(compiled.warnings), compiled.rules, compiled.guesses,
                       lesson_durations(compiled.course, compiled.assets))


def check(root: Path, target_names: Iterable[str] = ("scorm12",),
          templates: Path | None = None) -> list[Diagnostic]:
    """Every problem of a course, errors and warnings, without writing anything."""
    return check_course(root, target_names, templates).diagnostics
