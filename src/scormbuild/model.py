"""The course model: frozen values built from the sources, with the cross-file checks.

Knows nothing of SCORM or xAPI.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from .errors import Diagnostic, Location
from .quiz import Quiz, build_quiz
from .sources import CourseSources, LessonSource
from .specs import FontSpec


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson page: its metadata and its markdown source."""

    name: str
    title: str
    objectives: tuple[str, ...]
    duration_minutes: int | None
    path: PurePosixPath
    body: str
    body_line: int
    short_title: str | None = None  # for the table of contents
    reference: bool = False  # glossary, further reading: not needed for "all lessons viewed"


@dataclass(frozen=True, slots=True)
class Page:
    """One stop in the outline: a lesson or a quiz."""

    index: int
    kind: Literal["lesson", "quiz"]
    name: str
    title: str
    module: str | None
    lesson: Lesson | None = None
    quiz: Quiz | None = None

    @property
    def toc_title(self) -> str:
        """The title in the table of contents: the short title when the source gives one."""
        source = self.lesson or self.quiz
        return (source.short_title if source is not None else None) or self.title

    @property
    def reference(self) -> bool:
        """A reference lesson (glossary, further reading): listed, but not required reading."""
        return self.lesson is not None and self.lesson.reference


@dataclass(frozen=True, slots=True)
class Completion:
    """The course's completion rule."""

    all_lessons_viewed: bool
    assessment_passed: bool


@dataclass(frozen=True, slots=True)
class Font:
    """A font file shipped in the package: one face of the branding's font family."""

    file: PurePosixPath
    weight: int = 400
    style: str = "normal"


@dataclass(frozen=True, slots=True)
class Branding:
    """Logo, colours and fonts of the player."""

    logo: PurePosixPath | None
    primary_color: str | None
    accent_color: str | None
    font_family: str | None = None
    fonts: tuple[Font, ...] = ()


@dataclass(frozen=True, slots=True)
class Course:
    """A whole course, ready to be rendered."""

    id: str
    title: str
    version: str
    language: str
    description: str
    authors: tuple[str, ...]
    organization: str | None
    duration_minutes: int | None
    objectives: tuple[str, ...]
    pass_mark: int
    completion: Completion
    allow_html: bool
    activity_base: str
    branding: Branding
    pages: tuple[Page, ...]
    launch_per_module: bool = False  # targets that can launch parts offer one per module

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        """Lessons in outline order."""
        return tuple(p.lesson for p in self.pages if p.lesson is not None)

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        """Quizzes in outline order."""
        return tuple(p.quiz for p in self.pages if p.quiz is not None)

    @property
    def graded_quizzes(self) -> tuple[Quiz, ...]:
        """Quizzes that count toward the score (graded, weight above 0)."""
        return tuple(q for q in self.quizzes if q.counts)

    @property
    def activity_id(self) -> str:
        """The course's absolute IRI for xAPI."""
        base = self.activity_base if self.activity_base.endswith("/") else self.activity_base + "/"
        return base + self.id

    @property
    def modules(self) -> tuple[tuple[str | None, tuple[Page, ...]], ...]:
        """Pages grouped by module, in order; pages outside a module form groups titled None."""
        groups: list[tuple[str | None, list[Page]]] = []
        for page in self.pages:
            if groups and groups[-1][0] == page.module and page.module is not None:
                groups[-1][1].append(page)
            else:
                groups.append((page.module, [page]))
        return tuple((title, tuple(pages)) for title, pages in groups)

    @property
    def parts(self) -> tuple[Part, ...]:
        """The module groups with stable, unique slugs (a group outside modules: its first page)."""
        taken: set[str] = set()
        next_suffix: dict[str, int] = {}  # base -> next "-N" to try: linear in the modules
        found: list[Part] = []
        for title, pages in self.modules:
            base = slugify(title) if title is not None else slugify(pages[0].name)
            slug, n = base, next_suffix.get(base, 2)
            if slug in taken:
                while (slug := f"{base}-{n}") in taken:
                    n += 1
                n += 1
            next_suffix[base] = n
            taken.add(slug)
            found.append(Part(slug, title, pages))
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Part:
    """A module (or a run of pages outside modules) that a target may launch on its own."""

    slug: str
    title: str | None
    pages: tuple[Page, ...]


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-' ("Réglages & état" -> "reglages-etat")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "module"


