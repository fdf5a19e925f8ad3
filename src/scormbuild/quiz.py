"""Quizzes: questions, choices, semantic checks and scoring.

Knows nothing of SCORM or xAPI: targets translate these terms into their own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from .errors import Diagnostic
from .patterns import Machine, PatternError, compile_pattern
from .sources import Locator, QuizSource
from .specs import (
    ChoiceSpec,
    FillInSpec,
    LikertSpec,
    MatchingSpec,
    MultipleSpec,
    NumericSpec,
    OrderingSpec,
    SingleSpec,
    TrueFalseSpec,
)

QuestionType = Literal["single", "multiple", "true-false", "fill-in", "numeric", "matching",
                       "ordering", "likert"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "123456789"


@dataclass(frozen=True, slots=True)
class Choice:
    """An option the learner can pick (also: a matching target, an ordering item, a scale point)."""

    id: str
    text: str
    correct: bool = False
    feedback: str | None = None
    fixed: bool = False  # keeps its place when the choices are shuffled


@dataclass(frozen=True, slots=True)
class Question:
    """One question of any type; fields that a type does not use stay empty."""

    id: str
    type: QuestionType
    prompt: str
    points: float
    feedback_correct: str | None
    feedback_incorrect: str | None
    hint: str | None
    explanation: str | None
    tags: tuple[str, ...]
    choices: tuple[Choice, ...] = ()  # single, multiple, true-false, likert (scale)
    partial: bool = False  # multiple, ordering: partial credit
    answers: tuple[str, ...] = ()  # fill-in
    case_sensitive: bool = False
    pattern: str | None = None
    machine: Machine | None = None  # fill-in: the pattern compiled (patterns.py)
    answer: float | None = None  # numeric
    tolerance: float = 0
    minimum: float | None = None
    maximum: float | None = None
    sources: tuple[Choice, ...] = ()  # matching: left side, ids 1-9
    targets: tuple[Choice, ...] = ()  # matching: right side, ids a-z
    pairs: tuple[tuple[str, str], ...] = ()  # matching: (source id, target id)
    items: tuple[Choice, ...] = ()  # ordering, in the correct order
    # the player shows choices / matching targets / ordering items in a new order per attempt
    shuffle: bool = False
    lint_ignore: tuple[str, ...] = ()  # item-writing rules left out for this question

    @property
    def scored(self) -> bool:
        """Likert questions are opinions and carry no points."""
        return self.type != "likert"

    @property
    def correct_ids(self) -> tuple[str, ...]:
        """Ids of the correct choices (single, multiple, true-false)."""
        return tuple(c.id for c in self.choices if c.correct)


@dataclass(frozen=True, slots=True)
class Pool:
    """Draw `draw` questions tagged `tag` for each attempt."""

    tag: str
    draw: int


@dataclass(frozen=True, slots=True)
class Quiz:
    """A knowledge check (ungraded) or an assessment (graded)."""

    name: str
    title: str
    graded: bool
    pass_mark: int
    weight: float
    attempts: int  # 0 = unlimited
    after_last_attempt: Literal["show-answers", "lock"]
    shuffle_questions: bool
    shuffle_choices: bool
    time_limit_minutes: int | None
    introduction: str | None
    pools: tuple[Pool, ...]
    questions: tuple[Question, ...]
    short_title: str | None = None  # for the table of contents
    lint_ignore: tuple[str, ...] = ()  # item-writing rules left out for the whole quiz
    # knowledge checks: the correct answer after a check that is not fully right, and a button
    # to try that question again (both off for assessments)
    reveal_answers: bool = False
    retry_questions: bool = False

    @property
    def counts(self) -> bool:
        """Graded with a weight above 0: the quiz counts toward the course score."""
        return self.graded and self.weight > 0

    @property
    def max_points(self) -> float:
        """Points available in one attempt (pools draw a subset)."""
        if not self.pools:
            return sum(q.points for q in self.questions if q.scored)
        total = 0.0
        for pool in self.pools:
            tagged = sorted((q.points for q in self.questions if pool.tag in q.tags and q.scored),
                            reverse=True)
            total += sum(tagged[: pool.draw])
        return total


def build_quiz(source: QuizSource, course_pass_mark: int) -> tuple[Quiz, list[Diagnostic]]:
    """Turn a shape-checked quiz spec into a Quiz, checking the rules shape cannot express."""
    spec = source.spec
    diags: list[Diagnostic] = []
    questions = []
    shuffle = spec.shuffle_choices is not False  # on unless the quiz turns it off
    for i, qspec in enumerate(spec.questions):
        question, found = _build_question(qspec, source, i, shuffle)
        questions.append(question)
        diags.extend(found)
    for i, question in enumerate(questions):
        if "--" in question.id or question.id.endswith("-"):
            better = re.sub(r"-{2,}", "-", question.id).strip("-")
            diags.append(Diagnostic(
                source.locate.at("questions", i, "id"),
                f"question id '{question.id}' "
                + ("has '--', which joins quiz and question into HTML ids" if "--" in question.id
                   else "ends with '-', which next to the '--' that joins quiz and question into "
                   "HTML ids can repeat another question's id"),
                f"use single hyphens between words, e.g. '{better}'"))
    for qid, count in Counter(q.id for q in questions).items():
        if count > 1:
            index = [q.id for q in questions].index(qid)
            second = [q.id for q in questions].index(qid, index + 1)
            diags.append(Diagnostic(source.locate.at("questions", second, "id"),
                                    f"duplicate question id '{qid}'",
                                    "give every question in a quiz its own id"))
    pools = tuple(Pool(p.tag, p.draw) for p in spec.pools)
    for i, pool in enumerate(pools):
        have = sum(pool.tag in q.tags for q in questions)
        if pool.draw > have:
            diags.append(Diagnostic(
                source.locate.at("pools", i, "draw"),
                f"pool '{pool.tag}' draws {pool.draw} questions but only {have} carry that tag",
                f"lower 'draw' to {have} or tag more questions with '{pool.tag}'"))
    graded = spec.kind == "assessment"
    for key in ("reveal_answers", "retry_questions"):
        if graded and getattr(spec, key) is not None:
            diags.append(Diagnostic(source.locate.at(key),
                                    f"'{key}' has no effect on an assessment",
                                    "remove it; it is for knowledge checks (an assessment shows "
                                    "answers by 'after_last_attempt')", "warning"))
    quiz = Quiz(
        name=source.name, title=spec.title, graded=graded,
        pass_mark=spec.pass_mark if spec.pass_mark is not None else course_pass_mark,
        weight=spec.weight, attempts=spec.attempts,
        after_last_attempt=spec.after_last_attempt, shuffle_questions=spec.shuffle_questions,
        shuffle_choices=shuffle, time_limit_minutes=spec.time_limit_minutes,
        introduction=spec.introduction, pools=pools, questions=tuple(questions),
        short_title=spec.short_title, lint_ignore=tuple(spec.lint.ignore),
        reveal_answers=not graded and spec.reveal_answers is not False,
        retry_questions=not graded and spec.retry_questions is not False)
    if graded and quiz.max_points == 0 and not diags:
        diags.append(Diagnostic(source.locate.at("questions"),
                                "this assessment has no scored questions, so it cannot be passed",
                                "add questions other than 'likert', or make it a knowledge-check"))
    return quiz, diags


SHUFFLED_TYPES = ("single", "multiple", "matching", "ordering")


def _build_question(spec: object, source: QuizSource, index: int, quiz_shuffle: bool
                    ) -> tuple[Question, list[Diagnostic]]:
    locate = source.locate
    diags: list[Diagnostic] = []
    assert isinstance(spec, SingleSpec | MultipleSpec | TrueFalseSpec | FillInSpec | NumericSpec
                      | MatchingSpec | OrderingSpec | LikertSpec)
    where = ("questions", index)
    shuffle = _question_shuffle(spec, quiz_shuffle, locate, where, diags)
    base = dict(id=spec.id, type=spec.type, prompt=spec.prompt, points=float(spec.points),
                feedback_correct=spec.feedback.correct, feedback_incorrect=spec.feedback.incorrect,
                hint=spec.hint, explanation=spec.explanation, tags=tuple(spec.tags),
                shuffle=shuffle, lint_ignore=tuple(spec.lint.ignore))
    if isinstance(spec, SingleSpec | MultipleSpec):
        choices = _choices(spec.choices, locate, where, diags)
        if not shuffle:
            for j, c in enumerate(spec.choices):
                if c.fixed:
                    diags.append(Diagnostic(
                        locate.at(*where, "choices", j, "fixed"),
                        f"question '{spec.id}': 'fixed' has no effect, the choices are not "
                        "shuffled", "remove 'fixed: true', or turn shuffle_choices on",
                        "warning"))
        correct = sum(c.correct for c in choices)
        if correct == 0:
            diags.append(Diagnostic(locate.at(*where, "choices"),
                                    f"question '{spec.id}' has no correct choice",
                                    "mark the right answer with 'correct: true'"))
        elif isinstance(spec, SingleSpec) and correct > 1:
            diags.append(Diagnostic(locate.at(*where, "choices"),
                                    f"single-choice question '{spec.id}' has {correct} correct "
                                    "choices", "keep one 'correct: true', or use 'type: multiple'"))
        partial = isinstance(spec, MultipleSpec) and spec.scoring == "partial"
        return Question(**base, choices=choices, partial=partial), diags  # type: ignore[arg-type]
    if isinstance(spec, TrueFalseSpec):
        choices = (Choice("t", "", spec.answer, spec.feedback_true),
                   Choice("f", "", not spec.answer, spec.feedback_false))
        return Question(**base, choices=choices), diags  # type: ignore[arg-type]
    if isinstance(spec, FillInSpec):
        if not spec.answers and not spec.pattern:
            diags.append(Diagnostic(locate.at(*where), f"question '{spec.id}' has no answer",
                                    "add 'answers: [..]' or a 'pattern'"))
        machine = None
        if spec.pattern:
            try:
                machine = compile_pattern(spec.pattern, spec.case_sensitive)
            except PatternError as err:
                at = "" if err.position is None else f" (at character {err.position + 1})"
                diags.append(Diagnostic(locate.at(*where, "pattern"),
                                        f"pattern '{spec.pattern}': {err.message}{at}", err.hint))
        return Question(**base, answers=tuple(spec.answers),  # type: ignore[arg-type]
                        case_sensitive=spec.case_sensitive, pattern=spec.pattern,
                        machine=machine), diags
    if isinstance(spec, NumericSpec):
        if spec.answer is None and (spec.min is None or spec.max is None):
            diags.append(Diagnostic(locate.at(*where), f"numeric question '{spec.id}' has no "
                                    "answer", "add 'answer:' (and 'tolerance:') or 'min:' and "
                                    "'max:'"))
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            diags.append(Diagnostic(locate.at(*where, "min"),
                                    f"numeric range has min {spec.min:g} above max {spec.max:g}",
                                    "swap the two values"))
        return Question(**base, answer=spec.answer, tolerance=spec.tolerance,  # type: ignore[arg-type]
                        minimum=spec.min, maximum=spec.max), diags
    if isinstance(spec, MatchingSpec):
        sources = tuple(Choice(DIGITS[i], p.source) for i, p in enumerate(spec.pairs))
        target_texts: list[str] = []
        for p in spec.pairs:
            if p.target not in target_texts:
                target_texts.append(p.target)
        for d in spec.distractors:
            if d in target_texts:
                diags.append(Diagnostic(locate.at(*where, "distractors"),
                                        f"distractor '{d}' is also a correct target",
                                        "remove it from 'distractors'"))
            else:
                target_texts.append(d)
        if len(target_texts) > 26:
            diags.append(Diagnostic(locate.at(*where), "a matching question has at most 26 "
                                    "targets", "split it into two questions"))
        targets = tuple(Choice(LETTERS[i % 26], t) for i, t in enumerate(target_texts))
        by_text = {t.text: t.id for t in targets}
        for s_text, n in Counter(p.source for p in spec.pairs).items():
            if n > 1:
                diags.append(Diagnostic(locate.at(*where, "pairs"),
                                        f"source '{s_text}' appears in {n} pairs",
                                        "each source matches exactly one target"))
        pairs = tuple((sources[i].id, by_text[p.target]) for i, p in enumerate(spec.pairs))
        return Question(**base, sources=sources, targets=targets,  # type: ignore[arg-type]
                        pairs=pairs), diags
    if isinstance(spec, OrderingSpec):
        items = tuple(Choice(LETTERS[i], t) for i, t in enumerate(spec.items))
        for text, n in Counter(spec.items).items():
            if n > 1:
                diags.append(Diagnostic(locate.at(*where, "items"),
                                        f"item '{text}' appears {n} times",
                                        "every item in an ordering question must differ"))
        return Question(**base, items=items,  # type: ignore[arg-type]
                        partial=spec.scoring == "partial"), diags
    scale = tuple(Choice(str(i + 1) if i < 9 else LETTERS[i - 9], t)
                  for i, t in enumerate(spec.scale))
    return Question(**base, choices=scale), diags  # type: ignore[arg-type]


def _question_shuffle(spec: SingleSpec | MultipleSpec | TrueFalseSpec | FillInSpec | NumericSpec
                      | MatchingSpec | OrderingSpec | LikertSpec, quiz_shuffle: bool,
                      locate: Locator, where: tuple[str | int, ...],
                      diags: list[Diagnostic]) -> bool:
    """Whether the player shuffles this question's choices, targets or items."""
    asked = spec.shuffle_choices
    if spec.type == "ordering":
        # items shown in their written order would give the answer away
        if asked is False:
            diags.append(Diagnostic(locate.at(*where, "shuffle_choices"),
                                    f"ordering question '{spec.id}' cannot turn shuffling off: "
                                    "its items are written in the correct order",
                                    "remove 'shuffle_choices: false'"))
        return True
    if spec.type not in SHUFFLED_TYPES:
        if asked is not None:
            diags.append(Diagnostic(locate.at(*where, "shuffle_choices"),
                                    f"'shuffle_choices' has no effect on a {spec.type} question",
                                    "remove it; only single, multiple and matching questions "
                                    "have choices to shuffle", "warning"))
        return False
    return quiz_shuffle if asked is None else asked


