"""Chromium against a real server: the Inside page's step-through and overview, the architecture diagram (the Draw
heatmap: test_browser_canvas.py; live training views: test_browser.py).

The step-through's player also shows what the app's texts script (ui/shell/static/component_texts.js) costs the
page: it watches the whole page for Streamlit's English, and while the player animates a sweep (many changes a
second) it must not look at all. Screenshots of each view land in artifacts/screenshots/.
"""

import pytest
from browsing import errors_on, init_script, js, open_page, settle, shot

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

DOT = "text=torch.nn.functional.conv2d gives"


# Counts the texts script's passes over the page: each pass asks for the upload boxes once.
COUNT_PASSES = init_script("count_text_passes")

# Records the player's counter ("Position 12 of 784") as it changes; true once ``n`` different ones were shown.
FRAMES_SHOWN = js("player_frames_shown")


def dot_text(page) -> str:
    return page.locator(DOT).first.inner_text()


def plot_area(page, key_prefix: str):
    """The drawing area of the plotly chart whose widget key starts with ``key_prefix``."""
    chart = page.locator(f"[class*='st-key-{key_prefix}'] .js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    return chart.locator(".nsewdrag").first


def test_clicking_the_image_moves_the_window_and_play_sweeps_it(server, page):
    received = []  # the server's websocket messages to this page
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: received.append(1)))
    page.add_init_script(COUNT_PASSES)
    open_page(page, f"{server}/inside?lang=en", DOT)
    page.wait_for_function("() => window.cnnTextPasses > 0", timeout=60_000)  # the texts script runs on this page
    before = dot_text(page)
    area = plot_area(page, "conv_map")
    box = area.bounding_box()
    # the input is 28×28 with a 1 px padding border: 30 cells across the square plot area
    side = min(box["width"], box["height"])
    x0 = box["x"] + (box["width"] - side) / 2
    y0 = box["y"] + (box["height"] - side) / 2
    cell = side / 30
    page.mouse.click(x0 + cell * (1 + 5 + 0.5), y0 + cell * (1 + 20 + 0.5))  # the 21st row's 6th pixel
    page.wait_for_function(js("dot_text_changed"), arg=before, timeout=20_000)
    after = dot_text(page)
    assert after.startswith("Position (row 21, column 6)"), after  # counted from 1, as the boxes count
    ours = after.split("= ")[-1].split(" (")[0]
    assert ours == after.split("conv2d gives ")[1].rstrip(")")
    page.locator("[class*='st-key-conv_map']").first.scroll_into_view_if_needed()
    shot(page, "inside-conv-step", full_page=False)

    page.get_by_role("button", name="▶ Play").first.click()
    page.locator(".cnnp-player canvas").wait_for(timeout=20_000)  # the browser-side player took over
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=30_000)
    settle(page)  # Play's rerun done and its messages in (a CI run on e54eb3f counted 62 of them after the widget went)
    before_play = len(received)
    page.wait_for_function(FRAMES_SHOWN, arg=2, timeout=30_000)
    passes_before = page.evaluate("() => window.cnnTextPasses")
    page.wait_for_function(FRAMES_SHOWN, arg=12, timeout=30_000)  # ten more frames drawn by the player
    passes = page.evaluate("() => window.cnnTextPasses") - passes_before
    assert passes <= 1, f"{passes} passes of the texts script over the page during ten frames of the player"
    # the window walks on: three different positions appear without touching anything
    seen = {after}
    for _ in range(3):
        page.wait_for_function(js("dot_text_unseen"), arg=list(seen), timeout=20_000)
        seen.add(dot_text(page))
    assert len(received) == before_play  # drawn by the browser: not one message from the server meanwhile
    window = page.locator(".cnnp-window").first  # the red window moved with the texts
    first = window.bounding_box()
    page.wait_for_function(js("player_window_moved"), arg=first["x"], timeout=20_000)
    page.locator(".cnnp-player").scroll_into_view_if_needed()
    shot(page, "inside-conv-playing", full_page=False)
    play = page.locator(".st-key-conv_play button")
    play.click()  # Pause
    play.filter(has_text="▶ Play").wait_for(timeout=20_000)
    # Three positions from the end, Play: once the sweep is over the page says so by itself (no Pause left
    # over with nothing playing) and shows where the window stopped.
    area = plot_area(page, "conv_map")
    box = area.bounding_box()
    side = min(box["width"], box["height"])
    x0, y0 = box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2
    page.mouse.click(x0 + side / 30 * (1 + 25 + 0.5), y0 + side / 30 * (1 + 27 + 0.5))  # row 28, column 26
    page.wait_for_function(js("paragraph_starts_with"), arg="Position (row 28, column 26)", timeout=20_000)
    play.click()
    play.filter(has_text="⏸ Pause").wait_for(timeout=20_000)
    play.filter(has_text="▶ Play").wait_for(timeout=20_000)  # two positions at 5 a second, then by itself
    page.wait_for_function(js("paragraph_starts_with"), arg="Position (row 28, column 28)", timeout=20_000)
    assert errors_on(page) == []
    page.locator("#pool-step").scroll_into_view_if_needed()
    shot(page, "inside-pool-step", full_page=False)
    page.locator("#overview").scroll_into_view_if_needed()
    shot(page, "inside-overview", full_page=False)
    page.locator("#backprop").scroll_into_view_if_needed()
    shot(page, "inside-backprop", full_page=False)


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j
            and a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]]


