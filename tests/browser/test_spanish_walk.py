"""A Spanish student's whole path in Chromium, at 1400 px and on a 390×844 touch phone, with a screenshot per step.

Home → Architecture (another network: fewer blocks, other filters) → Train (a 5 s
run on MNIST) → Runs → Inside (a convolution step, backpropagation, what a kernel
looks for) → Draw (a digit, another digit, another model); on the desktop then
Exercises (one answered, one revealed after its question, two answered wrong then right, the worksheet
downloaded) → Room → back to Architecture and Train for a second run (on the phone, the menu, Train and Draw
are tapped; Exercises and Room hold no chart and the desktop's very texts). Debian's Chromium (an English browser,
so nothing depends on the reader's browser language) driven by Playwright against
the session's real `streamlit run app.py` (tests/conftest.py). Every step fails on:

- an error box or an exception;
- English: Streamlit's and its components' own texts (sampled while each script
  runs too, for "Stop" and "Running..."), and any piece of the app's English texts;
- a raw translation key («train.start») or internal name («mnist», «adam», «max 2»);
- a number not written the Spanish way ("25,088", "0.97", "98.5%", "1e-05"), and a
  number box whose label's range ("de 1 a 32") is not the box's own;
- a chart title that runs past its figure's edge (Plotly never wraps one; a phone cut them);
- a stale view: on Draw the answer, the class picker, the map's title and input, and
  the probabilities belong to the drawing on the canvas and to the model picked; on
  Train the kernels and gradient curves to the run just trained.

On the desktop the walk also does what only a browser shows of Streamlit's English:
a number typed and not applied ("Press Enter to apply"), a file uploaded (its size
chip) and one dragged over an upload box ("Drag and drop"), the canvas toolbar's
tooltips, the table toolbar's names and tooltip (es-toolbar-tooltip.jpg), and no ⋮ menu. At both sizes the
Inside page fits the screen's width, paused and playing (the player's panels on screen, in one row on the
desktop). On the phone, what a learner needs after each action is on screen (the
prediction right after the stroke, with the canvas), the training curves are stacked, and no chart's toolbar
covers a title. Screenshots: artifacts/screenshots/walk-<size>-<nn>-<step>.jpg, the whole
page's height, and inside-es-<size>-playing.jpg, phone-draw.jpg, phone-train.jpg.
Fails (never skips) without Chromium, Playwright or the real datasets.
"""

from __future__ import annotations

import re
import time

import pytest
import torch
from browsing import SHOTS, errors_on, js, metric_values, new_page, settle, shot, toolbar_titles, visitor_tab
from spanish_leaks import ENGLISH, app_english, english_fragments, leaks, numbers_not_spanish, raw_ids, raw_keys

from cnn_core.base import texts
from cnn_core.lessons.exercises import make_exercises, worksheet_markdown
from ui.shell.component_texts import CANVAS_TOOLBAR, STREAMLIT_LABELS

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

ES = texts.table("es")
APP_ENGLISH = english_fragments(texts.table("en"), ES)


def _internal_names() -> set[str]:
    from cnn_core.data.registry import names
    from cnn_core.nn.architecture import POOLS, PRESETS
    from cnn_core.train.config import OPTIMIZERS, PRECISIONS

    # "same"/"valid" stay: the Spanish labels name the padding by PyTorch's word, «same (mantiene el tamaño)»
    return {*names(), *OPTIMIZERS, *PRECISIONS, *POOLS, *PRESETS, "cifar10"}


INTERNAL = _internal_names()

