"""Long tables drawn straight into PDF pages: the people annex of a full readiness report.

WeasyPrint lays out about one text line per millisecond: a 5,000-person table takes it
half a minute and a gigabyte. A listing needs none of its flexibility — fixed columns,
rows that wrap by words — so this module draws such tables itself with pydyf and
fontTools (both already WeasyPrint's own dependencies), in the same shipped fonts, and
the report merges these pages after the ones WeasyPrint laid out.

Text is drawn glyph by glyph with the fonts' advance widths (no kerning or ligatures,
which a table does not miss). Fonts are embedded as subsets with a ToUnicode map, so
text extraction and search find every name. Everything drawn is checked by the
preflight first (readiness.reports.fonts), so each character has a glyph.
"""

from __future__ import annotations

import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydyf
from fontTools import subset
from fontTools.ttLib import TTFont

from readiness.reports import fonts

PAGE_W, PAGE_H = 841.89, 595.28  # A4 landscape, points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 34.0, 40.0, 40.0
INK, MUTED, ACCENT = (0.114, 0.153, 0.2), (0.357, 0.404, 0.459), (0.122, 0.306, 0.475)
STRIPE, HEAD_FILL = (0.965, 0.973, 0.98), (0.933, 0.949, 0.965)
GROUP_FILL, RULE = (0.878, 0.914, 0.949), (0.84, 0.86, 0.89)

SIZE = 8.0  # body text
LEADING = 10.4
PAD = 2.6  # above and below a row's text
GROUP_SIZE = 9.5
GROUP_H = 17.0
HEADER_H = 14.0


@dataclass
class Face:
    """One font file's glyph ids and advance widths (1/1000 em), read once per process."""

    path: Path
    gid: dict[int, int]
    advance: dict[int, int]  # code point → advance
    glyph_advance: dict[int, int]  # glyph id → advance
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    postscript_name: str


@functools.cache
def face(path: Path) -> Face:
    """Return the metrics of the font at `path`."""
    tt = TTFont(path)
    scale = 1000 / tt["head"].unitsPerEm
    order = tt.getGlyphOrder()
    metrics = tt["hmtx"].metrics
    gid, advance = {}, {}
    for cp, name in tt.getBestCmap().items():
        gid[cp] = tt.getGlyphID(name)
        advance[cp] = round(metrics[name][0] * scale)
    head, hhea, os2 = tt["head"], tt["hhea"], tt["OS/2"]
    glyph_advance = {g: round(metrics[order[g]][0] * scale) for g in set(gid.values()) | {0}}
    return Face(path, gid, advance, glyph_advance, round(hhea.ascent * scale), round(hhea.descent * scale),
                round(getattr(os2, "sCapHeight", 700) * scale),
                (round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale),
                 round(head.yMax * scale)),
                tt["name"].getDebugName(6) or path.stem)


@dataclass
class FontSet:
    """A style (regular or bold): its Latin/Cyrillic face and its Georgian companion.

    Text is turned into glyph ids and measured with str.translate and map: a 5,000-row
    table has a million characters, and a Python loop over them would cost seconds.
    """

    faces: tuple[Face, Face]
    names: tuple[str, str]  # resource names in the PDF, e.g. F1, F2
    hex: tuple[dict[int, str], dict[int, str]] = field(init=False)
    advance: defaultdict[int, int] = field(init=False)
    second_only: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.hex = ({cp: f"{g:04X}" for cp, g in self.faces[0].gid.items()},
                    {cp: f"{g:04X}" for cp, g in self.faces[1].gid.items()})
        self.advance = defaultdict(int, {**self.faces[1].advance, **self.faces[0].advance})
        only = sorted(set(self.faces[1].gid) - set(self.faces[0].gid))
        self.second_only = re.compile("([" + "".join(re.escape(chr(cp)) for cp in only) + "]+)")

    def runs(self, text: str) -> list[tuple[int, str]]:
        """Split `text` into runs of one face each: (face index, text)."""
        parts = self.second_only.split(text)
        return [(i % 2, part) for i, part in enumerate(parts) if part]

    def width(self, text: str, size: float) -> float:
        """Return the drawn width of `text` at `size` points."""
        return sum(map(self.advance.__getitem__, map(ord, text))) * size / 1000


@dataclass(frozen=True)
class Column:
    """A column: its title and width in points; text wraps by words within it."""

    title: str
    width: float


@dataclass
class Group:
    """A group of rows under a heading (a sub-unit)."""

    heading: str
    rows: list[Sequence[str]]


@dataclass
class _Row:
    cells: list[list[str]]  # lines per cell
    height: float


@dataclass
class _Page:
    items: list[tuple[str, object]] = field(default_factory=list)  # ('title'|'group'|'header'|'row', data)


@dataclass
class Annex:
    """A laid-out table: its pages, ready to be numbered and drawn."""

    title: str
    columns: Sequence[Column]
    pages: list[_Page]
    regular: FontSet
    bold: FontSet
    outline: list[tuple[str, int]]  # group heading → index of the page it starts on


