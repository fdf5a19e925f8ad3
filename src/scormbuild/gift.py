"""Moodle GIFT question banks: `quizzes/<name>.gift` read into the same tree a quiz YAML file gives.

The tree (dicts and lists carrying `lc` positions, like `yamltree`) goes through the same spec
classes and quiz checks as YAML, so every error points at a GIFT line. Quiz settings come from
comment lines Moodle ignores: `// scormbuild: pass_mark: 80` (one `key: value` in YAML each).

GIFT -> scormbuild types (`scormbuild docs gift`, docs/course-format.md "Moodle GIFT"):
  {=right ~wrong}              single          {~%50%a ~%50%b ~%-100%c}  multiple, partial credit
  {T} {TRUE} {F} {FALSE}       true-false      {=a =b}                   fill-in
  {#5:0.5} {#1..3} {#=5 =6:1}  numeric         {=a -> 1 =b -> 2}         matching
Not supported (an error with a hint): essay `{}`, descriptions (no answer block).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from . import yamltree
from .errors import Diagnostic, Location
from .yamltree import Marks, YamlList, YamlMap

SETTINGS_PREFIX = "scormbuild:"
FORMATS = ("[markdown]", "[html]", "[plain]", "[moodle]")
ESCAPES = {"=": "=", "~": "~", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
BLANK = "\\_\\_\\_\\_\\_"  # markdown for the gap of a missing-word question
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _map(line: int, **items: Any) -> YamlMap:
    """A mapping whose keys all sit on `line` (1-based); None values are left out."""
    out = YamlMap()
    out.lc = Marks(line - 1)
    for key, value in items.items():
        if value is not None:
            out[key] = value
            out.lc._at[key] = (line - 1, 0)
    return out


def _list(line: int, items: list[tuple[int, Any]]) -> YamlList:
    out = YamlList()
    out.lc = Marks(line - 1)
    for i, (item_line, value) in enumerate(items):
        out.append(value)
        out.lc._at[i] = (item_line - 1, 0)
    return out


@dataclass
class _Block:
    """The lines of one question: text joined by newlines, first line number, category."""

    text: str
    line: int
    category: str | None
    markdown: bool = False  # texts marked [markdown] or [html]; others are plain text

    def line_at(self, pos: int) -> int:
        return self.line + self.text.count("\n", 0, pos)


class GiftError(Exception):
    """A construct we cannot read; carries its line and a hint."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def load_gift(text: str, path: PurePosixPath) -> tuple[Any, list[Diagnostic]]:
    """Parse GIFT text into a quiz tree with positions; problems become Diagnostics."""
    diags: list[Diagnostic] = []
    settings = _map(1)
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []
    category: str | None = None

    def close() -> None:
        if current:
            blocks.append(_Block("\n".join(t for _, t in current), current[0][0], category))
            current.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            comment = stripped[2:].strip()
            if comment.startswith(SETTINGS_PREFIX):
                setting = comment[len(SETTINGS_PREFIX):].strip()
                _read_setting(setting, number, raw.index(setting) if setting else 0, settings,
                              path, diags)
            continue
        if stripped.startswith("$CATEGORY:"):
            close()
            category = stripped[len("$CATEGORY:"):].strip().rstrip("/").split("/")[-1] or None
            continue
        if not stripped:
            close()
            continue
        current.append((number, raw.rstrip()))
    close()

    if not blocks:  # never a quiz silently left out of the package
        diags.append(Diagnostic(Location(path, 1), "GIFT file has no questions",
                                "write questions in GIFT separated by blank lines, e.g. "
                                "'::Q1:: 2 + 2 = {=4 ~5}'; or delete the file and its outline "
                                "entry"))
    questions: list[tuple[int, Any]] = []
    used: set[str] = set()
    for n, block in enumerate(blocks, start=1):
        try:
            question, warnings = _question(block, n, used)
        except GiftError as err:
            diags.append(Diagnostic(Location(path, err.line), err.message, err.hint))
            continue
        diags.extend(Diagnostic(Location(path, line), message, hint, "warning")
                     for line, message, hint in warnings)
        questions.append((block.line, question))
    if "title" not in settings:
        settings["title"] = path.stem.replace("-", " ").replace("_", " ").capitalize()
        settings.lc._at["title"] = (0, 0)
    if questions or not diags:
        settings["questions"] = _list(questions[0][0] if questions else 1, questions)
        settings.lc._at["questions"] = ((questions[0][0] if questions else 1) - 1, 0)
    return settings, diags


