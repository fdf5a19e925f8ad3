"""Fill-in answer patterns: a documented subset of regular expressions, compiled to a DFA.

The player never hands a course's pattern to the browser's RegExp: a backtracking engine
freezes on patterns such as `(a+)+$`, and Python and JavaScript read some syntax differently.
Instead, `compile_pattern` parses the subset (docs/course-format.md, "Fill-in patterns") and
builds a deterministic automaton at build time; `scoring.js` walks it one character at a time,
so matching costs time linear in the answer whatever the pattern. Imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

MAX_CODE = 0x10FFFF
MAX_REPEAT = 100  # {n,m} bounds
MAX_NFA = 5_000  # automaton nodes after repeats are expanded
MAX_STATES = 500  # states of the compiled machine
MAX_WORK = 5_000_000  # steps of the subset construction: check time stays bounded too

Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive code point ranges

_META = set("\\.[](){}*+?|^$")
_ESCAPABLE = _META | set("-/")
_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
# JavaScript's \s (ECMA-262 WhiteSpace and LineTerminator), the same in both engines here
_SPACE: Ranges = ((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                  (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
                  (0xFEFF, 0xFEFF))
_CLASSES = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_LINE_ENDS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_UNSUPPORTED_ESCAPES = {
    "b": "word boundaries ('\\b') are not supported",
    "B": "'\\B' is not supported",
    "A": "'\\A' is not supported: a pattern always matches the whole answer",
    "Z": "'\\Z' is not supported: a pattern always matches the whole answer",
    "z": "'\\z' is not supported: a pattern always matches the whole answer",
}
_HINT_GENERAL = ("patterns may use letters, ., [..], (..), (?:..), |, ?, *, +, {n,m}, \\d \\w \\s; "
                 "see 'Fill-in patterns' in `scormbuild docs quizzes`")


class PatternError(ValueError):
    """A pattern outside the supported subset: what is wrong, where (0-based character index,
    None for the pattern as a whole), and a hint."""

    def __init__(self, message: str, position: int | None, hint: str = _HINT_GENERAL) -> None:
        super().__init__(message)
        self.message, self.position, self.hint = message, position, hint


@dataclass(frozen=True, slots=True)
class Machine:
    """A DFA over code points: state 0 starts; `rows[s]` is (lo, hi, next, lo, hi, next, ...)."""

    rows: tuple[tuple[int, ...], ...]
    accept: tuple[bool, ...]

    def matches(self, text: str) -> bool:
        """Does the machine accept the whole of `text`? (scoring.js `runMachine` mirrors this)"""
        state = 0
        for char in text:
            code, row, nxt = ord(char), self.rows[state], -1
            for k in range(0, len(row), 3):
                if row[k] <= code <= row[k + 1]:
                    nxt = row[k + 2]
                    break
            if nxt < 0:
                return False
            state = nxt
        return self.accept[state]

    def to_json(self) -> dict[str, list[list[int]] | list[int]]:
        """The course data form: {"rows": [[lo, hi, next, ...], ...], "accept": [state, ...]}."""
        return {"rows": [list(r) for r in self.rows],
                "accept": [i for i, ok in enumerate(self.accept) if ok]}


# --- syntax tree ------------------------------------------------------------------------------
# ("set", ranges) | ("cat", [nodes]) | ("alt", [nodes]) | ("rep", node, min, max or None)
Node = tuple[object, ...]


def _union(*parts: Ranges) -> Ranges:
    spans = sorted(r for part in parts for r in part)
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _negate(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in _union(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= MAX_CODE:
        out.append((start, MAX_CODE))
    return tuple(out)


def _case_closed(ranges: Ranges) -> Ranges:
    """Add each character's one-character lower and upper case (answers are lower-cased)."""
    extra: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if hi - lo > 0x3000:
            continue  # a huge range (a negation) already holds both cases of nearly everything
        for code in range(lo, hi + 1):
            for other in (chr(code).lower(), chr(code).upper()):
                if len(other) == 1 and other != chr(code):
                    extra.append((ord(other), ord(other)))
    return _union(ranges, tuple(extra))


