"""Every page in Spanish, in a real browser: no English from Streamlit or its components, no "25,088".

Debian's Chromium (an English browser, so nothing depends on the reader's
browser language) driven by Playwright against a real `streamlit run app.py`
(the fixtures in tests/conftest.py). On each page it types into an input
without pressing Enter (Streamlit's "Press Enter to apply" appears then), on
Train it uploads a file (Streamlit's size chip "12.3KB"), on Draw it opens the
canvas toolbar, and it reads the page's visible text, placeholders and the
canvas toolbar's tooltips, sampled while the script runs (Streamlit's "Stop")
and once it has finished. A full-page screenshot of each lands in
artifacts/screenshots/es-walk-*.png. Fails (never skips) without Chromium,
Playwright or the real datasets.
"""

from __future__ import annotations

import re
import time

import pytest
from browsing import errors_on, shot, toolbar_titles
from spanish_leaks import ENGLISH, leaks

from cnn_core.base import texts

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

ES = texts.table("es")

VISIBLE_TEXT = """() => {
  const parts = [document.body.innerText];
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach((el) => {
    if (el.offsetParent !== null && !el.value) parts.push(el.placeholder);
  });
  document.querySelectorAll('*').forEach((el) => {  // components drawn in a shadow root (the canvas toolbar)
    if (!el.shadowRoot) return;
    el.shadowRoot.querySelectorAll('*').forEach((inner) => {
      if (inner.children.length === 0 && inner.textContent.trim()) parts.push(inner.textContent);
      if (inner.title) parts.push(inner.title);
    });
  });
  return parts.join('\\n');
}"""


# The main area's first element holds the hints' style sheet: no element of the page's own comes before it.
FIRST_ELEMENT_IS_THE_SHEET = """() => {
  const first = document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]');
  return !!first && !!first.querySelector('style[data-cnn-hints]');
}"""


def visible_text(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


def open_and_sample(page, url: str, ready: str) -> list[str]:
    """Open ``url`` and read the visible text every 0.3 s while the script runs, until ``ready`` shows and the
    status widget is gone (the run finished); returns the samples.

    Sampling starts when the app's menu and its first element are drawn: before that the page is Streamlit's
    shell (its "Skip to main content" link, shown on keyboard focus, on a fresh server a menu of file names, and
    half a second into the run the status widget's "Stop"), which no app code can reach yet. The app's first
    element is the style sheet that hides Streamlit's English (ui/shell/component_texts.py); that it is the first
    thing in the page, so nothing of the app's shows before it, is checked here too.
    """
    page.goto(url)
    page.locator("[data-testid='stSidebarNav']", has_text=ES["nav.home"]).wait_for(state="attached", timeout=60_000)
    page.locator("style[data-cnn-hints]").wait_for(state="attached", timeout=60_000)
    assert page.evaluate(FIRST_ELEMENT_IS_THE_SHEET), url
    samples, deadline = [], time.monotonic() + 90
    while time.monotonic() < deadline:
        samples.append(visible_text(page))
        if page.locator(ready).count() and not page.locator("[data-testid='stStatusWidget']").count():
            break
        page.wait_for_timeout(300)
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=60_000)
    return samples


def type_without_enter(page, field, value: str) -> None:
    """Type into an input and leave it unapplied: Streamlit's "Press Enter to apply" hint would show now."""
    field.click()
    field.fill(value)
    page.wait_for_function("(el) => el.value !== ''", arg=field.element_handle(), timeout=10_000)


def check(page, name: str, samples: list[str], three_decimals: bool = False) -> None:
    """No leak in the page now, nor in the samples taken while its script ran.

    Streamlit's "Skip to main content" sits off-screen until a keyboard user focuses it, and its translation can
    land a moment after the menu; in the samples it is left out, in the finished page it must be Spanish.
    """
    shot(page, f"es-walk-{name}")
    for text in samples:
        text = text.replace("Skip to main content", "")
        assert not leaks(text, three_decimals), (name, leaks(text, three_decimals))
    assert not leaks(visible_text(page), three_decimals), (name, leaks(visible_text(page), three_decimals))
    skip = page.locator("[data-testid='stSkipToContent']")
    assert skip.count() == 0 or skip.text_content() == ES["a11y.skip"], skip.text_content()
    assert errors_on(page) == [], (name, errors_on(page))


