"""Looking inside a network: feature maps, one convolution step by step, pooling, softmax.

Everything here is computed by hand from the tensors (the dot products, the
pool maxima, softmax), and the tests check the hand-computed values against
``torch.nn.functional``, so what the Inside page writes out is what the network
really does.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cnn_core.nn.model import PlaygroundCNN

# Kernels for the lab: classic image-processing filters a learned kernel often resembles.
LAB_KERNELS: dict[str, list[list[float]]] = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge_vertical": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "edge_horizontal": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}
# The lab's weights lie in [-LAB_WEIGHT_LIMIT, LAB_WEIGHT_LIMIT]: far past any kernel above, and small enough
# that a 3×3 sum over pixels in [0, 1] stays finite and its heatmap shows (1e39 is inf in float32).
LAB_WEIGHT_LIMIT = 100


@contextlib.contextmanager
def one_thread():
    """Compute one image on the calling thread's torch threads alone; leave every other thread's count as it was.

    One image is far too little work to split: on a busy 2-core server,
    torch's default of one thread per core made a single forward pass of the
    tutorial network take 130 ms instead of 5 (the threads wait for each other).

    Why the helper thread: ``torch.set_num_threads`` sets the calling thread's
    OpenMP count and also the process default that threads starting later
    (a training, the next script run) read on their first torch call. The
    default is put back at once from a short-lived helper thread, so only this
    thread computes on one; on its way out this thread gets its own count back
    in every path. (Where torch is built without OpenMP the count is simply
    process-wide: the helper then undoes the change for this thread as well,
    which costs speed, never correctness.)
    """
    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    _set_default_threads(before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _set_default_threads(n: int) -> None:
    """Set torch's process default thread count from a fresh thread, leaving the calling thread's own count."""
    helper = threading.Thread(target=torch.set_num_threads, args=(n,), name="torch-threads-default")
    helper.start()
    helper.join()


@dataclass
class BlockMaps:
    """One block's maps for one image, each (C, H, W)."""

    conv: torch.Tensor
    relu: torch.Tensor
    pool: torch.Tensor


@dataclass
class Trace:
    blocks: list[BlockMaps]
    flat: torch.Tensor  # (features,)
    dense: list[torch.Tensor]  # hidden dense activations after ReLU
    logits: torch.Tensor  # (classes,)
    probs: torch.Tensor  # (classes,)


@torch.no_grad()
@one_thread()
def trace(model: PlaygroundCNN, x: torch.Tensor) -> Trace:
    """Run one image ``(1, C, H, W)`` float in [0, 1] and keep every stage."""
    model.eval()
    x = x.to(next(model.parameters()).device).contiguous()
    blocks = []
    for block in model.blocks:
        s = block.stages(x)
        blocks.append(BlockMaps(s["conv"][0].cpu(), s["relu"][0].cpu(), s["pool"][0].cpu()))
        x = s["pool"]
    flat = x.flatten(1)
    dense = []
    h = flat
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    for linear in linears[:-1]:
        h = torch.relu(linear(h))
        dense.append(h[0].cpu())
    logits = linears[-1](h)[0].cpu()
    return Trace(blocks, flat[0].cpu(), dense, logits, softmax(logits))


def softmax(scores: torch.Tensor | list[float]) -> torch.Tensor:
    """exp(s_i − max) / Σ exp(s_j − max): the tutorial's formula, stable for big scores."""
    s = torch.as_tensor(scores, dtype=torch.float64)
    e = torch.exp(s - s.max())
    return (e / e.sum()).float()


def one_hot(label: int, num_classes: int) -> list[int]:
    return [1 if i == label else 0 for i in range(num_classes)]


@dataclass(frozen=True)
class ConvStep:
    row: int  # output position
    col: int
    patch: torch.Tensor  # (C, k, k) input values under the kernel (zeros where padding)
    kernel: torch.Tensor  # (C, k, k)
    products: torch.Tensor  # patch * kernel
    bias: float
    value: float  # sum(products) + bias


def _chw(t: torch.Tensor) -> torch.Tensor:
    return t if t.dim() == 3 else t.unsqueeze(0)