def _read_setting(text: str, line: int, column: int, settings: YamlMap, path: PurePosixPath,
                  diags: list[Diagnostic]) -> None:
    where = Location(path, line)
    try:
        value = yamltree.load(text)
    except yamltree.YAMLError:
        value = None
    if not isinstance(value, dict) or len(value) != 1:
        diags.append(Diagnostic(where, f"cannot read the setting '{text}'",
                                "write one setting per line: '// scormbuild: pass_mark: 80'"))
        return
    key, item = next(iter(value.items()))
    if key == "questions":
        diags.append(Diagnostic(where, "questions cannot be set in a GIFT comment",
                                "write the questions in GIFT below the settings"))
        return
    if key in settings:
        diags.append(Diagnostic(where, f"setting '{key}' is given twice",
                                "keep one '// scormbuild: {key}: ...' line"))
        return
    _shift(item, line - 1, column)
    settings[key] = item
    settings.lc._at[key] = (line - 1, column)


def _shift(tree: Any, lines: int, columns: int) -> None:
    """Move the positions of a value parsed from one comment line to that line and column."""
    marks = getattr(tree, "lc", None)
    if marks is None:
        return
    marks.line += lines
    marks.col += columns
    marks._at = {k: (row + lines, col + columns) for k, (row, col) in marks._at.items()}
    for child in tree.values() if isinstance(tree, dict) else tree:
        _shift(child, lines, columns)