@pytest.mark.parametrize("query, width", [("&lang=en", None), ("&lang=en&f=8,16,32,64&dense=512,256", None),
                                          ("&lang=en&f=16&pool=none&dense=84,32", None),
                                          ("&lang=es", 960), ("&lang=es&f=8,16,32,64&dense=512,256", 960),
                                          ("&lang=es", 390), ("&lang=es&f=16&dense=32", 390)])  # a phone
def test_diagram_labels_never_overlap(server, page, query, width):
    """Spanish labels are longer ('aplanado', 'densa 1'): on a 960 px laptop, and then on a 390 px phone,
    'aplanado' and 'salida' had run together."""
    before = page.viewport_size
    if width:
        page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        open_page(page, f"{server}/architecture?{query[1:]}", "[class*='st-key-diagram'] .js-plotly-plot")
        texts = page.locator("[class*='st-key-diagram'] g.annotation")
        texts.first.wait_for(timeout=30_000)
        boxes = [texts.nth(i).bounding_box() for i in range(texts.count())]
        assert len(boxes) >= 6 and not _overlaps(boxes), _overlaps(boxes)
        if query == "&lang=en":
            page.locator("[class*='st-key-diagram']").scroll_into_view_if_needed()
            shot(page, "architecture-diagram", full_page=False)
    finally:
        page.set_viewport_size(before)


def test_an_invalid_network_shows_its_layers_up_to_the_failing_block(server, page):
    open_page(page, f"{server}/architecture?lang=en", "[data-testid='stDataFrame']")
    for _ in range(2):
        page.get_by_role("slider", name="Conv blocks").focus()
        page.keyboard.press("ArrowRight")
        settle(page)
    page.wait_for_selector("text=smaller pool", timeout=20_000)
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    page.locator("[class*='st-key-diagram'] .js-plotly-plot").wait_for(timeout=20_000)
    assert page.locator("[class*='st-key-diagram'] g.annotation", has_text="block 5").count() >= 1
    texts = page.locator("[class*='st-key-diagram'] g.annotation")
    boxes = [texts.nth(i).bounding_box() for i in range(texts.count())]
    assert not _overlaps(boxes), _overlaps(boxes)  # the failing block's label too
    page.locator("[class*='st-key-diagram']").scroll_into_view_if_needed()
    shot(page, "architecture-invalid", full_page=False)


def test_a_layer_of_the_overview_opens_its_detail_in_view_in_one_click(server, page):
    page.set_viewport_size({"width": 1400, "height": 800})  # 800 px high: the detail starts below the fold
    open_page(page, f"{server}/inside?lang=en", "#overview")
    page.evaluate("() => document.querySelector('#overview').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    button = page.locator(".st-key-overview_pool2 button").first
    button.click()
    detail = page.locator(".st-key-overview_detail")
    detail.wait_for(timeout=30_000)
    # The whole detail, maps and close button included, inside the window (to the pixel: scrolling to a
    # top at a fractional position, such as 0.28 px, lands a fraction of a pixel above it).
    page.wait_for_function(js("overview_detail_in_window"), timeout=15_000)
    box = detail.bounding_box()
    assert box["y"] > -1 and box["y"] + box["height"] <= 800, box
    assert "pool 2" in detail.inner_text()
    shot(page, "inside-overview-detail", full_page=False)
    assert errors_on(page) == []
