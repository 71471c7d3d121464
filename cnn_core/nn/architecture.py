"""The architecture of a playground CNN, and the arithmetic of its layers.

One frozen :class:`Architecture` describes a network; the sliders produce it and
the model builder, the per-layer table, the diagram and the exercises consume
it. :func:`layer_table` derives every layer's shape, neurons, parameters,
multiply-accumulates and receptive field from it with small pure functions, so
no size (the flatten size included) is ever typed by hand.

This module does not build torch modules (see ``model.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cnn_core.base.errors import ArchitectureError

PADDINGS = ("same", "valid")
POOLS = ("max", "avg", "none")
KERNEL_SIZES = (1, 3, 5, 7)
FILTER_CHOICES = (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)  # the sliders' steps
UNIT_CHOICES = (8, 16, 32, 64, 84, 100, 120, 128, 256, 512, 1024)

# Slider ranges: the UI, the CLI and the URL parser all validate against these.
LIMITS = {
    "blocks": (0, 6),  # 0: a dense network (flatten → dense layers → softmax), the comparison the tutorial argues from
    "out_channels": (1, 256),
    "kernel_size": (1, 7),
    "pool_size": (2, 4),
    "pool_every": (1, 2),
    "dense_layers": (0, 2),
    "dense_units": (1, 1024),
    "num_classes": (2, 100),
    "in_height": (4, 256),
    "in_width": (4, 256),
    "in_channels": (1, 4),
}


@dataclass(frozen=True)
class Architecture:
    """A stack of conv blocks (conv → ReLU → pool) then dense layers and softmax.

    With ``pool_every`` 2, only blocks 1, 3, 5, … pool: the block after each pooling convolves the pooled maps
    once more before the next pooling, so the network gets deeper without shrinking its maps faster (airbench's
    CIFAR-10 networks have this shape: two convolutions, one pooling, per group).

    With no conv blocks (``out_channels=()``) it is a dense network: the image
    flattened straight into the dense layers.
    """

    in_height: int = 28  # input image height in pixels
    in_width: int = 28  # input image width in pixels
    in_channels: int = 1  # 1 = grayscale, 3 = colour (RGB)
    out_channels: tuple[int, ...] = (32, 64, 128)  # filters of each conv block
    kernel_size: int = 3  # every conv's kernel is kernel_size × kernel_size
    padding: str = "same"  # "same" keeps H×W, "valid" shrinks it by kernel_size - 1
    pool: str = "max"  # pooling after each conv (each pool_every-th block): "max", "avg" or "none"
    pool_size: int = 2  # pool window and stride: 2 halves height and width
    dense: tuple[int, ...] = (100,)  # hidden dense layers' units, before the output
    num_classes: int = 10  # softmax outputs
    batch_norm: bool = False  # BatchNorm after each conv (faster, steadier training)
    pool_every: int = 1  # blocks per pooling: 1 pools after every block, 2 after blocks 1, 3, 5, … (see pools_after)

    def pools_after(self, block: int) -> bool:
        """Whether block ``block`` (1, 2, …) ends with a pooling layer."""
        return self.pool != "none" and (block - 1) % self.pool_every == 0

    @property
    def input_neurons(self) -> int:
        return self.in_height * self.in_width * self.in_channels

    def replace(self, **changes) -> Architecture:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["out_channels"] = list(self.out_channels)
        d["dense"] = list(self.dense)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Architecture:
        """Build from a dict (JSON, a checkpoint, URL parameters); unknown keys are ignored."""
        if not isinstance(d, dict):
            raise ArchitectureError("err.bad_architecture", value=_shown(d))
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in names}
        for key in ("out_channels", "dense"):
            if key in kwargs:
                values = kwargs[key]
                if not isinstance(values, (list, tuple)) or not all(_is_int(v) for v in values):
                    raise ArchitectureError("err.bad_int_list", field=key, value=_shown(values))
                kwargs[key] = tuple(values)
        arch = cls(**kwargs)
        check_fields(arch)
        return arch


PRESETS: dict[str, Architecture] = {
    # The Spanish tutorial's network, number for number.
    "tutorial": Architecture(),
    # LeNet-5's shape on 28×28 digits: two 5×5 valid convs with average pooling.
    "lenet": Architecture(
        out_channels=(6, 16), kernel_size=5, padding="valid", pool="avg", dense=(120, 84)
    ),
    # No convolution at all: every pixel wired to every hidden neuron (the network the tutorial argues against).
    "dense": Architecture(out_channels=(), dense=(100,)),
    # Trains in seconds: few filters, one small dense layer.
    "small": Architecture(out_channels=(8, 16), dense=(32,)),
    # The tutorial's network with half its filters: 99 % on MNIST after one epoch, about a quarter of the
    # tutorial network's work per image (README, Benchmarks: `bench --preset fast --epochs 1`).
    "fast": Architecture(out_channels=(16, 32, 64), dense=(100,)),
    # For 32×32 colour images; BatchNorm lets it learn quickly.
    "cifar": Architecture(
        in_height=32, in_width=32, in_channels=3, out_channels=(32, 64, 128),
        dense=(256,), batch_norm=True,
    ),
    # Longer CIFAR runs: six blocks, pooling after blocks 1, 3 and 5 (two convolutions per pooling, airbench's
    # shape), no hidden dense layer. 300 s of training give it about two points more than "cifar" (README, Benchmarks:
    # `bench --cifar10 --preset cifar_deep`); in 30 s it sees too few images.
    "cifar_deep": Architecture(
        in_height=32, in_width=32, in_channels=3, out_channels=(48, 48, 192, 192, 192, 192),
        dense=(), batch_norm=True, pool_every=2,
    ),
    # A dense network with many more parameters than the small CNN, to see what accuracy it buys them back.
    "dense_wide": Architecture(out_channels=(), dense=(512, 512)),
}


@dataclass(frozen=True)
class Layer:
    """One row of the per-layer table."""

    name: str  # "input", "conv1", "pool1", "flatten", "dense1", "output"
    kind: str  # "input", "conv", "pool", "flatten", "dense", "output"
    output_shape: tuple[int, ...]  # (H, W, C) for maps, (N,) after flatten
    neurons: int  # activations this layer outputs
    params: int  # weights + biases (+ BatchNorm scale and shift)
    weights: int  # weights alone (no biases)
    formula: str  # how params were counted, e.g. "3×3×1×32 + 32 = 320"
    macs: int  # multiply-accumulates for one image's forward pass
    receptive_field: int  # input pixels (per side) one output neuron sees

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "output_shape": list(self.output_shape),
            "neurons": self.neurons,
            "params": self.params,
            "weights": self.weights,
            "formula": self.formula,
            "macs": self.macs,
            "receptive_field": self.receptive_field,
        }


def conv_output_size(size: int, kernel_size: int, padding: str) -> int:
    """Side of a stride-1 conv's output map."""
    return size if padding == "same" else size - kernel_size + 1


