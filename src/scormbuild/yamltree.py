"""Fast YAML reading with positions: libyaml parses, we keep each key's line and column.

ruamel.yaml's round-trip loader keeps positions but is pure Python and dominated build time
(about 15 ms per file). PyYAML's C composer gives nodes with marks at a fraction of the cost;
this module turns them into plain dicts and lists that carry an `lc` attribute with the
same `line`, `col`, `key()` and `item()` a ruamel tree offers. Scalars follow YAML 1.2's core
schema (only true/false are booleans, no sexagesimal numbers), so `No` and `10:30` stay text.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_NODES = 200_000  # aliases can multiply a small file; past this it is refused
# Text after alias expansion: a file under the reader's size limit without aliases always fits
# (sources caps text files at 2 MiB), but 5,000 aliases of a 200 KB string (1 GB) do not.
MAX_CHARS = 4 * 1024 * 1024
MAX_DEPTH = 64  # course files nest a few levels; libyaml's composer recurses in C and would crash

MarkedYAMLError = yaml.MarkedYAMLError
ReaderError = yaml.reader.ReaderError
YAMLError = yaml.YAMLError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """libyaml parser with YAML 1.2 core-schema scalar resolution."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}


def _resolver(tag: str, pattern: str, first: str) -> None:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X),
                                  list(first))


_resolver("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_resolver("float", r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$"
          r"|^[-+]?[0-9]+[eE][-+]?[0-9]+$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$",
          "-+0123456789.")
_resolver("null", r"^(?:~|null|Null|NULL|)$", "~nN\0")
_Loader.yaml_implicit_resolvers.setdefault("", []).append(
    ("tag:yaml.org,2002:null", re.compile(r"^$")))


class Marks:
    """Positions (0-based) of a mapping's keys or a sequence's items, like ruamel's `lc`."""

    __slots__ = ("_at", "_text", "col", "line")

    def __init__(self, line: int, col: int = 0) -> None:
        self.line = line
        self.col = col
        self._at: dict[Any, tuple[int, int]] = {}
        self._text: dict[Any, int] = {}  # line where a text value's first character stands

    def text_line(self, key: Any) -> int | None:
        """0-based line of the first character of a scalar value (after a '|' or '>')."""
        return self._text.get(key)

    def key(self, key: Any) -> tuple[int, int]:
        return self._at[key]

    def item(self, index: int) -> tuple[int, int]:
        return self._at[index]


class YamlMap(dict[Any, Any]):
    """A mapping read from YAML, with `lc` positions."""

    lc: Marks


class YamlList(list[Any]):
    """A sequence read from YAML, with `lc` positions."""

    lc: Marks


class ExpansionError(ConstructorError):  # type: ignore[misc]
    """Nesting or aliases would make the document too big; marks the alias or opening."""


def load(text: str) -> Any:
    """Parse one YAML document into dicts/lists with positions; raises MarkedYAMLError.

    ExpansionError (a MarkedYAMLError) when values nest deeper than MAX_DEPTH, or when aliases
    expand the document past MAX_NODES values or MAX_CHARS characters of text.
    """
    if not _cannot_exceed_limits(text):
        _check_size(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader).build(node)
    finally:
        loader.dispose()


# Characters without which no collection opens and no entry is added to one (see below).
_STRUCTURE = "-?:[{,"
_DOCUMENT_MARK = re.compile(r"^(?:---|\.\.\.)", re.M)


