"""The numbers the animated Inside views and the heatmaps show, checked against torch itself."""

import pytest
import torch
import torch.nn.functional as F

from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.inspection import (
    backprop,
    channel_sums,
    conv_output_shape,
    conv_step,
    grad_cam,
    grad_x_input,
    gradient_norms,
    layer_names,
    pool_step,
    position_from_click,
)
from cnn_core.nn.model import build_model
from cnn_core.train.trainer import GradEvent, History, ProbeEvent, TrainConfig, train


@pytest.mark.parametrize("padding,k", [("same", 3), ("valid", 3), ("same", 5), ("valid", 5)])
def test_every_position_of_a_multichannel_conv_equals_conv2d(padding, k):
    g = torch.Generator().manual_seed(1)
    image = torch.rand(3, 8, 10, generator=g)
    kernel = torch.randn(3, k, k, generator=g)
    bias = -0.21
    expected = F.conv2d(image[None], kernel[None], torch.tensor([bias]), padding=padding)[0, 0]
    out_h, out_w = conv_output_shape(8, 10, k, padding)
    assert expected.shape == (out_h, out_w)
    for r in range(out_h):
        for c in range(out_w):
            step = conv_step(image, kernel, bias, r, c, padding)
            assert step.value == pytest.approx(float(expected[r, c]), abs=1e-5)
            sums = channel_sums(step)
            assert len(sums) == 3  # one partial sum per input channel, and they add up
            assert sum(sums) + bias == pytest.approx(step.value, abs=1e-5)
            # each partial sum is that channel's own conv2d
            one = F.conv2d(image[None, :1], kernel[None, :1], padding=padding)[0, 0, r, c]
            assert sums[0] == pytest.approx(float(one), abs=1e-5)


def test_the_corner_window_reads_the_zero_border():
    image = torch.arange(1, 26, dtype=torch.float32).view(1, 5, 5)
    step = conv_step(image, torch.ones(1, 3, 3), 0.0, 0, 0, "same")
    assert torch.equal(step.patch[0], F.pad(image, (1, 1, 1, 1))[0, :3, :3])
    assert step.patch[0, 0].abs().sum() == 0 and step.patch[0, :, 0].abs().sum() == 0


def test_click_maps_to_the_window_centred_there():
    assert position_from_click(4.2, 6.8, 3, "same", 28, 28) == (7, 4)
    assert position_from_click(4, 6, 5, "valid", 24, 24) == (4, 2)  # centre is 2 px in
    assert position_from_click(-3, 99, 3, "same", 28, 28) == (27, 0)  # clamped to the map


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_every_pooling_window_equals_torch(kind):
    fmap = torch.rand(9, 7)  # odd sides: the remainder is dropped like torch does
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    expected = pool(fmap[None, None], 2)[0, 0]
    by_hand = torch.tensor([[pool_step(fmap, 2, r, c, kind).value for c in range(expected.shape[1])]
                            for r in range(expected.shape[0])])
    assert torch.allclose(by_hand, expected, atol=1e-6)


def _reference_grads(model, x, label):
    model.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model.eval()(x), torch.tensor([label]))
    loss.backward()
    return loss, model