def _fontset(static_folder: str, regular: bool, names: tuple[str, str]) -> FontSet:
    folder = fonts.font_dir(static_folder)
    files = (("NotoSans-Regular.ttf", "NotoSansGeorgian-Regular.ttf") if regular
             else ("NotoSans-Bold.ttf", "NotoSansGeorgian-Bold.ttf"))
    return FontSet((face(folder / files[0]), face(folder / files[1])), names)


def _wrap(text: str, width: float, fs: FontSet) -> list[str]:
    """Break `text` into lines no wider than `width`, by words (a word too long is cut by letters)."""
    if fs.width(text, SIZE) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if fs.width(candidate, SIZE) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while fs.width(word, SIZE) > width:
            cut = len(word)
            while cut > 1 and fs.width(word[:cut], SIZE) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def layout(title: str, columns: Sequence[Column], groups: Iterable[Group], static_folder: str) -> Annex:
    """Lay out the groups on pages; the page count is known before anything is drawn."""
    regular = _fontset(static_folder, True, ("F1", "F2"))
    bold = _fontset(static_folder, False, ("F3", "F4"))
    top, bottom = PAGE_H - MARGIN_TOP - 18, MARGIN_BOTTOM + 4
    pages = [_Page([("title", title)])]
    outline: list[tuple[str, int]] = []
    y = top - 20

    def new_page() -> None:
        nonlocal y
        pages.append(_Page())
        y = top

    for group in groups:
        if y - GROUP_H - HEADER_H - (LEADING + 2 * PAD) < bottom:
            new_page()
        pages[-1].items += [("group", group.heading), ("header", None)]
        outline.append((group.heading, len(pages) - 1))
        y -= GROUP_H + HEADER_H
        for values in group.rows:
            cells = [_wrap(str(v), c.width - 2 * PAD - 2, regular)
                     for v, c in zip(values, columns, strict=True)]
            row = _Row(cells, max(len(c) for c in cells) * LEADING + 2 * PAD)
            if y - row.height < bottom:
                new_page()
                pages[-1].items += [("group", f"{group.heading} (continued)"), ("header", None)]
                y -= GROUP_H + HEADER_H
            pages[-1].items.append(("row", row))
            y -= row.height
    return Annex(title, columns, pages, regular, bold, outline)


class _Canvas:
    """Content-stream operators for one page, collecting the glyphs each font draws."""

    def __init__(self, used: dict[str, set[str]]) -> None:
        self.ops: list[bytes] = []
        self.used = used  # resource name → characters drawn

    def rect(self, x: float, y: float, w: float, h: float, rgb: tuple[float, float, float]) -> None:
        self.ops.append(b"%.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f" % (*rgb, x, y, w, h))

    def line(self, x1: float, y1: float, x2: float, y2: float, rgb: tuple[float, float, float],
             width: float = 0.4) -> None:
        self.ops.append(b"%.3f %.3f %.3f RG %.2f w %.2f %.2f m %.2f %.2f l S" % (*rgb, width, x1, y1, x2, y2))

    def text(self, x: float, y: float, text: str, fs: FontSet, size: float,
             rgb: tuple[float, float, float] = INK) -> None:
        parts = [b"BT %.3f %.3f %.3f rg %.2f %.2f Td" % (*rgb, x, y)]
        for which, run in fs.runs(text):
            name = fs.names[which]
            self.used.setdefault(name, set()).update(run)
            glyphs = run.translate(fs.hex[which]).encode()
            parts.append(b"/%s %.2f Tf <%s> Tj" % (name.encode(), size, glyphs))
        parts.append(b"ET")
        self.ops.append(b" ".join(parts))

    def right_text(self, right: float, y: float, text: str, fs: FontSet, size: float,
                   rgb: tuple[float, float, float] = INK) -> None:
        self.text(right - fs.width(text, size), y, text, fs, size, rgb)


def _draw_page(canvas: _Canvas, annex: Annex, page: _Page, number: int, total: int, header: str,
               footer: str) -> None:
    reg, bold = annex.regular, annex.bold
    left, right = MARGIN_X, PAGE_W - MARGIN_X
    width = right - left
    # Running head and foot, as on the pages WeasyPrint laid out.
    canvas.text(left, PAGE_H - 26, header, reg, 7.5, MUTED)
    canvas.line(left, PAGE_H - 31, right, PAGE_H - 31, RULE)
    canvas.line(left, 30, right, 30, RULE)
    canvas.text(left, 20, footer, reg, 7.5, MUTED)
    canvas.right_text(right, 20, f"Page {number} of {total}", reg, 7.5, MUTED)

    y = PAGE_H - MARGIN_TOP - 18
    stripe = False
    for kind, data in page.items:
        if kind == "title":
            canvas.text(left, y - 12, str(data), bold, 13, ACCENT)
            y -= 20
        elif kind == "group":
            canvas.rect(left, y - GROUP_H, width, GROUP_H - 2, GROUP_FILL)
            canvas.text(left + 4, y - GROUP_H + 5, str(data), bold, GROUP_SIZE, ACCENT)
            y -= GROUP_H
            stripe = False
        elif kind == "header":
            canvas.rect(left, y - HEADER_H, width, HEADER_H, HEAD_FILL)
            x = left
            for col in annex.columns:
                canvas.text(x + PAD, y - HEADER_H + 4.2, col.title, bold, 7.5, MUTED)
                x += col.width
            y -= HEADER_H
        else:
            row = data
            assert isinstance(row, _Row)  # noqa: S101 - the item kinds are this module's own
            if stripe:
                canvas.rect(left, y - row.height, width, row.height, STRIPE)
            stripe = not stripe
            x = left
            for lines, col in zip(row.cells, annex.columns, strict=True):
                for i, text in enumerate(lines):
                    canvas.text(x + PAD, y - PAD - SIZE - i * LEADING + 0.6, text, reg, SIZE)
                x += col.width
            y -= row.height
            canvas.line(left, y, right, y, RULE, 0.25)