class _Parser:
    def __init__(self, text: str, case_sensitive: bool) -> None:
        self.text, self.pos, self.fold = text, 0, not case_sensitive

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, message: str, hint: str = _HINT_GENERAL, at: int | None = None) -> PatternError:
        return PatternError(message, self.pos if at is None else at, hint)

    def charset(self, ranges: Ranges, negated: bool = False) -> Node:
        if self.fold:
            ranges = _case_closed(ranges)
        return ("set", _negate(ranges) if negated else _union(ranges))

    def parse(self) -> Node:
        node = self.alternation(top=True)
        if self.pos < len(self.text):  # only a stray ')' stops the top level early
            raise self.fail("')' closes a group that was never opened",
                            "remove it, or escape it as \\) to match a bracket")
        return node

    def alternation(self, top: bool = False) -> Node:
        branches = [self.sequence(top)]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence(top))
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self, top: bool) -> Node:
        items: list[Node] = []
        start = self.pos
        while self.pos < len(self.text) and self.peek() not in "|)":
            char = self.peek()
            if char == "^":
                if not (top and self.pos == start):
                    raise self.fail("'^' can only start the pattern",
                                    "a pattern always matches the whole answer: leave ^ out, "
                                    "or escape it as \\^ to match the character")
                self.pos += 1
                continue
            if char == "$":
                self.pos += 1
                if not (top and (self.pos == len(self.text) or self.peek() == "|")):
                    raise self.fail("'$' can only end the pattern",
                                    "a pattern always matches the whole answer: leave $ out, "
                                    "or escape it as \\$ to match the character", self.pos - 1)
                continue
            items.append(self.quantified(self.atom()))
        return items[0] if len(items) == 1 else ("cat", items)

    def quantified(self, node: Node) -> Node:
        char = self.peek()
        at = self.pos
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            low, high = self.braces()
        else:
            return node
        if self.peek() == "?":
            self.pos += 1  # lazy: the same whole-answer matches as greedy
        if self.peek() in ("*", "+", "?", "{"):
            raise self.fail(f"'{self.peek()}' right after the quantifier at character {at + 1}",
                            "a quantifier repeats the item before it; put that item in "
                            "(?:...) to repeat it again")
        return ("rep", node, low, high)

    def braces(self) -> tuple[int, int | None]:
        start = self.pos
        end = self.text.find("}", start)
        body = self.text[start + 1:end] if end > 0 else ""
        low_text, comma, high_text = body.partition(",")
        if end < 0 or not low_text.isdigit() or (high_text and not high_text.isdigit()):
            if body.startswith(",") and high_text.isdigit():
                raise self.fail(f"'{{{body}}}' has no lower bound", f"write {{0{body}}}")
            raise self.fail("'{' starts no repeat count such as {2} or {1,3}",
                            "escape it as \\{ to match the character")
        low = int(low_text)
        high = (None if comma and not high_text else int(high_text) if comma else low)
        if max(low, high or 0) > MAX_REPEAT:
            raise self.fail(f"repeat count {{{body}}} is above {MAX_REPEAT}",
                            "use a smaller count, or * / + for any number")
        if high is not None and high < low:
            raise self.fail(f"repeat count {{{body}}} has its larger number first",
                            f"write {{{high},{low}}}")
        self.pos = end + 1
        return low, high

    def atom(self) -> Node:
        char, at = self.peek(), self.pos
        self.pos += 1
        if char == "(":
            return self.group(at)
        if char == "[":
            return self.bracket(at)
        if char == ".":
            return self.charset(_LINE_ENDS, negated=True)
        if char == "\\":
            return self.escape(at)
        if char in ("*", "+", "?"):
            raise self.fail(f"'{char}' has nothing before it to repeat",
                            f"escape it as \\{char} to match the character", at)
        if char in ("]", "{", "}"):
            raise self.fail(f"'{char}' on its own is not allowed",
                            f"escape it as \\{char} to match the character", at)
        return self.charset(((ord(char), ord(char)),))

    def group(self, at: int) -> Node:
        if self.text.startswith("?:", self.pos):
            self.pos += 2
        elif self.peek() == "?":
            rest = self.text[self.pos:self.pos + 3]
            if rest[:2] in ("?=", "?!") or rest[:3] in ("?<=", "?<!"):
                raise self.fail("lookahead and lookbehind groups are not supported",
                                "describe the whole answer instead, e.g. (cat|dog)s?", at)
            if rest[:2] in ("?P", "?<"):
                raise self.fail("named groups are not supported", "use (...) or (?:...)", at)
            raise self.fail(f"inline flags such as '({rest}' are not supported",
                            "patterns ignore case unless the question sets case_sensitive: "
                            "true", at)
        node = self.alternation()
        if self.peek() != ")":
            raise self.fail("'(' is never closed", "add the missing ')', or escape it as \\(",
                            at)
        self.pos += 1
        return node

    def escape(self, at: int) -> Node:
        char = self.peek()
        self.pos += 1
        if not char:
            raise self.fail("the pattern ends with a lone '\\'", "write \\\\ to match a "
                            "backslash", at)
        if char in _ESCAPABLE:
            return self.charset(((ord(char), ord(char)),))
        if char.lower() in _CLASSES:
            return self.charset(_CLASSES[char.lower()], negated=char.isupper())
        if char.isdigit():
            raise self.fail(f"back-references such as '\\{char}' are not supported",
                            "write the repeated text out, or list the answers", at)
        if char in _UNSUPPORTED_ESCAPES:
            raise self.fail(_UNSUPPORTED_ESCAPES[char], "write the words out, e.g. (cat|cats)",
                            at)
        raise self.fail(f"'\\{char}' is not a supported escape",
                        "escape only punctuation (\\. \\( \\? ...); \\d, \\w and \\s are the "
                        "supported classes", at)

    def bracket(self, at: int) -> Node:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        parts: list[Ranges] = []
        first = True
        while True:
            char, here = self.peek(), self.pos
            if not char:
                raise self.fail("'[' is never closed", "add the missing ']', or escape it as "
                                "\\[", at)
            if char == "]":
                if first:
                    raise self.fail("'[]' is an empty set", "put the allowed characters "
                                    "between the brackets, or escape ] as \\]", here)
                self.pos += 1
                break
            if char == "[":
                raise self.fail("'[' inside a set", "escape it as \\[", here)
            low = self.class_char()
            if self.peek() == "-" and self.text[self.pos + 1:self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self.class_char()
                if not (isinstance(low, int) and isinstance(high, int)):
                    raise self.fail("a range needs a single character at each end",
                                    "list \\d, \\w or \\s apart from ranges, e.g. [a-z\\d]",
                                    here)
                if high < low:
                    raise self.fail(f"range '{chr(low)}-{chr(high)}' is backwards",
                                    f"write {chr(high)}-{chr(low)}", here)
                parts.append(((low, high),))
            else:
                parts.append(((low, low),) if isinstance(low, int) else low)
            first = False
        return self.charset(_union(*parts), negated)

    def class_char(self) -> int | Ranges:
        char, at = self.peek(), self.pos
        self.pos += 1
        if char != "\\":
            if char in ("[", "]", ""):
                raise self.fail("a range needs a character at each end", "escape - as \\- to "
                                "match a hyphen", at)
            return ord(char)
        node = self.escape(at)
        if self.text[at + 1].lower() in _CLASSES:
            return node[1]  # type: ignore[return-value]  # \d, \w, \s: a set, not a character
        return ord(self.text[at + 1])


# --- automata ---------------------------------------------------------------------------------


class _Nfa:
    """Thompson construction: node -> list of (ranges or None for epsilon, target)."""

    def __init__(self) -> None:
        self.edges: list[list[tuple[Ranges | None, int]]] = []

    def node(self) -> int:
        if len(self.edges) >= MAX_NFA:
            raise PatternError("too large for the player's answer checker", None,
                               "use smaller repeat counts, or list some answers in 'answers'")
        self.edges.append([])
        return len(self.edges) - 1

    def build(self, tree: Node, start: int) -> int:
        """Add `tree` from `start`; return its end node."""
        kind = tree[0]
        if kind == "set":
            end = self.node()
            self.edges[start].append((tree[1], end))  # type: ignore[arg-type]
            return end
        if kind == "cat":
            for item in tree[1]:  # type: ignore[attr-defined]
                start = self.build(item, start)
            return start
        if kind == "alt":
            end = self.node()
            for branch in tree[1]:  # type: ignore[attr-defined]
                begin = self.node()
                self.edges[start].append((None, begin))
                self.edges[self.build(branch, begin)].append((None, end))
            return end
        _, item, low, high = tree
        assert isinstance(item, tuple) and isinstance(low, int)
        for _ in range(low):
            start = self.build(item, start)
        if high is None:
            loop = self.node()
            self.edges[start].append((None, loop))
            self.edges[self.build(item, loop)].append((None, loop))
            return loop
        end = self.node()
        assert isinstance(high, int)
        for _ in range(high - low):
            self.edges[start].append((None, end))
            start = self.build(item, start)
        self.edges[start].append((None, end))
        return end


def compile_pattern(pattern: str, case_sensitive: bool) -> Machine:
    """The machine accepting exactly the answers `pattern` matches as a whole.

    Raises PatternError for syntax outside the subset and for patterns too large to compile.
    """
    tree = _Parser(pattern, case_sensitive).parse()
    nfa = _Nfa()
    start = nfa.node()
    final = nfa.build(tree, start)

    def closure(nodes: set[int]) -> frozenset[int]:
        todo, seen = list(nodes), set(nodes)
        while todo:
            for label, target in nfa.edges[todo.pop()]:
                if label is None and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen)

    first = closure({start})
    index = {first: 0}
    order = [first]
    rows: list[tuple[int, ...]] = []
    work = 0
    too_complex = PatternError("too complex for the player's answer checker", None,
                               "simplify it, or list some answers in 'answers'")
    while len(rows) < len(order):
        current = order[len(rows)]
        moves = [(label, target) for n in current for label, target in nfa.edges[n]
                 if label is not None]
        points = sorted({lo for label, _ in moves for lo, _ in label}
                        | {hi + 1 for label, _ in moves for _, hi in label})
        work += len(points) * max(1, sum(len(label) for label, _ in moves))
        if work > MAX_WORK:
            raise too_complex
        row: list[int] = []
        for lo, nxt_lo in pairwise(points):
            hi = nxt_lo - 1
            targets = {t for label, t in moves if any(a <= lo and hi <= b for a, b in label)}
            if not targets:
                continue
            state = closure(targets)
            work += len(state)
            if state not in index:
                if len(order) >= MAX_STATES:
                    raise too_complex
                index[state] = len(order)
                order.append(state)
            if row and row[-2] == lo - 1 and row[-1] == index[state]:
                row[-2] = hi  # extend the previous range: same target
            else:
                row += [lo, hi, index[state]]
        rows.append(tuple(row))
    return Machine(tuple(rows), tuple(final in state for state in order))
