"""What a crafted browser sends the app instead of a drawing or a kernel: refused with a notice, never a traceback.

The Draw page's canvas sends its drawing as a PNG data URL that any client can
forge (an 8000×8000 PNG once cost 1.2 GB on every stroke); the Inside page's
kernel lab reads the cells a client types ("nan", "inf", "1e39" once drew empty
heatmaps). Each is stood in for at the point where it enters the app.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import REPO, canvas_sends, seven
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts
from cnn_core.base.errors import PlaygroundError
from cnn_core.data.preprocess import PNG_DATA_URL, max_data_url_chars, png_data_url, rgba_from_data_url

EN = texts.table("en")


def encoded(image: Image.Image, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return PNG_DATA_URL + base64.b64encode(buffer.getvalue()).decode()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> str:
    """A valid-looking PNG a few dozen bytes long whose header claims ``width`` × ``height`` RGBA pixels."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    body = chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    return PNG_DATA_URL + base64.b64encode(b"\x89PNG\r\n\x1a\n" + header + body).decode()


FORGED = {
    "8000x8000_png": lambda: png_claiming(8000, 8000),
    "2000x2000_png": lambda: encoded(Image.new("RGBA", (2000, 2000), (255, 255, 255, 255))),
    "281x280_png": lambda: encoded(Image.new("RGBA", (281, 280))),
    "not_base64": lambda: "data:image/png,hello",
    "empty_base64": lambda: "data:image/png;base64,AAAA",
    "tiff_named_png": lambda: encoded(Image.new("RGBA", (280, 280)), "TIFF"),
    "jpeg_named_png": lambda: encoded(Image.new("RGB", (280, 280)), "JPEG"),
    "cut_short": lambda: png_data_url(seven())[:300],
    "too_long": lambda: PNG_DATA_URL + "A" * max_data_url_chars(280, 280),
    "a_number": lambda: 5,
    "a_list": lambda: ["data:image/png;base64,"],
}


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_a_forged_canvas_message_is_left_out_and_the_last_drawing_and_prediction_stay(monkeypatch):
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()  # registers the component, so its module can be stood in for
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    assert [h.value for h in at.header] == ["7"] and not at.warning
    refused = EN["draw.canvas_refused"].format(width=280, height=280)
    for name, forged in FORGED.items():
        canvas_sends(monkeypatch, forged())
        at.run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert [w.value for w in at.warning] == [refused], name
        assert [h.value for h in at.header] == ["7"], name  # the prediction of the last real drawing
        assert "Where it looked" in [s.value for s in at.subheader], name
    canvas_sends(monkeypatch, png_data_url(np.zeros((280, 280, 4), np.uint8)))  # Clear: the browser's empty canvas
    at.run()
    canvas_sends(monkeypatch, FORGED[next(iter(FORGED))]())  # a forged message after it leaves the page empty
    at.run()
    assert not at.exception and [w.value for w in at.warning] == [refused]
    assert not at.header and EN["draw.empty"] in [i.value for i in at.info]