def test_every_page_in_spanish_shows_no_streamlit_english_and_no_english_numbers(server, page, tmp_path):
    from cnn_core import PRESETS
    from cnn_core.nn import checkpoint
    from cnn_core.nn.model import build_model

    # Home
    samples = open_and_sample(page, f"{server}/?lang=es", "h1")
    check(page, "home", samples)

    # Arquitectura: the table's numbers, and a number typed but not applied
    samples = open_and_sample(page, f"{server}/architecture?lang=es", "[data-testid='stDataFrame']")
    classes = page.locator(".st-key-w_classes input")
    type_without_enter(page, classes, "12")
    samples.append(visible_text(page))
    assert "208.982" in visible_text(page)
    check(page, "architecture", samples)

    # Entrenar: a model file uploaded, its name and size written by the app
    model_file = tmp_path / "mi_red.cnn.zip"
    checkpoint.save(model_file, build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    samples = open_and_sample(page, f"{server}/train?lang=es", "[data-testid='stFileUploaderDropzone']")
    page.locator(".st-key-w_model_upload input[type=file]").set_input_files(str(model_file))
    chosen = ES["upload.chosen"].split("{")[0].strip()  # "Archivo elegido:"
    page.get_by_text(re.compile("^" + re.escape(chosen))).first.wait_for(timeout=60_000)
    page.locator("[data-testid='stFileChip']").wait_for(timeout=60_000)
    size = model_file.stat().st_size / 1024
    caption = page.get_by_text(re.compile("^" + re.escape(chosen))).first.inner_text()
    assert "mi_red.cnn.zip" in caption and f"{size:.1f}".replace(".", ",") + " KB" in caption, caption
    chip = page.locator("[data-testid='stFileChip']").first.inner_text()
    assert "mi_red" in chip and not re.search(r"\d", chip.replace("mi_red.cnn.zip", "")), chip  # no "12.3KB"
    samples.append(visible_text(page))
    # a file dragged over the empty upload box (the image zip's): Streamlit's "Drag and drop a file here" shows
    page.get_by_text(ES["dataset.upload"]).click()
    zone = page.locator(".st-key-w_zip [data-testid='stFileUploaderDropzone']")
    zone.wait_for(timeout=60_000)
    dragged = page.evaluate_handle("() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'fotos.zip',"
                                   " {type: 'application/zip'})); return d; }")
    zone.dispatch_event("dragenter", {"dataTransfer": dragged})
    zone.get_by_text(ES["upload.drop"]).wait_for(timeout=30_000)
    samples.append(visible_text(page))
    zone.dispatch_event("dragleave", {"dataTransfer": dragged})
    check(page, "train-upload", samples)

    # Dibujar: the canvas toolbar, shown on hover
    samples = open_and_sample(page, f"{server}/draw?lang=es", "canvas")
    page.locator("[class*='st-key-canvas_'] canvas").last.hover()
    page.wait_for_function("""() => [...document.querySelectorAll('[class*="st-key-canvas"] *')]
        .some((el) => el.shadowRoot && el.shadowRoot.querySelector('.dc-icon-button[title="%s"]'))"""
                           % ES["canvas.undo"], timeout=60_000)
    titles = toolbar_titles(page)
    assert titles and not ENGLISH.findall(" | ".join(titles)), titles
    check(page, "draw", samples)

    # Por dentro: a number typed but not applied
    samples = open_and_sample(page, f"{server}/inside?lang=es", ".st-key-w_index input")
    type_without_enter(page, page.locator(".st-key-w_index input"), "7")
    samples.append(visible_text(page))
    probabilities = page.locator(".st-key-inside_probs .js-plotly-plot")
    probabilities.locator(".ytick text").first.wait_for(timeout=60_000)
    ticks = probabilities.locator(".ytick text").all_text_contents()
    bars = probabilities.locator(".bartext, .point text").all_text_contents()
    assert "100 %" in ticks and not any(re.search(r"\d%", x) for x in ticks + bars), (ticks, bars)  # "50 %"
    assert any(re.fullmatch(r"\d+ %", x) for x in bars), bars
    check(page, "inside", samples, three_decimals=True)

    # Ejercicios: an answer typed but not applied
    samples = open_and_sample(page, f"{server}/exercises?lang=es", ".st-key-ex_relu_0 input")
    type_without_enter(page, page.locator(".st-key-ex_relu_0 input"), "0; 2; 0; 0; 5")
    samples.append(visible_text(page))
    check(page, "exercises", samples)

    # Runs
    samples = open_and_sample(page, f"{server}/runs?lang=es", "h1")
    check(page, "runs", samples)

    # Room: a code typed into its form, not sent
    samples = open_and_sample(page, f"{server}/room?lang=es", ".st-key-w_room_code input")
    type_without_enter(page, page.locator(".st-key-w_room_code input"), "ABC123")
    samples.append(visible_text(page))
    check(page, "room", samples)

