"""AppTest: the Draw page for a colour model (cats and dogs): a photo, not a drawing, read safely and cropped, not
stretched."""

import io
import struct
import zlib

import numpy as np
import pytest
from conftest import app_store, no_exceptions, open_page
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnn_core.data.loading import PHOTO_MAX_MB, centre_crop, read_photo


def jpeg(width: int, height: int) -> bytes:
    """A wide photo: red left third, green middle, blue right third (what the centre crop keeps is the middle)."""
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[:, : width // 3, 0] = 255
    rgb[:, width // 3: 2 * width // 3, 1] = 255
    rgb[:, 2 * width // 3:, 2] = 255
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header declares ``width`` × ``height``: a decompression bomb's shape."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    raw = bytearray(buf.getvalue())
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


def test_read_photo_crops_the_centre_to_the_input_shape_without_stretching():
    photo = read_photo(jpeg(96, 32), 32, 32)
    assert photo.size == (96, 32) and photo.image.shape == (3, 32, 32)
    middle = photo.image[:, :, 4:28].float().mean((1, 2))  # the middle third only: green
    assert middle[1] > 200 and middle[0] < 40 and middle[2] < 40
    assert photo.crop == (photo.preview.shape[2] // 3, 0, 2 * photo.preview.shape[2] // 3, photo.preview.shape[1])
    assert photo.preview.shape[2] == 3 * photo.preview.shape[1]  # shown at its own aspect


@pytest.mark.parametrize("width, height, aspect", [(640, 480, 1.0), (480, 640, 1.0), (300, 300, 2.0), (97, 31, 0.5)])
def test_centre_crop_is_the_largest_centred_box_of_the_inputs_shape(width, height, aspect):
    left, top, right, bottom = centre_crop(width, height, aspect)
    w, h = right - left, bottom - top
    assert (w == width or h == height) and 0 <= left and 0 <= top and right <= width and bottom <= height
    assert abs(w / h - aspect) <= 1 / min(w, h) + 1e-9  # that shape, to a pixel
    assert abs(left - (width - right)) <= 1 and abs(top - (height - bottom)) <= 1  # centred


@pytest.mark.parametrize("raw, key", [
    (png_claiming(50_000, 50_000), "err.photo_too_many_pixels"),
    (b"GIF89a not a photo", "err.photo_unreadable"),
    (b"\xff" * (PHOTO_MAX_MB * 2**20 + 1), "err.photo_too_big"),
], ids=["too-many-pixels", "not-a-photo", "too-big"])
def test_read_photo_refuses_hostile_files_before_decoding(raw, key):
    from cnn_core.base.errors import DataError

    with pytest.raises(DataError) as caught:
        read_photo(raw, 32, 32)
    assert caught.value.key == key


def colour_run() -> tuple[str, int]:
    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.model import build_model
    from cnn_core.store import runs as core_runs

    code = app_store().create_workspace()
    arch = Architecture(in_height=32, in_width=32, in_channels=3, out_channels=(4,), dense=(8,), num_classes=2)
    raw = checkpoint.to_bytes(build_model(arch, seed=0), ["cat", "dog"], dataset="cats-dogs", test_accuracy=0.6)
    run_id, _ = app_store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "<b>gato</b>.cnn.zip"))
    return code, run_id


def test_a_colour_model_takes_a_photo_and_refuses_a_hostile_one():
    code, run_id = colour_run()
    at = open_page("draw", lang="en", ws=code)
    assert any("Cats and dogs" in o for o in at.selectbox(key="w_model_draw").options)  # listed on Draw
    at.selectbox(key="w_model_draw").set_value(run_id).run()
    no_exceptions(at)
    assert "📷 A photo instead of a drawing" in [s.value for s in at.subheader]
    assert any("32×32×3 = 3,072 input neurons" in m.value for m in at.markdown)
    at.file_uploader(key="w_photo").set_value(("photo.jpg", jpeg(96, 48), "image/jpeg")).run()
    no_exceptions(at)
    assert [h.value for h in at.header] in (["cat"], ["dog"])  # the prediction, in the reader's language
    assert "Where it looked" in [s.value for s in at.subheader]
    assert at.selectbox(key="w_looked_class").value in (0, 1)
    captions = [c for image in at.get("image") for c in image.captions]
    assert "Your photo, 96×48 pixels, at its true shape; the yellow frame is the centre crop the network receives." in captions
    at.file_uploader(key="w_photo").set_value(("square.jpg", jpeg(64, 64), "image/jpeg")).run()  # nothing cut: no frame
    captions = [c for image in at.get("image") for c in image.captions]
    assert "Your photo, 64×64 pixels, at its true shape; the network receives all of it." in captions
    at.file_uploader(key="w_photo").set_value(("photo.jpg", jpeg(96, 48), "image/jpeg")).run()
    captions = [c for image in at.get("image") for c in image.captions]
    assert "What the network receives: 32×32×3 = 3,072 neurons, value/255" in captions
    at.radio(key="w_looked_method").set_value("grad_x_input").run()
    assert any(m.value.startswith("Gradient × input: for every pixel of the photo") for m in at.markdown)
    at.file_uploader(key="w_photo").set_value(("bomb.png", png_claiming(50_000, 50_000), "image/png")).run()
    no_exceptions(at)
    assert [e.value for e in at.error] == ["The photo has more than 16.8 megapixels, so it was not read. "
                                           "Choose a smaller one (or shrink it)."]
    assert not at.header and "Where it looked" not in [s.value for s in at.subheader]
    assert not any("bomb" in m.value or "gato" in m.value for m in at.markdown)  # no file's name in the page's text


def test_a_test_photo_is_not_called_the_students_and_no_frame_is_promised_where_none_is_drawn():
    """A walk read "Tu foto… el marco amarillo es el recorte central" under a CIFAR test image, with no frame."""
    at = AppTest.from_string("""
import streamlit as st
import numpy as np
from cnn_core.data.loading import read_photo
from ui.sections.photo import _outlined, preview_caption
st.session_state["lang"] = "es"
for raw in (np.full((32, 32, 3), 90, np.uint8), np.full((32, 48, 3), 90, np.uint8)):
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(raw).save(buffer, format="PNG")
    photo = read_photo(buffer.getvalue(), 32, 32, 3)
    framed = bool((_outlined(photo) != photo.preview.permute(1, 2, 0).numpy()).any())
    st.text(f"{framed}|{preview_caption(photo, 'test')}")
""").run()
    assert not at.exception
    assert [x.value for x in at.text] == [
        "False|Una foto de prueba, 32×32 píxeles; la red la recibe entera.",
        "True|Una foto de prueba, 48×32 píxeles; el marco amarillo es el recorte central que recibe la red."]


def test_the_photo_page_speaks_spanish():
    code, run_id = colour_run()
    at = open_page("draw", lang="es", ws=code)
    at.selectbox(key="w_model_draw").set_value(run_id).run()
    at.file_uploader(key="w_photo").set_value(("x.png", b"no es una foto", "image/png")).run()
    no_exceptions(at)
    assert [e.value for e in at.error] == ["Este archivo no es una foto JPEG o PNG que se pueda leer. Elige otra."]


def test_the_runs_page_sends_a_colour_model_to_draw():
    code, run_id = colour_run()
    at = open_page("runs", lang="en", ws=code)
    at.selectbox(key="w_run_pick").set_value(run_id).run()
    assert at.button(key="run_use_draw").disabled is False