@pytest.mark.parametrize("preset", ["tutorial", "lenet", "cifar"])
def test_backprop_numbers_equal_autograd(preset):
    arch = PRESETS[preset]
    model = build_model(arch, seed=3)
    x = torch.rand(1, arch.in_channels, arch.in_height, arch.in_width, generator=torch.Generator().manual_seed(0))
    original = {k: v.clone() for k, v in model.state_dict().items()}
    result = backprop(model, x, label=4, kernel=2, lr=0.5)
    for k, v in model.state_dict().items():  # the user's model is left as it was
        assert torch.equal(v, original[k])
    ref = build_model(arch, seed=3)
    loss, ref = _reference_grads(ref, x, 4)
    assert result.loss == pytest.approx(loss.item(), rel=1e-5)
    assert result.p_true == pytest.approx(float(torch.softmax(ref(x), 1)[0, 4].detach()), rel=1e-5)
    assert result.loss == pytest.approx(-torch.log(result.probs[4]).item(), rel=1e-5)  # loss = −log p(true)
    assert torch.allclose(result.kernel_grads, ref.blocks[0].conv.weight.grad, atol=1e-6, rtol=1e-4)
    assert torch.allclose(result.bias_grads, ref.blocks[0].conv.bias.grad, atol=1e-6, rtol=1e-4)
    assert result.names == layer_names(ref) and len(result.norms) == len(arch.out_channels) + len(arch.dense) + 1
    assert result.norms == pytest.approx(gradient_norms(ref), rel=1e-4)
    first = torch.cat([p.grad.flatten() for p in ref.blocks[0].parameters()]).norm()
    assert result.norms[0] == pytest.approx(float(first), rel=1e-4)
    # the written-out step: w ← w − lr·∂L/∂w, then the whole network's loss with that kernel changed
    w = ref.blocks[0].conv.weight.detach()[2]
    assert torch.allclose(result.before, w)
    assert torch.allclose(result.after, w - 0.5 * ref.blocks[0].conv.weight.grad[2], atol=1e-7)
    with torch.no_grad():
        ref.blocks[0].conv.weight[2] = result.after
        after = F.cross_entropy(ref(x), torch.tensor([4]))
    assert result.loss_after == pytest.approx(float(after), rel=1e-5)
    assert result.p_true_after == pytest.approx(float(torch.exp(-after)), rel=1e-5)


def test_a_small_step_against_the_gradient_lowers_the_loss():
    model = build_model(PRESETS["tutorial"], seed=0)
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    result = backprop(model, x, label=7, kernel=0, lr=1e-3)
    assert result.loss_after_all < result.loss and result.p_true_after_all > result.p_true
    assert result.loss_after <= result.loss + 1e-9


def test_grad_cam_equals_a_hand_made_autograd_computation():
    model = build_model(PRESETS["tutorial"], seed=1).eval()
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    h = x
    for block in model.blocks[:-1]:
        h = block(h)
    conv = model.blocks[-1].conv
    maps = torch.relu(F.conv2d(h, conv.weight, conv.bias, padding="same")).detach().requires_grad_(True)
    logits = model.classifier(F.max_pool2d(maps, 2))  # the last block's maps as a leaf: (1, C, 7, 7)
    assert torch.allclose(logits, model(x), atol=1e-5)
    target = int(logits.argmax())
    (g,) = torch.autograd.grad(logits[0, target], maps)
    cam = torch.relu((g[0].mean((1, 2))[:, None, None] * maps[0]).sum(0))
    heat = grad_cam(model, x)
    assert heat.target == target and heat.coarse.shape == (7, 7) and heat.map.shape == (28, 28)
    assert torch.allclose(heat.coarse, cam / cam.max(), atol=1e-5)
    assert heat.map.min() >= 0 and heat.map.max() == pytest.approx(1.0)
    other = grad_cam(model, x, target=(target + 1) % 10)
    assert other.target == (target + 1) % 10 and not torch.allclose(other.coarse, heat.coarse)


def test_gradient_times_input_equals_autograd():
    model = build_model(PRESETS["lenet"], seed=1).eval()
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    logits = model(x)
    (g,) = torch.autograd.grad(logits[0, 3], x)
    expected = (g * x).abs()[0, 0].detach()
    assert torch.allclose(grad_x_input(model, x, 3).map, expected / expected.max(), atol=1e-6)


