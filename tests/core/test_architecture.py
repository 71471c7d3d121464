"""Layer arithmetic: the tutorial's and Keras's published numbers, and the real module agreeing."""

import itertools
import json
import random
import subprocess
import sys

import pytest
import torch
from conftest import REPO, TORCH_COMPILER
from torch.utils.flop_counter import FlopCounterMode

from cnn_core.base.errors import ArchitectureError
from cnn_core.nn.architecture import (
    KERNEL_SIZES,
    LIMITS,
    PADDINGS,
    POOLS,
    PRESETS,
    Architecture,
    apply_overrides,
    fully_connected_comparison,
    layer_table,
    to_overrides,
    totals,
)
from cnn_core.nn.inspection import one_thread
from cnn_core.nn.model import build_model


def cli(*args):
    return subprocess.run([sys.executable, "-m", "cnn_core", *args], cwd=REPO, capture_output=True, text=True)


def test_tutorial_preset_reproduces_the_tutorial_exactly():
    out = cli("summary", "--json")
    assert out.returncode == 0, out.stderr
    layers = {layer["name"]: layer for layer in json.loads(out.stdout)["layers"]}
    expected = {
        "input": ([28, 28, 1], 784), "conv1": ([28, 28, 32], 25_088), "pool1": ([14, 14, 32], 6_272),
        "conv2": ([14, 14, 64], 12_544), "pool2": ([7, 7, 64], 3_136), "conv3": ([7, 7, 128], 6_272),
        "pool3": ([3, 3, 128], 1_152), "flatten": ([1152], 1_152), "dense1": ([100], 100), "output": ([10], 10),
    }
    assert list(layers) == list(expected)
    for name, (shape, neurons) in expected.items():
        assert layers[name]["output_shape"] == shape, name
        assert layers[name]["neurons"] == neurons, name
    assert layers["conv1"]["params"] == 320
    assert layers["conv1"]["formula"] == "3×3×1×32 + 32 = 320"


