"""What every target is: a name, a manifest, the schemas it is checked with, a tracking adapter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from ..model import Course


Files = Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class Target:
    """One output standard. `write` returns the files the target adds to the rendered site."""

    name: str  # value of --target
    description: str
    manifest_name: str | None  # file at the zip root; None for a plain web export
    schema: str | None  # XSD set under scormbuild/schemas/ that validates the manifest
    adapter: str  # tracking adapter: templates/static/tracking-<adapter>.js
    connect_src: str  # Content-Security-Policy connect-src for the player page
    write: Callable[[Course, Files], Files]
    scripts: tuple[str, ...] = ()  # extra static/ scripts loaded before the adapter


def xml_id(prefix: str, slug: str) -> str:
    """An xsd:ID from a slug: ids may not start with a digit, so a prefix leads."""
    return f"{prefix}-{slug}"


def xml_bytes(root: etree._Element) -> bytes:
    """A manifest as UTF-8 bytes with an XML declaration, indented (the same for every target)."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
