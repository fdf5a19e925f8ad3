"""Item-writing rules for quizzes (`check`'s linter) and the test-wise guesser estimate.

The rules follow the item-writing guidelines of the assessment literature (Haladyna, Downing
and Rodriguez's review of multiple-choice guidelines; the NBME item-writing guide): cues that
let a learner answer without knowing the material (the longest option, an answer always in the
same place, absolute words in false statements), options that do not work as options, and
feedback that does not teach. Every rule has a stable id (docs/item-writing.md); a question or
a quiz leaves rules out with `lint: {ignore: [rule-id, ...]}`.

The guesser estimate is the expected score of a learner who answers by those cues alone,
computed with the quiz's own scoring (quiz.score_question). Works on values: the compiled
Course and the quizzes' locators.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import Diagnostic, Location
from .model import Course
from .quiz import Choice, Question, Quiz, score_question
from .sources import CourseSources, Locator, QuizSource

# rule id -> what it finds (docs/item-writing.md has a bad and a good example of each)
RULES: dict[str, str] = {
    "longest-correct": "the correct option is the longest in most choice questions of a quiz",
    "correct-position": "the correct option sits in one position more often than chance allows "
                        "while the choices are not shuffled",
    "all-none-of-above": "an 'all of the above', 'none of the above' or 'both A and B' option",
    "duplicate-options": "two options of a question say the same thing",
    "tf-balance": "more than 70% of a quiz's true-false questions have the same answer",
    "absolute-qualifier": "absolute words (always, never, only, all, none) only in false "
                          "statements or wrong options",
    "negative-stem": "a question asked negatively ('not', 'except') without emphasis",
    "no-explanation": "a graded question without an explanation",
    "no-feedback": "a knowledge-check question without any feedback",
    "verdict-feedback": "feedback that starts with or only repeats the verdict the player shows",
    "pool-draw": "a pool that cannot always draw what it asks",
    "guessable": "a learner who answers by cues alone reaches the quiz's pass mark",
}
QUIZ_RULES = frozenset({"tf-balance", "pool-draw", "guessable"})  # about the quiz as a whole

LONGEST_SHARE = 0.5  # longest-correct: in more than half of the choice questions
POSITION_P = 0.05  # correct-position: chance of a pile-up this large, at most
POSITION_MIN = 3  # ... and at least this many answers in that position
TF_SHARE = 0.7  # tf-balance: one answer in more than 70% ...
TF_MIN = 4  # ... of at least 4 true-false questions
SIMILAR = 0.9  # duplicate-options: difflib ratio of the normalized texts

WORD = re.compile(r"\w+(?:['’]\w+)*")
ABSOLUTE = re.compile(r"\b(always|never|only|all|none)\b", re.IGNORECASE)
HEDGE = re.compile(r"\b(may|might|usually|often|sometimes|generally|typically|frequently|"
                   r"some)\b", re.IGNORECASE)
# the option is only the phrase (an option that mentions "all of them" in a sentence is fine)
_OF_THE_ABOVE = r"of (?:the )?(?:above|these|them|options|answers)(?: \w+)?(?: (?:are|is) " \
    r"(?:correct|true|right))?\W*"
_ALL_ABOVE = re.compile(rf"\W*all (?:{_OF_THE_ABOVE}|the above\W*)", re.IGNORECASE)
_NONE_ABOVE = re.compile(rf"\W*none {_OF_THE_ABOVE}", re.IGNORECASE)
_LETTER = r"\(?[a-h]\)?"  # option letters; "1 or 2" can be a real answer
_COMBINATION = re.compile(
    rf"(?:(?:both|only|neither|either|options?|answers?)\s+)?{_LETTER}"
    rf"(?:\s*(?:,|and|&|nor|or)\s*{_LETTER})+(?:\s+(?:only|are (?:correct|true|right)))?[.!]?"
    r"|(?:both|neither|either) of (?:the )?(?:above|these|them)\b.*",
    re.IGNORECASE)
_NEGATIVE = re.compile(r"\b(not|except|\w+n[’']t)\b", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(\*|_)(?=\S)(.+?)(?<=\S)\3|<(strong|em|b)>"
                       r"(.+?)</\5>", re.DOTALL)
# a sentence ends at . ? or ! (closing quotes and emphasis marks stay with it)
_SENTENCE = re.compile(r"[^.?!]*(?:[.?!]+[\"”’')\]*_]*|$)")
_VERDICT = re.compile(
    r"^\W*(?:(correct|incorrect|not correct|wrong|"
    r"that(?:'|’| i)s (?:right|correct|wrong|incorrect|not (?:right|correct)))(?=\W|$)"
    r"|(right)(?=\s*(?:[.!,:;—–-]|$)))",  # "Right." but not "Right away, ..."
    re.IGNORECASE)
_VERDICT_ONLY = re.compile(
    r"^(?:\W|correct|incorrect|not|quite|right|wrong|well|done|good|great|job|that|is|s|yes|no|"
    r"try|again|sorry|answer|the|this|it|your|you|are|got|sadly|oops|excellent|perfect)*$",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LintHit:
    """One rule's warning."""

    rule: str
    diagnostic: Diagnostic


