"""The only place that orders the stages: sources, model, markup, theme, target, xsd, zip."""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
from collections.abc import Iterable, Mapping, Sequence
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
from .markup import CALLOUTS, MarkupContext, PageLinks, Rendered, render_texts
from .model import Course, Page, build_course
from .quiz import Quiz
from .sources import (
    COURSE_FILE,
    CourseSources,
    LessonSource,
    Locator,
    QuizSource,
    read_asset,
    read_course,
    read_lesson,
)
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
    # what recompile_course may reuse: the files as read, each page's markup as rendered
    sources: CourseSources | None = field(default=None, compare=False, repr=False)
    markup: Mapping[str, PageMarkup] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PageMarkup:
    """One page's markdown rendered, with the inputs it was rendered from (to reuse it)."""

    key: tuple[object, ...]  # everything the rendering read, besides the course-wide context
    source: LessonSource | QuizSource
    rendered: Rendered  # assets, diagnostics and anchors of every text of the page
    html: str | dict[str, str]  # a lesson's body, or a quiz's texts by key


@dataclass(frozen=True, slots=True)
class BuildResult:
    """One package written."""

    course_id: str
    target: str
    path: Path
    size: int
    files: int
    warnings: tuple[Diagnostic, ...] = field(default=())


def compile_course(root: Path, *, reusable: bool = False) -> Compiled:
    """Read, check and render a course folder; raises CourseInvalid with every problem found.

    `reusable` keeps what recompile_course reuses (the sources read, each page's rendered
    markup): the preview wants it; a build does not (about 13 MB more at 2,000 pages).
    """
    return _compile(root, read_course(root), None, reusable)


def recompile_course(previous: Compiled, changed: Iterable[Path]) -> Compiled:
    """compile_course(previous.root) after the files `changed` (absolute paths: every file
    changed since `previous` was compiled, including during failed compiles) changed.
    The result is reusable; `previous` should be too (else everything is read again).

    Re-reads only the lessons that changed when nothing else did, and re-renders only the
    pages whose markdown or links changed; anything else it is not sure about (course.yml,
    quizzes, assets, templates, added or removed files, a file with problems) reads the whole
    folder again. The result is equal to a fresh compile_course, diagnostics included; raises
    CourseInvalid like it.
    """
    sources = _reread(previous, changed)
    return _compile(previous.root, sources or read_course(previous.root), previous, True)


def _reread(previous: Compiled, changed: Iterable[Path]) -> CourseSources | None:
    """The previous sources with the changed lessons read again, or None when only reading the
    whole folder is sure to give what read_course would."""
    old = previous.sources
    if old is None:
        return None
    root = previous.root
    known = {PurePosixPath(COURSE_FILE), *(s.path for s in old.lessons.values()),
             *(s.path for s in old.quizzes.values()), *old.assets,
             *(d.where.path for d in old.diagnostics)}
    lessons = dict(old.lessons)
    for full in changed:
        if not full.is_relative_to(root):
            return None  # a --templates folder
        rel = PurePosixPath(full.relative_to(root).as_posix())
        if not rel.parts or rel.parts[0] == "templates":
            return None
        if not full.exists() and not full.is_symlink():
            if any(rel == path or rel in path.parents for path in known):
                return None  # a file (or folder) the course used is gone
            continue  # an editor's temporary file, created and removed again
        lesson = old.lessons.get(rel.stem)
        if (lesson is None or lesson.path != rel or full.is_symlink() or not full.is_file()
                or any(d.where.path == rel for d in old.diagnostics)):
            return None
        found: list[Diagnostic] = []
        source = read_lesson(root, rel, found)
        if source is None or found:  # its diagnostics belong between other files' ones
            return None
        lessons[source.name] = source
    return dataclasses.replace(old, lessons=lessons)


def _compile(root: Path, sources: CourseSources, previous: Compiled | None,
             reusable: bool) -> Compiled:
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
    texts, used, found, markup = _render_texts(course, sources,
                                               previous.markup if previous else {})
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
    # assets are re-read unless the sources are the previous ones with only lessons changed
    kept = previous.assets if previous and previous.sources is not None and \
        previous.sources.assets is sources.assets else {}
    assets = {path: kept[path] if path in kept else read_asset(root, path)
              for path in sorted(used)}
    diags.extend(audit_course(course, sources, assets))
    lint = lint_course(course, sources)
    diags.extend(lint.diagnostics)
    if has_errors(diags):  # e.g. a saved state that cannot fit in suspend_data
        raise CourseInvalid(diags)
    rules = {hit.diagnostic: hit.rule for hit in lint.hits}
    if not reusable:
        return Compiled(root, course, texts, assets, sources.templates, tuple(diags), rules,
                        lint.guesses)
    return Compiled(root, course, texts, assets, sources.templates, tuple(diags), rules,
                    lint.guesses, sources, markup)