def pool_output_size(size: int, pool_size: int) -> int:
    """Side after pooling with window = stride = pool_size (the remainder is dropped)."""
    return size // pool_size


def conv_params(kernel_size: int, in_channels: int, out_channels: int, batch_norm: bool = False) -> int:
    bn = 2 * out_channels if batch_norm else 0
    return kernel_size * kernel_size * in_channels * out_channels + out_channels + bn


def dense_params(in_features: int, out_features: int) -> int:
    return in_features * out_features + out_features


def _fmt(n: int) -> str:
    return f"{n:,}"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value) -> str:
    """A bad value as a short text for a message, whatever its type or size."""
    try:
        text = repr(value) if not isinstance(value, str) else value
    except (ValueError, RecursionError):  # an int too long to write out, a nest too deep
        text = type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


def _check_range(field_name: str, value: int) -> None:
    low, high = LIMITS[field_name]
    if not _is_int(value) or not low <= value <= high:
        raise ArchitectureError("err.out_of_range", field=field_name, low=low, high=high, value=_shown(value))


def _check_choice(field_name: str, value, choices) -> None:
    if not isinstance(value, (str, bool)) or value not in choices:
        raise ArchitectureError(
            "err.bad_choice", field=field_name, choices=", ".join(map(str, choices)), value=_shown(value)
        )


