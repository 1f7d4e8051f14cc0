"""PDF rendering: no URL is fetched but embedded data and the app's own files; fonts cover the names."""

from __future__ import annotations

import gc

import pytest

from readiness.errors import InvalidError
from readiness.reports import fonts, pdf
from tests.reports.conftest import pdf_text

SAMPLES = {
    "Azerbaijani": "Əliyev Ülvi Şəmsəddin oğlu, Ağaverdiyeva İlahə Çingiz qızı, Gülnarə Həsənova",
    "Turkish": "Çağrı Işıkoğlu, İsmail Gündüz, Şükrü Öztürk",
    "Cyrillic": "Иванов Иван Иванович, Щербаков Ёж, Їжак Ґанна, Қасымов",
    "Georgian": "ქართველი გიორგი ჯავახიშვილი",
    "Western European": "Zoë Ångström, François Müller-Lüdenscheidt, Łukasz Żółć, Dvořák, Núñez, Øyvind",
    "Greek": "Παπαδόπουλος Γιώργος",
}


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "FILE:///etc/hostname", "http://example.com/logo.png", "https://example.com/x.css",
    "ftp://example.com/a", "app-static:../config.py", "app-static:fonts/../../readiness/__init__.py"])
def test_fetcher_refuses_files_remote_urls_and_paths_outside_static(app, url):
    fetcher = pdf.AppUrlFetcher(app.static_folder)
    with pytest.raises(pdf.FetchRefusedError):
        fetcher.fetch(url)


def test_fetcher_serves_embedded_data_and_the_apps_static_files(app):
    fetcher = pdf.AppUrlFetcher(app.static_folder)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    font = fetcher.fetch("app-static:fonts/NotoSerif-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/passwd">',
    '<p style="background: url(http://example.com/x.png)">x</p>',
    '<link rel="stylesheet" href="https://example.com/x.css"><p>x</p>',
])
def test_rendering_stops_on_a_refused_url_instead_of_fetching_it(app, html):
    with pytest.raises(pdf.PdfRenderError, match="refused"):
        pdf.render_pdf(html)


@pytest.mark.parametrize("script", SAMPLES)
def test_shipped_fonts_draw_every_letter_of_names_in_each_script(app, script):
    for stack in fonts.STACKS:
        assert fonts.missing_glyphs(SAMPLES[script], app.static_folder, stack) == []


def test_rendered_text_keeps_every_letter(app):
    names = [name for sample in SAMPLES.values() for name in sample.split(", ")]
    html = (f'<html lang="en"><style>body {{ font-family: {fonts.family_css("serif")} }}</style><body>'
            + "".join(f"<p>{name}</p>" for name in names) + "</body></html>")
    extracted = pdf_text(pdf.render_pdf(html))
    for name in names:
        assert name in extracted


def test_preflight_names_the_field_and_the_character_without_a_glyph(app):
    with pytest.raises(InvalidError) as caught:
        fonts.preflight({"holder's name": "Əliyev 😀", "course title": "ok"}, app.static_folder, "serif",
                        "certificate X")
    err = caught.value
    assert err.message.startswith(
        "Cannot produce the certificate X: the holder's name '😀' (U+1F600 GRINNING FACE) cannot be printed")
    assert set(err.errors) == {"holder's name"}


def test_preflight_accepts_letters_typed_as_base_and_combining_accent(app):
    decomposed = "Ə" + "U\u0308lvi"  # Ü as U + combining diaeresis
    fonts.preflight({"name": decomposed}, app.static_folder, "serif", "certificate")
    assert fonts.printable(decomposed) == "ƏÜlvi"


def test_embedded_raster_and_static_images_render_again_and_again(app):
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD"
           "hgGAWjR9awAAAABJRU5ErkJggg==")
    html = f'<img src="{png}" width="20"><img src="app-static:pdf/emblem.svg" width="20">'
    for _ in range(3):
        assert pdf.render_pdf(html).startswith(b"%PDF")
    assert set(pdf.renderer().images) == {"app-static:pdf/emblem.svg"}


def test_relaxed_gc_nests_and_gives_the_thresholds_back_as_it_found_them():
    before = gc.get_threshold()
    with pdf.gc_relaxed():
        assert gc.get_threshold() == pdf.RELAXED_GC
        with pdf.gc_relaxed():
            assert gc.get_threshold() == pdf.RELAXED_GC
        assert gc.get_threshold() == pdf.RELAXED_GC  # the outer holder is still rendering
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), pdf.gc_relaxed():
        raise RuntimeError("a render failed")
    assert gc.get_threshold() == before
    gc.set_threshold(5_000, 10, 10)
    try:
        with pdf.gc_relaxed():
            pass
        assert gc.get_threshold() == (5_000, 10, 10)  # someone else's setting: kept
    finally:
        gc.set_threshold(*before)
    assert gc.isenabled()