def conv_step(image: torch.Tensor, kernel: torch.Tensor, bias: float, row: int, col: int,
              padding: str = "same") -> ConvStep:
    """The dot product behind one output pixel: image (C, H, W) or (H, W), kernel (C, k, k) or (k, k)."""
    image, kernel = _chw(image), _chw(kernel)
    k = kernel.shape[-1]
    pad = k // 2 if padding == "same" else 0
    padded = F.pad(image.double(), (pad, pad, pad, pad))
    patch = padded[:, row:row + k, col:col + k]
    products = patch * kernel.double()
    return ConvStep(row, col, patch.float(), kernel.float(), products.float(), float(bias),
                    float(products.sum().item() + bias))


@dataclass(frozen=True)
class PoolStep:
    row: int
    col: int
    window: torch.Tensor  # (p, p)
    value: float
    argmax: tuple[int, int]  # position of the kept value inside the window


def pool_step(fmap: torch.Tensor, size: int, row: int, col: int, kind: str = "max") -> PoolStep:
    window = fmap[row * size:(row + 1) * size, col * size:(col + 1) * size]
    if kind == "avg":
        value = float(window.mean())
        where = (0, 0)
    else:
        flat_idx = int(window.argmax())
        where = divmod(flat_idx, window.shape[1])
        value = float(window.max())
    return PoolStep(row, col, window, value, where)


def apply_kernel(image: torch.Tensor, kernel: list[list[float]] | torch.Tensor) -> torch.Tensor:
    """The lab: one kernel over a (H, W) image with 'same' padding (before any ReLU)."""
    k = torch.as_tensor(kernel, dtype=torch.float32)
    out = F.conv2d(image.float().view(1, 1, *image.shape), k.view(1, 1, *k.shape), padding="same")
    return out[0, 0]


def tile_maps(maps: torch.Tensor, cols: int = 8, gap: int = 1, scale: int = 1):
    """(C, H, W) maps → one uint8 grayscale picture of them side by side, each scaled to 0..255."""
    import numpy as np

    c, h, w = maps.shape
    rows = (c + cols - 1) // cols
    lo = maps.flatten(1).min(1).values.view(c, 1, 1)
    hi = maps.flatten(1).max(1).values.view(c, 1, 1)
    norm = ((maps - lo) / (hi - lo).clamp(min=1e-8) * 255).to(torch.uint8).numpy()
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), 40, dtype=np.uint8)
    for i in range(c):
        r, col = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, col * (w + gap):col * (w + gap) + w] = norm[i]
    if scale > 1:
        out = out.repeat(scale, 0).repeat(scale, 1)
    return out


# ---------------------------------------------------------------- step-throughs for the animated views


def conv_output_shape(height: int, width: int, k: int, padding: str) -> tuple[int, int]:
    """(rows, cols) of a stride-1 conv's output: the positions the window visits."""
    return (height, width) if padding == "same" else (height - k + 1, width - k + 1)


def channel_sums(step: ConvStep) -> list[float]:
    """One partial sum per input channel: the output neuron adds these (and the bias)."""
    return step.products.double().sum((1, 2)).tolist()


def position_from_click(x: float, y: float, k: int, padding: str, out_h: int, out_w: int) -> tuple[int, int]:
    """Output (row, col) whose window is centred nearest to the clicked input pixel (x = column, y = row).

    With "same" padding the window of output (r, c) is centred on input pixel
    (r, c); with "valid" it is centred k // 2 further in. Clicks outside are clamped.
    """
    shift = 0 if padding == "same" else k // 2
    row = min(max(round(y) - shift, 0), out_h - 1)
    col = min(max(round(x) - shift, 0), out_w - 1)
    return row, col


# ---------------------------------------------------------------- backpropagation with the numbers


def layer_names(model: PlaygroundCNN) -> list[str]:
    """The layers that hold weights, named like the per-layer table: conv1…, dense1…, output."""
    n_dense = sum(isinstance(m, torch.nn.Linear) for m in model.classifier)
    names = [f"conv{i}" for i in range(1, len(model.blocks) + 1)]
    return names + [f"dense{i}" for i in range(1, n_dense)] + ["output"]


def _layer_modules(model: PlaygroundCNN) -> list[torch.nn.Module]:
    return [*model.blocks, *(m for m in model.classifier if isinstance(m, torch.nn.Linear))]


