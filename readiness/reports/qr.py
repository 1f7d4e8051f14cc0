"""QR codes of certificates: segno's symbols, the data mask chosen fast, drawn with fewer strokes.

The mask. ISO/IEC 18004 (7.8.3) has the encoder apply each of the 8 data masks and keep
the one whose symbol scores the lowest penalty. segno evaluates the 8 module by module in
Python (about 3 ms a code, four fifths of its time). Here a symbol is one Python int, a
bit per module, and each penalty is a handful of shifts, ANDs and popcounts (some 0.1 ms
for the 8). segno makes the symbol with mask 0; the mask segno would choose is found
from it, and the symbol is turned into that one (the two masks' and the two format
informations' difference, XORed). The penalties are segno's own, down to its quirks
(tests/reports/test_qr.py holds them to segno's on thousands of verification addresses
and every version, and the symbols to segno's):

- N1, runs of 5 or more modules of one colour in a row or column: 3 + (length - 5) each;
- N2, 2×2 blocks of one colour (overlapping ones each): 3 each;
- N3, dark-light-dark-dark-dark-light-dark with 4 light modules before or after it
  (the symbol's edge counting as light): 40 each, found by segno's scan, which after a
  find resumes 7 modules on (4 when the find did not count), so of two such patterns
  overlapping, the second may be passed over;
- N4, the dark modules' share: 10 for each whole 5 % away from half;

evaluated before the format and version information is written (those modules, and the
dark module, light), and of equal scores the lowest mask wins.

The drawing. WeasyPrint parses and draws an SVG path command by command in Python, some
10 µs each; segno's SVG strokes each horizontal run of dark modules (a move and a line),
about 280 runs in a verification address's symbol, some 6 ms of a certificate's layout.
Here every dark module is covered by a horizontal or a vertical stroke one module wide,
one stroke per run taken, a fifth fewer: a module alone in its row is covered by its
column's run, every other by its row's run unless a column's run covers it already.
Strokes overlap only on dark modules, in one opaque colour: the same modules are drawn.

Layout of the int: module (row r, column c) of an n × n symbol is bit (r + 4)·s + c,
with s = n + 4: every row is followed by 4 light padding bits and the symbol has 4 light
padding rows above and below. Shifting by 1 moves along a row, by s along a column; the
padding keeps runs and patterns from wrapping onto the next row and stands for the light
area outside the symbol that N3 counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import segno

PAD = 4
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_MODULES = bytes.maketrans(b"01", b"\x00\x01")
_RUN = re.compile("1+")
#: Characters left as they are in the SVG's data URI (as segno's minimal encoding leaves them).
_SAFE = " :/='"
_URI = "data:image/svg+xml;charset=utf-8,"
_TAIL = "'/></svg>"
#: ISO 18004 Annex C: the format information's BCH (15, 5) generator polynomial.
_FORMAT_GENERATOR = 0b10100110111


@dataclass(frozen=True)
class Layout:
    """Bit masks of one QR code version (see the module's docstring for the layout)."""

    size: int
    stride: int
    #: Modules of the encoding region (data and error correction codewords).
    region: int
    #: Format and version information and the dark module: light while masks are scored.
    info: int
    #: Encoding region modules that each data mask darkens (inverts).
    masks: tuple[int, ...]
    #: For each mask, the format information modules that differ from mask 0's (any error level).
    formats: tuple[int, ...]
    #: Modules with a right-hand neighbour; with one below.
    row_pairs: int
    col_pairs: int
    #: Modules where a 7-module pattern can start along a row; along a column.
    row_starts: int
    col_starts: int


@dataclass(frozen=True)
class Symbol:
    """The modules of a QR code, `size` a side: the dark ones as bits (laid out as the module says)."""

    size: int
    bits: int

    @property
    def stride(self) -> int:
        """The bits from one row to the next."""
        return self.size + PAD

    def rows(self) -> list[bytes]:
        """Return the modules row by row, 1 for dark and 0 for light (as segno's matrix)."""
        text = format(self.bits, "b")[::-1].ljust((self.size + PAD) * self.stride, "0").encode()
        starts = ((r + PAD) * self.stride for r in range(self.size))
        return [text[start:start + self.size].translate(_MODULES) for start in starts]


def _alignment_centres(version: int) -> list[int]:
    """Return the row (and column) positions of the alignment patterns' centres (ISO 18004 Annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    last = 4 * version + 10
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6, *sorted(last - i * step for i in range(count - 1))]


def _mask_function(number: int) -> Callable[[int, int], bool]:
    """Return ISO 18004 Table 10's condition of data mask `number` (i: row, j: column)."""
    return (lambda i, j: (i + j) % 2 == 0,
            lambda i, j: i % 2 == 0,
            lambda i, j: j % 3 == 0,
            lambda i, j: (i + j) % 3 == 0,
            lambda i, j: (i // 2 + j // 3) % 2 == 0,
            lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
            lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0)[number]


def _format_code(data: int) -> int:
    """Return the BCH (15, 5) code word of 5 bits of format information (before its XOR mask)."""
    remainder = data << 10
    for shift in range(4, -1, -1):
        if remainder >> (shift + 10) & 1:
            remainder ^= _FORMAT_GENERATOR << shift
    return data << 10 | remainder


@functools.cache
def layout(version: int) -> Layout:
    """Return the bit masks of QR code `version` (1 to 40), computed once."""
    n = 4 * version + 17
    stride = n + PAD
    # 0: encoding region, 1: function pattern kept as drawn, 2: information (light while scored).
    kind = [[0] * n for _ in range(n)]
    for top, left in ((0, 0), (0, n - 8), (n - 8, 0)):  # finder patterns with their separators
        for r in range(top, top + 8):
            for c in range(left, left + 8):
                kind[r][c] = 1
    for i in range(8, n - 8):  # timing patterns
        kind[6][i] = kind[i][6] = 1
    centres = _alignment_centres(version)
    first, last = (centres[0], centres[-1]) if centres else (None, None)
    corners = {(first, first), (first, last), (last, first)}  # none where a finder pattern is
    for y in centres:
        for x in centres:
            if (y, x) not in corners:
                for r in range(y - 2, y + 3):
                    for c in range(x - 2, x + 3):
                        kind[r][c] = 1
    for i in [*range(9), *range(n - 8, n)]:  # format information (and the dark module at n - 8, 8)
        for r, c in ((8, i), (i, 8)):
            if kind[r][c] == 0:
                kind[r][c] = 2
    if version >= 7:  # version information
        for i in range(6):
            for j in range(n - 11, n - 8):
                kind[i][j] = kind[j][i] = 2

    def bits(condition: Callable[[int, int], bool]) -> int:
        return to_bits([bytes(condition(r, c) for c in range(n)) for r in range(n)], stride)

    def masked(number: int) -> int:
        darkens = _mask_function(number)
        return bits(lambda r, c: kind[r][c] == 0 and darkens(r, c))

    def placed(value: int) -> int:
        """Return the modules of 15 bits of format information, both copies (ISO 18004 7.9.1)."""
        out = 0
        for bit in range(15):
            if value >> bit & 1:
                near = (bit if bit < 6 else bit + 1, 8) if bit < 8 else (8, 14 - bit if bit > 8 else 7)
                far = (8, n - 1 - bit) if bit < 8 else (n - 15 + bit, 8)
                out |= 1 << (near[0] + PAD) * stride + near[1] | 1 << (far[0] + PAD) * stride + far[1]
        return out

    return Layout(
        size=n, stride=stride,
        region=bits(lambda r, c: kind[r][c] == 0),
        info=bits(lambda r, c: kind[r][c] == 2),
        masks=tuple(masked(k) for k in range(8)),
        # The format information is a linear code: mask k's differs from mask 0's by the code of k.
        formats=tuple(placed(_format_code(k)) for k in range(8)),
        row_pairs=bits(lambda r, c: c < n - 1), col_pairs=bits(lambda r, c: r < n - 1),
        row_starts=bits(lambda r, c: c <= n - 7), col_starts=bits(lambda r, c: r <= n - 7))


def to_bits(matrix: tuple[bytearray, ...] | list[bytearray], stride: int) -> int:
    """Return a symbol's modules (rows of 0 and 1) as one int laid out as the module's docstring says."""
    gap = b"0" * (stride - len(matrix))
    text = b"0" * (PAD * stride) + gap.join(bytes(row).translate(_DIGITS) for row in matrix)
    # int() reads the first digit as the highest bit: reversed, module (0, 0) is the lowest padded one.
    return int(text[::-1], 2)


def _finder_like(bits: int, step: int, starts: int, stride: int) -> int:
    """Score N3 along rows (step 1) or columns (step = stride) as segno's scan does."""
    found = (bits & ~(bits >> step) & (bits >> 2 * step) & (bits >> 3 * step) & (bits >> 4 * step)
             & ~(bits >> 5 * step) & (bits >> 6 * step) & starts)
    if not found:
        return 0
    light_before = ~((bits << step) | (bits << 2 * step) | (bits << 3 * step) | (bits << 4 * step))
    light_after = ~((bits >> 7 * step) | (bits >> 8 * step) | (bits >> 9 * step) | (bits >> 10 * step))
    counted = found & (light_before | light_after)
    if not found & ((found >> 4 * step) | (found >> 6 * step)):
        return 40 * counted.bit_count()
    # Overlapping patterns (rare): follow the scan of each row or column, which resumes
    # 7 modules after a counted find and 4 after one that does not count.
    score = 0
    resume: dict[int, int] = {}
    while found:
        low = found & -found
        found ^= low
        at = low.bit_length() - 1
        lane = at // stride if step == 1 else at % stride
        if at < resume.get(lane, 0):
            continue
        if counted & low:
            score += 40
            resume[lane] = at + 7 * step
        else:
            resume[lane] = at + 4 * step
    return score


def penalty(bits: int, shape: Layout) -> int:
    """Return the ISO 18004 penalty score of a masked symbol as segno computes it (N1 + N2 + N3 + N4)."""
    s = shape.stride
    same_right = ~(bits ^ (bits >> 1)) & shape.row_pairs
    same_below = ~(bits ^ (bits >> s)) & shape.col_pairs
    score = 0
    for same, step in ((same_right, 1), (same_below, s)):
        # A run of L >= 5 holds L - 4 windows of 5; its first window scores 2 more: L - 2 in all.
        fives = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step)
        score += fives.bit_count() + 2 * (fives & ~(fives << step)).bit_count()
    score += 3 * (same_right & (same_right >> s) & same_below).bit_count()
    score += _finder_like(bits, 1, shape.row_starts, s) + _finder_like(bits, s, shape.col_starts, s)
    # As segno has it, in floating point.
    percent = float(bits.bit_count()) / (shape.size ** 2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def encode(content: str, error: str) -> Symbol:
    """Return the modules of segno.make(content, error=error): the same symbol, its mask chosen here.

    A Micro QR code (content of a few characters) is left to segno entirely.
    """
    drawn = segno.make(content, error=error, mask=0)
    if drawn.is_micro:
        micro = segno.make(content, error=error).matrix
        return Symbol(len(micro), to_bits(micro, len(micro) + PAD))
    shape = layout(drawn.version)
    bits = to_bits(drawn.matrix, shape.stride)
    unmasked = (bits & ~shape.info) ^ shape.masks[0]
    scores = [penalty(unmasked ^ mask, shape) for mask in shape.masks]
    best = scores.index(min(scores))  # of equal scores, the lowest mask, as segno
    return Symbol(shape.size, bits ^ shape.masks[0] ^ shape.masks[best] ^ shape.formats[best])


def _grow(seeds: int, within: int, step: int) -> int:
    """Return the runs of `within` along `step` (1: rows, the stride: columns) that hold a seed."""
    grown = seeds
    while (more := grown | ((grown << step | grown >> step) & within)) != grown:
        grown = more
    return grown


def svg_data_uri(symbol: Symbol, colour: str) -> str:
    """Return the symbol as an SVG data URI, a unit a module: one path of strokes a module wide.

    A dark module alone in its row is stroked with its column's run, every other dark
    module with its row's run unless a column's run covers it already (see the module's
    docstring). Always the same strokes in the same order for the same symbol.
    """
    n, s, bits = symbol.size, symbol.stride, symbol.bits
    alone_in_row = bits & ~(bits << 1) & ~(bits >> 1)
    alone_in_column = bits & ~(bits << s) & ~(bits >> s)
    columns = _grow(alone_in_row & ~alone_in_column, bits, s)
    rows = _grow(bits & ~columns, bits, 1)
    # As text, bit p is character p.
    text = format(rows, "b")[::-1]
    path = [f"M{run.start() % s} {run.start() // s - PAD}.5h{run.end() - run.start()}"
            for run in _RUN.finditer(text)]
    text = format(columns, "b")[::-1]
    for c in range(n):
        path += [f"M{c}.5 {run.start()}v{run.end() - run.start()}"
                 for run in _RUN.finditer(text[PAD * s + c::s])]
    # Digits, spaces, points and M, h, v: the path needs no percent-encoding, the rest does.
    head = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {n} {n}' width='{n}' height='{n}'>"
            f"<path fill='none' stroke='{colour}' d='")
    return f"{_URI}{quote(head, safe=_SAFE)}{''.join(path)}{quote(_TAIL, safe=_SAFE)}"
