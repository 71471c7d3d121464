"""Drawing preprocessing, the shipped model, and the Inside page's arithmetic against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnn_core.data.preprocess import center_of_mass, ink_from_rgba, prepare_digit
from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.inspection import (
    LAB_KERNELS,
    apply_kernel,
    conv_step,
    one_hot,
    pool_step,
    softmax,
    tile_maps,
    trace,
)
from cnn_core.nn.model import build_model
from cnn_core.nn.pretrained import SHIPPED_MODEL, load_pretrained
from cnn_core.train.trainer import evaluate


def stroke_one(canvas: int, top: int, left: int, length: int, width: int = 18) -> np.ndarray:
    """A vertical '1' drawn white on a transparent canvas, as RGBA like the canvas component returns."""
    rgba = np.zeros((canvas, canvas, 4), dtype=np.uint8)
    rgba[top:top + length, left:left + width] = 255
    return rgba


def test_centred_and_off_centre_ones_end_up_in_the_same_place():
    centred = prepare_digit(ink_from_rgba(stroke_one(280, 60, 131, 160)))
    corner = prepare_digit(ink_from_rgba(stroke_one(280, 5, 8, 60, width=8)))
    for prepared in (centred, corner):
        assert not prepared.empty and prepared.image.shape == (28, 28)
        rows, cols = np.nonzero(prepared.image > 25)
        assert rows.max() - rows.min() + 1 <= 21  # the longer side is scaled to 20 px
    a, b = center_of_mass(centred.image), center_of_mass(corner.image)
    assert abs(a[0] - b[0]) <= 1 and abs(a[1] - b[1]) <= 1
    assert abs(a[0] - 13.5) <= 1 and abs(a[1] - 13.5) <= 1


def test_without_centring_the_drawing_stays_where_it_was_drawn():
    """The Draw page's option: the whole canvas shrunk to 28×28 (each output pixel the mean of its 10×10 block of a
    280-pixel canvas), so a '1' drawn in the corner stays in the corner."""
    ink = ink_from_rgba(stroke_one(280, 5, 8, 60, width=8))
    kept = prepare_digit(ink, centre=False)
    assert not kept.empty and kept.image.shape == (28, 28)
    blocks = ink.astype(np.float64).reshape(28, 10, 28, 10).mean(axis=(1, 3))
    assert np.abs(kept.image.astype(np.float64) - blocks).max() <= 1
    row, col = center_of_mass(kept.image)
    assert row < 5 and col < 3  # in the corner, where the centred version would be at 13.5, 13.5
    assert prepare_digit(np.zeros((280, 280), dtype=np.uint8), centre=False).empty


def test_dark_ink_on_white_is_inverted_to_mnist_style():
    rgba = np.full((280, 280, 4), 255, dtype=np.uint8)
    rgba[60:220, 130:150, :3] = 0  # black stroke on an opaque white canvas
    prepared = prepare_digit(ink_from_rgba(rgba, ink_is_dark=True))
    assert not prepared.empty
    assert prepared.image[0, 0] == 0 and prepared.image.max() > 200


def test_empty_canvas_is_reported_as_empty():
    assert prepare_digit(ink_from_rgba(np.zeros((280, 280, 4), dtype=np.uint8))).empty
    faint = np.zeros((280, 280, 4), dtype=np.uint8)
    faint[..., 3] = 10  # almost transparent everywhere
    faint[..., :3] = 255
    assert prepare_digit(ink_from_rgba(faint)).empty


def test_prepared_tensor_is_normalised_like_training():
    prepared = prepare_digit(ink_from_rgba(stroke_one(280, 60, 131, 160)))
    x = prepared.tensor()
    assert x.shape == (1, 1, 28, 28)
    assert torch.allclose(x * 255, torch.from_numpy(prepared.image).float().view(1, 1, 28, 28))


def test_shipped_model_is_small():
    assert 100_000 < SHIPPED_MODEL.stat().st_size < 1_100_000


@pytest.mark.realdata
def test_shipped_model_reaches_99_2_percent_on_real_mnist(mnist):
    saved = load_pretrained()
    assert saved.arch == PRESETS["tutorial"]
    _, acc, _ = evaluate(saved.model, mnist.test_x, mnist.test_y)
    assert acc >= 0.992, acc


@pytest.mark.realdata
def test_shipped_model_reads_a_drawn_one(mnist):
    saved = load_pretrained()
    prepared = prepare_digit(ink_from_rgba(stroke_one(280, 40, 131, 200)))
    probs = trace(saved.model, prepared.tensor()).probs
    assert int(probs.argmax()) == 1


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_step_through_values_equal_conv2d(padding):
    g = torch.Generator().manual_seed(0)
    image = torch.rand(3, 9, 11, generator=g)
    kernel = torch.randn(3, 3, 3, generator=g)
    bias = 0.37
    expected = F.conv2d(image[None], kernel[None], torch.tensor([bias]), padding=padding)[0, 0]
    by_hand = torch.tensor([[conv_step(image, kernel, bias, r, c, padding).value for c in range(expected.shape[1])]
                            for r in range(expected.shape[0])])
    assert torch.allclose(by_hand, expected, atol=1e-5)
    step = conv_step(image, kernel, bias, 2, 4, padding)
    assert step.value == pytest.approx(float(expected[2, 4]), abs=1e-5)
    assert step.products.sum().item() + bias == pytest.approx(step.value, abs=1e-5)


def test_step_through_of_a_real_first_layer_matches_the_model():
    model = build_model(PRESETS["tutorial"]).eval()
    x = torch.rand(1, 1, 28, 28)
    conv = model.blocks[0].conv
    stages = trace(model, x).blocks[0]
    step = conv_step(x[0], conv.weight[5].detach(), float(conv.bias[5].detach()), 0, 27)
    assert step.value == pytest.approx(float(stages.conv[5, 0, 27]), abs=1e-5)


def test_pool_step_equals_max_pool2d():
    fmap = torch.rand(8, 8)
    pooled = F.max_pool2d(fmap[None, None], 2)[0, 0]
    for r in range(4):
        for c in range(4):
            step = pool_step(fmap, 2, r, c)
            assert step.value == pytest.approx(float(pooled[r, c]))
            assert step.window[step.argmax] == step.window.max()
    avg = F.avg_pool2d(fmap[None, None], 2)[0, 0]
    assert pool_step(fmap, 2, 1, 1, kind="avg").value == pytest.approx(float(avg[1, 1]))


def test_softmax_and_one_hot():
    scores = [2.0, 1.0, 0.1]
    assert torch.allclose(softmax(scores), torch.softmax(torch.tensor(scores), 0))
    assert softmax([1000.0, 1000.0]).tolist() == [0.5, 0.5]  # stable for huge scores
    assert one_hot(2, 3) == [0, 0, 1]


def test_trace_keeps_every_stage_with_the_tutorial_shapes():
    result = trace(build_model(PRESETS["tutorial"]), torch.rand(1, 1, 28, 28))
    assert [tuple(b.pool.shape) for b in result.blocks] == [(32, 14, 14), (64, 7, 7), (128, 3, 3)]
    assert tuple(result.blocks[0].conv.shape) == (32, 28, 28)
    assert (result.blocks[0].relu >= 0).all()
    assert result.flat.numel() == 1152 and result.dense[0].numel() == 100
    assert result.probs.sum().item() == pytest.approx(1.0, abs=1e-5)


def test_kernel_lab_and_tiles():
    image = torch.zeros(10, 10)
    image[:, 5:] = 1.0
    edges = apply_kernel(image, LAB_KERNELS["edge_vertical"])
    assert edges[5, 4] > 0 and edges[5, 1] == 0  # the edge lights up, flat areas do not
    assert torch.allclose(apply_kernel(image, LAB_KERNELS["identity"]), image)
    tiles = tile_maps(torch.rand(20, 4, 4), cols=8, gap=1)
    assert tiles.shape == (3 * 5 - 1, 8 * 5 - 1) and tiles.dtype == np.uint8
