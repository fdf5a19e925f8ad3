"""Shape of the source files: pydantic spec classes for course.yml, lesson front matter and quizzes.

These classes check shape only (types, ranges, unknown keys); cross-file rules live in
`model` and `quiz`. The JSON Schemas published for editors are generated from them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Strict, Tag

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FILE_SLUG = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
QUESTION_ID = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
BCP47 = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
COLOR = r"^#[0-9a-fA-F]{6}$"
ABSOLUTE_IRI = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"

NonEmpty = Annotated[str, Field(min_length=1)]
# Characters no text of a course may hold (sources reports each at its line): what no XML
# document (every page and manifest) may hold, plus DEL and the C1 controls: invisible, never
# meant, and a sign of text pasted from another program or mis-decoded.
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# Every number of every spec is one of these two. Strict: no true/false read as 1 or 0 and no
# text read as a number; and no NaN or Infinity (YAML's .nan/.inf, 1e999), which would reach
# the course data and stop the player. A whole number also accepts no 2.0.
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
WholeNumber = Annotated[int, Strict()]


class Spec(BaseModel):
    """Base of every spec: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- course.yml -------------------------------------------------------------------------


class CompletionSpec(Spec):
    """What makes the course complete."""

    all_lessons_viewed: bool = True
    assessment_passed: bool = True


class XapiSpec(Spec):
    """Settings for the TinCan and cmi5 targets."""

    activity_base: Annotated[str, Field(pattern=ABSOLUTE_IRI)] = (
        "https://scormbuild.example.org/xapi/courses/"
    )
    # cmi5: one AU per module (pages outside modules form their own AUs) instead of one
    cmi5_au_per_module: bool = False


class FontSpec(Spec):
    """One font file of the package (a face of `font_family`)."""

    file: NonEmpty  # path from the course folder, e.g. assets/fonts/body-bold.woff2
    weight: Annotated[WholeNumber, Field(ge=100, le=900, multiple_of=100)] = 400
    style: Literal["normal", "italic"] = "normal"


class BrandingSpec(Spec):
    """Look of the player: logo, colours and fonts (fonts only from the package)."""

    logo: str | None = None
    primary_color: Annotated[str, Field(pattern=COLOR)] | None = None
    accent_color: Annotated[str, Field(pattern=COLOR)] | None = None
    font_family: Annotated[str, Field(min_length=1, max_length=80,
                                      pattern=r"^[A-Za-z0-9 _-]+$")] | None = None
    fonts: list[NonEmpty | FontSpec] = []


class LessonRef(Spec):
    """An outline entry naming a lesson file (without extension)."""

    lesson: Annotated[str, Field(pattern=FILE_SLUG)]


class QuizRef(Spec):
    """An outline entry naming a quiz file (without extension)."""

    quiz: Annotated[str, Field(pattern=FILE_SLUG)]


def _outline_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("module", "lesson", "quiz"):
            if key in value:
                return key
    if isinstance(value, BaseModel):
        return type(value).__name__.removesuffix("Ref").removesuffix("Spec").lower()
    return None


ItemRef = Annotated[
    Annotated[LessonRef, Tag("lesson")] | Annotated[QuizRef, Tag("quiz")],
    Discriminator(
        _outline_tag,
        custom_error_type="outline_item",
        custom_error_message="an outline item needs a 'lesson:' or 'quiz:' key",
    ),
]


class ModuleSpec(Spec):
    """A titled group of lessons and quizzes in the outline."""

    module: NonEmpty
    items: Annotated[list[ItemRef], Field(min_length=1)]


OutlineEntry = Annotated[
    Annotated[ModuleSpec, Tag("module")]
    | Annotated[LessonRef, Tag("lesson")]
    | Annotated[QuizRef, Tag("quiz")],
    Discriminator(
        _outline_tag,
        custom_error_type="outline_item",
        custom_error_message="an outline item needs a 'module:', 'lesson:' or 'quiz:' key",
    ),
]


class CourseSpec(Spec):
    """course.yml."""

    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    version: Annotated[str, Field(pattern=SEMVER)] = "1.0.0"
    language: Annotated[str, Field(pattern=BCP47)] = "en-US"
    description: str = ""
    authors: list[NonEmpty] = []
    organization: str | None = None
    duration_minutes: Annotated[WholeNumber, Field(gt=0, le=100_000)] | None = None
    objectives: list[NonEmpty] = []
    pass_mark: Annotated[WholeNumber, Field(ge=0, le=100)] = 80
    completion: CompletionSpec = CompletionSpec()
    allow_html: bool = False
    xapi: XapiSpec = XapiSpec()
    branding: BrandingSpec = BrandingSpec()
    outline: Annotated[list[OutlineEntry], Field(min_length=1)]


# --- lesson front matter ----------------------------------------------------------------


class LessonSpec(Spec):
    """The YAML front matter of a lesson."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    short_title: Annotated[str, Field(min_length=1, max_length=80)] | None = None  # contents
    objectives: list[NonEmpty] = []
    duration_minutes: Annotated[WholeNumber, Field(gt=0, le=100_000)] | None = None
    reference: bool = False  # glossary, further reading: not counted in "all lessons viewed"


# --- quizzes ----------------------------------------------------------------------------


class FeedbackSpec(Spec):
    """Question-level feedback."""

    correct: str | None = None
    incorrect: str | None = None


class ChoiceSpec(Spec):
    """One choice of a single or multiple choice question."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]$")] | None = None
    text: NonEmpty
    correct: bool = False
    feedback: str | None = None
    fixed: bool = False  # keeps its place when the choices are shuffled ("None of these")


