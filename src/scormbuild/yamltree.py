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
MAX_DEPTH = 64  # course files nest a few levels; libyaml's composer recurses in C and would crash

MarkedYAMLError = yaml.MarkedYAMLError
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


def load(text: str) -> Any:
    """Parse one YAML document into dicts/lists with positions; raises MarkedYAMLError."""
    _check_depth(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _Builder(loader).build(node)
    finally:
        loader.dispose()


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the (recursive) composer sees it."""
    loader = _Loader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ConstructorError(None, None, f"values nested more than {MAX_DEPTH} "
                                           "levels deep", event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                break
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.count = 0

    def build(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ConstructorError(None, None, f"more than {MAX_NODES} values (aliases?)",
                                   node.start_mark)
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