def test_a_forged_message_is_not_even_opened_unless_its_header_is_the_canvas_size(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("decoded a PNG whose header is not the canvas's size")

    monkeypatch.setattr(Image, "open", never)
    for width, height in [(13000, 13000), (14500, 14500), (280, 560), (1, 1)]:
        with pytest.raises(PlaygroundError) as refused:
            rgba_from_data_url(png_claiming(width, height), 280, 280)
        assert refused.value.key == "draw.canvas_refused"


def test_a_second_header_anywhere_is_refused_not_a_traceback():
    png = base64.b64decode(png_data_url(seven())[len(PNG_DATA_URL):])
    for forged in (png[:-12] + chunk(b"IHDR", b"") + png[-12:],  # an empty one before IEND (the last 12 bytes)
                   png[:33] + chunk(b"IHDR", b"\0" * 13) + png[33:]):  # a second one after the first
        with pytest.raises(PlaygroundError) as refused:
            rgba_from_data_url(PNG_DATA_URL + base64.b64encode(forged).decode(), 280, 280)
        assert refused.value.key == "draw.canvas_refused"


def test_every_png_of_the_canvas_size_reads_as_rgba():
    rgba = seven()
    assert np.array_equal(rgba_from_data_url(png_data_url(rgba), 280, 280), rgba)
    for mode, colour in [("LA", (255, 255)), ("L", 255), ("RGB", (255, 255, 255)), ("P", 3), ("1", 1)]:
        image = rgba_from_data_url(encoded(Image.new(mode, (280, 280), colour)), 280, 280)
        assert image.shape == (280, 280, 4) and image.dtype == np.uint8, mode
    noise = np.random.default_rng(0).integers(0, 256, (280, 280, 4), dtype=np.uint8)  # the largest honest PNG
    assert len(png_data_url(noise)) < max_data_url_chars(280, 280)
    with_text = encoded(Image.new("RGBA", (280, 280)))  # text chunks are dropped unread
    png = base64.b64decode(with_text[len(PNG_DATA_URL):])
    png = png[:33] + chunk(b"zTXt", b"k\0\0" + zlib.compress(b"x" * 10**6)) + png[33:]
    assert rgba_from_data_url(PNG_DATA_URL + base64.b64encode(png).decode(), 280, 280).shape == (280, 280, 4)


@pytest.mark.parametrize("typed", ["nan", "NaN", "inf", "-inf", "−inf", "1e39", "1e308", "1e400", "101", "-100.5",
                                   "1_0", "٣", "0x10", "", "None", "1,5,0"])
def test_the_kernel_lab_refuses_what_is_not_a_weight_in_range(typed):
    from ui.sections.inside import parse_kernel

    with pytest.raises(ValueError):
        parse_kernel(pd.DataFrame([[typed, "0", "0"], ["0", "0", "0"], ["0", "0", "0"]]))


def test_the_kernel_lab_reads_every_weight_in_range_and_only_a_3x3_kernel():
    from cnn_core.nn.inspection import LAB_WEIGHT_LIMIT
    from ui.sections.inside import parse_kernel

    edge = f"−{LAB_WEIGHT_LIMIT}"
    typed = [[edge, str(LAB_WEIGHT_LIMIT), "1e-3"], ["+2", ".5", "3."], ["0,25", "1E1", "0"]]
    kernel = parse_kernel(pd.DataFrame(typed))
    expected = [[-LAB_WEIGHT_LIMIT, LAB_WEIGHT_LIMIT, 1e-3], [2, .5, 3], [.25, 10, 0]]
    assert torch.allclose(kernel, torch.tensor(expected))
    with pytest.raises(ValueError):
        parse_kernel(pd.DataFrame([["0"] * 3] * 4))


def lab_page():
    import streamlit as st
    import torch

    from ui.sections.inside import lab_section

    st.session_state.setdefault("lang", "en")
    image = torch.zeros(1, 28, 28)
    image[0, :, 14:] = 255
    lab_section(image)


def lab_charts(at: AppTest) -> list[str]:
    """The kernel lab's three heatmaps (input, convolution, ReLU) as the figures sent to the browser."""
    return [chart.proto.spec for chart in at.get("plotly_chart")]


def test_a_refused_kernel_says_what_is_accepted_and_the_lab_keeps_the_last_good_one():
    at = AppTest.from_function(lab_page, default_timeout=60).run()
    assert not at.exception and not at.error and len(lab_charts(at)) == 3
    identity = lab_charts(at)
    at.session_state["lab_identity"] = {"edited_rows": {1: {"b": "2"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    doubled = lab_charts(at)
    assert doubled[1] != identity[1]
    refused = EN["inside.lab_bad"].format(low="−100", high="100")
    for typed in ("nan", "inf", "1e39", "1_0"):
        at.session_state["lab_identity"] = {"edited_rows": {1: {"b": typed}}, "added_rows": [], "deleted_rows": []}
        at.run()
        assert not at.exception, typed
        assert [e.value for e in at.error] == [refused], typed
        assert lab_charts(at) == doubled, typed  # drawn with the last kernel that was accepted
