"""Train the MNIST model shipped with the app (cnn_core/assets/mnist_tutorial.cnn.zip).

Reproducible: the tutorial architecture, a fixed seed, the app's training loop,
real MNIST from the data directory. Run from the repository root:

    python -m scripts.train_shipped_model --data-dir ../shared/data
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from cnn_core import PRESETS  # noqa: E402
from cnn_core.base.process import keep_freed_memory  # noqa: E402
from cnn_core.data.loading import load_dataset  # noqa: E402
from cnn_core.nn import checkpoint  # noqa: E402
from cnn_core.nn.model import build_model  # noqa: E402
from cnn_core.nn.pretrained import SHIPPED_MODEL  # noqa: E402
from cnn_core.train.trainer import TrainConfig, train  # noqa: E402

# fp32, as the shipped file was trained: "auto" would pick bf16 on some machines and not on others.
# The recipe the shipped model was trained with (2026-11), before the app's defaults moved to batch 64, Adam 1e-2,
# a quarter-run warm-up and label smoothing: pinned whole, so the script still makes that model.
RECIPE = TrainConfig(epochs=8, batch_size=128, lr=2e-3, warmup=0.03, label_smoothing=0.0, augment=True, seed=0,
                     precision="fp32")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default=str(SHIPPED_MODEL))
    args = parser.parse_args()
    keep_freed_memory()  # this process exists to train
    torch.manual_seed(RECIPE.seed)
    data = load_dataset("mnist", args.data_dir, download=False)
    model = build_model(PRESETS["tutorial"])
    result = train(model, data, RECIPE)
    checkpoint.save(args.out, model, data.classes, dataset="mnist",
                    test_accuracy=round(result.test_accuracy, 4), recipe="scripts/train_shipped_model.py")
    print(json.dumps({"test_accuracy": result.test_accuracy, "seconds": round(result.seconds, 1),
                      "bytes": Path(args.out).stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
