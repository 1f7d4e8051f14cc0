"""QR codes of certificates: segno's symbols (the mask chosen here scored as segno scores), fewer strokes."""

from __future__ import annotations

import random
import re
from datetime import date
from urllib.parse import unquote

import pytest
import segno
from segno import encoder

from readiness.records import codes
from readiness.reports import certificates, qr

#: Public addresses of differing lengths (the symbol's version follows the address's length).
PUBLIC_URLS = ("http://127.0.0.1:5000", "https://readiness.mod.gov.az", "https://training.mod.gov.az/readiness",
               "http://localhost")
#: What segno reads as digits, letters or bytes, and mixes of them.
ALPHABETS = ("0123456789", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/:.?=&", "Əəşğüöçı/-")


@pytest.fixture
def segno_scores(monkeypatch) -> list[int]:
    """The penalty segno computes for each mask it evaluates, in order (segno's own function, watched)."""
    scores: list[int] = []
    real = encoder.evaluate_mask

    def watched(matrix, width, height):
        scores.append(real(matrix, width, height))
        return scores[-1]

    monkeypatch.setattr(encoder, "evaluate_mask", watched)
    return scores


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test content, not secrets


def _contents(rng: random.Random, count: int, longest: int) -> list[str]:
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))
            for alphabet in ALPHABETS for _ in range(count)]


def _check_like_segno(content: str, scores: list[int]) -> int:
    """Check every mask's penalty and the chosen mask against segno's; return the version."""
    scores.clear()
    made = segno.make(content, error="m")
    shape = qr.layout(made.version)
    unmasked = (qr.to_bits(made.matrix, shape.stride) & ~shape.info) ^ shape.masks[made.mask]
    assert [qr.penalty(unmasked ^ mask, shape) for mask in shape.masks] == scores, content
    assert qr.encode(content, "m").rows() == [bytes(row) for row in made.matrix], content
    return made.version


def test_the_mask_of_a_verification_address_is_the_one_segno_chooses(segno_scores):
    addresses = [f"{url}/verify/{code}" for url in PUBLIC_URLS for code in codes.generate_codes(100)]
    chosen = {_check_like_segno(address, segno_scores) for address in addresses}
    assert len(chosen) >= 2  # the addresses' lengths span more than one version


def test_the_symbol_is_segnos_for_content_of_every_kind_and_length(segno_scores):
    rng = _rng(18004)
    versions = {_check_like_segno(content, segno_scores) for content in _contents(rng, 15, 300)
                if not segno.make(content, error="m").is_micro}
    # Long content, bytes: versions up to 40.
    versions |= {_check_like_segno("".join(rng.choice(ALPHABETS[2]) for _ in range(length)), segno_scores)
                 for length in (150, 400, 1000, 1600, 2330)}
    assert len(versions) >= 12
    assert 40 in versions


def test_penalties_are_segnos_on_every_version(segno_scores):
    rng = _rng(40)
    for version in range(1, 41):
        content = "".join(rng.choice(ALPHABETS[2]) for _ in range(rng.randint(1, 10)))
        segno_scores.clear()
        made = segno.make(content, error="m", version=version)
        shape = qr.layout(version)
        unmasked = (qr.to_bits(made.matrix, shape.stride) & ~shape.info) ^ shape.masks[made.mask]
        assert [qr.penalty(unmasked ^ mask, shape) for mask in shape.masks] == segno_scores, version


#: Finder-like patterns overlapping 6 and 4 modules apart (segno's scan passes over the second
#: when the first counts), and one followed by a pattern that leaves it no light side.
SEEDS = ((1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1),
         (1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0))


def test_penalty_of_any_matrix_is_segnos_overlapping_finder_like_patterns_included():
    rng = _rng(7)
    for version, trial in ((version, trial) for version in (1, 2, 4, 7, 13, 27, 40) for trial in range(30)):
        shape = qr.layout(version)
        n = shape.size
        density = rng.choice((0.3, 0.5, 0.7))
        matrix = [bytearray(int(rng.random() < density) for _ in range(n)) for _ in range(n)]
        for line in range(trial % 3, n, 3):  # along rows in even trials, along columns in odd ones
            seed = SEEDS[(line + trial) % len(SEEDS)]
            start = rng.randint(0, n - len(seed))
            for i, bit in enumerate(seed):
                if trial % 2:
                    matrix[start + i][line] = bit
                else:
                    matrix[line][start + i] = bit
        expected = sum(encoder.mask_scores(matrix, n, n))
        assert qr.penalty(qr.to_bits(matrix, shape.stride), shape) == expected, (version, trial)


