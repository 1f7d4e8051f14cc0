"""Certificate verification codes: random, unguessable, printed so they cannot be misread.

Crockford base32 (no I, L, O or U), 12 symbols of 5 bits = 60 random bits from `secrets`,
grouped by four: '7KQ2-MX9D-4TRA'. Readers may type them in any case, with or without
dashes or spaces, and with O for 0 and I or L for 1.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 12
BITS = 5 * SYMBOLS
GROUP = 4
#: The stored and printed form.
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{GROUP}}}(?:-[{ALPHABET}]{{{GROUP}}}){{{SYMBOLS // GROUP - 1}}}$")

_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# A random byte's low five bits are uniform (256 is a multiple of 32): each byte becomes one
# symbol, translated in C, so that 100,000 codes take milliseconds.
_SYMBOL_OF_BYTE = bytes(ord(ALPHABET[b % 32]) for b in range(256))
_SEPARATORS = re.compile(r"[\s\-]+")


def _format(symbols: str) -> str:
    return f"{symbols[0:4]}-{symbols[4:8]}-{symbols[8:12]}"


def _random_symbols(count: int) -> str:
    """Return `count` × 12 random symbols, 5 random bits each (from `secrets`)."""
    return secrets.token_bytes(count * SYMBOLS).translate(_SYMBOL_OF_BYTE).decode("ascii")


def generate_code() -> str:
    """Return a new random code in its printed form, e.g. '7KQ2-MX9D-4TRA'."""
    return _format(_random_symbols(1))


def generate_codes(count: int, taken: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Return `count` distinct new codes, none of them in `taken`, in one draw of randomness."""
    found: dict[str, None] = {}
    while len(found) < count:
        symbols = _random_symbols(count - len(found))
        for start in range(0, len(symbols), SYMBOLS):
            code = _format(symbols[start:start + SYMBOLS])
            if code not in taken:
                found[code] = None
    return list(found)


def normalize_code(text: str) -> str | None:
    """Return the printed form of a code as a reader typed it, or None if it cannot be one."""
    symbols = _SEPARATORS.sub("", str(text)).upper().translate(_READ_AS)
    if len(symbols) != SYMBOLS or any(ch not in ALPHABET for ch in symbols):
        return None
    return _format(symbols)