SIZES = {"desktop": {"viewport": {"width": 1400, "height": 1000}},
         "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   # a phone's browser says it is one: Streamlit closes its menu after a tap on a page only then
                   "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                                 "Chrome/124.0.0.0 Mobile Safari/537.36"}}

# What a person reads: the page's text with each table's cells apart, empty inputs' placeholders, the text and
# tooltips of components drawn in a shadow root (the canvas toolbar), without the names of Material icons.
VISIBLE_TEXT = js("visible_text")

SETTLED = js("no_status_widget_or_skeleton")

# Number boxes whose label gives their range, «Kernel (de 1 a 32)»: [label, min, max] of each.
RANGED_BOXES = js("ranged_number_boxes")

# Chart titles that run past their figure's edge (Plotly never wraps a title): their text.
TITLES_CUT = js("chart_titles_cut")

# The main area's first element holds the hints' style sheet: no element of the page's own comes before it.
FIRST_ELEMENT_IS_THE_SHEET = js("first_element_is_the_hints_sheet")


SKIP = "Skip to main content"  # Streamlit's off-screen link for keyboard users


def toolbar_english(text: str) -> bool:
    """Whether a line of ``text`` is a canvas toolbar's English name (each is a line of its own in the visible
    text: "Edit" is a name, «Editar» is not)."""
    return any(line.strip() in CANVAS_TOOLBAR for line in text.split("\n"))


class Walk:
    """One visitor's walk at one size: actions that wait for their effect, then the checks and a screenshot."""

    def __init__(self, page, size: str):
        self.page, self.size, self.phone, self.n = page, size, size == "phone", 0

    # ---------------------------------------------------------------- waiting and reading

    def text(self) -> str:
        return self.page.evaluate(VISIBLE_TEXT)

    def settle(self, ready: str | None = None, timeout: float = 120) -> list[str]:
        """Wait until ``ready`` (a selector) shows and the script run is over; the text read meanwhile."""
        samples, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            samples.append(self.text())
            if (ready is None or self.page.locator(ready).count()) and self.page.evaluate(SETTLED):
                break
            self.page.wait_for_timeout(300)
        if ready is not None:
            self.page.locator(ready).first.wait_for(timeout=30_000)
        self.page.wait_for_function(SETTLED, timeout=60_000)
        return samples

    def until(self, condition, timeout: float = 30) -> None:
        """Poll ``condition`` (a function of nothing) until it holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"{self.size}: waited {timeout} s for {condition.__name__}"
            self.page.wait_for_timeout(100)

    def tap(self, locator) -> None:
        """A tap on the phone, a click on the desktop."""
        locator.scroll_into_view_if_needed()
        locator.tap() if self.phone else locator.click()

    def go(self, nav_key: str, ready: str) -> list[str]:
        """To another page by the menu, as a student does (on the phone the menu opens first)."""
        link = self.page.locator("[data-testid='stSidebarNav'] a", has_text=ES[nav_key]).first
        if self.page.locator("[data-testid='stSidebar'][data-collapsed='true']").count():  # the phone's menu
            self.tap(self.page.locator("[data-testid='stExpandSidebarButton']"))
            self.until(lambda: link.bounding_box()["x"] >= 0)
        self.tap(link)
        self.page.locator("h1", has_text=ES[nav_key]).first.wait_for(timeout=60_000)
        return self.settle(ready)

    def choose(self, key: str, option: str, then: str | None = None) -> None:
        """Pick ``option`` in the selectbox with widget key ``key`` (drawn again as ``then``, if its key changes)."""
        self.tap(self.page.locator(f".st-key-{key} button[aria-haspopup='listbox']"))
        self.tap(self.page.locator("[role='option']", has_text=option).first)
        self.page.wait_for_function(js("input_value_includes"), arg=[f".st-key-{then or key} input", option])

    def slide(self, label: str, key: str, to: str) -> None:
        """Move the slider labelled ``label`` with ``key`` (an arrow, Home, End) until it reads ``to``."""
        slider = self.page.get_by_role("slider", name=label)
        slider.scroll_into_view_if_needed()
        for _ in range(20):
            # as long as the walk's other waits for the page: on a loaded 2-core machine (CI, a slower processor)
            # the page drawn again after the last move once kept this slider away for over 30 s
            if slider.get_attribute("aria-valuetext", timeout=60_000) == to:
                return
            before = slider.input_value(timeout=60_000)
            slider.focus(timeout=60_000)
            self.page.keyboard.press(key)
            self.until(lambda: slider.input_value(timeout=60_000) != before)
            self.settle()
        raise AssertionError(f"{label} never read {to}")

    def server_has(self, param: str) -> None:
        """Wait until the server has the value a slider shows: the address it writes carries ``param``.

        The page draws a slider's new value before the server has run with it; the walk's next step (a page
        switch) must not come before. A move made before the page heard the last run is kept too (see
        tests/browser/test_browser.py::test_a_slider_moved_before_the_page_heard_the_last_run_keeps_every_move).
        """
        self.page.wait_for_function("(p) => new RegExp('[?&]' + p + '(&|$)').test(location.search)",
                                    arg=param, timeout=30_000)

    def type_without_enter(self, field, value: str) -> None:
        """Type into an input and leave it unapplied: Streamlit's "Press Enter to apply" would show now."""
        field.scroll_into_view_if_needed()
        field.click()
        field.fill(value)
        self.page.wait_for_function("(el) => el.value !== ''", arg=field.element_handle(), timeout=10_000)

    # ---------------------------------------------------------------- the checks of every step

    def check(self, step: str, samples: list[str] = (), three_decimals: bool = False) -> str:
        """A screenshot, then every rule on the page now and on the text sampled while its script ran."""
        self.n += 1
        self.shot(f"walk-{self.size}-{self.n:02d}-{step}")
        now = self.text()
        # A canvas just mounted (a model switch gives each model its own) names its toolbar's buttons in English
        # until the page's texts script, throttled, reaches it: the settled page gets 5 s to be all Spanish.
        deadline = time.time() + 5
        while time.time() < deadline and toolbar_english(now):
            self.page.wait_for_timeout(250)
            now = self.text()
        for text in [*samples, now]:
            # Streamlit's "Skip to main content" sits off-screen until a keyboard user focuses it, and its
            # translation can land a moment after the menu, as a new canvas's toolbar names can: in the samples
            # they are left out, at the end they count.
            if text is not now:
                text = "\n".join(line for line in text.replace(SKIP, "").split("\n")
                                  if line.strip() not in CANVAS_TOOLBAR)
            found = {**leaks(text, three_decimals),
                     "numbers": numbers_not_spanish(text) if not three_decimals else
                     [n for n in numbers_not_spanish(text) if not re.fullmatch(r"\d,\d{3}", n)],
                     "keys": raw_keys(text, ES), "names": raw_ids(text, INTERNAL),
                     "app English": app_english(text, APP_ENGLISH)}
            found = {kind: values for kind, values in found.items() if values}
            if found:  # what was read, beside the screenshot
                SHOTS.mkdir(parents=True, exist_ok=True)
                (SHOTS / f"walk-{self.size}-{self.n:02d}-{step}.txt").write_text(text)
            assert not found, (self.size, step, found)
        assert errors_on(self.page) == [], (self.size, step, errors_on(self.page))
        assert self.page.evaluate(TITLES_CUT) == [], (self.size, step, self.page.evaluate(TITLES_CUT))
        for label, low, high in self.page.evaluate(RANGED_BOXES):
            said = re.search(r"\(de (\d+) a (\d+)\)", label)
            assert not said or said.groups() == (low, high), (self.size, step, label, low, high)
        return now

    def shot(self, name: str) -> None:
        """The whole page's height (Streamlit scrolls its main area, not the page), then the window as it was."""
        window = self.page.viewport_size
        height = self.page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        self.page.set_viewport_size({"width": window["width"], "height": min(max(height, window["height"]), 8000)})
        try:
            self.page.wait_for_function(SETTLED, timeout=30_000)
            shot(self.page, name, full_page=False)
        finally:
            self.page.set_viewport_size(window)

    # ---------------------------------------------------------------- drawing

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """One stroke through ``points`` (canvas pixels): the finger's on the phone, the mouse's on the desktop."""
        canvas = self.page.locator("[class*='st-key-canvas_'] canvas").last
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        at = [(box["x"] + x, box["y"] + y) for x, y in points]
        if self.phone:
            cdp = self.page.context.new_cdp_session(self.page)
            cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": at[0][0], "y": at[0][1]}]})
            for x, y in at[1:]:
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
            cdp.detach()
        else:
            self.page.mouse.move(*at[0])
            self.page.mouse.down()
            for x, y in at[1:]:
                self.page.mouse.move(x, y, steps=2)
            self.page.mouse.up()

    def chart_data(self, key: str) -> list[dict]:
        chart = self.page.locator(f".st-key-{key} .js-plotly-plot").first
        chart.wait_for(timeout=60_000)
        # Plotly marks its element before it attaches the figure's data: wait for the data, then read it.
        self.page.wait_for_function("(selector) => document.querySelector(selector)?.data",
                                    arg=f".st-key-{key} .js-plotly-plot", timeout=60_000)
        return chart.evaluate("(div) => div.data.map((t) => ({x: t.x, y: t.y, z: t.z}))")

    def answer(self) -> dict:
        """Everything the Draw page says about the drawing: the answer, the probabilities, the class picked in
        "where it looked" and its map's title, and the network's input as the two figures show it."""
        page = self.page
        probs = self.chart_data("probs")[0]
        looked = self.chart_data("looked_heatmap")
        return {"answer": page.locator(".st-key-prediction").inner_text().strip(),
                "classes": [str(c) for c in probs["x"]], "probs": probs["y"],
                "picked": page.locator(".st-key-w_looked_class input").input_value(),
                "title": page.locator(".st-key-looked_heatmap .gtitle").first.text_content(),
                "seen": torch.tensor(self.chart_data("seen")[0]["z"]), "looked_input": torch.tensor(looked[0]["z"]),
                "heat": torch.tensor(looked[1]["z"])}


def consistent(shown: dict) -> None:
    """The answer is the likeliest class; the class picker and the map's title are that answer's; the map lies
    over the very input the network read."""
    best = shown["classes"][max(range(len(shown["probs"])), key=shown["probs"].__getitem__)]
    assert shown["answer"] == best, shown["answer"]
    assert shown["picked"] == ES["draw.looked_predicted"].format(cls=best), shown["picked"]
    assert shown["title"] == ES["draw.looked_figure"].format(cls=best), shown["title"]
    assert torch.equal(shown["looked_input"], shown["seen"])


def ink_shape(image: torch.Tensor) -> float:
    """Height over width of the ink's bounding box in the network's input."""
    rows, cols = torch.nonzero(image > 0.3, as_tuple=True)
    return (rows.max() - rows.min() + 1).item() / (cols.max() - cols.min() + 1).item()


def overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def titles_under_toolbars(page) -> list[str]:
    """The chart titles (a figure's own, or a subplot's) that a chart's toolbar row covers."""
    covered = []
    for chart in page.locator(".js-plotly-plot").all():
        chart.scroll_into_view_if_needed()
        bar = chart.locator(".modebar").first
        if bar.count() == 0:  # a chart drawn without a toolbar
            continue
        toolbar = bar.bounding_box()
        for title in chart.locator(".gtitle, .annotation-text").all():
            box = title.bounding_box()
            if box and toolbar and overlaps(box, toolbar):
                covered.append(title.text_content())  # SVG text: no innerText
    return covered


WIDER_THAN_THE_SCREEN = js("wider_than_the_screen")


ONE = [(140, 40 + 7 * i) for i in range(30)]  # a tall vertical stroke
ZERO = [(140 + 55 * torch.sin(torch.tensor(a / 20 * 6.3)).item(), 140 - 95 * torch.cos(torch.tensor(a / 20 * 6.3)).item())
        for a in range(21)]  # a tall ring


@pytest.fixture(params=list(SIZES))
def walk(request, browser, visitors):
    """The desktop walk in a tab of the session's warm browser context (its window set to the desktop's size); the
    phone in a context of its own, which a phone's browser needs (touch, a phone's user agent)."""
    size = SIZES[request.param]
    if set(size) == {"viewport"}:
        with visitor_tab(visitors) as page:
            page.set_viewport_size(size["viewport"])
            yield Walk(page, request.param)
        return
    with new_page(browser, **size) as page:
        yield Walk(page, request.param)


def test_a_spanish_students_whole_path_shows_no_error_english_raw_key_english_number_or_stale_view(
        server, walk, tmp_path):
    page, desktop = walk.page, not walk.phone

    # ---- Home, opened by its address
    page.goto(f"{server}/?lang=es")
    page.locator("[data-testid='stSidebarNav']", has_text=ES["nav.home"]).wait_for(state="attached", timeout=60_000)
    page.locator("style[data-cnn-hints]").wait_for(state="attached", timeout=60_000)
    assert page.evaluate(FIRST_ELEMENT_IS_THE_SHEET)  # nothing of the app's shows before the sheet hiding English
    walk.check("home", walk.settle("h1"))

    # ---- Architecture: the small preset, one block fewer, twice the filters in block 1
    samples = walk.go("nav.architecture", "[data-testid='stDataFrame']")
    assert metric_values(page)[0] == "208.982"
    if desktop:  # the table's cells, Spanish numbers and names (a data grid keeps an accessible copy in a table)
        grid = page.locator("[data-testid='stDataFrame'] td")
        grid.first.wait_for(state="attached", timeout=60_000)
        table = grid.all_text_contents()
        assert {"25.088", "6.272", "208.982", "1.152×100 + 100 = 115.300"} <= set(table), table
        assert {"convolución 1 + ReLU", "aplanado", "salida (softmax)"} <= set(table), table
        assert not any("25,088" in cell for cell in table)
        # No ⋮ menu and no CSV download (config.toml's options); the table's toolbar buttons (their screen-reader
        # names) and their tooltips in Spanish (ui/shell/static/component_texts.js).
        assert page.locator("[data-testid='stMainMenuButton'], [data-testid^='stMainMenuItem-']").count() == 0
        frame = page.locator("[data-testid='stElementContainer']:has([data-testid='stDataFrame'])").first
        frame.hover()
        frame.locator("[data-testid='stElementToolbarButton'] button").first.wait_for(timeout=30_000)
        names = [b.get_attribute("aria-label")
                 for b in page.locator("[data-testid='stElementToolbarButton'] button").all()]
        assert any(n.startswith(ES["st.fullscreen"]) for n in names), names  # every toolbar's, the hidden ones too
        assert not [n for n in names if n.startswith(("Download", "Descargar"))], names
        assert not [n for n in names if n.split(": ")[0] in STREAMLIT_LABELS], names
        frame.locator("[data-testid='stElementToolbarButton']").last.hover()
        tip = page.locator("[role='tooltip']")
        tip.first.wait_for(timeout=30_000)  # Streamlit shows it after a second
        assert tip.first.inner_text().strip() in {ES[key] for key in STREAMLIT_LABELS.values()}
        shot(page, "es-toolbar-tooltip", full_page=False)
        walk.type_without_enter(page.locator(".st-key-w_classes input"), "12")
        samples.append(walk.text())
        page.locator(".st-key-w_classes input").fill("10")
        page.locator(".st-key-w_classes input").press("Enter")
        samples += walk.settle()
    walk.choose("w_preset_tutorial", ES["preset.small"], then="w_preset_small")
    walk.settle()
    walk.slide(ES["arch.blocks"], "ArrowLeft", "1")
    walk.slide(ES["arch.filters"].format(block=1), "ArrowRight", "16")
    walk.server_has("f=16")
    assert page.locator(".st-key-w_preset_custom input").input_value() == ES["preset.custom"]
    walk.check("architecture", samples)

    # ---- Train: 5 s on MNIST
    walk.go("nav.train", ".st-key-start")
    if not desktop:  # the empty curves, one above the other, no toolbar over a title
        chart = page.locator(".st-key-empty_curves .js-plotly-plot").first
        chart.wait_for(timeout=60_000)
        settle(page)
        chart.scroll_into_view_if_needed()
        loss = chart.locator(".annotation-text", has_text=ES["curve.loss"]).first.bounding_box()
        accuracy = chart.locator(".annotation-text", has_text=ES["curve.accuracy"]).first.bounding_box()
        chart.hover()
        shot(page, "phone-train", full_page=False)
        assert accuracy["y"] > loss["y"] + loss["height"] + 100, (loss, accuracy)
        assert titles_under_toolbars(page) == [] and errors_on(page) == []
    walk.tap(page.get_by_text(ES["train.mode_time"], exact=True))
    walk.settle()
    walk.slide(ES["train.seconds"], "Home", "5")
    walk.tap(page.locator(".st-key-start button"))
    samples = walk.settle(f"[data-testid='stMetric']:has-text('{ES['train.test_accuracy']}')")
    first_kernels = ES["train.live_kernels"].format(n=16, total=16, k=3)
    assert page.get_by_text(first_kernels).count() == 1  # the run's own 16 kernels
    walk.check("train", samples, three_decimals=True)  # a loss axis ticks 2,195
    if desktop:  # a model file chosen for upload: its name and size, written the Spanish way
        from cnn_core import PRESETS
        from cnn_core.nn import checkpoint
        from cnn_core.nn.model import build_model

        model_file = tmp_path / "mi_red.cnn.zip"
        checkpoint.save(model_file, build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
        page.locator(".st-key-w_model_upload input[type=file]").set_input_files(str(model_file))
        chosen = ES["upload.chosen"].split("{")[0].strip()  # "Archivo elegido:"
        page.get_by_text(re.compile("^" + re.escape(chosen))).first.wait_for(timeout=60_000)
        page.locator("[data-testid='stFileChip']").wait_for(timeout=60_000)
        caption = page.get_by_text(re.compile("^" + re.escape(chosen))).first.inner_text()
        size = model_file.stat().st_size / 1024
        assert "mi_red.cnn.zip" in caption and f"{size:.1f}".replace(".", ",") + " KB" in caption, caption
        chip = page.locator("[data-testid='stFileChip']").first.inner_text()
        assert "mi_red" in chip and not re.search(r"\d", chip.replace("mi_red.cnn.zip", "")), chip  # no "12.3KB"
        samples = [walk.text()]
        # a file dragged over the empty upload box (the image zip's): Streamlit's "Drag and drop a file here"
        walk.tap(page.get_by_text(ES["dataset.upload"]))
        zone = page.locator(".st-key-w_zip [data-testid='stFileUploaderDropzone']")
        zone.wait_for(timeout=60_000)
        dragged = page.evaluate_handle(js("dragged_zip_file"))
        zone.dispatch_event("dragenter", {"dataTransfer": dragged})
        zone.get_by_text(ES["upload.drop"]).wait_for(timeout=30_000)
        samples.append(walk.text())
        zone.dispatch_event("dragleave", {"dataTransfer": dragged})
        walk.check("train-upload", samples)
        walk.tap(page.get_by_text(ES["dataset.mnist"]))
        walk.settle(".st-key-start")

    # ---- Runs: the run, compared
    walk.check("runs", walk.go("nav.runs", "[data-testid='stDataFrame']"))

    # ---- Inside: a convolution step, backpropagation, what a kernel looks for
    samples = walk.go("nav.inside", ".st-key-w_index input")
    if desktop:
        walk.type_without_enter(page.locator(".st-key-w_index input"), "7")
        samples.append(walk.text())
        page.locator(".st-key-w_index input").press("Enter")
        samples += walk.settle()
        probabilities = page.locator(".st-key-inside_probs .js-plotly-plot")
        probabilities.locator(".ytick text").first.wait_for(timeout=60_000)
        ticks = probabilities.locator(".ytick text").all_text_contents()
        bars = probabilities.locator(".bartext, .point text").all_text_contents()
        assert "100 %" in ticks and any(re.fullmatch(r"\d+ %", x) for x in bars), (ticks, bars)
    row = page.locator(".st-key-w_conv_row input")
    dot = page.get_by_text(re.compile("^" + re.escape(ES["inside.dot_product"].split("{")[0]))).first
    before = dot.inner_text()
    row.scroll_into_view_if_needed()
    row.fill("12")
    row.press("Enter")
    page.wait_for_function("([el, before]) => el.innerText !== before", arg=[dot.element_handle(), before],
                           timeout=60_000)
    samples += walk.settle()
    walk.choose("w_bp_target", "3")
    samples += walk.settle()
    walk.tap(page.locator(".st-key-look_run button"))
    look = ES["inside.look_ascent"].split("{")[1].split("}")[1].split("{")[0].strip()  # "pasos de ascenso: …"
    samples += walk.settle(f"p:has-text('{look}')")
    walk.check("inside", samples, three_decimals=True)
    settle(page)  # every chart drawn (and the page still for a moment), as the screenshot has it
    # Its figures: Plotly's code comes lazily and the step-throughs are fragments, so a chart can come after the run
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 6", timeout=60_000)
    assert page.locator("[data-testid='stImage']").count() >= 4
    overflow = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert overflow <= 1, f"{walk.size}: the page is {overflow}px wider than the screen"
    width = page.viewport_size["width"]
    walk.tap(page.get_by_role("button", name=ES["inside.play"]).first)
    player = page.locator(".cnnp-player").first
    player.wait_for(timeout=30_000)
    player.locator(".cnnp-panel").first.wait_for(timeout=30_000)  # the player has built its panels
    walk.shot(f"inside-es-{walk.size}-playing")
    overflow = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert overflow <= 1, f"{walk.size}: while playing, the page is {overflow}px wider than the screen"
    box = player.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    panels = [part.bounding_box() for part in player.locator(".cnnp-panel").all()]
    for b in panels:  # every panel of the player on screen, none cut off
        assert b["x"] >= 0 and b["x"] + b["width"] <= width + 1, b
    if desktop:  # the input, the three grids and the output in one row
        assert len({round(b["y"]) for b in panels}) == 1, panels
    assert "," in player.locator("p").last.inner_text()  # Spanish decimals in the written-out sum
    assert errors_on(page) == []

    # ---- Draw: a 1, then a 0, then the model just trained
    samples = walk.go("nav.draw", "[class*='st-key-canvas_'] canvas")
    walk.stroke(ONE)
    samples += walk.settle(".st-key-prediction")
    if not desktop:  # the answer in view right after the stroke, no scrolling to read it, the canvas still there
        settle(page)  # its charts drawn too (where it looked, the maps), for the toolbars' check below
        height = page.viewport_size["height"]
        box = page.locator(".st-key-prediction").bounding_box()
        canvas = page.locator("[class*='st-key-canvas_'] canvas").last.bounding_box()
        shot(page, "phone-draw", full_page=False)
        assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
        assert canvas["y"] + canvas["height"] <= height + 1, canvas
        page.locator(".st-key-probs .js-plotly-plot").first.wait_for(timeout=30_000)
        assert titles_under_toolbars(page) == []
    one = walk.answer()
    consistent(one)
    assert one["answer"] == "1" and ink_shape(one["seen"]) > 2.5
    from cnn_core.nn.pretrained import load_pretrained

    shipped = load_pretrained().model.eval()
    with torch.no_grad():
        expected = torch.softmax(shipped(one["seen"][None, None]), 1)[0]
    assert torch.allclose(torch.tensor(one["probs"]), expected, atol=1e-3)  # the shipped model's answer
    if desktop:  # the canvas toolbar, shown on hover
        page.locator("[class*='st-key-canvas_'] canvas").last.hover()
        page.wait_for_function(js("canvas_toolbar_button_titled"), arg=ES["canvas.undo"], timeout=60_000)
        titles = toolbar_titles(page)
        assert titles and not ENGLISH.findall(" | ".join(titles)), titles
        assert ES["canvas.undo"] in titles and ES["canvas.reset"] in titles, titles
    walk.check("draw-1", samples)

    walk.tap(page.get_by_role("button", name=ES["draw.clear"]))  # Clear starts again: the hint, no answer
    page.locator(".st-key-prediction").wait_for(state="detached", timeout=30_000)
    page.get_by_text(ES["draw.empty"]).first.wait_for(timeout=30_000)
    assert page.get_by_text(ES["draw.intro"]).count() == 1  # its wording has no mouse: a phone draws too
    walk.settle()
    walk.stroke(ZERO)
    samples = walk.settle(".st-key-prediction")
    zero = walk.answer()
    consistent(zero)  # the picker and the title follow the new answer, not the 1's
    assert zero["answer"] == "0" and ink_shape(zero["seen"]) < 2.5
    assert not torch.equal(zero["heat"], one["heat"])
    walk.check("draw-0", samples)

    walk.choose("w_model_draw", "16")  # the run just trained: its name says its filters
    samples = walk.settle()

    def answered_anew() -> bool:  # no answer left, or one that is not the shipped model's any more
        if not page.locator(".st-key-prediction").count():
            return True
        # Mid-rerun the answer may still stand while its chart is being replaced: look, never wait, here.
        shown = page.evaluate("() => document.querySelector('.st-key-probs .js-plotly-plot')?.data?.[0]?.y ?? null")
        return shown is not None and not torch.allclose(torch.tensor(shown), torch.tensor(zero["probs"]))

    walk.until(answered_anew, timeout=60)
    if page.locator(".st-key-prediction").count():  # the same drawing, answered by the new model
        switched = walk.answer()
        consistent(switched)
        ink = page.locator("[class*='st-key-canvas_'] canvas.lower-canvas").last.evaluate(js("canvas_ink_pixels"))
        assert ink > 100, "an answer after the switch, but the canvas it answers is empty"
        with torch.no_grad():
            by_shipped = torch.softmax(shipped(switched["seen"][None, None]), 1)[0]
        assert not torch.allclose(torch.tensor(switched["probs"]), by_shipped, atol=1e-3)
    else:  # or a fresh canvas, with nothing of the old model's answer left
        assert page.locator(".st-key-looked_heatmap, .st-key-seen, .st-key-probs").count() == 0
    walk.check("draw-other-model", samples)

    if not desktop:  # the phone's walk ends here: the pages after hold no chart, their texts are the desktop's
        return
    # ---- Exercises: one answered, one revealed after its question, two answered wrong then right
    samples = walk.go("nav.exercises", ".st-key-ex_input_gray_0 input")
    walk.type_without_enter(page.locator(".st-key-ex_relu_0 input"), "0; 2; 0; 0; 5")
    samples.append(walk.text())
    field = page.locator(".st-key-ex_input_gray_0 input")
    field.scroll_into_view_if_needed()
    field.fill("784")
    field.press("Enter")
    samples += walk.settle()
    walk.tap(page.locator(".st-key-check_input_gray button"))
    samples += walk.settle(f"[data-testid='stAlertContentSuccess']:has-text('{ES['ex.right']}')")
    walk.tap(page.locator(".st-key-reveal_input_colour button"))
    samples += walk.settle(".st-key-reveal_yes_input_colour button")
    walk.tap(page.locator(".st-key-reveal_yes_input_colour button"))
    samples += walk.settle(f"[data-testid='stAlertContentWarning']:has-text('{ES['ex.revealed'][:20]}')")
    assert ES["ex.progress"].format(done=1, total="27", revealed=1).split(" de ")[0] in walk.text()
    # ReLU answered with its inputs, then right; a multiple-choice one, the wrong option first, then the right one.
    # Each wrong answer gets its own feedback, which the right answer replaces (the step's check finds no error).
    def answered(done: int) -> None:
        walk.until(lambda: page.locator("[data-testid='stProgress']").inner_text().startswith(
            f"{done} de {len(make_exercises())}"))

    relu = page.locator(".st-key-ex_relu_0 input")
    relu_box = page.locator("[data-testid='stExpander']", has_text=ES["ex.relu.title"])
    for typed, feedback in (("-3, 2, 0, -1, 5", ES["ex.wrong"]), ("0; 2; 0; 0; 5", ES["ex.relu.explain"][:30])):
        relu.fill(typed)
        relu.press("Enter")
        samples += walk.settle()
        walk.tap(page.locator(".st-key-check_relu button"))
        relu_box.get_by_text(feedback).first.wait_for(timeout=60_000)  # ReLU's own feedback, then its explanation
        samples += walk.settle()
    answered(2)
    sharing = {e.id: e for e in make_exercises(0)}["weight_sharing"]
    options = page.locator(".st-key-ex_weight_sharing_choice [role='radiogroup'] label")
    for option, feedback in (((sharing.expected[0] + 1) % 4, ES["ex.wrong_choice"]), (sharing.expected[0], None)):
        walk.tap(options.nth(option))
        page.wait_for_function("(el) => el.checked", arg=options.nth(option).locator("input").element_handle(),
                               timeout=30_000)
        samples += walk.settle()  # the rerun that stores the choice
        walk.tap(page.locator(".st-key-check_weight_sharing button"))
        samples += walk.settle(f"text={feedback}" if feedback else None)
    answered(3)
    page.get_by_text(ES["ex.weight_sharing.explain"].split(": ")[1][:40]).first.wait_for(timeout=30_000)  # its why
    settle(page)  # the progress bar is drawn before the rest of the rerun (its error boxes replaced)
    walk.check("exercises", samples)
    # The worksheet is written when its button is pressed (a deferred download, outside the page's run): the file
    # is this variation's, in the page's language.
    with page.expect_download() as download:
        walk.tap(page.locator(".st-key-worksheet button"))
    assert download.value.suggested_filename == "cnn-worksheet-0.md"
    with open(download.value.path(), encoding="utf-8") as sheet:
        assert sheet.read() == worksheet_markdown(make_exercises(0), 0, "es")

    # ---- Room: a code typed, not sent
    samples = walk.go("nav.room", ".st-key-w_room_code input")
    walk.type_without_enter(page.locator(".st-key-w_room_code input"), "ABC123")
    samples.append(walk.text())
    walk.check("room", samples)

    # ---- A second network and run: Train's kernels and gradient curves are the new run's
    walk.go("nav.architecture", "[data-testid='stDataFrame']")
    walk.slide(ES["arch.blocks"], "ArrowRight", "2")
    walk.server_has("f=16%2C16")
    second = page.get_by_role("slider", name=ES["arch.filters"].format(block=2))  # drawn again, as the table counts
    assert second.get_attribute("aria-valuetext") == "16" and "f=16%2C16" in page.url, page.url
    walk.slide(ES["arch.filters"].format(block=1), "ArrowLeft", "8")
    walk.server_has("f=8%2C16")
    samples = walk.go("nav.train", ".st-key-start")
    said = ES["train.previous_run"].split("{")[0]  # the last run's views are said to be that run's
    assert page.get_by_text(re.compile(re.escape(said) + ".*16")).count() == 1
    result = page.locator(f"[data-testid='stMetric']:has-text('{ES['train.test_accuracy']}')")
    walk.tap(page.locator(".st-key-start button"))
    result.wait_for(state="detached", timeout=60_000)  # the last run's result goes as the new run starts
    samples += walk.settle(f"[data-testid='stMetric']:has-text('{ES['train.test_accuracy']}')")
    assert page.get_by_text(ES["train.live_kernels"].format(n=8, total=8, k=3)).count() == 1
    assert page.get_by_text(first_kernels).count() == 0 and page.get_by_text(re.compile(re.escape(said))).count() == 0
    legend = page.locator(".st-key-live_grads .legendtext").all_text_contents()
    assert any("2" in name for name in legend), legend  # the second block's curve: the new network's layers
    walk.check("train-again", samples, three_decimals=True)