def test_layout_marks_the_encoding_region_segno_masks_on_every_version():
    for version in range(1, 41):
        n = 4 * version + 17
        functions = encoder.make_matrix(n, n)  # segno's own, as it marks what it masks
        encoder.add_finder_patterns(functions, n, n)
        encoder.add_alignment_patterns(functions, n, n)
        functions[-8][8] = 1  # the dark module
        shape = qr.layout(version)
        region = [bytearray(int(functions[r][c] > 1) for c in range(n)) for r in range(n)]
        assert qr.to_bits(region, shape.stride) == shape.region, version


def test_a_micro_qr_code_is_left_to_segno():
    made = segno.make("12345", error="m")
    assert made.is_micro
    assert qr.encode("12345", "m").rows() == [bytes(row) for row in made.matrix]


def _stroked(uri: str, size: int) -> tuple[list[bytes], int]:
    """Return the modules an SVG data URI of qr.svg_data_uri strokes, and how many strokes it has."""
    assert uri.startswith("data:image/svg+xml;charset=utf-8,")
    svg = unquote(uri.split(",", 1)[1])
    assert f"viewBox='0 0 {size} {size}'" in svg
    path = re.fullmatch(r"<svg [^>]*><path fill='none' stroke='#1d2733' d='([^']*)'/></svg>", svg).group(1)
    strokes = re.findall(r"M(\d+(?:\.5)?) (\d+(?:\.5)?)([hv])(\d+)", path)
    assert "".join(f"M{x} {y}{k}{n}" for x, y, k, n in strokes) == path
    grid = [bytearray(size) for _ in range(size)]
    for x, y, direction, length in strokes:
        # A stroke a module wide along the middle of a row (h) or a column (v), square ends.
        along, across = (float(x), float(y)) if direction == "h" else (float(y), float(x))
        assert along.is_integer()
        assert across % 1 == 0.5
        for i in range(int(along), int(along) + int(length)):
            row, column = (int(across), i) if direction == "h" else (i, int(across))
            grid[row][column] = 1
    return [bytes(row) for row in grid], len(strokes)


def test_the_drawing_strokes_exactly_the_dark_modules_with_a_fifth_fewer_strokes_than_row_runs():
    rng = _rng(4)
    contents = [f"{url}/verify/{code}" for url in PUBLIC_URLS for code in codes.generate_codes(50)]
    contents += _contents(rng, 5, 400)
    strokes = runs = 0
    for content in contents:
        made = segno.make(content, error="m")
        drawn, count = _stroked(qr.svg_data_uri(qr.encode(content, "m"), "#1d2733"), len(made.matrix))
        assert drawn == [bytes(row) for row in made.matrix], content
        strokes += count
        runs += sum(len(re.findall(b"\x01+", bytes(row))) for row in made.matrix)
    assert strokes <= 0.85 * runs


def test_the_same_symbol_is_always_drawn_the_same():
    symbol = qr.encode("https://readiness.mod.gov.az/verify/7KQ2-MX9D-4TRA", "m")
    again = qr.encode("https://readiness.mod.gov.az/verify/7KQ2-MX9D-4TRA", "m")
    assert qr.svg_data_uri(symbol, "#1d2733") == qr.svg_data_uri(again, "#1d2733")


def test_a_certificate_draws_the_symbol_segno_makes_of_its_verification_address():
    url = "https://readiness.mod.gov.az/verify/7KQ2-MX9D-4TRA"
    data = certificates.CertificateData(
        code="7KQ2-MX9D-4TRA", rank="Captain", name="Əliyev Ülvi", course_title="UN Protection of Civilians",
        course_code="UNPOC", provider="PTEC Baku", completed_on=date(2025, 3, 12), expires_on=None,
        issued_on=date(2025, 3, 12), authority="Ministry of Defence", authority_az="Müdafiə Nazirliyi",
        state="Republic of Azerbaijan", state_az="Azərbaycan Respublikası", signatory="Head", verify_url=url)
    made = segno.make(url, error="m")
    assert _stroked(data.qr_data_uri, len(made.matrix))[0] == [bytes(row) for row in made.matrix]