IRI_SCHEMES = ("http", "https", "urn", "tag")
# RFC 3987 section 2.2: ASCII an IRI may hold besides letters and digits (brackets only around
# an IPv6 host); everything else ASCII (space, "<>\\^`{|}, controls) must be percent-encoded
_IRI_ASCII = set("-._~!$&'()*+,;=:@/?#%")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def iri_problem(value: str) -> str | None:
    """Why `value` is not an absolute IRI (RFC 3987) that xAPI ids can start with, or None."""
    scheme, colon, rest = value.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return f"'{value}' does not start with a scheme such as https:"
    if scheme.lower() not in IRI_SCHEMES:
        return f"'{value}' uses the scheme '{scheme}:', which is not for activity ids"
    if scheme.lower() in ("http", "https"):
        host = rest[2:].split("/", 1)[0] if rest.startswith("//") else ""
        if not host.strip("[]"):
            return f"'{value}' has no host after '{scheme}://'"
    for char in rest:
        if char.isascii() and not char.isalnum() and char not in _IRI_ASCII:
            if char in "[]" and rest.startswith("//[") and char in rest[2:].split("/", 1)[0]:
                continue  # an IPv6 literal host
            shown = repr(char)[1:-1] if not char.isprintable() or char == " " else char
            return f"'{value}' contains '{shown}', which an IRI cannot hold"
        if not char.isascii() and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zs",
                                                               "Zl", "Zp", "Cn"):
            return f"'{value}' contains U+{ord(char):04X}, which an IRI cannot hold"
    if _BAD_PERCENT.search(rest):
        return f"'{value}' has a '%' that is not followed by two hex digits"
    return None


def build_course(sources: CourseSources) -> tuple[Course | None, list[Diagnostic]]:
    """Assemble the Course from shape-checked sources; check references between files."""
    spec = sources.spec
    if spec is None:
        return None, []
    diags: list[Diagnostic] = []
    pages: list[Page] = []
    used: dict[tuple[str, str], Location] = {}
    for entry in sources.outline:
        key = (entry.kind, entry.name)
        if key in used:
            diags.append(Diagnostic(entry.where, f"{entry.kind} '{entry.name}' appears twice in "
                                    f"the outline (first at line {used[key].line})",
                                    "list each lesson and quiz once"))
            continue
        used[key] = entry.where
        diags.extend(_name_problems(entry.kind, entry.name, entry.where))
        index = len(pages)
        if entry.kind == "lesson":
            source = sources.lessons.get(entry.name)
            if source is None:
                if key not in sources.unreadable:
                    diags.append(_missing(entry.where, "lesson", entry.name, sources.lessons))
                continue
            lesson = _lesson(source)
            pages.append(Page(index, "lesson", entry.name, lesson.title, entry.module,
                              lesson=lesson))
        else:
            qsource = sources.quizzes.get(entry.name)
            if qsource is None:
                if key not in sources.unreadable:
                    diags.append(_missing(entry.where, "quiz", entry.name, sources.quizzes))
                continue
            quiz, found = build_quiz(qsource, spec.pass_mark)
            diags.extend(found)
            pages.append(Page(index, "quiz", entry.name, quiz.title, entry.module, quiz=quiz))
    for kind, table in (("lesson", sources.lessons), ("quiz", sources.quizzes)):
        for name, item in table.items():
            if (kind, name) not in used:
                diags.append(Diagnostic(
                    Location(item.path), f"{kind} '{name}' is not in the course outline",
                    f"add '- {kind}: {name}' to the outline in course.yml, or delete the file"))
    pages = _split_name_clashes(pages, diags, sources)
    diags.extend(_same_name_files(sources))
    problem = iri_problem(spec.xapi.activity_base)
    if problem is not None:
        diags.append(Diagnostic(
            sources.locate.at("xapi", "activity_base"), f"activity_base {problem}",
            "write a web address you control, e.g. https://example.org/xapi/courses/ "
            "(http, https, urn: or tag:); percent-encode other characters, e.g. a space as %20"))
    completion = spec.completion
    unread_quiz = any(kind == "quiz" for kind, _ in sources.unreadable)  # reported already
    if (completion.assessment_passed and not unread_quiz
            and not any(p.quiz and p.quiz.counts for p in pages)):
        diags.append(Diagnostic(
            sources.locate.at("completion", "assessment_passed"),
            "completion requires a passed assessment, but the course has no graded quiz that "
            "counts", "add a quiz with 'kind: assessment' and a weight above 0, or set "
            "assessment_passed: false"))
    logo = PurePosixPath(spec.branding.logo) if spec.branding.logo else None
    course = Course(
        id=spec.id, title=spec.title, version=spec.version, language=spec.language,
        description=spec.description, authors=tuple(spec.authors),
        organization=spec.organization, duration_minutes=spec.duration_minutes,
        objectives=tuple(spec.objectives), pass_mark=spec.pass_mark,
        completion=Completion(completion.all_lessons_viewed, completion.assessment_passed),
        allow_html=spec.allow_html, activity_base=spec.xapi.activity_base,
        branding=Branding(logo, spec.branding.primary_color, spec.branding.accent_color,
                          spec.branding.font_family, _fonts(spec.branding.fonts)),
        pages=tuple(pages), launch_per_module=spec.xapi.cmi5_au_per_module)
    return course, diags


