"""Chromium at a phone's size (390×844): what a learner needs after each action is on screen, and the charts'
toolbars leave their titles readable. Screenshots land in artifacts/screenshots/phone-*.jpg."""

import pytest
from browsing import draw_a_one, errors_on, new_page, open_page, shot

from cnn_core.base import texts

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

PHONE = {"width": 390, "height": 844}
ES = texts.table("es")


@pytest.fixture
def phone(browser):
    with new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True) as pg:
        yield pg


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


def test_on_a_phone_the_prediction_is_in_view_right_after_the_stroke(server, phone):
    open_page(phone, f"{server}/draw?lang=es")
    phone.locator("canvas").last.scroll_into_view_if_needed()
    prediction = draw_a_one(phone)
    assert prediction
    box = phone.locator(".st-key-prediction").bounding_box()
    canvas = phone.locator("canvas").last.bounding_box()
    shot(phone, "phone-draw", full_page=False)
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box  # no scrolling to read it
    assert canvas["y"] + canvas["height"] <= PHONE["height"] + 1  # and the canvas still there to draw again
    phone.locator(".st-key-probs .js-plotly-plot").first.wait_for(timeout=30_000)
    assert titles_under_toolbars(phone) == []
    assert errors_on(phone) == []


def test_on_a_phone_the_training_curves_are_stacked_and_no_toolbar_covers_a_title(server, phone):
    open_page(phone, f"{server}/train?lang=es")
    chart = phone.locator(".st-key-empty_curves .js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    loss = chart.locator(".annotation-text", has_text=ES["curve.loss"]).first.bounding_box()
    accuracy = chart.locator(".annotation-text", has_text=ES["curve.accuracy"]).first.bounding_box()
    chart.hover()
    shot(phone, "phone-train", full_page=False)
    assert accuracy["y"] > loss["y"] + loss["height"] + 100, (loss, accuracy)  # one above the other
    assert titles_under_toolbars(phone) == []
    assert errors_on(phone) == []
