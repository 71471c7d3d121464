"""The Draw page for a colour network (CIFAR-10, cats and dogs, any 3-channel run): a photo instead of a drawing.

The visitor uploads a photo or picks one of the test set; the page shows it at
its own aspect with the centred crop the network gets, the network's input,
the prediction, the probabilities and where it looked (the Draw page's own
:func:`ui.sections.draw.where_it_looked`). Reading the file is the core's
(:func:`cnn_core.data.loading.read_photo`): sizes checked before decoding,
refusals as messages in the reader's language. The file's name is never shown.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets
from cnn_core.data.loading import PHOTO_MAX_MB, Photo, read_photo
from cnn_core.nn.inspection import trace
from ui.base import state
from ui.base.i18n import class_names, error_text, file_size, labeller, num, pct, plain, t
from ui.charts.figures import chart_config, probabilities
from ui.sections.draw import where_it_looked
from ui.shell import resources

SOURCES = ("upload", "test")
CROP_COLOUR = (255, 210, 0)  # the crop's outline on the preview: yellow shows on most photos


def is_colour(saved) -> bool:
    return saved.arch.in_channels == 3


def _random_index(count: int) -> None:
    st.session_state["w_photo_index"] = int(torch.randint(count, (1,)))


def _test_photo(saved) -> tuple[Photo, int | None] | None:
    """A photo of the model's test set, with its true label; None (said why) where there is none."""
    arch = saved.arch
    dataset = saved.meta.get("dataset")
    try:
        data = resources.dataset(dataset) if datasets.get(dataset) else None
    except PlaygroundError as err:
        st.error(error_text(err), icon="📁")
        return None
    if data is None or data.shape != (arch.in_height, arch.in_width, arch.in_channels):
        st.info(t("photo.no_test_set"))
        return None
    st.session_state.setdefault("w_photo_index", 0)
    c1, c2 = st.columns([3, 1])
    index = c1.number_input(t("photo.index"), 0, len(data.test_y) - 1, key="w_photo_index")
    c2.button(t("photo.random"), key="photo_random", on_click=_random_index, args=(len(data.test_y),))
    image = data.test_x[index]
    photo = Photo(image, (0, 0, image.shape[2], image.shape[1]), (image.shape[2], image.shape[1]), image)
    return photo, int(data.test_y[index]) if data.num_classes == len(saved.classes) else None


def _uploaded_photo(saved) -> Photo | None:
    upload = st.file_uploader(t("photo.upload"), key="w_photo")  # any type: the core says what it cannot read
    st.caption(t("photo.rules", size=file_size(PHOTO_MAX_MB * 2**20)))
    if upload is None:
        st.info(t("photo.empty"))
        return None
    if upload.size > PHOTO_MAX_MB * 2**20:  # before the bytes are even read
        st.error(t("err.photo_too_big", size_mb=num(upload.size / 2**20, 1), limit_mb=PHOTO_MAX_MB))
        return None
    try:
        return read_photo(upload.getvalue(), saved.arch.in_height, saved.arch.in_width, saved.arch.in_channels)
    except PlaygroundError as err:
        st.error(error_text(err))
        return None


def _cropped(photo: Photo) -> bool:
    """Whether the network gets only a part of the preview (a frame is drawn round it)."""
    left, top, right, bottom = photo.crop
    return (right - left, bottom - top) != tuple(photo.preview.shape[:0:-1])


def preview_caption(photo: Photo, source: str) -> str:
    """What the preview is (the student's own photo or a test image) and what the network gets of it: the framed
    centre crop, or the whole picture, as :func:`_outlined` draws it."""
    width, height = photo.size
    what = "photo.preview_test" if source == "test" else "photo.preview_own"
    return t("photo.preview_cropped" if _cropped(photo) else "photo.preview_whole",
             what=t(what, width=width, height=height))


def _outlined(photo: Photo) -> np.ndarray:
    """The preview (h, w, 3) with the crop the network gets outlined, so the student sees what was cut."""
    picture = photo.preview.permute(1, 2, 0).numpy().copy()
    left, top, right, bottom = photo.crop
    if _cropped(photo):
        edge = max(1, min(picture.shape[:2]) // 100)
        for rows, cols in (((top, top + edge), (left, right)), ((bottom - edge, bottom), (left, right)),
                           ((top, bottom), (left, left + edge)), ((top, bottom), (right - edge, right))):
            picture[rows[0]:rows[1], cols[0]:cols[1]] = CROP_COLOUR
    return picture


def photo(saved) -> None:
    """A photo, what the colour network receives from it, and what the network thinks."""
    arch = saved.arch
    st.subheader(t("photo.title"))
    st.markdown(t("photo.intro", h=arch.in_height, w=arch.in_width, c=arch.in_channels,
                  neurons=num(arch.in_height * arch.in_width * arch.in_channels)))
    source = st.radio(t("photo.source"), SOURCES, key=state.relabelled("w_photo_source"), horizontal=True,
                      format_func=labeller("photo.source_"))
    label = None
    if source == "test":
        picked = _test_photo(saved)
        if picked is None:
            return
        picture, label = picked
    else:
        picture = _uploaded_photo(saved)
        if picture is None:
            return
    names = class_names(saved.meta.get("dataset"), saved.classes)
    x = picture.tensor()
    result = trace(saved.model, x)
    probs = result.probs.tolist()
    best = probs.index(max(probs))
    left, right = st.columns([1, 1])
    with left:
        st.image(_outlined(picture), caption=preview_caption(picture, source),
                 width=min(320, picture.preview.shape[2] * 8))
        st.image(picture.image.permute(1, 2, 0).numpy(), width=160,
                 caption=t("photo.seen_caption", h=arch.in_height, w=arch.in_width, c=arch.in_channels,
                           neurons=num(arch.in_height * arch.in_width * arch.in_channels)))
    with right:
        with st.container(key="photo_prediction"):  # a class name is a file's text: shown literally
            st.header(plain(names[best]), anchor=False)
        st.caption(t("draw.confidence", confidence=pct(probs[best], 1)))
        if label is not None:
            st.caption(t("photo.true_label", cls=plain(names[label])))
        st.plotly_chart(probabilities(probs, names, t("draw.probabilities")), key="photo_probs",
                        config=chart_config())
    question = (st.session_state.get("w_model_draw"), hashlib.sha1(picture.image.numpy().tobytes()).hexdigest())
    where_it_looked(saved.model, x, names, best, question, photo=True)
