"""What a kernel looks for: gradient ascent on the input, checked against autograd and against the ranking by hand."""

import pytest
import torch
import torch.nn.functional as F

from cnn_core.nn.architecture import Architecture
from cnn_core.nn.inspection import (
    excite_kernel,
    kernel_activation,
    kernel_gradient,
    top_exciting,
)
from cnn_core.nn.model import build_model

ARCH = Architecture(out_channels=(4, 6), dense=(8,))


def hooked_activation(model, x, block, kernel):
    """The same measure read off a whole forward pass with a hook, not by running the blocks one by one."""
    kept = {}
    handle = model.blocks[block - 1].norm.register_forward_hook(lambda m, i, out: kept.setdefault("map", out))
    model(x)
    handle.remove()
    return kept["map"][:, kernel].mean((1, 2))


@pytest.mark.parametrize("block, kernel", [(1, 0), (1, 3), (2, 5)])
def test_the_ascents_gradient_equals_autograd_through_the_whole_model(block, kernel):
    model = build_model(ARCH, seed=1).eval()
    p = 0.3 * torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    _, act, grad = kernel_gradient(model, p, block, kernel, l2=0.5, sigma=1.0)
    q = p.clone().requires_grad_(True)
    g = torch.exp(  # the blur of sigma 1: a 5×5 Gaussian
        -torch.arange(-2, 3, dtype=torch.float32) ** 2 / 2)
    g = (g[:, None] * g[None, :]) / (g.sum() ** 2)
    x = torch.sigmoid(F.conv2d(q, g.view(1, 1, 5, 5), padding=2))
    objective = hooked_activation(model, x, block, kernel)[0] - 0.5 * (x - 0.5).pow(2).mean()
    (expected,) = torch.autograd.grad(objective, q)
    assert act == pytest.approx(float(hooked_activation(model, x, block, kernel)[0].detach()), rel=1e-5)
    assert torch.allclose(grad, expected, atol=1e-7, rtol=1e-4)


def test_the_first_blocks_gradient_is_the_kernel_spread_over_the_image():
    """Without blur and L2, ∂(mean map)/∂x of block 1 is the kernel summed over every position it covers: by hand."""
    model = build_model(ARCH, seed=3).eval()
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    (grad,) = torch.autograd.grad(kernel_activation(model, x, 1, 2)[0], x)
    w = model.blocks[0].conv.weight[2:3].detach()  # (1, 1, 3, 3)
    by_hand = F.conv_transpose2d(torch.ones(1, 1, 28, 28) / 784, w, padding=1)
    assert torch.allclose(grad, by_hand, atol=1e-8)


@pytest.mark.parametrize("block, kernel", [(1, 1), (2, 4)])
def test_ascent_never_lowers_the_objective_and_raises_the_activation(block, kernel):
    model = build_model(ARCH, seed=4)
    pattern = excite_kernel(model, block, kernel, steps=30)
    assert all(b >= a for a, b in zip(pattern.objective, pattern.objective[1:]))
    assert pattern.activation[-1] > pattern.activation[0] + 0.1
    assert pattern.image.shape == (1, 28, 28) and 0 <= float(pattern.image.min()) <= float(pattern.image.max()) <= 1
    assert model.training  # the user's model is left as it was


def test_top_exciting_images_are_the_highest_activations_strongest_first():
    model = build_model(ARCH, seed=5).eval()
    images = torch.randint(0, 256, (300, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(6))
    idx, values = top_exciting(model, images, 2, 3, count=5, batch_size=64)
    with torch.no_grad():
        scores = hooked_activation(model, images.float() / 255, 2, 3)
    assert idx.tolist() == scores.argsort(descending=True)[:5].tolist()
    assert torch.allclose(values, scores[idx], atol=1e-6)


@pytest.mark.realdata
def test_inside_page_shows_what_a_kernel_looks_for_and_its_favourite_test_images(real_data_dir):
    from conftest import no_exceptions, open_page

    at = open_page("inside", 180, lang="en")
    no_exceptions(at)
    assert "8. What a kernel looks for" in [s.value for s in at.subheader]
    assert any(m.value.startswith("A kernel answers some patterns strongly") for m in at.markdown)
    at.selectbox(key="w_look_block").set_value(2).run()
    kernel = at.number_input(key="w_look_kernel")
    assert (kernel.min, kernel.max, kernel.label) == (1, 64, "Kernel (1 to 64)")  # counted as every page counts
    kernel.set_value(5).run()  # kernel 5 as a reader counts it: the code's index 4
    at.button(key="look_run").click().run()
    no_exceptions(at)
    assert "Block 2, kernel 5: the input that excites it most" in [c for el in at.get("image") for c in el.captions]
    ascent = next(m.value for m in at.markdown if "ascent steps" in m.value)
    assert ascent.startswith("60 ascent steps")
    top = next(m.value for m in at.markdown if m.value.startswith("The 8 test images that excite it most"))
    assert "of 1,000 picked at random, always the same" in top
    pattern = at.session_state["kernel_patterns"]
    (found, (indices, values)), = pattern.values()
    assert found.block == 2 and found.kernel == 4 and found.activation[-1] > found.activation[0]
    assert values.tolist() == sorted(values.tolist(), reverse=True) and len(indices) == 8
    # A spread of the test set (its first thousand may be one class: CIFAR-10's are birds), the favourites named by
    # their own place in it: the activation shown is that image's.
    from cnn_core.data.loading import load_dataset, spread_sample
    from cnn_core.nn.pretrained import load_pretrained

    test_x = load_dataset("mnist", real_data_dir, download=False).test_x
    assert set(indices.tolist()) <= set(spread_sample(len(test_x), 1_000).tolist())
    model = load_pretrained().model
    again = kernel_activation(model, test_x[indices].float().div(255), 2, 4)
    assert torch.allclose(again, values, atol=1e-4), (again, values)