def _choices(specs: list[ChoiceSpec], locate: Locator, where: tuple[str | int, ...],
             diags: list[Diagnostic]) -> tuple[Choice, ...]:
    choices = tuple(Choice(c.id or LETTERS[i], c.text, c.correct, c.feedback, c.fixed)
                    for i, c in enumerate(specs))
    seen: set[str] = set()
    for i, choice in enumerate(choices):
        if choice.id in seen:
            diags.append(Diagnostic(locate.at(*where, "choices", i, "id"),
                                    f"duplicate choice id '{choice.id}'",
                                    "give each choice its own id, or leave ids out to get a, b, c"))
        seen.add(choice.id)
    return choices


# --- scoring ---------------------------------------------------------------------------------


def normalize_text(text: str, case_sensitive: bool) -> str:
    """Fill-in comparison form: outer spaces removed, inner runs folded to one space."""
    folded = " ".join(text.split())
    return folded if case_sensitive else folded.casefold()


def score_question(question: Question, response: object) -> float:
    """Fraction of the question's points (0..1) earned by a response.

    Responses: a choice id (single, true-false, likert), a list of ids (multiple, ordering),
    a string (fill-in), a number (numeric), a mapping source id -> target id (matching).
    """
    kind = question.type
    if kind in ("single", "true-false"):
        return 1.0 if response in question.correct_ids else 0.0
    if kind == "multiple":
        picked = set(response) if isinstance(response, list | tuple | set) else set()
        correct = set(question.correct_ids)
        if not question.partial:
            return 1.0 if picked == correct else 0.0
        wrong = len(picked - correct)
        right = len(picked & correct)
        return max(0.0, (right - wrong) / len(correct))
    if kind == "fill-in":
        if not isinstance(response, str):
            return 0.0
        given = normalize_text(response, question.case_sensitive)
        if any(given == normalize_text(a, question.case_sensitive) for a in question.answers):
            return 1.0
        if question.pattern:
            machine = question.machine or compile_pattern(question.pattern,
                                                          question.case_sensitive)
            return 1.0 if machine.matches(given) else 0.0
        return 0.0
    if kind == "numeric":
        if isinstance(response, bool) or not isinstance(response, int | float):
            return 0.0
        if question.answer is not None:
            return 1.0 if abs(response - question.answer) <= question.tolerance + 1e-9 else 0.0
        assert question.minimum is not None and question.maximum is not None
        return 1.0 if question.minimum <= response <= question.maximum else 0.0
    if kind == "matching":
        if not isinstance(response, dict):
            return 0.0
        return 1.0 if all(response.get(s) == t for s, t in question.pairs) else 0.0
    if kind == "ordering":
        order = list(response) if isinstance(response, list | tuple) else []
        expected = [i.id for i in question.items]
        if not question.partial or len(order) != len(expected):
            return 1.0 if order == expected else 0.0
        # partial: each item in its correct position earns 1/n (Moodle's "absolute position")
        return sum(1 for a, b in zip(order, expected, strict=True) if a == b) / len(expected)
    return 0.0  # likert: unscored