def gradient_norms(model: PlaygroundCNN) -> list[float]:
    """‖∂L/∂θ‖ for each layer of :func:`layer_names` (its weights, biases and BatchNorm together).

    Reads the ``.grad`` left by the last ``backward()``; a layer without one counts 0.
    """
    squares = []
    for module in _layer_modules(model):
        grads = [p.grad.detach().float().pow(2).sum() for p in module.parameters() if p.grad is not None]
        squares.append(torch.stack(grads).sum() if grads else torch.zeros(()))
    return torch.stack(squares).sqrt().cpu().tolist()


@dataclass(frozen=True)
class Backprop:
    """One image's forward and backward pass, and one gradient-descent step, all in numbers."""

    label: int  # the true class
    logits: torch.Tensor  # (classes,)
    probs: torch.Tensor  # (classes,) softmax of the logits
    loss: float  # −log p(true class), the cross-entropy with the one-hot target
    kernel_grads: torch.Tensor  # (out_channels, in_channels, k, k) ∂L/∂w of the first layer
    bias_grads: torch.Tensor  # (out_channels,) ∂L/∂b of the first layer
    norms: list[float]  # ‖∂L/∂θ‖ per layer, in the order of ``names``
    names: list[str]
    kernel: int  # which first-layer kernel the step below changes
    lr: float
    before: torch.Tensor  # (in_channels, k, k) that kernel's weights
    after: torch.Tensor  # before − lr · ∂L/∂w
    loss_after: float  # the whole network's loss with only that kernel changed
    p_true_after: float
    loss_after_all: float  # … and after one step of every weight with the same lr
    p_true_after_all: float

    @property
    def p_true(self) -> float:
        return float(self.probs[self.label])


def _loss_and_p(model: torch.nn.Module, x: torch.Tensor, label: int) -> tuple[float, float]:
    with torch.no_grad():
        logits = model(x)[0].double()
    logp = torch.log_softmax(logits, 0)[label]
    return float(-logp), float(logp.exp())


@one_thread()
def backprop(model: PlaygroundCNN, x: torch.Tensor, label: int, kernel: int = 0, lr: float = 0.1) -> Backprop:
    """Forward ``x`` (1, C, H, W), loss −log p(label), backward; then one SGD step on a copy.

    The user's model is not changed: gradients are taken on a copy and the
    steps are applied to copies. The network runs in evaluation mode
    (BatchNorm with its running statistics), as on the rest of the Inside page.
    """
    net = copy.deepcopy(model).cpu().float().eval()
    x = x.detach().cpu().float()
    net.zero_grad(set_to_none=True)
    logits = net(x)[0]  # (classes,)
    logp = torch.log_softmax(logits.double(), 0)
    loss = -logp[label]
    loss.backward()
    conv = net.blocks[0].conv
    kernel_grads = conv.weight.grad.detach().clone()
    bias_grads = conv.bias.grad.detach().clone()
    norms = gradient_norms(net)
    before = conv.weight.detach()[kernel].clone()
    after = before - lr * kernel_grads[kernel]

    one = copy.deepcopy(net)
    with torch.no_grad():
        one.blocks[0].conv.weight[kernel] = after
    loss_one, p_one = _loss_and_p(one, x, label)
    with torch.no_grad():  # every weight, the same plain step (no momentum, no Adam)
        for p in net.parameters():
            if p.grad is not None:
                p -= lr * p.grad
    loss_all, p_all = _loss_and_p(net, x, label)
    return Backprop(label, logits.detach(), torch.softmax(logits.detach().double(), 0).float(), loss.item(),
                    kernel_grads, bias_grads, norms, layer_names(model), kernel, lr, before, after,
                    loss_one, p_one, loss_all, p_all)


def inkiest_window(image: torch.Tensor, size: int) -> tuple[int, int]:
    """(top, left) of the ``size``×``size`` window of ``image`` (C, H, W) holding the most ink: an example
    written out from there shows values, not a patch of background zeros."""
    z = image.float().sum(0)[None, None]  # (1, 1, H, W)
    size = min(size, z.shape[-2], z.shape[-1])
    sums = F.avg_pool2d(z, size, stride=1)[0, 0]
    return divmod(int(sums.argmax()), sums.shape[1])


def steepest_in_kernel(grads: torch.Tensor) -> tuple[int, int, int]:
    """(channel, row, col) of the largest |∂L/∂w| in a kernel's (C, k, k) gradient: over all its input channels
    (a colour kernel has a k × k grid of weights for red, green and blue each)."""
    flat = int(grads.abs().flatten().argmax())
    channel, rest = divmod(flat, grads.shape[-1] * grads.shape[-2])
    return (channel, *divmod(rest, grads.shape[-1]))