def _fonts(specs: list[str | FontSpec]) -> tuple[Font, ...]:
    return tuple(Font(PurePosixPath(f)) if isinstance(f, str)
                 else Font(PurePosixPath(f.file), f.weight, f.style) for f in specs)


def _lesson(source: LessonSource) -> Lesson:
    spec = source.spec
    return Lesson(source.name, spec.title, tuple(spec.objectives), spec.duration_minutes,
                  source.path, source.body, source.body_line, spec.short_title, spec.reference)


def _missing(where: Location, kind: str, name: str, table: Mapping[str, object]) -> Diagnostic:
    folder, ext = ("lessons", ".md") if kind == "lesson" else ("quizzes", ".yml")
    close = difflib.get_close_matches(name, sorted(table), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"create {folder}/{name}{ext}"
    return Diagnostic(where, f"the outline names {kind} '{name}' but {folder}/{name}{ext} does not "
                      "exist", hint)


# ids the default layout gives its own elements that a page's "page-<name>" could repeat
_PLAYER_IDS = {"page-count": "the page counter"}


def _name_problems(kind: str, name: str, where: Location) -> list[Diagnostic]:
    """A page name must keep the package's HTML ids unique by construction.

    Ids join names with '--' (`page-<name>--title`, `<page>--<heading>`,
    `q--<quiz>--<question>-prompt`): a name with '--' or a trailing '-' would let two different
    names make the same id, e.g. lesson 'intro--title' and the title of lesson 'intro'.
    """
    file = f"lessons/{name}.md" if kind == "lesson" else f"quizzes/{name}.yml"
    if "--" in name or name.endswith("-"):
        better = re.sub(r"-{2,}", "-", name).strip("-") or kind
        return [Diagnostic(where, f"{kind} name '{name}' "
                           + ("has '--', which joins names into HTML ids" if "--" in name else
                              "ends with '-', which next to the '--' that joins names into HTML "
                              "ids can repeat another page's id"),
                           f"rename {file} and its outline entry to '{better}'")]
    taken = _PLAYER_IDS.get(f"page-{name}")
    if taken is not None:
        return [Diagnostic(where, f"{kind} name '{name}' gives the HTML id 'page-{name}', which "
                           f"the player uses for {taken}",
                           f"rename {file} and its outline entry, e.g. to '{name}-page'")]
    return []


def _same_name_files(sources: CourseSources) -> list[Diagnostic]:
    """Files whose names differ only in case or Unicode form: one file on Windows and macOS.

    Both go into the zip as distinct entries, and an LMS unpacking it on such a system keeps
    one of them; `validate` flags the package. Report them here, naming both.
    """
    paths = [*sources.assets, *(s.path for s in sources.lessons.values()),
             *(s.path for s in sources.quizzes.values())]
    first: dict[str, PurePosixPath] = {}
    diags: list[Diagnostic] = []
    for path in sorted(paths, key=str):
        key = unicodedata.normalize("NFC", str(path)).casefold()
        other = first.setdefault(key, path)
        if other == path:
            continue
        nfc = unicodedata.normalize
        how = ("differ only in case" if nfc("NFC", str(other)) != nfc("NFC", str(path))
               else "are the same name written in two Unicode forms (NFC and NFD)")
        diags.append(Diagnostic(Location(path), f"file names '{other}' and '{path}' {how}",
                                "rename or delete one: Windows and macOS see one file, and an "
                                "LMS unpacking the package keeps only one of them"))
    return diags


def _split_name_clashes(pages: list[Page], diags: list[Diagnostic],
                        sources: CourseSources) -> list[Page]:
    """A lesson and a quiz may not share a name: page ids must be unique."""
    seen: dict[str, Page] = {}
    for page in pages:
        if page.name in seen:
            quiz = sources.quizzes[page.name]
            diags.append(Diagnostic(Location(quiz.path), f"a lesson and a quiz are both named "
                                    f"'{page.name}'", "rename the quiz file and its outline entry"))
        seen[page.name] = page
    return pages
