"""Translation catalogs of the player's own strings (buttons, notices, feedback labels)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DEFAULT_LANGUAGE = "en"


@cache
def _load(code: str) -> dict[str, str] | None:
    entry = resources.files("scormbuild") / "locales" / f"{code}.json"
    if not entry.is_file():
        return None
    data: dict[str, str] = json.loads(entry.read_text(encoding="utf-8"))
    return data


def available_languages() -> list[str]:
    """Language codes that have a catalog."""
    folder = resources.files("scormbuild") / "locales"
    return sorted(e.name.removesuffix(".json") for e in folder.iterdir()
                  if e.name.endswith(".json"))


def has_catalog(language: str) -> bool:
    """Whether a BCP 47 tag finds a catalog of its own (exact tag or its language)."""
    tag = language.replace("_", "-")
    return any(_load(code) for code in (tag.split("-")[0].lower(), tag))


def catalog_for(language: str) -> dict[str, str]:
    """The catalog for a BCP 47 tag: exact tag, then its language, then English for gaps."""
    base = dict(_load(DEFAULT_LANGUAGE) or {})
    tag = language.replace("_", "-")
    for code in (tag.split("-")[0].lower(), tag):
        found = _load(code)
        if found:
            base.update(found)
    return base