@functools.cache
def _plain(path: Path) -> bytes:
    """Return the font without layout and hinting tables: nothing here uses them, and subsetting
    a font with them costs a second of decoding each time."""
    tt = TTFont(path)
    for tag in ("GSUB", "GPOS", "GDEF", "DSIG", "fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH"):
        if tag in tt:
            del tt[tag]
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _subset(f: Face, glyphs: dict[int, int]) -> bytes:
    options = subset.Options()
    options.retain_gids = True  # glyph ids in the content stream stay valid
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    tt = TTFont(io.BytesIO(_plain(f.path)))
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted({0, *glyphs}))
    subsetter.subset(tt)
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _to_unicode(glyphs: dict[int, int]) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
             b"1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    items = sorted((g, cp) for g, cp in glyphs.items() if g)
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        lines += [b"<%04X> <%s>" % (g, chr(cp).encode("utf-16-be").hex().upper().encode()) for g, cp in chunk]
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


def _embed(pdf: pydyf.PDF, f: Face, glyphs: dict[int, int], tag: str) -> pydyf.Dictionary:
    """Add a Type 0 font (a TrueType subset, Identity-H, with ToUnicode) and return it."""
    data = _subset(f, glyphs)
    file = pydyf.Stream([data], {"Length1": len(data)}, compress=True)
    pdf.add_object(file)
    base = f"/{tag}+{f.postscript_name}"
    descriptor = pydyf.Dictionary({
        "Type": "/FontDescriptor", "FontName": base, "Flags": 32, "FontBBox": pydyf.Array(f.bbox),
        "ItalicAngle": 0, "Ascent": f.ascent, "Descent": f.descent, "CapHeight": f.cap_height,
        "StemV": 80, "FontFile2": file.reference})
    pdf.add_object(descriptor)
    widths = pydyf.Array()
    for g in sorted({0, *glyphs}):
        widths += [g, pydyf.Array([f.glyph_advance.get(g, 0)])]
    cid = pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": base,
        "CIDSystemInfo": pydyf.Dictionary({"Registry": pydyf.String("Adobe"),
                                           "Ordering": pydyf.String("Identity"), "Supplement": 0}),
        "FontDescriptor": descriptor.reference, "W": widths, "CIDToGIDMap": "/Identity"})
    pdf.add_object(cid)
    cmap = pydyf.Stream([_to_unicode(glyphs)], compress=True)
    pdf.add_object(cmap)
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type0", "BaseFont": base,
                             "Encoding": "/Identity-H", "DescendantFonts": pydyf.Array([cid.reference]),
                             "ToUnicode": cmap.reference})
    pdf.add_object(font)
    return font


def draw(annex: Annex, *, first_page: int, total_pages: int, header: str, footer: str) -> bytes:
    """Draw the laid-out pages, numbered from `first_page` of `total_pages`, as PDF bytes."""
    pdf = pydyf.PDF()
    used: dict[str, set[str]] = {}
    font_dict = pydyf.Dictionary()
    resources = pydyf.Dictionary({"Font": font_dict, "ProcSet": pydyf.Array(["/PDF", "/Text"])})
    pdf.add_object(resources)
    for index, page in enumerate(annex.pages):
        canvas = _Canvas(used)
        _draw_page(canvas, annex, page, first_page + index, total_pages, header, footer)
        content = pydyf.Stream(canvas.ops, compress=True)
        pdf.add_object(content)
        pdf.add_page(pydyf.Dictionary({
            "Type": "/Page", "Parent": pdf.pages.reference,
            "MediaBox": pydyf.Array([0, 0, PAGE_W, PAGE_H]), "Contents": content.reference,
            "Resources": resources.reference}))
    by_name = {n: f for fs in (annex.regular, annex.bold) for n, f in zip(fs.names, fs.faces, strict=True)}
    for i, (name, chars) in enumerate(sorted(used.items())):
        f = by_name[name]
        glyphs: dict[int, int] = {}
        for char in sorted(chars):
            glyphs.setdefault(f.gid.get(ord(char), 0), ord(char))
        font_dict[name] = _embed(pdf, f, glyphs, "RDNS" + "ABCDEF"[i] * 2).reference
    out = io.BytesIO()
    pdf.write(out, compress=True)
    return out.getvalue()