def check_fields(arch: Architecture) -> None:
    """Check each field against the slider ranges (not yet whether the maps fit)."""
    for name in ("in_height", "in_width", "in_channels", "kernel_size", "pool_size", "pool_every", "num_classes"):
        _check_range(name, getattr(arch, name))
    _check_choice("padding", arch.padding, PADDINGS)
    _check_choice("pool", arch.pool, POOLS)
    _check_choice("batch_norm", arch.batch_norm, (True, False))
    _check_range("blocks", len(arch.out_channels))
    for c in arch.out_channels:
        _check_range("out_channels", c)
    _check_range("dense_layers", len(arch.dense))
    for units in arch.dense:
        _check_range("dense_units", units)
    if arch.padding == "same" and arch.kernel_size % 2 == 0:
        raise ArchitectureError("err.even_kernel_same", kernel=arch.kernel_size)


def layer_table(arch: Architecture) -> list[Layer]:
    """Every layer's shape and counts, or :class:`ArchitectureError` naming the block that breaks."""
    check_fields(arch)
    return list(_layers(arch))


def layers_until_error(arch: Architecture) -> tuple[list[Layer], ArchitectureError | None]:
    """The layers that work out, up to the block that breaks, and the reason it breaks (None if none does).

    For the Architecture page, which shows the table and diagram up to the
    failing block instead of nothing. A field out of range breaks before any layer.
    """
    layers: list[Layer] = []
    try:
        check_fields(arch)
        for layer in _layers(arch):
            layers.append(layer)
    except ArchitectureError as err:
        return layers, err
    return layers, None


def _layers(arch: Architecture):
    """Yield each layer in order; raise :class:`ArchitectureError` at the first block that does not fit."""
    h, w, c = arch.in_height, arch.in_width, arch.in_channels
    # Receptive field r (pixels per side) and jump j (input pixels between neighbours). What a neuron sees of the
    # image is at most all of it: a deeper layer's field reaches past the edges (padding) but sees no more pixels,
    # so every layer's is given capped at the image's side, as a dense layer's is (the whole image). Uncapped,
    # a 3×3 pooling showed 53×53 on a 28×28 digit and the dense layer after it 28×28, as if it saw less.
    r, j = 1, 1
    everything = max(arch.in_height, arch.in_width)
    yield Layer("input", "input", (h, w, c), h * w * c, 0, 0, "", 0, r)
    k = arch.kernel_size
    for i, out in enumerate(arch.out_channels, start=1):
        if arch.padding == "valid" and min(h, w) < k:
            raise ArchitectureError("err.kernel_too_big", block=i, size=min(h, w), kernel=k)
        h, w = conv_output_size(h, k, arch.padding), conv_output_size(w, k, arch.padding)
        weights = k * k * c * out
        params = conv_params(k, c, out, arch.batch_norm)
        formula = f"{k}×{k}×{c}×{out} + {out}"
        if arch.batch_norm:
            formula += f" + 2×{out}"
        r += (k - 1) * j
        yield Layer(
            f"conv{i}", "conv", (h, w, out), h * w * out, params, weights,
            f"{formula} = {_fmt(params)}", h * w * out * k * k * c, min(r, everything),
        )
        c = out
        if arch.pools_after(i):
            p = arch.pool_size
            if min(h, w) < p:
                raise ArchitectureError("err.pool_too_big", block=i, size=min(h, w), pool=p)
            h, w = pool_output_size(h, p), pool_output_size(w, p)
            r += (p - 1) * j
            j *= p
            yield Layer(f"pool{i}", "pool", (h, w, c), h * w * c, 0, 0, "", 0, min(r, everything))
    features = h * w * c
    yield Layer("flatten", "flatten", (features,), features, 0, 0, "", 0, min(r, everything))
    n_in = features  # a dense neuron sees the whole image
    widths = list(arch.dense) + [arch.num_classes]
    for i, n_out in enumerate(widths, start=1):
        is_output = i == len(widths)
        params = dense_params(n_in, n_out)
        yield Layer(
            "output" if is_output else f"dense{i}", "output" if is_output else "dense",
            (n_out,), n_out, params, n_in * n_out,
            f"{_fmt(n_in)}×{_fmt(n_out)} + {_fmt(n_out)} = {_fmt(params)}", n_in * n_out, everything,
        )
        n_in = n_out


@dataclass(frozen=True)
class Totals:
    params: int
    neurons: int  # activations of every layer after the input, flatten not counted again (see totals)
    macs: int


def totals(layers: list[Layer]) -> Totals:
    return Totals(
        params=sum(layer.params for layer in layers),
        # Flatten only lays the last map out as a vector: the same neurons, not new ones.
        neurons=sum(layer.neurons for layer in layers if layer.kind not in ("input", "flatten")),
        macs=sum(layer.macs for layer in layers),
    )