# ---------------------------------------------------------------- where the network looked


@dataclass(frozen=True)
class Heat:
    """A heatmap over the input: 0 = ignored, 1 = what mattered most for ``target``."""

    map: torch.Tensor  # (H, W) in [0, 1], the input's size
    coarse: torch.Tensor  # the map before upsampling (Grad-CAM: the last block's H×W)
    target: int
    method: str  # "gradcam" or "grad_x_input"


def _forward_keeping(model: PlaygroundCNN, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (classes,) and the last block's maps after ReLU, before pooling, (1, C, h, w), in the graph."""
    h = x
    for block in model.blocks[:-1]:
        h = block(h)
    last = model.blocks[-1]
    maps = torch.relu(last.norm(last.conv(h)))
    return model.classifier(last.pool(maps))[0], maps


@one_thread()
def grad_cam(model: PlaygroundCNN, x: torch.Tensor, target: int | None = None) -> Heat:
    """Grad-CAM (Selvaraju et al. 2017) on the last conv block for class ``target`` (default: predicted).

    Each of the last block's maps A_k is weighted by α_k, the mean over its
    positions of ∂score/∂A_k; the heat is ReLU(Σ_k α_k A_k), upsampled to the
    input and scaled to [0, 1].
    """
    model.eval()
    x = x.detach().to(next(model.parameters()).device).float()
    with torch.enable_grad():
        logits, maps = _forward_keeping(model, x)
        target = int(logits.argmax()) if target is None else target
        (grads,) = torch.autograd.grad(logits[target], maps)
    alpha = grads[0].mean((1, 2))  # (C,)
    cam = torch.relu((alpha[:, None, None] * maps[0].detach()).sum(0)).cpu()  # (h, w)
    up = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
    return Heat(_unit(up), _unit(cam), target, "gradcam")


@one_thread()
def grad_x_input(model: PlaygroundCNN, x: torch.Tensor, target: int | None = None) -> Heat:
    """|x · ∂score/∂x| summed over channels: the pixels whose ink moved the score most."""
    model.eval()
    x = x.detach().to(next(model.parameters()).device).float().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)[0]
        target = int(logits.argmax()) if target is None else target
        (grads,) = torch.autograd.grad(logits[target], x)
    heat = (grads * x.detach()).abs()[0].sum(0).cpu()
    return Heat(_unit(heat), _unit(heat), target, "grad_x_input")


def _unit(t: torch.Tensor) -> torch.Tensor:
    t = t.clamp(min=0)
    top = float(t.max())
    return t / top if top > 0 else t


