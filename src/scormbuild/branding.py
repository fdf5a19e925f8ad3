"""Branding: colour contrast rules (WCAG 2.1) and the generated static/theme.css.

The player's default colours live in templates/static/player.css; a course's brand colours
override them through CSS custom properties in static/theme.css, which loads after it. The
Content-Security-Policy forbids inline styles, so this file is the only way colours reach the
page. Each brand colour is checked against the light backgrounds it is drawn on; the dark
scheme (prefers-color-scheme: dark) gets a lighter shade of the same hue, computed here, that
meets the same ratio against the dark backgrounds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from .errors import Diagnostic, Location
from .markup import asset_url
from .model import Branding

# WCAG 2.1 SC 1.4.3: 4.5:1 for normal text. Brand colours colour links, button labels and
# button backgrounds, so they are held to the text ratio.
MIN_RATIO = 4.5
# Backgrounds the brand colours are drawn on; keep in step with player.css.
LIGHT_BACKGROUNDS = {"page background": "#ffffff", "panel background": "#f4f6f9"}
DARK_BACKGROUNDS = {"page background": "#14171c", "panel background": "#1e232b"}
LIGHT_ON_PRIMARY = "#ffffff"
DARK_ON_PRIMARY = "#0d1117"
FONT_FORMATS = {".woff2": "woff2", ".woff": "woff", ".ttf": "truetype", ".otf": "opentype"}
FALLBACK_FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'

Rgb = tuple[float, float, float]


def parse_hex(color: str) -> Rgb:
    """'#1f5fa8' -> (r, g, b) in 0..1."""
    value = color.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def to_hex(rgb: Rgb) -> str:
    """(r, g, b) in 0..1 -> '#rrggbb'."""
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def relative_luminance(color: str) -> float:
    """Relative luminance of an sRGB colour, WCAG 2.1 definition."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in parse_hex(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1.0 .. 21.0."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _mix(color: str, toward: str, amount: float) -> str:
    a, b = parse_hex(color), parse_hex(toward)
    return to_hex(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def _worst(color: str, backgrounds: Mapping[str, str]) -> tuple[float, str, str]:
    """The lowest ratio of color against the backgrounds: (ratio, name, background)."""
    return min((contrast_ratio(color, bg), name, bg) for name, bg in backgrounds.items())


def shade_for(color: str, backgrounds: Mapping[str, str], toward: str,
              ratio: float = MIN_RATIO) -> str:
    """The least mix of color toward black or white that meets ratio on every background."""
    if _worst(color, backgrounds)[0] >= ratio:
        return color
    for step in range(1, 101):
        candidate = _mix(color, toward, step / 100)
        if _worst(candidate, backgrounds)[0] >= ratio:
            return candidate
    return toward


def dark_variant(color: str) -> str:
    """The brand colour for the dark scheme: lightened until it reads on the dark panels."""
    return shade_for(color, DARK_BACKGROUNDS, "#ffffff")


def check_branding(branding: Branding, locate: Callable[..., Location],
                   assets: Mapping[PurePosixPath, object]
                   ) -> tuple[set[PurePosixPath], list[Diagnostic]]:
    """Contrast of the brand colours and the font files: (assets used, diagnostics)."""
    diags: list[Diagnostic] = []
    for key in ("primary_color", "accent_color"):
        color = getattr(branding, key)
        if color is None:
            continue
        ratio, name, background = _worst(color, LIGHT_BACKGROUNDS)
        if ratio < MIN_RATIO:
            better = shade_for(color, LIGHT_BACKGROUNDS, "#000000")
            diags.append(Diagnostic(
                locate("branding", key),
                f"{key} {color} has a contrast ratio of {ratio:.2f}:1 against the player's "
                f"{name} ({background}); text in this colour would be hard to read",
                f"WCAG 2.1 AA needs at least {MIN_RATIO}:1; try {better}, a darker shade of "
                "the same colour"))
    used: set[PurePosixPath] = set()
    for index, font in enumerate(branding.fonts):
        where = locate("branding", "fonts", index)
        if font.file.suffix.lower() not in FONT_FORMATS:
            diags.append(Diagnostic(where, f"font '{font.file}' is not a web font file",
                                    "use a .woff2 file (or .woff, .ttf, .otf)"))
        elif font.file not in assets:
            diags.append(Diagnostic(where, f"font '{font.file}' not found",
                                    "give the path from the course folder, e.g. "
                                    "assets/fonts/body.woff2"))
        else:
            used.add(font.file)
    if branding.fonts and branding.font_family is None:
        diags.append(Diagnostic(locate("branding", "fonts"), "fonts are listed but have no "
                                "family name", "add 'font_family: <name>' under branding:"))
    if branding.font_family is not None and not branding.fonts:
        diags.append(Diagnostic(
            locate("branding", "font_family"),
            f"font_family '{branding.font_family}' has no font files",
            "list the font files under branding: fonts: (fonts come only from the package, "
            "never from the web or the learner's computer)"))
    return used, diags


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def render_theme_css(branding: Branding) -> str:
    """static/theme.css: the brand's custom properties and @font-face rules."""
    lines = ["/* Generated by scormbuild from the branding in course.yml. */"]
    family = branding.font_family
    for font in branding.fonts if family else ():
        fmt = FONT_FORMATS.get(font.file.suffix.lower(), "woff2")
        lines.append(
            f"@font-face {{ font-family: {_css_string(family or '')}; "
            f"src: url({_css_string('../' + asset_url(font.file))}) format(\"{fmt}\"); "
            f"font-weight: {font.weight}; font-style: {font.style}; font-display: swap; }}")
    light: list[str] = []
    dark: list[str] = []
    if branding.primary_color:
        light += [f"--primary: {branding.primary_color};", f"--primary-text: {LIGHT_ON_PRIMARY};"]
        dark += [f"--primary: {dark_variant(branding.primary_color)};",
                 f"--primary-text: {DARK_ON_PRIMARY};"]
    if branding.accent_color:
        light.append(f"--accent: {branding.accent_color};")
        dark.append(f"--accent: {dark_variant(branding.accent_color)};")
    if family and branding.fonts:
        light.append(f"--font: {_css_string(family)}, {FALLBACK_FONTS};")
    if light:
        lines.append(":root { " + " ".join(light) + " }")
    if dark:
        lines.append("@media (prefers-color-scheme: dark) { :root { " + " ".join(dark) + " } }")
    return "\n".join(lines) + "\n"