class LintSpec(Spec):
    """`lint:` of a question or a quiz: item-writing rules (check's linter) to leave out here."""

    ignore: list[NonEmpty] = []


class QuestionBase(Spec):
    """Keys every question type has."""

    id: Annotated[str, Field(pattern=QUESTION_ID)]
    prompt: NonEmpty
    points: Annotated[Number, Field(gt=0, le=100)] = 1
    feedback: FeedbackSpec = FeedbackSpec()
    hint: str | None = None
    explanation: str | None = None
    tags: list[NonEmpty] = []
    # the quiz's shuffle_choices for this question only (choices, matching targets)
    shuffle_choices: bool | None = None
    lint: LintSpec = LintSpec()


class SingleSpec(QuestionBase):
    type: Literal["single"]
    choices: Annotated[list[ChoiceSpec], Field(min_length=2, max_length=26)]


class MultipleSpec(QuestionBase):
    type: Literal["multiple"]
    choices: Annotated[list[ChoiceSpec], Field(min_length=2, max_length=26)]
    scoring: Literal["all-or-nothing", "partial"] = "all-or-nothing"


class TrueFalseSpec(QuestionBase):
    type: Literal["true-false"]
    answer: bool
    feedback_true: str | None = None
    feedback_false: str | None = None


class FillInSpec(QuestionBase):
    type: Literal["fill-in"]
    answers: Annotated[list[NonEmpty], Field(min_length=1)] = []
    case_sensitive: bool = False
    pattern: str | None = None


class NumericSpec(QuestionBase):
    type: Literal["numeric"]
    answer: Number | None = None
    tolerance: Annotated[Number, Field(ge=0)] = 0
    min: Number | None = None
    max: Number | None = None


class PairSpec(Spec):
    """A source and the target that matches it."""

    source: NonEmpty
    target: NonEmpty


class MatchingSpec(QuestionBase):
    type: Literal["matching"]
    pairs: Annotated[list[PairSpec], Field(min_length=2, max_length=9)]
    distractors: list[NonEmpty] = []


class OrderingSpec(QuestionBase):
    type: Literal["ordering"]
    items: Annotated[list[NonEmpty], Field(min_length=2, max_length=26)]
    # partial: the share of items in their correct position (Moodle's "absolute position")
    scoring: Literal["all-or-nothing", "partial"] = "all-or-nothing"


class LikertSpec(QuestionBase):
    type: Literal["likert"]
    scale: Annotated[list[NonEmpty], Field(min_length=2, max_length=10)]


QuestionSpec = Annotated[
    SingleSpec
    | MultipleSpec
    | TrueFalseSpec
    | FillInSpec
    | NumericSpec
    | MatchingSpec
    | OrderingSpec
    | LikertSpec,
    Field(discriminator="type"),
]

QUESTION_TYPES = ("single", "multiple", "true-false", "fill-in", "numeric", "matching", "ordering",
                  "likert")


class PoolSpec(Spec):
    """Draw `draw` questions carrying `tag` for each attempt."""

    tag: NonEmpty
    draw: Annotated[WholeNumber, Field(gt=0, le=1000)]


class QuizSpec(Spec):
    """A quiz file: a knowledge check or a graded assessment."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    short_title: Annotated[str, Field(min_length=1, max_length=80)] | None = None  # contents
    kind: Literal["knowledge-check", "assessment"] = "knowledge-check"
    pass_mark: Annotated[WholeNumber, Field(ge=0, le=100)] | None = None
    weight: Annotated[Number, Field(ge=0, le=1000)] = 1
    attempts: Annotated[WholeNumber, Field(ge=0, le=100)] = 0
    after_last_attempt: Literal["show-answers", "lock"] = "show-answers"
    shuffle_questions: bool = False
    # choices and matching targets in a new order for each attempt; None = the default (on)
    shuffle_choices: bool | None = None
    # knowledge checks: after a check that is not fully right, show the correct answer and
    # offer to try the question again; None = the default (on), no effect on an assessment
    reveal_answers: bool | None = None
    retry_questions: bool | None = None
    time_limit_minutes: Annotated[WholeNumber, Field(gt=0, le=1440)] | None = None
    pools: list[PoolSpec] = []
    introduction: str | None = None
    lint: LintSpec = LintSpec()
    questions: Annotated[list[QuestionSpec], Field(min_length=1)]


def known_keys(*models: type[BaseModel]) -> set[str]:
    """Every key any of these spec classes (and their nested specs) accepts."""
    seen: set[type[BaseModel]] = set()
    keys: set[str] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        keys.update(model.model_fields)
        for field in model.model_fields.values():
            for sub in _models_in(field.annotation):
                visit(sub)

    for model in models:
        visit(model)
    return keys


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    for meta in getattr(annotation, "__metadata__", ()) or ():
        found.extend(_models_in(meta))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        found.extend(_models_in(origin))
    return found


COURSE_KEYS = known_keys(CourseSpec)
QUIZ_KEYS = known_keys(QuizSpec, SingleSpec, MultipleSpec, TrueFalseSpec, FillInSpec, NumericSpec,
                       MatchingSpec, OrderingSpec, LikertSpec)
LESSON_KEYS = known_keys(LessonSpec)
