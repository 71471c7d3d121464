"""The datasets the playground offers by name, listed once: the Train page, the URL and the CLI read this.

Each :class:`DatasetInfo` says what a dataset is (its canonical class names,
its image shape, whether a mirrored image keeps its class) and where it comes
from: a class of ``torchvision.datasets`` (loaded by :mod:`cnn_core.data.loading`) or a
``load`` function of its own. Adding a torchvision dataset is one entry in
:data:`REGISTRY` plus, in every locale file, its name ``dataset.<name>`` and
its class names ``class.<name>.<index>`` (see :func:`display_class`). A dataset made of some
classes of another (cats and dogs from CIFAR-10) names its ``parent`` and those classes.

This module is plain data and imports neither torch nor Streamlit, so the
command line can list the choices without loading torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cnn_core.base import texts

IMAGE_SIZES = (28, 32, 48, 64)  # sides a user's own images (folder datasets) can be resized to
DEFAULT_IMAGE_SIZE = 64


@dataclass(frozen=True)
class DatasetInfo:
    name: str  # "fashion-mnist": the CLI's --dataset, the URL's ?ds=, the texts' dataset.<name>
    classes: tuple[str, ...]  # canonical class names, in label order, as saved with a model
    shape: tuple[int, int, int]  # (H, W, C) of one image
    mirror_safe: bool  # a mirrored image is still of its class (a cat yes; a 3 or a shoe's side no)
    torchvision: str | None = None  # class in torchvision.datasets that downloads and reads it
    # The folder under the data directory where that class keeps the official release (its ``base_folder``);
    # where it is absent and the offline zip is there, the zip is read without importing torchvision.
    release_folder: str | None = None
    # Anything else: load(data_dir, download) -> ImageData. Used when set, instead of torchvision.
    load: Callable[[Any, bool], Any] | None = None
    # Some classes of another registered dataset, relabelled 0, 1, … in this order (its images, its files).
    parent: str | None = None
    parent_classes: tuple[int, ...] = ()


DIGITS = tuple(str(i) for i in range(10))

REGISTRY: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("mnist", DIGITS, (28, 28, 1), mirror_safe=False, torchvision="MNIST"),
    DatasetInfo("fashion-mnist", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
                (28, 28, 1), mirror_safe=False, torchvision="FashionMNIST"),
    DatasetInfo("cifar10", ("airplane", "automobile", "bird", "cat", "deer",
                            "dog", "frog", "horse", "ship", "truck"),
                (32, 32, 3), mirror_safe=True, torchvision="CIFAR10", release_folder="cifar-10-batches-py"),
    # The tutorial's two-class photo example, from CIFAR-10's cat (3) and dog (5) images.
    DatasetInfo("cats-dogs", ("cat", "dog"), (32, 32, 3), mirror_safe=True, parent="cifar10", parent_classes=(3, 5)),
)}
DEFAULT = "mnist"  # the tutorial's dataset: the Train page's first choice and a bad link's fallback


def names() -> tuple[str, ...]:
    """Every registered dataset's name, in the order the Train page and the CLI list them."""
    return tuple(REGISTRY)


def get(name: str) -> DatasetInfo | None:
    """The dataset called ``name``, or None for anything else (a user's own images)."""
    return REGISTRY.get(name)


def display_class(dataset: str, index: int, raw_name: str, lang: str) -> str:
    """A class name as a reader of ``lang`` should see it.

    A registered dataset's class is translated from ``class.<dataset>.<index>``
    in the locale files, when that key exists and ``raw_name`` is the
    dataset's own name for that class. Anything else (a user's own folder
    names, a model trained on an upload that happens to share a name, the
    digits of MNIST) is shown as written.
    """
    info = REGISTRY.get(dataset)
    if info is None or not 0 <= index < len(info.classes) or info.classes[index] != str(raw_name):
        return str(raw_name)
    code = lang if lang in texts.languages() else texts.DEFAULT_LANG
    return texts.table(code).get(f"class.{dataset}.{index}", str(raw_name))
