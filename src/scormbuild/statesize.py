"""Worst-case size of the player's saved state, as `templates/static/state.js` encodes it.

SCORM 1.2 stores the state in cmi.suspend_data, a CMIString4096: a longer string is refused
by the LMS and the learner's progress is lost. This module mirrors the codec's format field by
field so `check` can warn before a course ships. Keep it in step with state.js
(tests/test_statesize.py runs the real codec in Node on the state this module describes).

Format: "1" + fingerprint(4) ~ page ~ seen-bits ~ records ~ active runs, where
a record is `quiz.attempts.best` and an active run is
`quiz:seed:cursor:order:checked-bits:answers:started`.

The order an attempt shows its choices, matching targets and ordering items in is not stored:
scoring.js `shownOrder(question, seed, index)` derives it from the attempt's seed, so a resumed
attempt shows the same order at no cost beyond the seed, which the estimate counts at its
longest (SEED_MAX). A new attempt draws a new seed, so a new order.

The player keeps an attempt in progress on every quiz a learner opened and left, so the worst
case has one on each quiz. The codec keeps within LIMIT by dropping the attempts of other pages
(knowledge checks first) and shortening fill-in answers, but never drops the current page's
attempt for another: the smallest state it must fit is the records plus the largest single
attempt with every fill-in cut to nothing (`floor`). A course whose floor is over LIMIT is an
error in `check`, so the codec's bound holds for every course the compiler accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from .model import Course
from .quiz import Question, Quiz

LIMIT = 4096  # state.js LIMIT: SCORM 1.2 cmi.suspend_data is CMIString4096
FILL_IN_MAX = 120  # state.js FILL_IN_MAX: escaped characters kept of one fill-in answer
NUMERIC_MAX = 40  # state.js NUMERIC_MAX
# player.js newRun: Math.floor(Math.random() * 2147483647); also fixes the shuffled orders
SEED_MAX = 2147483646
STARTED_MAX = 36**6 - 1  # epoch seconds in base 36: six digits until the year 2038
UNLIMITED_ATTEMPTS = 36**2 - 1  # assumed most attempts on a quiz without a limit
BEST_MAX = 100 * 100  # Math.round(best * 100) with best a percentage 0..100


@dataclass(frozen=True, slots=True)
class StateEstimate:
    """Characters of the largest states the player can save for a course."""

    total: int  # an attempt in progress on every quiz, fill-in answers at FILL_IN_MAX
    single: int  # only the largest attempt in progress, fill-in answers at FILL_IN_MAX
    floor: int  # only the largest attempt, every fill-in cut to nothing: the codec's minimum
    quiz: str | None  # the quiz whose attempt in progress is the largest (at `single`)
    floor_quiz: str | None  # the quiz whose attempt is the largest with fill-ins cut (`floor`)

    @property
    def fits(self) -> bool:
        """True when even the worst case fits in SCORM 1.2's suspend_data, nothing dropped."""
        return self.total <= LIMIT

    @property
    def saves(self) -> bool:
        """True when the codec can always keep the current page's attempt within LIMIT."""
        return self.floor <= LIMIT


def b36(n: int) -> str:
    """`n.toString(36)` for a non-negative integer."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def answer_size(question: Question, fill_in_cap: int = FILL_IN_MAX) -> int:
    """Longest text `encodeAnswer` writes for one response to this question."""
    kind = question.type
    if kind == "multiple":
        return len(question.choices)  # every choice id picked
    if kind == "ordering":
        return len(question.items)
    if kind == "matching":
        return len(question.sources)
    if kind == "fill-in":
        # '(' marks a shortened answer; '*' + index names an accepted answer and is never cut
        accepted = 1 + len(b36(len(question.answers) - 1)) if question.answers else 0
        return max(fill_in_cap + 1, accepted)
    if kind == "numeric":
        return NUMERIC_MAX
    return 1  # one choice id: single, true-false, likert


def worst_draw(quiz: Quiz) -> list[int]:
    """Indices of the questions in the costliest attempt (drawQuestions in scoring.js)."""
    every = list(range(len(quiz.questions)))
    if not quiz.pools:
        return every

    def cost(i: int) -> tuple[int, int]:
        return answer_size(quiz.questions[i]) + len(b36(i)), i

    used: set[int] = set()
    picked: list[int] = []
    for pool in quiz.pools:
        tagged = [i for i in every if i not in used and pool.tag in quiz.questions[i].tags]
        chosen = sorted(tagged, key=cost, reverse=True)[: pool.draw]
        used.update(chosen)
        picked.extend(sorted(chosen))
    return picked


def run_size(quiz: Quiz, index: int, fill_in_cap: int = FILL_IN_MAX) -> int:
    """Characters of one attempt in progress on `quiz` (the index-th quiz by name)."""
    order = worst_draw(quiz)
    fields = [
        len(b36(index)),
        len(b36(SEED_MAX)),
        len(b36(max(len(order) - 1, 0))),
        sum(len(b36(i)) for i in order) + max(len(order) - 1, 0),
        ceil(len(order) / 6),
        sum(answer_size(quiz.questions[i], fill_in_cap) for i in order) + max(len(order) - 1, 0),
        len(b36(STARTED_MAX)) if quiz.time_limit_minutes else 0,
    ]
    return sum(fields) + len(fields) - 1  # ':' between fields


def record_size(quiz: Quiz, index: int) -> int:
    """Characters of one finished-quiz record: index, attempts and best score."""
    attempts = quiz.attempts or UNLIMITED_ATTEMPTS
    return len(b36(index)) + 1 + len(b36(attempts)) + 1 + len(b36(BEST_MAX))


def estimate_state(course: Course) -> StateEstimate:
    """The longest state strings the player can save for this course (see StateEstimate)."""
    pages = len(course.pages)
    quizzes = sorted(course.quizzes, key=lambda q: q.name)  # quizNames() sorts the names
    head = 1 + 4 + len(b36(max(pages - 1, 0))) + ceil(pages / 6)
    records = [record_size(q, i) for i, q in enumerate(quizzes)]
    base = head + sum(records) + max(len(records) - 1, 0) + 4  # four '~' between five parts
    if not quizzes:
        return StateEstimate(base, base, base, None, None)
    full = [(run_size(q, i), q.name) for i, q in enumerate(quizzes)]
    least = [(run_size(q, i, 0), q.name) for i, q in enumerate(quizzes)]
    largest, smallest = max(full), max(least)
    return StateEstimate(base + sum(n for n, _ in full) + len(full) - 1,  # '!' between runs
                         base + largest[0], base + smallest[0], largest[1], smallest[1])