@dataclass(frozen=True, slots=True)
class GuessEstimate:
    """What a learner who answers by cues alone can expect to score on one graded quiz."""

    quiz: str
    path: PurePosixPath
    percent: float  # expected score, 0..100
    pass_mark: int
    questions: tuple[tuple[str, float], ...]  # (question id, expected share of its points)

    @property
    def reaches_pass_mark(self) -> bool:
        """True when the guesser is expected to pass (a pass mark of 0 is always reached)."""
        return self.percent >= self.pass_mark


@dataclass(frozen=True, slots=True)
class LintReport:
    """Everything the linter found: rule warnings, errors in `lint:` keys, guesser estimates."""

    hits: tuple[LintHit, ...]
    errors: tuple[Diagnostic, ...]
    guesses: tuple[GuessEstimate, ...]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Errors first, then the rules' warnings."""
        return [*self.errors, *(h.diagnostic for h in self.hits)]


def lint_course(course: Course, sources: CourseSources) -> LintReport:
    """Run every rule on every quiz, and the guesser on every graded quiz."""
    hits: list[LintHit] = []
    errors: list[Diagnostic] = []
    guesses: list[GuessEstimate] = []
    for quiz in course.quizzes:
        source = sources.quizzes.get(quiz.name)
        if source is None:
            continue
        errors.extend(_check_ignores(quiz, source.locate))
        guess = estimate_guesser(quiz, source.path) if quiz.graded else None
        if guess is not None:
            guesses.append(guess)
        hits.extend(lint_quiz(quiz, source, guess))
    return LintReport(tuple(hits), tuple(errors), tuple(guesses))


def lint_quiz(quiz: Quiz, source: QuizSource, guess: GuessEstimate | None = None
              ) -> list[LintHit]:
    """The rules' warnings for one quiz, minus those its `lint: {ignore}` keys leave out."""
    found: list[tuple[str, int | None, Location, str, str]] = []
    rules = _Rules(quiz, source.locate, found)
    rules.run()
    if guess is not None and quiz.pass_mark > 0 and guess.reaches_pass_mark:
        where = source.locate.at("pass_mark") if _has_key(source.locate, "pass_mark") else \
            source.locate.at("questions")
        found.append(("guessable", None, where,
                      f"a learner who answers by cues alone (the longest option, absolute words, "
                      f"the answer's usual position, the order of matching targets) scores about "
                      f"{guess.percent:g}%, reaching the pass mark of {quiz.pass_mark}%",
                      "fix the other item-writing warnings of this quiz; `scormbuild check "
                      "--json` lists the guesser's expected score per question"))
    hits = []
    for rule, index, where, message, hint in sorted(
            found, key=lambda f: (f[2].line or 0, f[2].column or 0, f[0])):
        if rule in quiz.lint_ignore:
            continue
        if index is not None and rule in quiz.questions[index].lint_ignore:
            continue
        hits.append(LintHit(rule, Diagnostic(where, f"{message} [{rule}]", hint, "warning")))
    return hits


def _has_key(locate: Locator, key: str) -> bool:
    return isinstance(locate.tree, dict) and key in locate.tree