def heat_halves(heat: torch.Tensor) -> tuple[float, float]:
    """Share of the heat in the left and in the right half of the map."""
    w = heat.shape[-1]
    total = float(heat.sum()) or 1.0
    return float(heat[..., : w // 2].sum()) / total, float(heat[..., w - w // 2:].sum()) / total


@pytest.mark.realdata
@pytest.mark.parametrize("method", [grad_cam, grad_x_input])
def test_a_digit_drawn_in_the_left_half_gets_its_heat_in_the_left_half(mnist, method):
    from cnn_core.nn.pretrained import load_pretrained

    model = load_pretrained().model
    for i in range(5):  # real test digits moved into the left half, nothing on the right
        digit = mnist.test_x[i].float() / 255  # (1, 28, 28)
        moved = torch.zeros_like(digit)
        moved[..., 1:15] = F.interpolate(digit[None], size=(28, 14), mode="bilinear")[0, :, :, :14]
        left, right = heat_halves(method(model, moved[None]).map)
        assert left > 0.75 and left > 3 * right, (i, left, right)
        mirrored = method(model, moved.flip(-1)[None]).map  # and on the right when drawn on the right
        assert heat_halves(mirrored)[1] > 0.75


@pytest.mark.realdata
def test_grad_cam_of_the_shipped_model_puts_its_heat_on_or_near_the_ink_of_real_digits(mnist):
    """A sanity check of the method itself (Adebayo et al. 2018's worry): on 200 real test digits, the share of
    the heat within 1 px of the ink beats the same heat with its pixels shuffled, on average and for most digits."""
    from cnn_core.nn.pretrained import load_pretrained

    model = load_pretrained().model
    x = mnist.test_x[:200].float() / 255  # (N, 1, 28, 28)
    heats = torch.stack([grad_cam(model, x[i:i + 1]).map for i in range(len(x))])  # (N, 28, 28)
    near_ink = F.max_pool2d((x > 0.2).float(), 3, 1, 1)[:, 0]  # the strokes and one pixel around them
    gen = torch.Generator().manual_seed(0)
    shuffled = torch.stack([h.flatten()[torch.randperm(h.numel(), generator=gen)].view_as(h) for h in heats])

    def share(h):
        return (h * near_ink).sum((1, 2)) / h.sum((1, 2)).clamp(min=1e-12)

    own, baseline = share(heats), share(shuffled)
    assert own.mean() > 1.2 * baseline.mean(), (own.mean(), baseline.mean())
    assert (own > baseline).float().mean() > 0.8


def test_training_reports_first_layer_snapshots_and_gradient_norms(tiny_data):
    arch = PRESETS["small"].replace(num_classes=2)
    model = build_model(arch, seed=0)
    history = History()
    cfg = TrainConfig(epochs=1, batch_size=32, val_size=64, probe_every_s=0.0, grad_norm_every=3,
                      device="cpu", precision="fp32")
    train(model, tiny_data, cfg, on_event=history, evaluate_test=False)
    probes = [e for e in history.probes if isinstance(e, ProbeEvent)]
    assert len(probes) >= 3 and probes[0].step == 0
    first, last = probes[0], probes[-1]
    assert first.kernels.shape == (8, 1, 3, 3) and first.maps.shape == (8, 28, 28)
    assert torch.equal(first.image, last.image)  # one fixed image, watched over time
    assert not torch.allclose(first.kernels, last.kernels)  # the kernels learned
    assert torch.allclose(last.kernels, model.blocks[0].conv.weight.detach())
    with torch.no_grad():  # the maps are the first block's real output for that image
        expected = torch.relu(model.eval().blocks[0].conv(last.image[None].float() / 255))[0]
    assert torch.allclose(last.maps, expected, atol=1e-5)
    grads = [e for e in history.grads if isinstance(e, GradEvent)]
    steps = len(history.steps)
    assert len(grads) == (steps + 2) // 3 and all(len(g.norms) == 4 for g in grads)
    assert all(n > 0 for g in grads for n in g.norms)


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_no_probes_when_switched_off(tiny_data):
    history = History()
    cfg = TrainConfig(epochs=1, batch_size=64, val_size=64, probe_every_s=None, grad_norm_every=0,
                      device="cpu", precision="fp32")
    train(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, cfg, on_event=history,
          evaluate_test=False)
    assert history.probes == [] and history.grads == []


def test_overfitting_is_flagged_only_when_the_gap_lasts():
    from cnn_core.train.trainer import EvalEvent, StepEvent, overfitting_gap

    def steps(upto, acc):
        return [StepEvent(s, s / 100, 0.1, acc, 1e-3, s, 100, s / 1000, 1) for s in range(upto - 9, upto + 1)]

    evals = [EvalEvent(10 * i, i, 0.3, 0.90) for i in range(1, 5)]
    close = [s for i in range(1, 5) for s in steps(10 * i, 0.92)]
    assert overfitting_gap(close, evals) is None  # 2 points apart: fine
    apart = [s for i in range(1, 5) for s in steps(10 * i, 0.99)]
    assert overfitting_gap(apart, evals) == pytest.approx(0.09)
    once = [s for i in range(1, 5) for s in steps(10 * i, 0.99 if i == 4 else 0.92)]
    assert overfitting_gap(once, evals) is None  # one point is noise, not a trend
    assert overfitting_gap(apart, evals[:2]) is None
    # The same gap while the validation loss still falls: the network still learns what generalises, no warning
    improving = [EvalEvent(10 * i, i, 0.5 - 0.05 * i, 0.90) for i in range(1, 5)]
    assert overfitting_gap(apart, improving) is None
    turned = improving[:2] + [EvalEvent(30, 3, 0.45, 0.90), EvalEvent(40, 4, 0.42, 0.90)]  # above the best (0.40)
    assert overfitting_gap(apart, turned) == pytest.approx(0.09)
    blown = turned[:3] + [EvalEvent(40, 4, float("nan"), 0.10)]  # a run that blew up is not an overfitted one
    assert overfitting_gap(apart, blown) is None
    nan_first = [EvalEvent(10, 1, float("nan"), 0.90)] + turned[1:]  # a NaN before does not hide the turn
    assert overfitting_gap(apart, nan_first) == pytest.approx(0.09)


def test_validation_ahead_of_training_is_recognised_from_the_steps_before_the_point():
    from cnn_core.base import texts
    from cnn_core.train.trainer import EvalEvent, StepEvent, validation_ahead

    def steps(upto, acc):
        return [StepEvent(s, s / 100, 0.1, acc, 1e-3, s, 100, s / 1000, 1) for s in range(upto - 9, upto + 1)]

    evals = [EvalEvent(10 * i, i, 0.3, 0.90) for i in range(1, 3)]
    assert validation_ahead(steps(10, 0.7) + steps(20, 0.85), evals)  # batches averaged while still learning
    assert not validation_ahead(steps(10, 0.7) + steps(20, 0.95), evals)
    assert not validation_ahead(steps(10, 0.7), [])
    for lang in texts.languages():  # the note under the curves names what it compares, as the chart names it
        table = texts.table(lang)
        assert table["curve.accuracy"].lower() in table["train.val_ahead"].split("?")[0].lower(), lang


def test_epoch_marks_fall_where_each_pass_ends():
    from cnn_core.train.trainer import StepEvent
    from ui.charts.figures import epoch_marks

    per_epoch = 469
    steps = [StepEvent(s, s / per_epoch, 0.1, 0.9, 1e-3, s, 100, 0, 0) for s in range(1, 3 * per_epoch + 5, 7)]
    assert epoch_marks(steps) == [(469, 1), (938, 2), (1407, 3)]
    assert epoch_marks([]) == []
    # A tiny dataset passes 437 times in a short run: every 50th pass is marked, never hundreds of lines.
    many = [StepEvent(s, s / 23, 0.1, 0.9, 1e-3, s, 100, 0, 0) for s in range(10, 10060, 10)]
    assert [e for _, e in epoch_marks(many)] == [50, 100, 150, 200, 250, 300, 350, 400]


def test_an_inspection_leaves_the_torch_thread_count_as_it_was():
    """one_thread() computes on one thread without changing the count of any other thread, in every path."""
    import threading

    from cnn_core.nn.inspection import one_thread, trace

    def count_in_a_fresh_thread() -> int:
        seen = []
        thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        thread.start()
        thread.join()
        return seen[0]

    before = torch.get_num_threads()
    if before == 1:
        torch.set_num_threads(2)  # one_thread() does nothing at one thread: test it where it has work to do
    try:
        start = torch.get_num_threads()
        model = build_model(PRESETS["tutorial"])
        trace(model, torch.rand(1, 1, 28, 28))
        assert torch.get_num_threads() == start
        with one_thread():
            assert torch.get_num_threads() == 1  # this thread computes alone...
            assert count_in_a_fresh_thread() == start  # ...and a thread starting meanwhile (a training) does not
        assert torch.get_num_threads() == start
        with pytest.raises(RuntimeError), one_thread():
            raise RuntimeError("an inspection that fails")
        assert torch.get_num_threads() == start
        assert count_in_a_fresh_thread() == start
    finally:
        torch.set_num_threads(before)
