"""The fonts every PDF uses, shipped in static/fonts, and the preflight that refuses text they cannot draw.

WeasyPrint draws nothing (or a fallback system font's box) for a character no font has;
a name printed with a hole in it must never leave the ministry. So the PDFs name only
these fonts, and every text is checked against their character maps before rendering.

Noto Serif and Noto Sans cover Latin (Azerbaijani, Turkish, Western European and
Vietnamese letters included), Greek and Cyrillic; their Georgian companions cover
Georgian. License: SIL OFL 1.1 (static/fonts/OFL.txt).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

from readiness.errors import InvalidError

#: The URL scheme under which PDF templates reach the app's own static files.
STATIC_SCHEME = "app-static"


@dataclass(frozen=True)
class Face:
    """One font file: a CSS family name, weight and style."""

    family: str
    file: str
    weight: str = "normal"
    style: str = "normal"


#: Families a PDF may name, each listed first for Latin/Greek/Cyrillic, then Georgian.
STACKS: dict[str, tuple[str, ...]] = {
    "serif": ("Readiness Serif", "Readiness Serif Georgian"),
    "sans": ("Readiness Sans", "Readiness Sans Georgian"),
}
FACES: tuple[Face, ...] = (
    Face("Readiness Serif", "NotoSerif-Regular.ttf"),
    Face("Readiness Serif", "NotoSerif-Bold.ttf", weight="bold"),
    Face("Readiness Serif", "NotoSerif-Italic.ttf", style="italic"),
    Face("Readiness Serif Georgian", "NotoSerifGeorgian-Regular.ttf"),
    Face("Readiness Serif Georgian", "NotoSerifGeorgian-Bold.ttf", weight="bold"),
    # Noto has no Georgian italic: Georgian in an italic line is printed upright.
    Face("Readiness Serif Georgian", "NotoSerifGeorgian-Regular.ttf", style="italic"),
    Face("Readiness Sans", "NotoSans-Regular.ttf"),
    Face("Readiness Sans", "NotoSans-Bold.ttf", weight="bold"),
    Face("Readiness Sans Georgian", "NotoSansGeorgian-Regular.ttf"),
    Face("Readiness Sans Georgian", "NotoSansGeorgian-Bold.ttf", weight="bold"),
)
DESCRIPTION = {"serif": "Noto Serif and Noto Serif Georgian", "sans": "Noto Sans and Noto Sans Georgian"}


def font_dir(static_folder: str | Path) -> Path:
    """Return the folder of the shipped fonts."""
    return Path(static_folder) / "fonts"


def font_face_css() -> str:
    """Return the @font-face rules of every shipped face, pointing at the app's static files."""
    rules = []
    for face in FACES:
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f"font-style: {face.style}; src: url({STATIC_SCHEME}:fonts/{face.file}); }}")
    return "\n".join(rules)


def family_css(stack: str) -> str:
    """Return a CSS font-family value naming only the shipped fonts of `stack`."""
    return ", ".join(f'"{name}"' for name in STACKS[stack])


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@functools.cache
def coverage(static_folder: str, stack: str) -> frozenset[int]:
    """Return the code points every weight and style of `stack` can draw (one of its families has it)."""
    families = STACKS[stack]
    by_variant: dict[tuple[str, str], set[int]] = {}
    for face in FACES:
        if face.family in families:
            points = by_variant.setdefault((face.weight, face.style), set())
            points |= _cmap(font_dir(static_folder) / face.file)
    return frozenset.intersection(*(frozenset(v) for v in by_variant.values()))


def printable(text: str) -> str:
    """Return `text` as printed: Unicode NFC, so a letter typed as base + accent finds its glyph."""
    return unicodedata.normalize("NFC", text)


def _needs_glyph(char: str) -> bool:
    # Spaces and line breaks are laid out, not drawn; other controls would be bad data anyway.
    return unicodedata.category(char) not in {"Zs", "Zl", "Zp", "Cc"}


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def missing_glyphs(text: str, static_folder: str, stack: str) -> list[str]:
    """Return the characters of `text` (once each, in order) that the fonts of `stack` cannot draw."""
    covered = coverage(static_folder, stack)
    seen: dict[str, None] = {}
    for char in printable(text):
        if ord(char) not in covered and _needs_glyph(char):
            seen.setdefault(char, None)
    return list(seen)


def preflight(fields: Mapping[str, str | None], static_folder: str, stack: str, what: str) -> None:
    """Refuse (422) text that the fonts of `stack` cannot draw, naming the field and the character.

    `fields` maps a label ('holder', 'course', …) to its text; `what` names the document.
    """
    errors: dict[str, list[str]] = {}
    for field, text in fields.items():
        for char in missing_glyphs(text or "", static_folder, stack):
            errors.setdefault(field, []).append(
                f"{_describe(char)} cannot be printed: the fonts ({DESCRIPTION[stack]}) "
                "have no glyph for it.")
    if errors:
        first_field, messages = next(iter(errors.items()))
        raise InvalidError(
            f"Cannot produce the {what}: the {first_field} {messages[0]} Correct the record "
            "(or ship a font that covers the character); nothing was issued.", errors)