@dataclass(frozen=True)
class FullyConnectedComparison:
    """The tutorial's argument: shared 3×3 kernels against a dense layer of the same size."""

    input_neurons: int
    conv_neurons: int  # first conv's output neurons
    pooled_neurons: int  # after the first pool (equals conv_neurons without pooling)
    conv_weights: int  # first conv's kernel weights, no biases (the tutorial's 288)
    conv_params: int  # with biases
    dense_to_conv_weights: int  # input fully connected to conv_neurons
    dense_to_pooled_weights: int  # input fully connected to pooled_neurons (the tutorial's 4.9 M)

    @property
    def ratio(self) -> float:
        return self.dense_to_pooled_weights / max(self.conv_weights, 1)


def fully_connected_comparison(arch: Architecture) -> FullyConnectedComparison:
    layers = layer_table(arch)
    conv = layers[1]
    after = layers[2] if layers[2].kind == "pool" else conv
    n_in = layers[0].neurons
    return FullyConnectedComparison(
        input_neurons=n_in,
        conv_neurons=conv.neurons,
        pooled_neurons=after.neurons,
        conv_weights=conv.weights,
        conv_params=conv.weights + conv.output_shape[-1],  # the kernels and one bias each (BatchNorm's are apart)
        dense_to_conv_weights=n_in * conv.neurons,
        dense_to_pooled_weights=n_in * after.neurons,
    )


# Inputs the Architecture page prices beside the user's: the tutorial's colour example, the cats-and-dogs
# (CIFAR-10) images, and a phone photo at the size classic ImageNet networks take.
PRICED_INPUTS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("tutorial_colour", (28, 28, 3)),
    ("cats_dogs", (32, 32, 3)),
    ("photo", (224, 224, 3)),
)


@dataclass(frozen=True)
class InputCost:
    """What an input of (H, W, C) costs a dense network: its neurons and a first dense layer's parameters."""

    shape: tuple[int, int, int]  # (H, W, C)
    neurons: int  # H × W × C input neurons
    dense_units: int  # the first dense layer's width
    dense_params: int  # every input wired to every unit, plus biases


def input_cost(shape: tuple[int, int, int], dense_units: int) -> InputCost:
    """The tutorial's arithmetic for one input shape: H×W×C neurons, each wired to ``dense_units`` neurons."""
    h, w, c = shape
    neurons = h * w * c
    return InputCost(shape, neurons, dense_units, dense_params(neurons, dense_units))


def first_dense_units(arch: Architecture) -> int:
    """Width of the layer the flattened maps feed: the first hidden dense layer, or the output."""
    return arch.dense[0] if arch.dense else arch.num_classes


def similar_params_dense(arch: Architecture, units: tuple[int, ...] = UNIT_CHOICES) -> Architecture:
    """The dense network (one hidden layer, its width a slider step) whose parameter count is nearest ``arch``'s.

    Same input and classes as ``arch``: the fair partner of a CNN in the tutorial's comparison.
    """
    target = totals(layer_table(arch)).params
    dense = [arch.replace(out_channels=(), dense=(u,), batch_norm=False) for u in units]
    return min(dense, key=lambda a: abs(totals(layer_table(a)).params - target))


def training_memory_mb(arch: Architecture, batch_size: int) -> float:
    """Rough memory to train: activations kept for backward plus weights, grads and Adam state.

    Counts float32 activations of every layer twice (conv output and ReLU/pool
    output are both kept) and the parameters four times (weight, grad, two Adam
    moments). It errs high, which is the safe side for a refusal.
    """
    layers = layer_table(arch)
    t = totals(layers)
    activations = 2 * t.neurons * batch_size * 4
    return (activations + 4 * t.params * 4) / 2**20


def model_memory_mb(arch: Architecture) -> float:
    """Rough memory to hold a loaded model and look inside it, from the architecture alone.

    The float32 weights three times (the module, the state read from the file,
    the zip of a download) and every activation of one image twice (the Inside
    page keeps each stage). Checked before anything is built.
    """
    t = totals(layer_table(arch))
    return (3 * t.params * 4 + 2 * t.neurons * 4) / 2**20