def test_keras_mnist_convnet_table_is_reproduced():
    out = cli("summary", "--filters", "32,64", "--padding", "valid", "--kernel", "3", "--pool", "max",
              "--pool-size", "2", "--dense", "", "--classes", "10", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows = [(layer["name"], layer["output_shape"], layer["params"]) for layer in data["layers"]]
    assert rows == [
        ("input", [28, 28, 1], 0), ("conv1", [26, 26, 32], 320), ("pool1", [13, 13, 32], 0),
        ("conv2", [11, 11, 64], 18_496), ("pool2", [5, 5, 64], 0), ("flatten", [1600], 0),
        ("output", [10], 16_010),
    ]
    assert data["total_params"] == 34_826


def test_cli_pool_every_two_pools_blocks_one_and_three():
    out = cli("summary", "--filters", "16,16,32,32", "--pool-every", "2", "--json")
    assert out.returncode == 0, out.stderr
    names = [layer["name"] for layer in json.loads(out.stdout)["layers"]]
    assert names[:8] == ["input", "conv1", "pool1", "conv2", "conv3", "pool3", "conv4", "flatten"]
    bad = cli("summary", "--pool-every", "3")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_cli_invalid_config_exits_nonzero_with_the_block_at_fault():
    out = cli("summary", "--filters", "32,64,128,128,128")
    assert out.returncode == 2
    assert "block 5" in out.stderr and "2×2 pool" in out.stderr
    assert "Traceback" not in out.stderr
    bad = cli("summary", "--input", "28by28")
    assert bad.returncode == 2 and "28x28x1" in bad.stderr


def test_cli_table_has_totals():
    out = cli("summary", "--preset", "lenet")
    assert out.returncode == 0
    assert out.stdout.splitlines()[-1].startswith("total")
    assert f"{totals(layer_table(PRESETS['lenet'])).params:,}" in out.stdout


def test_the_readme_names_every_preset_the_command_line_offers():
    import re

    from cnn_core.cli.main import build_parser

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = re.search(r"`--preset ([a-z_|]+)", readme).group(1).split("|")
    assert named == list(PRESETS)
    assert build_parser().parse_args(["train", "--preset", "fast"]).preset == "fast"
    assert build_parser().parse_args(["bench", "--preset", "fast"]).preset == "fast"


def test_the_fast_preset_is_the_tutorial_network_with_half_its_filters_and_a_quarter_of_its_work():
    fast, tutorial = PRESETS["fast"], PRESETS["tutorial"]
    assert fast == tutorial.replace(out_channels=tuple(c // 2 for c in tutorial.out_channels))
    work = [totals(layer_table(arch)).macs for arch in (fast, tutorial)]
    assert 0.2 < work[0] / work[1] < 0.3, work  # "about a quarter" (architecture.py)


def test_tutorial_comparison_with_a_dense_layer():
    cmp = fully_connected_comparison(PRESETS["tutorial"])
    assert cmp.conv_weights == 288 and cmp.conv_params == 320
    assert cmp.input_neurons == 784 and cmp.pooled_neurons == 6_272
    assert cmp.dense_to_pooled_weights == 784 * 6_272 == 4_917_248  # "about 4.9 million"
    assert cmp.dense_to_conv_weights == 784 * 25_088


def test_colour_input_neurons():
    assert layer_table(PRESETS["tutorial"].replace(in_channels=3))[0].neurons == 2_352


def random_architecture(rng: random.Random) -> Architecture:
    return Architecture(
        in_height=rng.randint(8, 40), in_width=rng.randint(8, 40), in_channels=rng.choice([1, 3]),
        out_channels=tuple(rng.choice([1, 4, 8, 16]) for _ in range(rng.randint(0, 6))),  # 0: a dense network
        kernel_size=rng.choice(KERNEL_SIZES), padding=rng.choice(PADDINGS), pool=rng.choice(POOLS),
        pool_size=rng.randint(2, 3), dense=tuple(rng.choice([4, 16]) for _ in range(rng.randint(0, 2))),
        num_classes=rng.randint(2, 12), batch_norm=rng.random() < 0.3, pool_every=rng.randint(1, 2),
    )


@TORCH_COMPILER
@one_thread()  # many tiny networks: torch's threads would only wait for each other
def test_predicted_shapes_params_and_macs_match_the_real_module():
    rng = random.Random(1234)
    checked = 0
    while checked < 80:
        arch = random_architecture(rng)
        try:
            layers = layer_table(arch)
        except ArchitectureError:
            continue
        model = build_model(arch).eval()
        assert sum(p.numel() for p in model.parameters()) == totals(layers).params, arch
        x = torch.rand(2, arch.in_channels, arch.in_height, arch.in_width)
        with torch.no_grad():
            h = x
            predicted = iter(layer for layer in layers if layer.kind in ("conv", "pool"))
            for i, block in enumerate(model.blocks, start=1):
                stages = block.stages(h)
                conv = next(predicted)
                assert conv.name == f"conv{i}"
                assert tuple(stages["conv"].shape[1:]) == (conv.output_shape[2], *conv.output_shape[:2])
                if arch.pools_after(i):
                    pool = next(predicted)
                    assert pool.name == f"pool{i}"
                    assert tuple(stages["pool"].shape[1:]) == (pool.output_shape[2], *pool.output_shape[:2])
                else:  # the table has no pooling row for it, and the module does not pool
                    assert torch.equal(stages["pool"], stages["relu"])
                h = stages["pool"]
            flat = next(layer for layer in layers if layer.kind == "flatten")
            assert h.flatten(1).shape[1] == flat.neurons
            assert model(x).shape == (2, arch.num_classes)
        # torch counts 2 FLOPs per multiply-accumulate in convs and linears.
        with FlopCounterMode(display=False) as counter:
            model(x[:1])
        assert counter.get_total_flops() == 2 * totals(layers).macs, arch
        checked += 1


def test_receptive_field_matches_a_gradient_probe():
    """The receptive field is the patch of input pixels whose change can move one output neuron."""
    arch = Architecture(in_height=48, in_width=48, out_channels=(2, 2, 2), kernel_size=5, pool="avg",
                        pool_size=2, dense=(4,))
    model = build_model(arch).double()
    with torch.no_grad():  # positive weights keep every ReLU open, so the gradient reaches the whole field
        for block in model.blocks:
            block.conv.weight.fill_(0.1)
            block.conv.bias.fill_(1.0)
    layers = layer_table(arch)
    x = torch.rand(1, 1, 48, 48, dtype=torch.double, requires_grad=True)
    out = model.blocks(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero()
    extent = int(rows.max() - rows.min() + 1)
    predicted = [layer for layer in layers if layer.kind == "pool"][-1].receptive_field
    assert extent == predicted == 36  # 5 → 6 → 14 → 16 → 32 → 36


def test_receptive_field_with_two_blocks_per_pooling_matches_a_gradient_probe():
    """Block 2 convolves pooled maps: its 3×3 kernel spans 6 input pixels, so it adds 4 to the field, not 2."""
    arch = Architecture(in_height=48, in_width=48, out_channels=(2, 2, 2, 2), kernel_size=3, pool="avg",
                        pool_size=2, pool_every=2, dense=(4,))
    model = build_model(arch).double()
    with torch.no_grad():
        for block in model.blocks:
            block.conv.weight.fill_(0.1)
            block.conv.bias.fill_(1.0)
    x = torch.rand(1, 1, 48, 48, dtype=torch.double, requires_grad=True)
    out = model.blocks(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero()
    extent = int(rows.max() - rows.min() + 1)
    last = [layer for layer in layer_table(arch) if layer.kind == "conv"][-1]
    assert last.name == "conv4" and extent == last.receptive_field == 22  # 3 → 4 → 8 → 12 → 14 → 22


def test_no_layer_sees_more_than_the_image_and_the_field_never_shrinks():
    """A 3×3 pooling's field reached 53×53 on a 28×28 digit, and the dense layer after it said 28×28."""
    layers = layer_table(Architecture(pool_size=3))  # the tutorial's blocks, pooled 3×3: 28 → 9 → 3 → 1
    fields = [layer.receptive_field for layer in layers]
    assert max(fields) == 28 and fields == sorted(fields) and fields[-1] == 28


SWEEP_INPUTS = [(28, 28, 1), (32, 32, 3), (5, 7, 1), (64, 16, 2)]


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
@one_thread()  # many tiny networks: torch's threads would only wait for each other
def test_slider_space_gives_a_table_or_our_own_error():
    """Every combination the sliders allow: a table, or ArchitectureError naming a block; nothing else."""
    valid = 0
    low, high = LIMITS["blocks"]
    for (h, w, c), blocks, kernel, padding, pool, pool_size, every in itertools.product(
            SWEEP_INPUTS, range(max(low, 1), high + 1), KERNEL_SIZES, PADDINGS, POOLS, (2, 3, 4),
            range(LIMITS["pool_every"][0], LIMITS["pool_every"][1] + 1)):
        arch = Architecture(in_height=h, in_width=w, in_channels=c, out_channels=(4,) * blocks,
                            kernel_size=kernel, padding=padding, pool=pool, pool_size=pool_size, dense=(8,),
                            pool_every=every)
        try:
            layer_table(arch)
        except ArchitectureError as err:
            assert err.key in ("err.kernel_too_big", "err.pool_too_big")
            assert f"block {err.params['block']}" in str(err)
            continue
        valid += 1
        with torch.no_grad():
            assert build_model(arch)(torch.rand(1, c, h, w)).shape == (1, 10)
    assert valid > 100


@pytest.mark.parametrize("changes, key", [
    ({"out_channels": (8,) * 7}, "err.out_of_range"),
    ({"pool_every": 0}, "err.out_of_range"),
    ({"pool_every": 3}, "err.out_of_range"),
    ({"pool_every": True}, "err.out_of_range"),
    ({"out_channels": (0,)}, "err.out_of_range"),
    ({"kernel_size": 4}, "err.even_kernel_same"),
    ({"padding": "full"}, "err.bad_choice"),
    ({"dense": (100, 100, 100)}, "err.out_of_range"),
    ({"num_classes": 1}, "err.out_of_range"),
])
def test_out_of_range_fields_are_refused_with_a_key(changes, key):
    with pytest.raises(ArchitectureError) as err:
        layer_table(PRESETS["tutorial"].replace(**changes))
    assert err.value.key == key


def test_architecture_round_trips_through_a_dict():
    for arch in PRESETS.values():
        assert Architecture.from_dict(json.loads(json.dumps(arch.to_dict()))) == arch


def test_pool_every_two_pools_blocks_one_three_five_and_counts_each_layer():
    arch = Architecture(in_height=32, in_width=32, in_channels=3, out_channels=(8, 8, 16, 16), pool_every=2,
                        dense=())
    rows = [(layer.name, layer.output_shape) for layer in layer_table(arch)]
    assert rows == [("input", (32, 32, 3)), ("conv1", (32, 32, 8)), ("pool1", (16, 16, 8)), ("conv2", (16, 16, 8)),
                    ("conv3", (16, 16, 16)), ("pool3", (8, 8, 16)), ("conv4", (8, 8, 16)), ("flatten", (1024,)),
                    ("output", (10,))]
    assert [arch.pools_after(i) for i in range(1, 5)] == [True, False, True, False]
    assert not arch.replace(pool="none").pools_after(1)
    assert [type(b.pool).__name__ for b in build_model(arch).blocks] == ["MaxPool2d", "Identity"] * 2
    # the receptive field grows by a 3×3 kernel on the pooled grid after a pooling: 3, 4, 8, 12, 14, 22
    assert [layer.receptive_field for layer in layer_table(arch)][1:7] == [3, 4, 8, 12, 14, 22]


def test_a_kept_network_from_before_pool_every_pools_every_block():
    kept = PRESETS["tutorial"].to_dict()
    del kept["pool_every"]  # a run, checkpoint or link written before the field existed
    assert Architecture.from_dict(kept) == PRESETS["tutorial"]
    assert apply_overrides(PRESETS["tutorial"], {"pe": "2"}).pool_every == 2
    assert apply_overrides(PRESETS["tutorial"], to_overrides(PRESETS["tutorial"].replace(pool_every=2))).pool_every == 2




@pytest.mark.parametrize("pool", POOLS)
def test_block_forward_equals_conv_relu_pool_in_the_tutorial_order(pool):
    """Training pools before ReLU when pooling is max (cheaper); the output must not change."""
    arch = PRESETS["tutorial"].replace(pool=pool)
    block = build_model(arch).blocks[1].eval()
    x = torch.randn(4, 32, 14, 14)
    with torch.no_grad():
        expected = block.pool(torch.relu(block.conv(x)))
        assert torch.equal(block(x), expected)
        assert torch.equal(block.stages(x)["pool"], expected)


def test_every_playground_error_pickles_as_itself():
    # Errors cross process boundaries (Ray nodes, subprocesses) by pickle: key and parameters, not English text.
    import pickle

    from cnn_core.base import errors
    from cnn_core.base.texts import Message

    kinds = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.PlaygroundError)]
    assert len(kinds) >= 5
    for kind in kinds:
        err = kind("err.data_missing", dataset="mnist", data_dir="/nowhere", reason=Message("reason.dataset_unknown"))
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is kind and back.key == err.key and str(back) == str(err)
