"""STANAG 6001 standardised language profiles (SLP): parse, normalise, compare.

Four skills in the order Listening, Speaking, Reading, Writing; each 0–5 with an
optional '+' (0+ … 4+, never 5+). A skill's value is 2·level + plus, so 2 < 2+ < 3.
"""

from __future__ import annotations

import re

SKILLS = ("Listening", "Speaking", "Reading", "Writing")
_TOKEN = re.compile(r"[0-5]\+?")


def parse_level(text: str) -> str:
    """Return the stored form ('3+32+2') of a profile such as 'SLP 3+3 2+2'; ValueError if bad."""
    raw = re.sub(r"\s+", "", str(text)).upper()
    raw = raw.removeprefix("SLP")
    if not raw:
        raise ValueError("Give four skill levels (Listening, Speaking, Reading, Writing), e.g. SLP 3321.")
    pos, skills = 0, []
    while pos < len(raw):
        match = _TOKEN.match(raw, pos)
        if match is None:
            raise ValueError(
                f"{raw[pos]!r} is not a skill level: each skill is 0–5 with an optional '+'."
            )
        skills.append(match.group())
        pos = match.end()
    if len(skills) != len(SKILLS):
        raise ValueError(
            f"A profile has four skills (Listening, Speaking, Reading, Writing); got {len(skills)}."
        )
    for name, skill in zip(SKILLS, skills, strict=True):
        if skill == "5+":
            raise ValueError(f"{name}: 5 is the highest level; there is no 5+.")
    return "".join(skills)


def skill_values(level: str) -> tuple[int, int, int, int]:
    """Return the four skills of a stored profile as comparable numbers (2·level + plus)."""
    values = [2 * int(tok[0]) + (1 if tok.endswith("+") else 0) for tok in _TOKEN.findall(level)]
    if len(values) != len(SKILLS):
        raise ValueError(f"Not a stored profile: {level!r}.")
    return values[0], values[1], values[2], values[3]


def meets(level: str, minimum: str) -> bool:
    """Tell whether every skill of `level` is at least that of `minimum`."""
    return all(a >= b for a, b in zip(skill_values(level), skill_values(minimum), strict=True))


def display(level: str) -> str:
    """Return the profile as printed: 'SLP 3+32+2'."""
    return f"SLP {level}"