def _check_ignores(quiz: Quiz, locate: Locator) -> Iterator[Diagnostic]:
    """Unknown rule ids in `lint: {ignore}` are errors (a typo would silence nothing)."""
    places: list[tuple[tuple[str | int, ...], tuple[str, ...], bool]] = [
        (("lint", "ignore"), quiz.lint_ignore, True)]
    places += [(("questions", i, "lint", "ignore"), q.lint_ignore, False)
               for i, q in enumerate(quiz.questions)]
    for loc, ignored, quiz_level in places:
        for k, rule in enumerate(ignored):
            if rule in RULES and (quiz_level or rule not in QUIZ_RULES):
                continue
            if rule in RULES:
                yield Diagnostic(locate.at(*loc, k),
                                 f"lint rule '{rule}' is about the whole quiz, not one question",
                                 f"move it to the quiz's own 'lint: {{ignore: [{rule}]}}'")
                continue
            close = difflib.get_close_matches(rule, list(RULES), n=1, cutoff=0.6)
            yield Diagnostic(locate.at(*loc, k), f"unknown lint rule '{rule}'",
                             f"did you mean '{close[0]}'?" if close else
                             "rules: " + ", ".join(RULES))


# --- the rules ----------------------------------------------------------------------------


def words(text: str) -> int:
    """Number of words in a (markdown) text."""
    return len(WORD.findall(text))


