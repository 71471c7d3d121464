"""Script injection, end to end: a model and an image zip whose names are HTML/script payloads.

Chromium against a real `streamlit run app.py`. The payloads call alert() and
set ``window.__pwned``; an image payload points at a local port. The test
uploads both files, trains on the zip, walks every page (drawing on Draw) and
requires: no dialog opened, ``window.__pwned`` never set, no request to the
payload's address, no error box, and the names shown literally.
"""

import re

import pytest
from browsing import draw_a_one, errors_on, js, open_page, settle, shot, visitor_tab
from conftest import make_zip, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

# Folder names cannot hold "/", so the zip's payloads do without it.
ZIP_PAYLOADS = ["<img src=x onerror=alert(1)>", "<svg onload=\"window.__pwned=2\">",
                "[click](javascript:alert(3))", "![t](http:..127.0.0.1:9.t.png)"]
MODEL_PAYLOADS = ["<script>window.__pwned=4</script>", "<img src=x onerror=\"window.__pwned=5\">",
                  "<iframe srcdoc=\"<script>parent.__pwned=6</script>\">", "[x](javascript:alert(7))",
                  "![t](http://127.0.0.1:9/t.png)", "$\\href{javascript:alert(8)}{x}$", ":red[red]",
                  "&lt;b&gt;", "**bold** _it_", "<b>9</b>"]
FILE_NAME = "<img src=x onerror=alert(10)>.cnn.zip"


def pwned(page) -> object:
    return page.evaluate(js("pwned_marks"))


PAGES = ("Architecture", "Inside", "Exercises", "Runs", "Train", "Home")


def walk(page, names: list[str], dialogs: list, requests: list, pages: tuple[str, ...] = PAGES) -> None:
    for link in pages:
        page.get_by_role("link", name=link).first.click()
        page.wait_for_selector("h1", timeout=60_000)
        settle(page)
        assert errors_on(page) == [], (link, errors_on(page))
        assert dialogs == [] and pwned(page) == [] and requests == [], (link, dialogs, requests)


def plotly_texts(page) -> str:
    return " ".join(t or "" for t in page.locator(".js-plotly-plot text").all_text_contents())


def test_html_and_script_names_never_run_and_show_literally(server, visitors, tmp_path):
    from cnn_core import PRESETS
    from cnn_core.nn import checkpoint
    from cnn_core.nn.model import build_model

    model_file = tmp_path / FILE_NAME
    model = build_model(PRESETS["tutorial"], seed=0)
    model.classifier[-1].bias.data[1] = 50.0  # always predicts MODEL_PAYLOADS[1], whose onerror runs if rendered
    checkpoint.save(model_file, model, MODEL_PAYLOADS, dataset="mnist", test_accuracy=0.5)
    zip_file = tmp_path / "<b>images<b>.zip"
    zip_file.write_bytes(make_zip({f"{name}/{i}.png": png_bytes(30 + 200 * k + i, size=28, mode="L")
                                   for k, name in enumerate(ZIP_PAYLOADS[:2]) for i in range(12)}
                                  | {f"{name}/{i}.png": png_bytes(120 + 10 * k + i, size=28, mode="L")
                                     for k, name in enumerate(ZIP_PAYLOADS[2:]) for i in range(12)}))
    url = server
    with visitor_tab(visitors) as page:
        dialogs, requests = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url) if ":9/" in r.url or "127.0.0.1:9" in r.url else None)

        # The model: uploaded on the Train page, then picked on Inside (its default is the most accurate model).
        open_page(page, f"{url}/train?lang=en", "text=Upload a model")
        page.locator("input[type=file]").last.set_input_files(str(model_file))
        page.get_by_role("button", name="Use this model").click()
        page.wait_for_selector("text=Model loaded", timeout=60_000)
        # Every page but Inside, which comes next with this model picked (by default it shows the most accurate).
        walk(page, MODEL_PAYLOADS, dialogs, requests, tuple(p for p in PAGES if p != "Inside"))
        page.get_by_role("link", name="Inside").first.click()
        picker = page.locator(".st-key-w_model_inside")
        picker.wait_for(timeout=60_000)
        picker.click()
        page.get_by_role("option", name=re.compile("img src")).first.click()
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        settle(page)
        shown = plotly_texts(page)
        assert any(p in shown for p in MODEL_PAYLOADS), shown[:500]  # the names, literally, in the charts
        assert errors_on(page) == [] and dialogs == [] and pwned(page) == [] and requests == []

        # Draw: pick the uploaded model, draw, and read the predicted name back as text.
        page.get_by_role("link", name="Draw").first.click()
        picker = page.locator(".st-key-w_model_draw")
        picker.wait_for(timeout=60_000)
        picker.click()
        page.get_by_role("option", name=re.compile("img src")).first.click()
        settle(page)
        assert draw_a_one(page) == MODEL_PAYLOADS[1]  # the name as text, not an <img> element
        assert any(p in plotly_texts(page) for p in MODEL_PAYLOADS)
        assert dialogs == [] and pwned(page) == [] and requests == []
        shot(page, "hostile-draw")

        # The zip: folder names as classes, trained briefly, then every page again.
        page.get_by_role("link", name="Train").first.click()
        page.get_by_text("Your images (zip)", exact=True).click()
        zip_input = page.locator(".st-key-w_zip input[type=file]")
        zip_input.wait_for(state="attached", timeout=30_000)
        zip_input.set_input_files(str(zip_file))
        page.get_by_role("button", name="Load images").click()
        page.wait_for_selector("text=training and", timeout=60_000)  # "N training and M test images ..."
        page.get_by_role("button", name="Train", exact=True).click()
        page.wait_for_selector("text=Test accuracy", timeout=180_000)
        settle(page)
        assert any(p in plotly_texts(page) for p in ZIP_PAYLOADS), plotly_texts(page)[:500]
        assert errors_on(page) == [] and dialogs == [] and pwned(page) == [] and requests == []
        shot(page, "hostile-train")
        walk(page, ZIP_PAYLOADS, dialogs, requests)
