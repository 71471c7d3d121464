"""Datasets: real copies, the torchvision CIFAR-10 format, and hostile or broken image zips."""

import os
import pickle
import sys
import zipfile

import numpy as np
import pytest
import torch
from conftest import TORCH_COMPILER, make_zip, png_bytes

from cnn_core.base.errors import DataError
from cnn_core.data.loading import ArchiveLimits, load_dataset, load_image_archive, spread_of, spread_sample


@pytest.mark.realdata
def test_real_mnist_and_fashion_mnist_load_as_uint8_tensors(real_data_dir):
    for name in ("mnist", "fashion-mnist"):
        data = load_dataset(name, real_data_dir, download=False)
        assert data.train_x.shape == (60_000, 1, 28, 28) and data.train_x.dtype == torch.uint8
        assert data.test_x.shape == (10_000, 1, 28, 28)
        assert data.num_classes == 10 and int(data.train_y.max()) == 9


@pytest.mark.realdata
def test_real_cifar10_jpeg_zip_goes_through_the_image_folder_path_and_holds_cats_and_dogs(real_data_dir,
                                                                                         cifar_decoded):
    data, tmp_path = cifar_decoded  # decoded from the zip with an empty cache (tests/conftest.py)
    assert data.train_x.shape == (50_000, 3, 32, 32) and data.test_x.shape == (10_000, 3, 32, 32)
    assert data.classes[:3] == ["airplane", "automobile", "bird"]
    assert torch.bincount(data.test_y).tolist() == [1000] * 10
    cached = load_dataset("cifar10", real_data_dir, download=False, cache_dir=tmp_path)  # from the disk cache
    assert torch.equal(cached.test_x, data.test_x)
    # Cats and dogs are exactly CIFAR-10's cat and dog images, in its order (from the same cache: one decoding).
    pets = load_dataset("cats-dogs", real_data_dir, download=False, cache_dir=tmp_path)
    assert pets.train_x.shape == (10_000, 3, 32, 32) and pets.test_x.shape == (2_000, 3, 32, 32)
    assert pets.num_classes == 2 and set(pets.train_y.tolist()) == {0, 1}
    for split in ("train", "test"):
        x, y = getattr(data, f"{split}_x"), getattr(data, f"{split}_y")
        px, py = getattr(pets, f"{split}_x"), getattr(pets, f"{split}_y")
        assert torch.equal(px[py == 0], x[y == data.classes.index("cat")])
        assert torch.equal(px[py == 1], x[y == data.classes.index("dog")])
    # Stored class by class: its first thousand test images are one class. What the pages show or search when they
    # cannot use every image (spread_sample) is a spread of all ten (a walk found eight birds as a kernel's favourites
    # and twenty-four bird mistakes).
    assert len(set(data.test_y[:1000].tolist())) == 1
    assert torch.bincount(data.test_y[spread_sample(10_000, 1_000)], minlength=10).min() >= 60


def test_a_sample_of_a_set_stored_class_by_class_is_a_fixed_spread_of_every_class():
    labels = torch.arange(10).repeat_interleave(1_000)  # CIFAR-10's JPEG copy, an image-folder zip: class by class
    picked = spread_sample(len(labels), 1_000)
    assert len(set(picked.tolist())) == 1_000 and torch.equal(picked, spread_sample(len(labels), 1_000))  # always the same
    counts = torch.bincount(labels[picked], minlength=10)
    assert counts.min() >= 60 and counts.max() <= 140, counts
    mistakes = torch.arange(0, 10_000, 7)  # a model's mistakes, in the test set's order: class by class too
    shown = spread_of(mistakes, 24)
    assert len(set(labels[shown].tolist())) >= 6 and set(shown.tolist()) <= set(mistakes.tolist())
    assert shown.tolist() == sorted(shown.tolist())  # in the test set's order
    assert torch.equal(spread_of(mistakes[:10], 24), spread_of(mistakes[:10], 24)) and len(spread_of(mistakes[:10], 24)) == 10


@TORCH_COMPILER
@pytest.mark.parametrize("folder", ["MNIST", "FashionMNIST"])
def test_mnist_files_are_read_as_torchvision_reads_them_without_importing_it(synthetic_data_dir, monkeypatch,
                                                                                  folder):
    """The IDX files are read here: torchvision's import was most of a fresh process's first load (1.6 s of
    1.7 s on the 2-core machine), paid by every server, command line and Ray node."""
    import torchvision.datasets as tvd

    from cnn_core.data import registry

    info = next(i for i in registry.REGISTRY.values() if i.torchvision == folder)
    train, test = (getattr(tvd, folder)(root=str(synthetic_data_dir), train=split, download=False)
                   for split in (True, False))
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)  # an import of it now fails
    data = load_dataset(info.name, synthetic_data_dir, download=False)
    assert torch.equal(data.train_x, train.data.unsqueeze(1)) and torch.equal(data.test_x, test.data.unsqueeze(1))
    assert torch.equal(data.train_y, train.targets.long()) and torch.equal(data.test_y, test.targets.long())
    assert data.train_x.dtype == torch.uint8 and data.train_y.dtype == torch.long and data.classes == list(info.classes)