def _normal(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


def _quoted(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def longest_index(choices: Sequence[Choice]) -> int | None:
    """Index of the one option with the most words, or None when two share the most."""
    counts = [words(c.text) for c in choices]
    best = max(counts)
    return counts.index(best) if counts.count(best) == 1 else None


def position_cue(quiz: Quiz) -> tuple[int, int, int] | None:
    """(0-based position, answers there, questions) when the unshuffled single-choice questions
    put their answer in one position more often than chance allows, else None."""
    questions = [q for q in quiz.questions if q.type == "single" and not q.shuffle]
    if len(questions) < POSITION_MIN:
        return None
    best: tuple[float, int, int] | None = None
    for position in range(max(len(q.choices) for q in questions)):
        hits = sum(q.choices[position].correct for q in questions if position < len(q.choices))
        chances = [1 / len(q.choices) for q in questions if position < len(q.choices)]
        p = _tail(chances, hits)
        if hits >= POSITION_MIN and p <= POSITION_P and (best is None or p < best[0]):
            best = (p, position, hits)
    return None if best is None else (best[1], best[2], len(questions))


def _tail(chances: Sequence[float], hits: int) -> float:
    """P(at least `hits` successes) for independent trials with these chances."""
    dist = [1.0]
    for p in chances:
        dist = [(dist[k] if k < len(dist) else 0) * (1 - p) + (dist[k - 1] * p if k else 0)
                for k in range(len(dist) + 1)]
    return sum(dist[hits:])


class _Rules:
    """Runs each rule over one quiz, collecting (rule, question index, where, message, hint)."""

    def __init__(self, quiz: Quiz, locate: Locator,
                 found: list[tuple[str, int | None, Location, str, str]]) -> None:
        self.quiz, self.locate, self.found = quiz, locate, found

    def add(self, rule: str, index: int | None, where: Location, message: str,
            hint: str) -> None:
        self.found.append((rule, index, where, message, hint))

    def choice_at(self, i: int, j: int) -> Location:
        return self.locate.at("questions", i, "choices", j)

    def run(self) -> None:
        self.longest_correct()
        self.correct_position()
        self.tf_balance()
        self.absolute_qualifier()
        self.pool_draw()
        for i, q in enumerate(self.quiz.questions):
            self.all_none_of_above(i, q)
            self.duplicate_options(i, q)
            self.negative_stem(i, q)
            self.explanation_and_feedback(i, q)
            self.verdict_feedback(i, q)

    def longest_correct(self) -> None:
        asked = [(i, q) for i, q in enumerate(self.quiz.questions)
                 if q.type in ("single", "multiple")]
        cued = []
        for i, q in asked:
            j = longest_index(q.choices)
            if j is not None and q.choices[j].correct and not all(c.correct for c in q.choices):
                cued.append((i, q, j))
        if len(cued) < 2 or len(cued) <= LONGEST_SHARE * len(asked):
            return
        for i, q, j in cued:
            self.add("longest-correct", i, self.choice_at(i, j),
                     f"question '{q.id}': the correct option is the longest, as in {len(cued)} of "
                     f"{len(asked)} choice questions of this quiz",
                     "learners who do not know the answer pick the longest option; make the "
                     "options similar in length (add detail to the wrong ones, trim the answer)")

    def correct_position(self) -> None:
        cue = position_cue(self.quiz)
        if cue is None:
            return
        position, hits, total = cue
        for i, q in enumerate(self.quiz.questions):
            if q.type == "single" and not q.shuffle and position < len(q.choices) \
                    and q.choices[position].correct:
                self.add("correct-position", i, self.choice_at(i, position),
                         f"question '{q.id}': the answer is option {position + 1}, as in {hits} "
                         f"of {total} single-choice questions of this quiz, and the choices are "
                         "not shuffled",
                         "turn shuffle_choices back on (the default), or move the answers to "
                         "different positions")

    def tf_balance(self) -> None:
        items = [q for q in self.quiz.questions if q.type == "true-false"]
        if len(items) < TF_MIN:
            return
        true = sum(q.choices[0].correct for q in items)
        for answer, count in (("true", true), ("false", len(items) - true)):
            if count > TF_SHARE * len(items):
                other = "false" if answer == "true" else "true"
                self.add("tf-balance", None, self.locate.at("questions"),
                         f"{count} of {len(items)} true-false questions of this quiz are "
                         f"'{answer}' ({round(100 * count / len(items))}%)",
                         f"learners who notice it answer '{answer}' throughout; make between "
                         f"30% and 70% of them '{answer}', e.g. by rewriting some statements so "
                         f"that they are {other}")

    def absolute_qualifier(self) -> None:
        quiz = self.quiz
        statements = [(i, q) for i, q in enumerate(quiz.questions) if q.type == "true-false"]
        if not any(ABSOLUTE.search(q.prompt) for _, q in statements if q.choices[0].correct):
            for i, q in statements:
                found = ABSOLUTE.search(q.prompt)
                if found and not q.choices[0].correct:
                    self.add("absolute-qualifier", i, self.locate.at("questions", i, "prompt"),
                             f"question '{q.id}': the statement is false and says "
                             f"'{found.group(1)}', while no true statement of this quiz uses "
                             "such a word",
                             "learners mark statements with always, never, only, all or none "
                             "as false without knowing why; word it without them, or use them "
                             "in true statements too")
        options = [(i, q) for i, q in enumerate(quiz.questions) if q.type in ("single", "multiple")]
        if any(ABSOLUTE.search(c.text) for _, q in options for c in q.choices if c.correct):
            return
        for i, q in options:
            for j, c in enumerate(q.choices):
                found = ABSOLUTE.search(c.text)
                if found and not c.correct:
                    self.add("absolute-qualifier", i, self.choice_at(i, j),
                             f"question '{q.id}': option {j + 1} is wrong and says "
                             f"'{found.group(1)}', while no correct option of this quiz uses "
                             "such a word",
                             "learners rule out options with always, never, only, all or none "
                             "without knowing why; word it without them, or use them in right "
                             "options too")

    def pool_draw(self) -> None:
        # a draw larger than the tagged questions is already an error (quiz.build_quiz)
        pools = self.quiz.pools
        questions = self.quiz.questions
        for j, pool in enumerate(pools):
            where = self.locate.at("pools", j, "tag")
            earlier = [p.tag for p in pools[:j]]
            if pool.tag in earlier:
                first = earlier.index(pool.tag)
                self.add("pool-draw", None, where,
                         f"pool {j + 1} draws from tag '{pool.tag}' like pool {first + 1}",
                         f"use one pool with draw: {pools[first].draw + pool.draw}")
                continue
            tagged = [q for q in questions if pool.tag in q.tags]
            shared = sum(1 for q in tagged if any(t in q.tags for t in earlier))
            taken = min(shared, sum(p.draw for p in pools[:j]))
            if len(tagged) - taken < pool.draw:
                self.add("pool-draw", None, where,
                         f"pool '{pool.tag}' can draw only {len(tagged) - taken} of its "
                         f"{pool.draw} questions: {shared} of its {len(tagged)} questions carry "
                         "the tag of an earlier pool, which may take them first",
                         "give each question the tag of one pool only, or lower 'draw'")

    def all_none_of_above(self, i: int, q: Question) -> None:
        if q.type not in ("single", "multiple"):
            return
        for j, c in enumerate(q.choices):
            text = " ".join(c.text.split())
            kind = ("all of the above" if _ALL_ABOVE.fullmatch(text) else
                    "none of the above" if _NONE_ABOVE.fullmatch(text) else
                    "both A and B" if _COMBINATION.fullmatch(text) else None)
            if kind is None:
                continue
            self.add("all-none-of-above", i, self.choice_at(i, j),
                     f"question '{q.id}': option {j + 1} ('{_quoted(text)}') is a "
                     f"'{kind}' option",
                     "learners can answer it by spotting two right options (or one wrong one), "
                     "and it points at options that move when choices are shuffled; write an "
                     "option that stands on its own")

    def duplicate_options(self, i: int, q: Question) -> None:
        if q.type not in ("single", "multiple"):
            return
        texts = [_normal(c.text) for c in q.choices]
        for j, text in enumerate(texts):
            for k in range(j):
                if text == texts[k] or difflib.SequenceMatcher(
                        None, text, texts[k]).ratio() >= SIMILAR:
                    self.add("duplicate-options", i, self.choice_at(i, j),
                             f"question '{q.id}': option {j + 1} repeats option {k + 1}",
                             "make every option say something different; two options alike "
                             "tell learners that neither is the single answer")
                    break

    def negative_stem(self, i: int, q: Question) -> None:
        if q.type not in ("single", "multiple"):
            return
        prompt = q.prompt.strip()
        emphasized = [(m.start(), m.end()) for m in _EMPHASIS.finditer(prompt)]
        sentences = [(m.start(), m.group()) for m in _SENTENCE.finditer(prompt)
                     if m.group().strip()]
        asked = [s for s in sentences if s[1].rstrip("*_ \"”’')]").endswith("?")] or sentences[-1:]
        for start, sentence in asked:
            for m in _NEGATIVE.finditer(sentence):
                at = start + m.start()
                word = m.group(1)
                if (word.isupper() and len(word) > 1) or any(a <= at < b for a, b in emphasized):
                    continue
                self.add("negative-stem", i, self.locate.at("questions", i, "prompt"),
                         f"question '{q.id}': the question is asked negatively ('{word}') "
                         "without emphasis",
                         "ask for what is true if you can; otherwise write the negative word in "
                         "capitals or bold (**NOT**) so that learners do not miss it")
                return

    def explanation_and_feedback(self, i: int, q: Question) -> None:
        if not q.scored:
            return
        where = self.locate.at("questions", i)
        if self.quiz.graded and not q.explanation:
            self.add("no-explanation", i, where, f"question '{q.id}' has no explanation",
                     "add 'explanation:' saying why the answer is right; learners read it in "
                     "the review")
        feedback = [q.explanation, q.feedback_correct, q.feedback_incorrect,
                    *(c.feedback for c in q.choices)]
        if not self.quiz.graded and not any(f and f.strip() for f in feedback):
            self.add("no-feedback", i, where, f"question '{q.id}' gives no feedback",
                     "a knowledge check is for learning: add 'explanation:' or 'feedback:' "
                     "(correct, incorrect) saying why")

    def verdict_feedback(self, i: int, q: Question) -> None:
        at = ("questions", i)
        texts: list[tuple[str | None, tuple[str | int, ...]]] = [
            (q.feedback_correct, (*at, "feedback", "correct")),
            (q.feedback_incorrect, (*at, "feedback", "incorrect"))]
        if q.type == "true-false":
            texts += [(q.choices[0].feedback, (*at, "feedback_true")),
                      (q.choices[1].feedback, (*at, "feedback_false"))]
        elif q.type in ("single", "multiple"):
            texts += [(c.feedback, (*at, "choices", j, "feedback"))
                      for j, c in enumerate(q.choices)]
        for text, loc in texts:
            if not text:
                continue
            found = _VERDICT.match(text)
            only = _VERDICT_ONLY.fullmatch(text) if len(text) <= 80 else None
            if found is None and only is None:
                continue
            where = Location(self.locate.path, self.locate.text_line(*loc))
            if only is not None:
                self.add("verdict-feedback", i, where,
                         f"question '{q.id}': the feedback '{_quoted(text)}' only repeats the "
                         "verdict the player shows",
                         "say why the answer is right or wrong, or remove the feedback")
            else:
                assert found is not None
                self.add("verdict-feedback", i, where,
                         f"question '{q.id}': the feedback starts with "
                         f"'{found.group(1) or found.group(2)}', "
                         "which the player already shows",
                         "start with the reason: the player shows its own verdict above it")


# --- the test-wise guesser --------------------------------------------------------------


def estimate_guesser(quiz: Quiz, path: PurePosixPath = PurePosixPath()) -> GuessEstimate:
    """Expected score of a learner who answers every question of `quiz` by cues alone.

    Per question: drop options with absolute words; keep the longest remaining options; with
    the choices unshuffled and a position that holds the answer more often than chance (see
    `position_cue`), that position breaks a tie; then a uniform guess among what is left.
    True-false:
    'false' for absolute words, 'true' for hedges (may, usually, ...), else either. Matching
    with unshuffled targets: the targets in the order shown; else a random one-to-one guess.
    Ordering: a random order. Fill-in, numeric: nothing. Pools weigh each question by its
    chance of being drawn.
    """
    cue = position_cue(quiz)
    position = None if cue is None else cue[0]
    weights = _draw_chances(quiz)
    earned = total = 0.0
    shares = []
    for q, weight in zip(quiz.questions, weights, strict=True):
        if not q.scored:
            continue
        share = guess_question(q, position)
        shares.append((q.id, round(share, 4)))
        earned += q.points * weight * share
        total += q.points * weight
    percent = round(earned / total * 10000) / 100 if total else 0.0
    return GuessEstimate(quiz.name, path, percent, quiz.pass_mark, tuple(shares))


def _draw_chances(quiz: Quiz) -> list[float]:
    if not quiz.pools:
        return [1.0] * len(quiz.questions)
    chances = [0.0] * len(quiz.questions)
    for pool in quiz.pools:
        tagged = [i for i, q in enumerate(quiz.questions) if pool.tag in q.tags]
        for i in tagged:
            chances[i] = max(chances[i], min(1.0, pool.draw / len(tagged)))
    return chances


def guess_question(q: Question, position: int | None = None) -> float:
    """Expected share (0..1) of the question's points that the cue guesser earns."""
    if q.type == "single":
        candidates = _without_absolutes(range(len(q.choices)), q.choices)
        most = max(words(q.choices[j].text) for j in candidates)
        candidates = [j for j in candidates if words(q.choices[j].text) == most]
        if position is not None and not q.shuffle and position in candidates:
            candidates = [position]  # a tie broken by the quiz's usual answer position
        return _mean(score_question(q, q.choices[j].id) for j in candidates)
    if q.type == "multiple":
        candidates = _without_absolutes(range(len(q.choices)), q.choices)
        average = sum(words(c.text) for c in q.choices) / len(q.choices)
        picked = [j for j in candidates if words(q.choices[j].text) >= average] or candidates
        return score_question(q, [q.choices[j].id for j in picked])
    if q.type == "true-false":
        absolute, hedge = bool(ABSOLUTE.search(q.prompt)), bool(HEDGE.search(q.prompt))
        picks = ["f"] if absolute and not hedge else ["t"] if hedge and not absolute else ["t", "f"]
        return _mean(score_question(q, pick) for pick in picks)
    if q.type == "matching":
        if not q.shuffle:  # the i-th target shown for the i-th source
            response = {s.id: q.targets[k].id for k, s in enumerate(q.sources)
                        if k < len(q.targets)}
            return score_question(q, response)
        n, choices = len(q.sources), len(q.targets)
        if len({t for _, t in q.pairs}) == n:  # one target each: a one-to-one guess
            return 1 / math.perm(choices, n)
        return float(choices) ** -n
    if q.type == "ordering":
        n = len(q.items)
        return 1 / n if q.partial else 1 / math.factorial(n)  # a random order
    return 0.0  # fill-in, numeric: no option to pick


def _without_absolutes(indexes: Iterable[int], choices: Sequence[Choice]) -> list[int]:
    every = list(indexes)
    kept = [j for j in every if not ABSOLUTE.search(choices[j].text)]
    return kept or every


def _mean(values: Iterable[float]) -> float:
    got = list(values)
    return sum(got) / len(got)