def heat_halves(heat: torch.Tensor) -> tuple[float, float]:
    """Share of the heat in the left and in the right half of the map."""
    w = heat.shape[-1]
    total = float(heat.sum()) or 1.0
    return float(heat[..., : w // 2].sum()) / total, float(heat[..., w - w // 2:].sum()) / total


# ---------------------------------------------------------------- what a kernel looks for


def kernel_activation(model: PlaygroundCNN, x: torch.Tensor, block: int, kernel: int) -> torch.Tensor:
    """How strongly kernel ``kernel`` of block ``block`` (from 1) answers each image: (N,).

    The mean over positions of that kernel's map after the conv (and BatchNorm),
    before ReLU, so that a kernel that is silent everywhere still has a gradient
    to climb. The ascent below and the ranking of test images use this one measure.
    """
    h = x
    for earlier in model.blocks[:block - 1]:
        h = earlier(h)
    last = model.blocks[block - 1]
    return last.norm(last.conv(h))[:, kernel].mean((1, 2))


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, round(2 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-t * t / (2 * sigma * sigma))
    g = g / g.sum()
    return g[:, None] * g[None, :]  # (k, k), sums to 1


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Each channel of (N, C, H, W) blurred by a Gaussian of ``sigma`` pixels (zeros beyond the border)."""
    if sigma <= 0:
        return x
    g = _gaussian_kernel(sigma).to(x)
    c = x.shape[1]
    return F.conv2d(x, g.expand(c, 1, *g.shape), padding=g.shape[-1] // 2, groups=c)


@dataclass(frozen=True)
class KernelPattern:
    """The input that excites one kernel most, found by gradient ascent, and how the ascent went."""

    block: int
    kernel: int
    image: torch.Tensor  # (C, H, W) in [0, 1]
    objective: list[float]  # activation − l2 · mean((x − ½)²) after each accepted step, never decreasing
    activation: list[float]  # the kernel's activation alone at the same steps


def _pattern_image(p: torch.Tensor, sigma: float) -> torch.Tensor:
    # Blurring the free parameters keeps the image smooth (no pixel-level noise that only this kernel loves);
    # the sigmoid keeps it a valid image in (0, 1) without clipping, so the ascent stays smooth.
    return torch.sigmoid(blur(p, sigma))


def kernel_objective(model: PlaygroundCNN, p: torch.Tensor, block: int, kernel: int,
                     l2: float, sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(objective, activation) of the parameters ``p`` (1, C, H, W): what :func:`excite_kernel` climbs."""
    x = _pattern_image(p, sigma)
    act = kernel_activation(model, x, block, kernel)[0]
    return act - l2 * (x - 0.5).pow(2).mean(), act


def kernel_gradient(model: PlaygroundCNN, p: torch.Tensor, block: int, kernel: int,
                    l2: float, sigma: float) -> tuple[float, float, torch.Tensor]:
    """(objective, activation, ∂objective/∂p) at ``p``; the model's own weights get no gradient."""
    p = p.detach().requires_grad_(True)
    with torch.enable_grad():
        objective, act = kernel_objective(model, p, block, kernel, l2, sigma)
        (grad,) = torch.autograd.grad(objective, p)
    return float(objective.detach()), float(act.detach()), grad


@torch.no_grad()
def _value(model, p, block, kernel, l2, sigma) -> tuple[float, float]:
    objective, act = kernel_objective(model, p, block, kernel, l2, sigma)
    return float(objective), float(act)


@one_thread()
def excite_kernel(model: PlaygroundCNN, block: int, kernel: int, steps: int = 60, lr: float = 1.0,
                  l2: float = 0.5, sigma: float = 1.0, seed: int = 0) -> KernelPattern:
    """Gradient ascent on the input, from faint noise, towards what kernel ``kernel`` of block ``block`` answers most.

    Each step follows the gradient (scaled to a mean size of 1) and is taken
    only if the objective does not fall; otherwise the step is halved and tried
    again, so the recorded objective never decreases. ``l2`` pulls the image
    towards mid-gray and the blur of ``sigma`` pixels keeps it smooth: without
    them the ascent finds high-frequency noise (Olah et al., "Feature
    Visualization", 2017). The model is not changed and runs in evaluation mode.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    a = model.arch
    gen = torch.Generator().manual_seed(seed)
    p = (0.1 * torch.randn(1, a.in_channels, a.in_height, a.in_width, generator=gen)).to(device)
    objective, act = _value(model, p, block, kernel, l2, sigma)
    objectives, activations = [objective], [act]
    step_size = lr
    for _ in range(steps):
        objective, act, grad = kernel_gradient(model, p, block, kernel, l2, sigma)
        direction = grad / grad.abs().mean().clamp(min=1e-12)
        while step_size > 1e-4:
            candidate = p + step_size * direction
            new_objective, new_act = _value(model, candidate, block, kernel, l2, sigma)
            if new_objective >= objective:
                p, objective, act = candidate, new_objective, new_act
                step_size *= 1.5  # a step that worked: try a longer one next
                break
            step_size /= 2
        objectives.append(objective)
        activations.append(act)
    model.train(was_training)
    image = _pattern_image(p, sigma)[0].detach().cpu()
    return KernelPattern(block, kernel, image, objectives, activations)


@torch.no_grad()
@one_thread()
def top_exciting(model: PlaygroundCNN, images: torch.Tensor, block: int, kernel: int, count: int = 8,
                 batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(indices, activations) of the ``count`` uint8 ``images`` (N, C, H, W) the kernel answers most, strongest first."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    scores = torch.cat([
        kernel_activation(model, images[i:i + batch_size].to(device).float().div(255), block, kernel).cpu()
        for i in range(0, len(images), batch_size)
    ])
    model.train(was_training)
    top = torch.topk(scores, min(count, len(scores)))
    return top.indices, top.values