# --- one question ---------------------------------------------------------------------------


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after start, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def unescape(text: str) -> str:
    """GIFT escapes: \\= \\~ \\# \\{ \\} \\: \\\\ and \\n (a line break)."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def _clean(text: str) -> str:
    text = text.strip()
    for marker in FORMATS:
        if text.lower().startswith(marker):
            text = text[len(marker):].lstrip()
            break
    return unescape(text).strip()


def _show(text: str | None, block: _Block) -> str | None:
    """A text learners read: markdown as written when marked so, else plain text made literal."""
    if text is None:
        return None
    cleaned = _clean(text)
    if not cleaned:
        return None
    return cleaned if block.markdown else re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", cleaned)


def _slug(title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    if not slug or not slug[0].isalpha():
        slug = "q-" + slug
    return slug[:64].rstrip("-")


Warning_ = tuple[int, str, str]


def _question(block: _Block, number: int, used: set[str]) -> tuple[YamlMap, list[Warning_]]:
    text, line = block.text, block.line
    title = None
    body_start = 0
    if text.lstrip().startswith("::"):
        lead = len(text) - len(text.lstrip())
        end = _find(text, "::", lead + 2)
        if end < 0:
            raise GiftError(line, "question title has no closing '::'",
                            "write the title as ::Title:: before the question text")
        title = unescape(text[lead + 2:end]).strip()
        body_start = end + 2
    open_at = _find(text, "{", body_start)
    if open_at < 0:
        raise GiftError(line, "question has no answer block '{...}'",
                        "descriptions are not supported: add answers in braces, e.g. {=yes ~no}")
    close_at = _find(text, "}", open_at + 1)
    if close_at < 0:
        raise GiftError(block.line_at(open_at), "answer block '{' is not closed",
                        "add the closing '}', or write \\{ for a literal brace")
    before, after = text[body_start:open_at], text[close_at + 1:]
    block.markdown = before.lstrip().lower().startswith(("[markdown]", "[html]"))
    if "\n" in after and (after.strip().startswith("::") or _find(after, "{") >= 0):
        raise GiftError(block.line_at(close_at + 1 + after.index("\n") + 1),
                        "a second question starts here without a blank line before it",
                        "separate questions with an empty line")
    prompt = _show(before, block) or ""
    if after.strip():
        prompt = f"{prompt} {BLANK} {_show(after, block) or ''}".strip()
    if not prompt:
        raise GiftError(line, "question has no text", "write the question before the '{'")
    qid = _slug(title) if title else f"q{number}"
    base, k = qid, 2
    while qid in used:
        qid, k = f"{base[:60]}-{k}", k + 1
    used.add(qid)
    answers_at = open_at + 1
    content = text[answers_at:close_at]
    general = None
    cut = _find(content, "####")
    if cut >= 0:
        general = _show(content[cut + 4:], block)
        content = content[:cut]
    tags = _list(line, [(line, block.category)]) if block.category else None
    common = dict(id=qid, prompt=prompt, explanation=general, tags=tags)
    where = block.line_at(answers_at)
    stripped = content.strip()
    if not stripped:
        raise GiftError(where, "essay questions ({}) are not supported",
                        "give the accepted answers, e.g. {=answer}, or remove the question")
    if stripped.startswith("#"):
        return _numeric(block, answers_at + content.index("#") + 1, content[content.index("#")
                        + 1:], common)
    head = stripped.split("#", 1)[0].strip().upper()
    if head in ("T", "TRUE", "F", "FALSE"):
        return _true_false(block, answers_at, content, head.startswith("T"), common), []
    tokens = _tokens(block, answers_at, content)
    if any(_find(t.text, "->") >= 0 for t in tokens):
        return _matching(block, tokens, common), []
    if any(t.mark == "~" for t in tokens):
        return _choice(block, tokens, common)
    return _short_answer(block, tokens, common)


@dataclass
class _Token:
    mark: str  # "=" or "~"
    weight: float | None
    text: str  # raw (escaped) text
    feedback: str | None
    line: int


def _tokens(block: _Block, offset: int, content: str) -> list[_Token]:
    """Split an answer block at unescaped = and ~ into answers with weights and feedback."""
    starts = [i for i in range(len(content)) if content[i] in "=~" and not _escaped(content, i)]
    if not starts or content[: starts[0]].strip():
        raise GiftError(block.line_at(offset), "answers must start with '=' (right) or '~' "
                        "(wrong)", "write e.g. {=right ~wrong}; escape a literal = as \\=")
    tokens = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(content)
        raw = content[start + 1:end]
        weight = None
        match = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", raw)
        if match:
            weight = float(match.group(1))
            if not -100 <= weight <= 100:
                raise GiftError(block.line_at(offset + start), f"answer weight "
                                f"{match.group(1)[:20]}% is outside -100% to 100%",
                                "write a percentage from -100 to 100, e.g. ~%50%half right")
            raw = raw[match.end():]
        feedback = None
        hash_at = _find(raw, "#")
        if hash_at >= 0:
            feedback = raw[hash_at + 1:]
            raw = raw[:hash_at]
        tokens.append(_Token(content[start], weight, raw, feedback,
                             block.line_at(offset + start)))
    return tokens


def _escaped(text: str, i: int) -> bool:
    slashes = 0
    while i - slashes - 1 >= 0 and text[i - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _credit(token: _Token) -> float:
    if token.weight is not None:
        return token.weight
    return 100.0 if token.mark == "=" else 0.0


def _choice(block: _Block, tokens: list[_Token], common: dict[str, Any]
            ) -> tuple[YamlMap, list[Warning_]]:
    warnings: list[Warning_] = []
    full = [t for t in tokens if _credit(t) >= 100]
    partial = [t for t in tokens if 0 < _credit(t) < 100]
    if len(full) == 1 and partial:
        warnings.extend((t.line, f"partial credit {_credit(t):g}% on a single-choice answer "
                         "counts as wrong", "scormbuild scores single choice right or wrong")
                        for t in partial)
    multiple = len(full) != 1
    choices = _list(tokens[0].line, [
        (t.line, _map(t.line, text=_show(t.text, block), correct=(_credit(t) > 0 if multiple
                                                            else _credit(t) >= 100) or None,
                      feedback=_show(t.feedback, block)))
        for t in tokens])
    if multiple:
        scoring = "partial" if partial else None
        return _map(block.line, type="multiple", **common, choices=choices,
                    scoring=scoring), warnings
    return _map(block.line, type="single", **common, choices=choices), warnings


def _true_false(block: _Block, offset: int, content: str, answer: bool,
                common: dict[str, Any]) -> YamlMap:
    parts = [_show(p, block) for p in _split(content, "#")[1:]]
    wrong = parts[0] if parts else None  # Moodle: first feedback for a wrong answer
    right = parts[1] if len(parts) > 1 else None
    if len(parts) > 2:
        raise GiftError(block.line_at(offset), "a true/false question takes at most two "
                        "feedbacks", "write {T#shown when wrong#shown when right}")
    return _map(block.line, type="true-false", **common, answer=answer,
                feedback_true=right if answer else wrong,
                feedback_false=wrong if answer else right)


def _split(text: str, sep: str) -> list[str]:
    parts, start = [], 0
    while True:
        at = _find(text, sep, start)
        if at < 0:
            parts.append(text[start:])
            return parts
        parts.append(text[start:at])
        start = at + len(sep)


def _short_answer(block: _Block, tokens: list[_Token], common: dict[str, Any]
                  ) -> tuple[YamlMap, list[Warning_]]:
    warnings: list[Warning_] = []
    answers: list[tuple[int, Any]] = []
    right_feedback = None
    for t in tokens:
        if _credit(t) < 100:
            warnings.append((t.line, f"answer with {_credit(t):g}% credit is left out",
                             "scormbuild accepts full-credit answers only"))
            continue
        answers.append((t.line, _clean(t.text)))
        right_feedback = right_feedback or _show(t.feedback, block)
    feedback = _map(block.line, correct=right_feedback) if right_feedback else None
    return _map(block.line, type="fill-in", **common, feedback=feedback,
                answers=_list(tokens[0].line, answers)), warnings


def _numeric(block: _Block, offset: int, content: str, common: dict[str, Any]
             ) -> tuple[YamlMap, list[Warning_]]:
    warnings: list[Warning_] = []
    if content.strip().startswith("="):
        tokens = _tokens(block, offset, content)
    else:
        raw, note = content, None
        hash_at = _find(content, "#")
        if hash_at >= 0:
            raw, note = content[:hash_at], content[hash_at + 1:]
        tokens = [_Token("=", None, raw, note, block.line_at(offset))]
    full = [t for t in tokens if _credit(t) >= 100]
    for t in tokens:
        if t not in full[:1]:
            warnings.append((t.line, f"numeric answer '{_clean(t.text)}' is left out "
                             f"({_credit(t):g}% credit)", "scormbuild keeps the first "
                             "full-credit numeric answer; widen its tolerance or range instead"))
    if not full:
        raise GiftError(tokens[0].line, "numeric question has no full-credit answer",
                        "write e.g. {#5:0.5}, {#1..3} or {#=5:0 =%50%4:1}")
    first = full[0]
    value = _clean(first.text)
    shown = _show(first.feedback, block)
    feedback = _map(block.line, correct=shown) if shown else None
    if match := re.fullmatch(rf"({NUMBER})\s*\.\.\s*({NUMBER})", value):
        return _map(block.line, type="numeric", **common, feedback=feedback,
                    min=_number(match.group(1), first.line),
                    max=_number(match.group(2), first.line)), warnings
    if match := re.fullmatch(rf"({NUMBER})(?:\s*:\s*({NUMBER}))?", value):
        tolerance = _number(match.group(2), first.line) if match.group(2) else None
        return _map(block.line, type="numeric", **common, feedback=feedback,
                    answer=_number(match.group(1), first.line), tolerance=tolerance), warnings
    raise GiftError(first.line, f"'{value}' is not a numeric answer",
                    "write a number, number:tolerance (5:0.5) or a range (1..3)")


def _number(text: str, line: int) -> float:
    """A GIFT number as a float; one too large for a float (1e999) is an error, not Infinity."""
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 20 else text[:20] + "..."
        raise GiftError(line, f"number {shown} is too large", "write a number below 1e308 "
                        "(numbers this large cannot be answered or scored)")
    return value


def _matching(block: _Block, tokens: list[_Token], common: dict[str, Any]) -> YamlMap:
    pairs: list[tuple[int, Any]] = []
    distractors: list[tuple[int, Any]] = []
    for t in tokens:
        arrow = _find(t.text, "->")
        if t.mark != "=" or arrow < 0:
            raise GiftError(t.line, "a matching answer needs the form '=source -> target'",
                            "write every pair as =left -> right; '~' is not used in matching")
        source, target = _clean(t.text[:arrow]), _clean(t.text[arrow + 2:])
        if not target:
            raise GiftError(t.line, "matching pair has no target after '->'",
                            "write =source -> target")
        if source:
            pairs.append((t.line, _map(t.line, source=source, target=target)))
        else:
            distractors.append((t.line, target))  # Moodle: an empty left side is a distractor
    return _map(block.line, type="matching", **common,
                pairs=_list(tokens[0].line, pairs),
                distractors=_list(distractors[0][0], distractors) if distractors else None)