def _render_texts(course: Course, sources: CourseSources, previous: Mapping[str, PageMarkup]
                  ) -> tuple[Texts, set[PurePosixPath], list[Diagnostic], dict[str, PageMarkup]]:
    """Every page's markdown as HTML; a page of `previous` rendered from the same inputs (and
    the same context: page names, asset files, allow_html, language) is reused as it is."""
    strings = catalog_for(course.language)
    callouts = {kind: strings[f"callout_{kind}"] for kind in sorted(CALLOUTS)}
    links = PageLinks(frozenset(p.name for p in course.pages), frozenset(sources.assets))
    ctx = MarkupContext(links, course.allow_html, callouts)
    context_key: tuple[object, ...] = (links, course.allow_html, tuple(callouts.items()))
    if previous:  # compared once here; each page's key then starts with the very same object
        earlier = next(iter(previous.values())).key[0]
        if earlier == context_key:
            context_key = earlier
    lessons: dict[str, str] = {}
    quiz_texts: dict[str, dict[str, str]] = {}
    used: set[PurePosixPath] = set()
    diags: list[Diagnostic] = []
    anchors: set[str] = set()
    anchor_links: list[tuple[str, Location]] = []
    markup: dict[str, PageMarkup] = {}
    for page in course.pages:
        source: LessonSource | QuizSource
        if page.lesson is not None:
            lesson = page.lesson
            source = sources.lessons[page.name]
            key: tuple[object, ...] = (context_key, lesson.path, lesson.body_line, lesson.body)
        else:
            assert page.quiz is not None
            source = sources.quizzes[page.name]
            key = (context_key, page.quiz)
        done = previous.get(page.name)
        if done is None or done.key != key or (page.quiz is not None and done.source is not source):
            done = _render_page(ctx, page, source, key)
        markup[page.name] = done
        if isinstance(done.html, str):
            lessons[page.name] = done.html
        else:
            quiz_texts[page.name] = done.html
        rendered = done.rendered
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
    return Texts(lessons, quiz_texts), used, diags, markup


def _render_page(ctx: MarkupContext, page: Page, source: LessonSource | QuizSource,
                 key: tuple[object, ...]) -> PageMarkup:
    """One page's markdown: a lesson's body, or every text of a quiz (a quiz's lines come from
    its file's positions, so it is reused only while its source is the same object)."""
    if page.lesson is not None:
        lesson = page.lesson
        rendered = ctx.render(lesson.body, lesson.path, page.name, lesson.body_line)
        if not lesson.body.strip():
            rendered.diagnostics.append(Diagnostic(
                Location(lesson.path, lesson.body_line), "lesson has no content",
                "write the lesson below the front matter", "warning"))
        return PageMarkup(key, source, rendered, rendered.html)
    assert page.quiz is not None and isinstance(source, QuizSource)
    texts = _quiz_markdown(page.quiz)
    html, rendered = render_texts(ctx, texts, source.path, page.name,
                                  _quiz_lines(page.quiz, source.locate, texts))
    return PageMarkup(key, source, rendered, html)


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


def _quiz_lines(quiz: Quiz, locate: Locator, texts: Mapping[str, str | None]
                ) -> dict[str, int | None]:
    """Where each text of `_quiz_markdown` starts in the quiz file (only the texts given:
    looking up an absent key walks the tree for nothing)."""
    lines: dict[str, int | None] = {}

    def put(key: str, *loc: str | int) -> None:
        if texts.get(key):
            lines[key] = locate.text_line(*loc)

    put("introduction", "introduction")
    for i, q in enumerate(quiz.questions):
        key, at = f"{q.id}.", ("questions", i)
        for name, loc in (("prompt", ("prompt",)), ("feedback.correct", ("feedback", "correct")),
                          ("feedback.incorrect", ("feedback", "incorrect")),
                          ("explanation", ("explanation",)), ("hint", ("hint",))):
            put(key + name, *at, *loc)
        for j, c in enumerate(q.choices):
            if q.type == "true-false":
                put(f"{key}choice.{c.id}.feedback", *at,
                    "feedback_true" if c.id == "t" else "feedback_false")
                continue
            field = "scale" if q.type == "likert" else "choices"
            text_loc = (*at, field, j) if q.type == "likert" else (*at, field, j, "text")
            put(f"{key}choice.{c.id}", *text_loc)
            put(f"{key}choice.{c.id}.feedback", *at, field, j, "feedback")
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