def _cannot_exceed_limits(text: str) -> bool:
    """True when _check_size cannot refuse `text` and the composer meets the same first error
    it would, so its event pass can be skipped (most lesson front matter: a few lines).

    With k characters of _STRUCTURE in the text, no '*' and no '&':
    - every collection is opened by a character of its own: a block sequence by its first '-',
      a block mapping by its first entry's ':' (or '?'), a flow collection by '[' or '{', a
      one-pair mapping inside a flow sequence by its ':' (or '?'). So there are at most k
      collections, they nest at most k deep, and with k < MAX_DEPTH the depth error (raised
      when a collection opens inside MAX_DEPTH open ones) cannot happen;
    - without '*' there is no alias, so the values counted are the collections and scalars.
      Each scalar but the root is an entry of a collection: a block sequence has at most one
      per '-', a block mapping two (key, value) per ':' or '?', a flow collection at most one
      (sequence) or two (mapping) per ',' plus one. That is at most 4k scalars besides the
      root, so at most 1 + 5k < 400 values: far below MAX_NODES;
    - each scalar's text comes from its own stretch of the file (escapes and line folding
      only shorten it), so the characters counted are at most len(text) <= MAX_CHARS;
    - the composer's own errors need an anchor ('&': duplicate anchor), an alias ('*':
      undefined alias) or a second document (a line starting with '---' or '...'); without
      them it reads the same events in the same order to the end of the stream, so a syntax
      error in the text is the same error at the same place.
    tests/test_yamltree.py checks each bound against _check_size's own counts.
    """
    return (len(text) <= MAX_CHARS and "*" not in text and "&" not in text
            and sum(text.count(c) for c in _STRUCTURE) < MAX_DEPTH
            and _DOCUMENT_MARK.search(text) is None)


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_size(text: str) -> None:
    """Refuse deep nesting and alias bombs from the event stream, before anything is built.

    The composer recurses in C (deep nesting would crash it) and an alias stands for its whole
    anchored value, so the expanded size is counted here: each anchor's size (values, characters)
    is known when its value ends, and each alias adds that size to the running total. Linear in
    the events; the error points at the alias (or opening) that crosses a limit.
    """
    loader = _Loader(text)
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, characters) once expanded
    frames: list[list[Any]] = []  # open collections: [anchor, values, characters]
    values = chars = 0
    what = "the file has"  # until an alias is seen
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, _OPEN):
                if len(frames) >= MAX_DEPTH:
                    raise ExpansionError(None, None, f"values nested more than {MAX_DEPTH} "
                                         "levels deep", event.start_mark)
                frames.append([event.anchor, 1, 0])
                values += 1
                continue
            if isinstance(event, _CLOSE):
                anchor, size = frames[-1][0], (frames[-1][1], frames[-1][2])
                frames.pop()
            elif isinstance(event, yaml.ScalarEvent):
                anchor, size = event.anchor, (1, len(event.value))
                values, chars = values + 1, chars + size[1]
            elif isinstance(event, yaml.AliasEvent):
                anchor, size = None, sizes.get(event.anchor, (1, 0))  # unknown: composer's error
                what = "aliases expand the file to"
                values, chars = values + size[0], chars + size[1]
            else:
                continue
            if anchor is not None:
                sizes[anchor] = size
            if frames:
                frames[-1][1] += size[0]
                frames[-1][2] += size[1]
            if values > MAX_NODES:
                raise ExpansionError(None, None, f"{what} more than {MAX_NODES:,} values",
                                     event.start_mark)
            if chars > MAX_CHARS:
                raise ExpansionError(None, None, f"{what} more than {MAX_CHARS:,} characters "
                                     "of text", event.start_mark)
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.count = 0

    def build(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ExpansionError(None, None, f"aliases expand the file to more than "
                                 f"{MAX_NODES:,} values", node.start_mark)
        if isinstance(node, MappingNode):
            mapping = YamlMap()
            mapping.lc = Marks(node.start_mark.line, node.start_mark.column)
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise ConstructorError(None, None, "a key must be plain text",
                                           key_node.start_mark)
                key = self.loader.construct_object(key_node)
                if key in mapping:
                    raise ConstructorError(None, None, f"found duplicate key '{key}'",
                                           key_node.start_mark)
                mapping[key] = self.build(value_node)
                mapping.lc._at[key] = (key_node.start_mark.line, key_node.start_mark.column)
                if isinstance(value_node, ScalarNode):
                    block = value_node.style in ("|", ">")
                    mapping.lc._text[key] = value_node.start_mark.line + (1 if block else 0)
            return mapping
        if isinstance(node, SequenceNode):
            sequence = YamlList()
            sequence.lc = Marks(node.start_mark.line, node.start_mark.column)
            for index, item in enumerate(node.value):
                sequence.append(self.build(item))
                sequence.lc._at[index] = (item.start_mark.line, item.start_mark.column)
                if isinstance(item, ScalarNode):
                    block = item.style in ("|", ">")
                    sequence.lc._text[index] = item.start_mark.line + (1 if block else 0)
            return sequence
        return self.loader.construct_object(node, deep=True)