@TORCH_COMPILER
def test_a_damaged_mnist_file_is_left_to_torchvision_and_its_error(synthetic_data_dir, tmp_path):
    """A file cut short (or of another type) is not read as MNIST here: torchvision's reader gets it, and what it
    makes of it is what the app says (the data is missing, with the folder)."""
    import shutil

    shutil.copytree(synthetic_data_dir / "MNIST", tmp_path / "MNIST")
    images = tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    whole = images.read_bytes()
    empty = bytes((0, 0, 8, 3)) + (0).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2  # a header of no image
    for damaged in (whole[:-28], empty):  # one row short; no test image at all
        images.write_bytes(damaged)
        with pytest.raises(DataError) as err:
            load_dataset("mnist", tmp_path, download=False)
        assert err.value.key == "err.data_missing" and str(tmp_path) in str(err.value)


@TORCH_COMPILER
def test_missing_dataset_says_what_to_do(tmp_path):
    with pytest.raises(DataError) as err:
        load_dataset("mnist", tmp_path, download=False)
    assert err.value.key == "err.data_missing"
    assert str(tmp_path) in str(err.value) and "CNN_PLAYGROUND_DATA_DIR" in str(err.value)


def write_cifar_batches(root, n_train=20, n_test=10):
    """A tiny dataset in the real `cifar-10-batches-py` format (pickled dicts of uint8 rows)."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        batch = {"data": rng.integers(0, 256, (n_train, 3072), dtype=np.uint8),
                 "labels": [int(v) for v in rng.integers(0, 10, n_train)]}
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(batch))
    (folder / "test_batch").write_bytes(pickle.dumps(
        {"data": rng.integers(0, 256, (n_test, 3072), dtype=np.uint8), "labels": list(range(n_test))}))
    (folder / "batches.meta").write_bytes(pickle.dumps(
        {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]}))
    return folder


@TORCH_COMPILER
def test_torchvision_cifar10_format_is_read(tmp_path, monkeypatch):
    import torchvision.datasets.cifar as tv_cifar

    folder = write_cifar_batches(tmp_path)
    # torchvision checks the official files' md5 sums; the fixture is the real format, not the real bytes.
    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *args, **kwargs: True)
    # An offline zip beside the official files is not what is read (it holds 4 images of 2 classes).
    (tmp_path / "cifar10-jpg.zip").write_bytes(make_zip({f"{c}/{i}.png": png_bytes(i, size=32)
                                                          for c in ("cat", "dog") for i in range(2)}))
    data = load_dataset("cifar10", tmp_path, download=False, cache_dir=tmp_path / "cache")
    assert data.train_x.shape == (100, 3, 32, 32) and data.test_x.shape == (10, 3, 32, 32)
    assert data.test_y.tolist() == list(range(10))
    raw = pickle.loads((folder / "test_batch").read_bytes())["data"][3]
    assert torch.equal(data.test_x[3], torch.from_numpy(raw.reshape(3, 32, 32)))  # channels stay in order


@TORCH_COMPILER
def test_the_offline_cifar10_zip_is_read_without_importing_torchvision(tmp_path, monkeypatch):
    """Where only ``cifar10-jpg.zip`` is there (no official release), the zip is read without importing
    torchvision (README, "Offline data"). The release's folder is the one torchvision's class reads."""
    import torchvision.datasets as tvd

    from cnn_core.data import registry

    for info in registry.REGISTRY.values():
        if info.release_folder:
            assert getattr(tvd, info.torchvision).base_folder == info.release_folder, info.name
    members = {f"{split}/{name}/{i}.png": png_bytes(20 * c + i, size=32)
               for split in ("train", "test") for c, name in enumerate(("cat", "dog")) for i in range(3)}
    (tmp_path / "cifar10-jpg.zip").write_bytes(make_zip(members))
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)  # an import of it now fails
    data = load_dataset("cifar10", tmp_path, download=False, cache_dir=tmp_path / "cache")
    assert data.name == "cifar10" and data.train_x.shape == (6, 1, 32, 32) and len(data.test_y) == 6


def test_own_images_zip_with_classes_and_junk(tmp_path):
    members = {f"pets/cats/{i}.png": png_bytes(30 + i) for i in range(6)}
    members |= {f"pets/dogs/{i}.png": png_bytes(200 - i) for i in range(6)}
    members |= {"pets/notes.txt": b"hello", "pets/dogs/broken.png": b"\x89PNG not really", "loose.png": png_bytes()}
    data = load_image_archive(make_zip(members), size=16, cache_dir=tmp_path)
    assert data.classes == ["cats", "dogs"]
    assert len(data.train_y) + len(data.test_y) == 12
    assert data.train_x.shape[1:] == (1, 16, 16)  # gray-looking images become one channel
    notes = dict(data.notes)
    assert notes["note.skipped_files"]["count"] == 3


def test_each_image_is_read_out_of_the_zip_once_while_the_kept_files_fit(tmp_path, monkeypatch):
    """The decoding check reads every file; decoding takes those it kept (up to KEPT_READ_MB) and reads the rest
    again: the same images either way, the channels decided from the first image included."""
    from collections import Counter

    from cnn_core.data import loading

    members = {f"{c}/{i}.png": png_bytes(30 + i if c == "cats" else 200 - i) for c in ("cats", "dogs") for i in range(5)}
    read = loading._Source.read
    loaded = {}
    for kept_mb, reads in ((64, 1), (0, 2)):
        counted = Counter()

        def counting(self, member, counted=counted):
            counted[str(member)] += 1
            return read(self, member)

        monkeypatch.setattr(loading._Source, "read", counting)
        monkeypatch.setattr(loading, "KEPT_READ_MB", kept_mb)
        loaded[kept_mb] = load_image_archive(make_zip(members), size=8, cache_dir=tmp_path / str(kept_mb))
        # Every member once (kept), or twice and the first image a third time (deciding the channels), when not.
        assert set(counted) == set(members)
        assert sorted(counted.values()) == [reads] * 9 + [1 if kept_mb else 3]
    kept, again = loaded[64], loaded[0]
    assert kept.train_x.shape[1] == 1 and torch.equal(kept.train_x, again.train_x)
    assert torch.equal(kept.test_x, again.test_x) and torch.equal(kept.train_y, again.train_y)


def test_own_images_folder_with_train_and_test_splits(tmp_path):
    for split, n in (("train", 4), ("test", 2)):
        for cls in ("a", "b"):
            (tmp_path / "imgs" / split / cls).mkdir(parents=True)
            for i in range(n):
                (tmp_path / "imgs" / split / cls / f"{i}.png").write_bytes(png_bytes(i * 40))
    data = load_image_archive(tmp_path / "imgs", size=8, channels=3, cache_dir=tmp_path / "cache")
    assert len(data.train_y) == 8 and len(data.test_y) == 4 and data.train_x.shape[1:] == (3, 8, 8)


@pytest.mark.parametrize("members, key", [
    ({"../evil/x.png": png_bytes(), "b/y.png": png_bytes()}, "err.zip_unsafe_path"),
    ({"/etc/x.png": png_bytes(), "b/y.png": png_bytes()}, "err.zip_unsafe_path"),
    ({"a\\..\\..\\x.png": png_bytes(), "b/y.png": png_bytes()}, "err.zip_unsafe_path"),
    ({"only/1.png": png_bytes(), "only/2.png": png_bytes()}, "err.zip_one_class"),
    ({"readme.txt": b"no images here"}, "err.zip_no_images"),
    ({}, "err.zip_no_images"),
])
def test_bad_zips_are_refused_with_a_message(members, key, tmp_path):
    before = set(os.listdir(tmp_path))
    with pytest.raises(DataError) as err:
        load_image_archive(make_zip(members), cache_dir=tmp_path)
    assert err.value.key == key
    assert set(os.listdir(tmp_path)) == before  # nothing written


def test_not_a_zip_is_refused():
    with pytest.raises(DataError) as err:
        load_image_archive(b"PK\x03\x04 garbage that is not a zip")
    assert err.value.key == "err.zip_not_zip"


def test_zip_bomb_is_refused_before_it_expands(tmp_path):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/bomb.png", b"\0" * (64 * 2**20))  # 64 MB of zeros compresses to ~64 KB
        z.writestr("b/x.png", png_bytes())
    assert len(buf.getvalue()) < 2**20
    with pytest.raises(DataError) as err:
        load_image_archive(buf.getvalue(), cache_dir=tmp_path)
    assert err.value.key == "err.zip_image_too_big" and err.value.params["path"] == "a/bomb.png"
    assert err.value.params["size_mb"] == 64 and err.value.params["limit_mb"] == 20
    assert os.listdir(tmp_path) == []


def test_thousands_of_tiny_classes_are_refused():
    members = {f"class{i}/x.png": png_bytes(i % 255, size=2) for i in range(150)}
    with pytest.raises(DataError) as err:
        load_image_archive(make_zip(members), limits=ArchiveLimits(max_classes=100))
    assert err.value.key == "err.zip_too_many_classes" and err.value.params["count"] == 150


def test_too_many_files_are_refused():
    members = {f"c{i % 2}/{i}.png": b"x" for i in range(30)}
    with pytest.raises(DataError) as err:
        load_image_archive(make_zip(members), limits=ArchiveLimits(max_files=20))
    assert err.value.key == "err.zip_too_many_files"