def parse_shape(text: str) -> tuple[int, int, int]:
    """'28x28x1' → (28, 28, 1) (height, width, channels)."""
    try:
        parts = [int(p) for p in text.lower().replace("×", "x").split("x")]
    except ValueError:
        parts = []
    if len(parts) != 3:
        raise ArchitectureError("err.bad_input_shape", value=text)
    return parts[0], parts[1], parts[2]


def parse_int_list(field_name: str, text: str) -> tuple[int, ...]:
    """'32,64,128' → (32, 64, 128); '' → ()."""
    text = text.strip()
    if not text:
        return ()
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ArchitectureError("err.bad_int_list", field=field_name, value=text) from None


def adapt_to_data(arch: Architecture, height: int, width: int, channels: int, num_classes: int) -> Architecture:
    """The same network with its input and output set to a dataset's."""
    return arch.replace(in_height=height, in_width=width, in_channels=channels, num_classes=num_classes)


# ---------------------------------------------------------------- overrides by short name

# The settings a link or a command line may change, by short name: ?f=32,64 in a shared link is
# --filters 32,64 on the command line (cli.py maps its flags onto these names).
OVERRIDE_KEYS = ("in", "f", "k", "pad", "pool", "ps", "pe", "dense", "cls", "bn")
_SINGLE_INTS = {"k": "kernel_size", "ps": "pool_size", "pe": "pool_every", "cls": "num_classes"}


def apply_overrides(base: Architecture, overrides: dict[str, str]) -> Architecture:
    """``base`` with each short-named setting in ``overrides`` (text, as in a URL) applied, and checked.

    Raises :class:`ArchitectureError` for a value it cannot read or a network
    that does not fit (the block at fault named), so every caller fails alike.
    """
    changes: dict = {}
    if "in" in overrides:
        changes["in_height"], changes["in_width"], changes["in_channels"] = parse_shape(overrides["in"])
    if "f" in overrides:
        changes["out_channels"] = parse_int_list("filters", overrides["f"])
    if "dense" in overrides:
        changes["dense"] = parse_int_list("dense", overrides["dense"])
    for key, name in _SINGLE_INTS.items():
        if key in overrides:
            values = parse_int_list(name, overrides[key])
            changes[name] = values[0] if values else None
    if "pad" in overrides:
        changes["padding"] = overrides["pad"]
    if "pool" in overrides:
        changes["pool"] = overrides["pool"]
    if "bn" in overrides:
        if overrides["bn"] not in ("0", "1"):
            raise ArchitectureError("err.bad_choice", field="batch_norm", choices="0, 1", value=overrides["bn"][:40])
        changes["batch_norm"] = overrides["bn"] == "1"
    arch = Architecture.from_dict({**base.to_dict(), **changes})
    layer_table(arch)
    return arch


def to_overrides(arch: Architecture) -> dict[str, str]:
    """Every setting of ``arch`` by short name: what :func:`apply_overrides` reads back to ``arch``."""
    return {
        "in": f"{arch.in_height}x{arch.in_width}x{arch.in_channels}",
        "f": ",".join(map(str, arch.out_channels)),
        "k": str(arch.kernel_size),
        "pad": arch.padding,
        "pool": arch.pool,
        "ps": str(arch.pool_size),
        "pe": str(arch.pool_every),
        "dense": ",".join(map(str, arch.dense)),
        "cls": str(arch.num_classes),
        "bn": "1" if arch.batch_norm else "0",
    }


def nearest_choice(value: int, choices: tuple[int, ...]) -> int:
    return min(choices, key=lambda c: abs(c - value))


def snap_to_choices(arch: Architecture) -> tuple[Architecture, list[str]]:
    """The nearest architecture the sliders can show, and the URL keys of the values that had to change.

    A link can ask for values between the widgets' choices (33 filters, a 2×2
    kernel, 99 units); the page says so instead of silently showing another.
    """
    snapped = arch.replace(
        kernel_size=nearest_choice(arch.kernel_size, KERNEL_SIZES),
        out_channels=tuple(nearest_choice(c, FILTER_CHOICES) for c in arch.out_channels),
        dense=tuple(nearest_choice(u, UNIT_CHOICES) for u in arch.dense),
    )
    changed = [key for key, field in (("k", "kernel_size"), ("f", "out_channels"), ("dense", "dense"))
               if getattr(snapped, field) != getattr(arch, field)]
    return snapped, changed
