"""Datasets as uint8 tensors in memory: MNIST, Fashion-MNIST, CIFAR-10 and your own images.

Each dataset is decoded once into ``(N, C, H, W)`` uint8 tensors; training
normalises whole batches (value / 255), never one PIL image at a time. Slow
decodes (thousands of JPEGs) are cached on disk. Files are looked for in a
data directory (``CNN_PLAYGROUND_DATA_DIR`` or ``--data-dir``) and downloaded
with torchvision where a network exists; where neither works the error says
what to do.

Image archives (a zip or a folder with one subfolder per class) are read in
memory, member by member, with limits on size, count, paths, class names and
the pixels the images' headers declare, all checked before decoding: nothing
is extracted to disk. Sizes are the uncompressed sizes the zip declares, of the
images that will be read (files the loader ignores are never inflated), and
reading never yields more than declared (:mod:`archive`): no compression ratio
is needed to spot a zip bomb. A plain-background BMP compressing 1000:1 is an
image; a member declaring 64 MB is refused before a byte of it is inflated.
This module does not train (see ``training.py``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from cnn_core.base import classnames, env
from cnn_core.base.archive import (
    MemberProblem,
    MemberTooBig,
    TooManyEntries,
    check_member,
    mb_up,
    open_zip,
    read_member,
)
from cnn_core.base.errors import DataError
from cnn_core.base.texts import Message
from cnn_core.data import registry as datasets
from cnn_core.data.registry import DEFAULT_IMAGE_SIZE
from cnn_core.nn.architecture import LIMITS

log = logging.getLogger(__name__)


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")  # what Pillow may read them as (JPEG includes MPO)


default_data_dir = env.data_dir  # CNN_PLAYGROUND_DATA_DIR, else ~/.cache/cnn_playground/data
default_cache_dir = env.cache_dir


@dataclass
class ImageData:
    """A whole dataset as tensors: images ``(N, C, H, W)`` uint8, labels ``(N,)`` int64."""

    name: str
    classes: list[str]
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    notes: list[tuple[str, dict]] = field(default_factory=list)  # (message key, params)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(H, W, C) of one image."""
        _, c, h, w = self.train_x.shape
        return h, w, c

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def mirror_safe(self) -> bool:
        """Whether a mirrored image is still an image of its class (a cat yes, a 3 or a shoe's side no).

        A registered dataset says; a user's own images are taken to be photos.
        """
        info = datasets.get(self.name)
        return info.mirror_safe if info is not None else True


def _nchw(images) -> torch.Tensor:
    t = torch.as_tensor(images)
    if t.dim() == 3:  # (N, H, W) grayscale
        return t.unsqueeze(1).contiguous()
    return t.permute(0, 3, 1, 2).contiguous()  # (N, H, W, C) → (N, C, H, W)


SAMPLE_SEED = 0  # the fixed order spread_sample draws in: the same images on every visit, for every visitor


def spread_sample(count: int, n: int) -> torch.Tensor:
    """``n`` of the positions ``0 … count − 1`` in a fixed random order: the images a page shows or searches
    when it cannot use them all. Never the first ``n``: a test set stored class by class (CIFAR-10's JPEG copy,
    an image-folder zip) holds one class there; CIFAR-10's first thousand are all birds."""
    return torch.randperm(count, generator=torch.Generator().manual_seed(SAMPLE_SEED))[:n]


def spread_of(positions: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` of ``positions`` (a test set's mistakes, in its order) picked as :func:`spread_sample` picks, kept
    in that order."""
    return positions[spread_sample(len(positions), n).sort().values]


def load_dataset(name: str, data_dir: Path | str | None = None, download: bool = True,
                 cache_dir: Path | str | None = None, image_size: int = DEFAULT_IMAGE_SIZE) -> ImageData:
    """Load a registered dataset (:mod:`cnn_core.data.registry`) or ``folder:PATH`` (a folder or zip).

    ``image_size`` is the side ``folder:`` images are resized to.
    """
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    if name.startswith("folder:"):
        return load_image_archive(Path(name[len("folder:"):]), size=image_size, cache_dir=cache_dir)
    info = datasets.get(name)
    if info is None:
        raise DataError("err.data_missing", dataset=name, data_dir=data_dir,
                        reason=Message("reason.dataset_unknown"))
    if info.load is not None:
        return info.load(data_dir, download)
    if info.parent is not None:
        return class_subset(load_dataset(info.parent, data_dir, download, cache_dir), info)
    return _load_torchvision(info, data_dir, download, cache_dir)


def class_subset(data: ImageData, info: datasets.DatasetInfo) -> ImageData:
    """The images of ``info.parent_classes`` in ``data``, in their order, labelled 0, 1, … in that order.

    Classes are found by the parent's canonical names, so a copy whose folders list them in another order
    (an image-folder zip) gives the same images.
    """
    parent = datasets.REGISTRY[info.parent]
    relabel = torch.full((data.num_classes,), -1, dtype=torch.long)
    for new, old in enumerate(info.parent_classes):
        relabel[data.classes.index(parent.classes[old])] = new

    def keep(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        new = relabel[y]
        mask = new >= 0
        return x[mask].contiguous(), new[mask]

    train_x, train_y = keep(data.train_x, data.train_y)
    test_x, test_y = keep(data.test_x, data.test_y)
    return ImageData(info.name, list(info.classes), train_x, train_y, test_x, test_y)


# torchvision's folders whose files are IDX (MNIST's own format: a magic number, the sizes, the bytes), as
# torchvision.datasets.MNIST and FashionMNIST keep them: <data_dir>/<folder>/raw/<file>.
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IDX_FOLDERS = ("MNIST", "FashionMNIST")


def _read_idx(path: Path, dims: int) -> torch.Tensor | None:
    """An IDX file of unsigned bytes with ``dims`` sizes, as a uint8 tensor of that shape; None if it is not one
    (another type or rank, or a length its sizes do not account for) or cannot be read."""
    try:
        with path.open("rb") as file:  # read once into the buffer the tensor keeps (47 MB for MNIST's images)
            raw = bytearray(os.fstat(file.fileno()).st_size)
            if file.readinto(raw) != len(raw):
                return None
    except OSError:
        return None
    head = 4 + 4 * dims
    if len(raw) < head or raw[:4] != bytes((0, 0, 0x08, dims)):
        return None
    shape = struct.unpack(f">{dims}I", raw[4:head])
    if len(raw) != head + math.prod(shape) or math.prod(shape) == 0:  # an empty file is no dataset either
        return None
    return torch.frombuffer(raw, dtype=torch.uint8, offset=head).view(*shape)


def _read_idx_dataset(info: datasets.DatasetInfo, data_dir: Path) -> ImageData | None:
    """MNIST or Fashion-MNIST straight from torchvision's raw IDX files, the same tensors torchvision reads,
    without importing torchvision (1.6 s of a fresh process here, most of its first dataset's load, paid by every
    server, command and Ray node that trains); None where the files are not all there and sound."""
    if info.torchvision not in IDX_FOLDERS:
        return None
    folder = data_dir / info.torchvision / "raw"
    splits = {}
    for split, (images, labels) in IDX_FILES.items():
        x, y = _read_idx(folder / images, 3), _read_idx(folder / labels, 1)
        if x is None or y is None or len(x) != len(y) or tuple(x.shape[1:]) != tuple(info.shape[:2]):
            return None
        y = y.long()
        if len(y) and int(y.max()) >= len(info.classes):
            return None
        splits[split] = (_nchw(x), y)
    return ImageData(info.name, list(info.classes), *splits["train"], *splits["test"])


def _load_torchvision(info: datasets.DatasetInfo, data_dir: Path, download: bool, cache_dir) -> ImageData:
    """The dataset through torchvision, or from ``<data_dir>/<name>-jpg.zip`` where that is all there is.

    The official release is read first (MNIST's and Fashion-MNIST's IDX files without torchvision, when they are
    there); the JPEG image-folder zip (offline copies, ``train/<class>/*.jpg``) where the release is absent.
    """
    if (data := _read_idx_dataset(info, data_dir)) is not None:
        return data
    zip_path = data_dir / f"{info.name}-jpg.zip"
    if info.release_folder and not (data_dir / info.release_folder).exists() and zip_path.exists():
        # Only the offline copy: read without importing torchvision, which imports torch's compiler (README,
        # "Offline data": seconds of a fresh process's load, all of a load from the decoded-images cache).
        return _load_zip(info, zip_path, cache_dir)
    import torchvision.datasets as tvd

    try:
        cls = getattr(tvd, info.torchvision)
        # No download when a zip is there: the zip is the offline copy.
        train = cls(root=str(data_dir), train=True, download=download and not zip_path.exists())
        test = cls(root=str(data_dir), train=False, download=False)
    except Exception as exc:  # no files and no network: torchvision raises several kinds
        if not zip_path.exists():
            log.warning("%s not loaded from %s: %s: %s", info.name, data_dir, type(exc).__name__, exc)
            raise DataError("err.data_missing", dataset=info.name, data_dir=data_dir,
                            reason=Message("reason.download_failed")) from exc
        return _load_zip(info, zip_path, cache_dir)
    return ImageData(info.name, list(info.classes), _nchw(train.data), torch.as_tensor(train.targets).long(),
                     _nchw(test.data), torch.as_tensor(test.targets).long())


def _load_zip(info: datasets.DatasetInfo, zip_path: Path, cache_dir) -> ImageData:
    """A registered dataset from its offline JPEG image-folder zip, at the dataset's image size."""
    data = load_image_archive(zip_path, size=info.shape[0], cache_dir=cache_dir)
    data.name = info.name
    return data


# ---------------------------------------------------------------- image archives

@dataclass(frozen=True)
class ArchiveLimits:
    max_files: int = 100_000  # members in the archive
    max_total_mb: int = 1024  # uncompressed bytes of the images together (those read, as declared)
    max_file_mb: int = 20  # one image, uncompressed (as declared: reading stops there)
    max_classes: int = 100
    max_image_pixels: int = 4096 * 4096  # one image's width × height, read from its header before decoding
    max_decoded_mb: float = 768  # every image decoded and resized, together: checked before decoding starts
    # The pixels decoding every image produces, together, in millions, from the headers: the decoding work,
    # checked before it starts (a 704-byte WebP declares 16.7 megapixels, a quarter second of decoding; the
    # slowest formats decode 40-70 megapixels a second on one core here, so the worst zip at this limit is
    # 20-40 s of one core). A JPEG counts at the reduced scale it is read at (a 0.5-megapixel photo read for
    # 64 px: 1/8 a side), so 10,000 photos fit easily, as do 3,000 PNGs of 0.5 megapixels.
    # Settings.max_decode_megapixels.
    max_total_megapixels: int = env.BY_NAME["MAX_DECODE_MEGAPIXELS"].default


CACHE_FORMAT = 2  # raised whenever what a cached archive holds changes (2: class names by classnames' rule)


def _safe_member(name: str) -> PurePosixPath | None:
    """The member's path, or None if it could escape the folder it is read into."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    path = PurePosixPath(name)
    if any(part in ("..", "") for part in path.parts):
        return None
    return path


def _system_file(path: PurePosixPath) -> bool:
    """What an operating system adds to a zip, not the user's images: macOS Finder's ``__MACOSX/`` copies of
    every file's metadata (``._cat.png``, named like an image), hidden files and folders (``.Trash``)."""
    return any(part == "__MACOSX" or part.startswith(".") for part in path.parts)


def _class_layout(paths: list[PurePosixPath]) -> tuple[dict[str, list[tuple[str, PurePosixPath]]], int]:
    """Group image paths as {split: [(class, path)]}; splits are 'train'/'test' or 'all'.

    Accepts ``class/img``, ``top/class/img`` (one wrapping folder, as zipping a
    folder makes) and ``train|test/class/img``; refuses a mix of the last with
    the others, whose images would otherwise be silently dropped.
    """
    parts = [p.parts for p in paths]
    # Strip wrapping folders shared by every image that sits in a folder at all.
    while True:
        nested = [p for p in parts if len(p) >= 2]
        if not nested or not all(len(p) >= 3 for p in nested) or len({p[0] for p in nested}) != 1:
            break
        parts = [p[1:] if len(p) >= 2 else p for p in parts]
    layout: dict[str, list] = {}
    skipped = 0
    for p, path in zip(parts, paths):
        if len(p) == 3 and p[0].lower() in ("train", "test"):
            layout.setdefault(p[0].lower(), []).append((p[1], path))
        elif len(p) == 2:
            layout.setdefault("all", []).append((p[0], path))
        else:
            skipped += 1  # an image outside any class folder
    if "all" in layout and ("train" in layout or "test" in layout):
        split = next(s for s in ("train", "test") if s in layout)
        raise DataError("err.zip_mixed_layout", split=split, example=str(layout["all"][0][1])[:100])
    if len(layout) == 1 and "all" not in layout:  # only train/ or only test/: split it like plain folders
        layout = {"all": next(iter(layout.values()))}
    return layout, skipped


def _named_classes(layout: dict[str, list[tuple[str, PurePosixPath]]],
                   max_classes: int) -> dict[str, list[tuple[str, PurePosixPath]]]:
    """The layout with each class folder's name as the class's name (:mod:`classnames`'s rule, as model files).

    Refuses a folder whose name cannot be a class (nothing visible, too long)
    and two folders that would be one class ("cat" and "cat "), naming them;
    more folders than ``max_classes`` are refused before any name is looked at.
    """
    example = {}
    for items in layout.values():
        for folder, path in items:
            example.setdefault(folder, path)
    if len(example) > max_classes:
        raise DataError("err.zip_too_many_classes", count=len(example), limit=max_classes)
    named, folder_of = {}, {}
    for folder in sorted(example):
        name = classnames.normalise(folder)
        why = classnames.problem(name)
        if why == "blank":
            raise DataError("err.zip_class_blank", folder=repr(folder)[:40], example=str(example[folder])[:100])
        if why == "too_long":
            raise DataError("err.zip_class_too_long", folder=name[:40] + "…", length=len(name),
                            limit=classnames.MAX_LENGTH)
        other = folder_of.setdefault(name, folder)
        if other != folder:
            raise DataError("err.zip_class_same_name", first=repr(other)[:120], second=repr(folder)[:120],
                            name=name)
        named[folder] = name
    return {split: [(named[folder], path) for folder, path in items] for split, items in layout.items()}


class _TooLarge(Exception):
    """An image whose header declares more pixels than allowed: skipped before decoding."""


def _to_8bit(img):
    """16- and 32-bit grayscale images scaled to 0..255 (Pillow's own conversion would clip them white)."""
    from PIL import Image

    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        values = np.asarray(img, dtype=np.uint32)  # 16-bit PNGs are read as "I" or "I;16": 0..65535
        return Image.fromarray((values >> 8).clip(0, 255).astype(np.uint8), mode="L")
    if img.mode == "F":
        values = np.nan_to_num(np.asarray(img, dtype=np.float32))
        return Image.fromarray(values.clip(0, 255).astype(np.uint8), mode="L")
    return img


MAX_PNG_TEXT_BYTES = 128 * 1024  # a PNG's text chunks, inflated, per image (Pillow's default: 64 MB)
MAX_JPEG_SCANS = 100  # a progressive JPEG's scans; each is a pass over the whole image (photos have about 10)
JPEG_FORMATS = ("JPEG", "MPO")  # Pillow's names for what it decodes as a JPEG (draft scaling included)
MIN_IMAGE_COST = 12_000  # what any image costs the decoding budget, however small: opening it, its text chunks


def _pillow_limits() -> None:
    """Pillow inflates a PNG's text chunks (zTXt, iTXt) when it opens the file, header reading included, up
    to 64 MB an image by default: a 1×1 PNG of a few KB could cost a tenth of a second. Process-wide, so every
    image this process opens is held to it; an image over it is not readable (skipped)."""
    from PIL import PngImagePlugin

    PngImagePlugin.MAX_TEXT_CHUNK = min(PngImagePlugin.MAX_TEXT_CHUNK, MAX_PNG_TEXT_BYTES)
    PngImagePlugin.MAX_TEXT_MEMORY = min(PngImagePlugin.MAX_TEXT_MEMORY, MAX_PNG_TEXT_BYTES)


def _too_many_scans(raw: bytes, image_format: str | None) -> bool:
    """A JPEG with more scans than :data:`MAX_JPEG_SCANS`: hundreds of near-empty scans make a small file
    decode for seconds. 0xFF in a JPEG's coded data is always followed by 0x00, so FF DA is only ever a
    start-of-scan marker. MPO (a camera's multi-picture JPEG, Pillow's name for one with that extension) is a
    JPEG too."""
    return image_format in JPEG_FORMATS and raw.count(b"\xff\xda") > MAX_JPEG_SCANS


def _decode(raw: bytes, size: int, channels: int, max_pixels: int = ArchiveLimits.max_image_pixels):
    """One image → (C, size, size) uint8 (a numpy view of the decoded bytes, copied once into the archive's
    tensor: a torch tensor per image was a tenth of a tiny image's time), or None if it is not a readable image.

    The header's width × height is checked before any pixel is decoded
    (:class:`_TooLarge` when over ``max_pixels``). Pillow raises many kinds
    for damaged files (SyntaxError, NotImplementedError, struct.error, ...):
    any of them means "not a readable image"; so does a JPEG of too many scans, and a header Pillow would take
    seconds to read (:data:`UNREADABLE`).
    """
    from PIL import Image

    if _header_size(raw) is UNREADABLE:
        return None
    _pillow_limits()
    try:
        with Image.open(io.BytesIO(raw), formats=IMAGE_FORMATS) as img:
            if _too_many_scans(raw, img.format):
                return None
            width, height = img.size
            if width * height > max_pixels:
                raise _TooLarge
            mode = "L" if channels == 1 else "RGB"
            img.draft(mode, (size, size))  # JPEGs decode at a reduced scale
            img = _to_8bit(img)
            if img.mode != mode:  # (converting to its own mode is a copy: a tenth of a CIFAR-10 image's decoding)
                img = img.convert(mode)
            if img.size != (size, size):
                img = img.resize((size, size), Image.BILINEAR)
            pixels = np.frombuffer(img.tobytes(), dtype=np.uint8).reshape(size, size, channels)
    except (_TooLarge, Image.DecompressionBombError):  # Pillow's own header check, for the very largest
        raise _TooLarge from None
    except Exception:  # noqa: BLE001 - a hostile file can make Pillow raise anything
        return None
    return pixels.transpose(2, 0, 1)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"  # Pillow's own test for a JPEG (its _accept), checked before BMP, GIF and WebP
# Pillow's JPEG markers (JpegImagePlugin.MARKER; tests/hostile/test_hostile_data.py pins these sets to it):
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xDE}  # its SOF handler: they set the size (DHP too)
# the segments it steps over by their length (tables, APPn, COM, the frames) ...
_JPEG_SEGMENTS = frozenset(range(0xC0, 0xD0)) - {0xC8} | frozenset(range(0xDB, 0xF0)) | {0xFE}
_JPEG_NO_LENGTH = frozenset({0xC8, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})  # ... and those it passes without one
_HEADER_PARTS = 1024  # chunks or segments before the pixels (real files: under 30); beyond, unreadable
_HEADER_JUNK_BYTES = 4096  # bytes between a JPEG's segments that Pillow reads one at a time; beyond, unreadable
UNREADABLE = False  # _header_size's answer for a file Pillow would refuse, or read for seconds


def _png_header_size(raw: bytes) -> tuple[str, int, int] | bool | None:
    at, size = len(PNG_SIGNATURE), None
    for _ in range(_HEADER_PARTS):
        if at + 8 > len(raw):
            return None  # cut short: Pillow's to read
        length, kind = struct.unpack(">I", raw[at:at + 4])[0], raw[at + 4:at + 8]
        if kind == b"IHDR":
            if size is not None or length != 13 or at + 16 > len(raw):
                return None  # a second IHDR (Pillow would take the last) or a short one
            width, height = struct.unpack(">II", raw[at + 8:at + 16])
            size = ("PNG", width, height)
        elif size is None:
            return None  # IHDR comes first in a PNG
        elif kind == b"IDAT":  # the pixels: the header is over
            return size
        at += 12 + length  # length, type, data, CRC: text chunks are stepped over, never inflated
    return UNREADABLE


def _jpeg_header_size(raw: bytes) -> tuple[str, int, int] | bool | None:
    """Pillow's own walk through a JPEG's header (JpegImageFile._open), step for step, up to its first scan."""
    at, size, junk, end = 2, None, 0, len(raw)
    for _ in range(_HEADER_PARTS):
        while at < end:  # junk, escaped FF00 and fill bytes: Pillow reads on one byte at a time
            if raw[at] != 0xFF:
                at, junk = at + 1, junk + 1
            elif at + 1 < end and raw[at + 1] == 0x00:
                at, junk = at + 2, junk + 2
            elif at + 1 < end and raw[at + 1] == 0xFF:
                at, junk = at + 1, junk + 1
            else:
                break
            if junk > _HEADER_JUNK_BYTES:
                return UNREADABLE
        if at + 1 >= end:
            return None  # cut short: Pillow's to read
        marker = raw[at + 1]
        if marker == 0xDA:  # the first scan: the frame header before it is the one decoded
            return size
        if marker in _JPEG_NO_LENGTH:
            at += 2
            continue
        if marker not in _JPEG_SEGMENTS:
            return UNREADABLE  # Pillow: "no marker found"
        if at + 4 > end:
            return None
        length = struct.unpack(">H", raw[at + 2:at + 4])[0]
        if marker in _JPEG_FRAMES:
            if size is not None or length < 8 or at + 9 > end:
                return None  # a second frame header (Pillow would take the last) or a short one
            height, width = struct.unpack(">HH", raw[at + 5:at + 9])
            size = ("JPEG", width, height)
        at += 2 + length
    return UNREADABLE


def _header_size(raw: bytes) -> tuple[str, int, int] | bool | None:
    """(format, width, height) of a PNG or JPEG read straight from its header; :data:`UNREADABLE` for one Pillow
    would refuse or take seconds to read (over :data:`_HEADER_JUNK_BYTES` of junk between a JPEG's segments, over
    :data:`_HEADER_PARTS` chunks or segments: Pillow reads those a byte or a chunk at a time, 40 s for 20 MB);
    None for another format or a header this reading leaves to Pillow.

    The size Pillow's lazy open gives, in microseconds instead of about 60 (a 1 KB CIFAR-10 JPEG: half its
    decoding time), walking the header as Pillow does: a PNG chunk by chunk to IDAT, a JPEG segment by segment to
    its first scan. A header holding a second size, which Pillow would take instead, is Pillow's to read: a size
    returned is the one decoded. A file whose pixels turn out unreadable still costs what its header declares
    (:func:`_decode` then skips it).
    """
    if raw.startswith(PNG_SIGNATURE):
        return _png_header_size(raw)
    if raw.startswith(JPEG_START):
        return _jpeg_header_size(raw)
    return None


def _decoding_cost(raw: bytes, max_pixels: int, size: int) -> int:
    """The pixels decoding this image will produce, from its header alone (no pixel is decoded).

    Width × height, except for a JPEG, which :func:`_decode` reads at a reduced
    scale (Pillow's draft: 1/2, 1/4 or 1/8 while still at least ``size`` a side);
    at least :data:`MIN_IMAGE_COST`. 0 for what will not be decoded: not an
    image, over ``max_pixels``, a JPEG of too many scans (skipped). PNG and JPEG
    headers are read directly (:func:`_header_size`), other formats by Pillow.
    """
    header = _header_size(raw)
    if header is UNREADABLE:
        return 0
    if header is not None:
        image_format, width, height = header
    else:
        from PIL import Image

        _pillow_limits()
        try:
            with Image.open(io.BytesIO(raw), formats=IMAGE_FORMATS) as img:  # lazy: the header only
                width, height = img.size
                image_format = img.format
        except Exception:  # noqa: BLE001 - a hostile file can make Pillow raise anything
            return 0
    if _too_many_scans(raw, image_format):
        return 0
    jpeg = image_format in JPEG_FORMATS
    if width * height > max_pixels:
        return 0
    scale = 1
    while jpeg and scale < 8 and min(width, height) // (2 * scale) >= size:
        scale *= 2
    return max(-(-width // scale) * -(-height // scale), MIN_IMAGE_COST)


class _Source:
    """Uniform reading of a zip or a folder, with the archive checks applied once."""

    def __init__(self, path: Path | bytes, limits: ArchiveLimits):
        self.path = path
        self.limits = limits
        self.zip: zipfile.ZipFile | None = None
        if isinstance(path, Path) and path.is_dir():
            files = []
            for p in sorted(path.rglob("*")):
                if p.is_file():  # FIFOs, sockets and devices are never opened
                    files.append(p)
                    if len(files) > limits.max_files:
                        raise DataError("err.zip_too_many_files", count=len(files), limit=limits.max_files)
            self.members = {PurePosixPath(p.relative_to(path).as_posix()): p for p in files}
            return
        try:
            self.zip = open_zip(path, limits.max_files)  # the directory counted before zipfile parses it
            infos = [i for i in self.zip.infolist() if not i.is_dir()]
        except TooManyEntries as exc:
            raise DataError("err.zip_too_many_files", count=exc.count, limit=limits.max_files) from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise DataError("err.zip_not_zip") from exc
        if len(infos) > limits.max_files:
            raise DataError("err.zip_too_many_files", count=len(infos), limit=limits.max_files)
        self.members = {}
        for info in infos:
            safe = _safe_member(info.filename)
            if safe is None:
                raise DataError("err.zip_unsafe_path", path=info.filename[:100])
            self.members[safe] = info

    def size(self, member: PurePosixPath) -> int:
        """The member's uncompressed size: as the zip declares it (reading stops there), or the file's."""
        found = self.members[member]
        return found.stat().st_size if self.zip is None else found.file_size

    def check(self, members) -> None:
        """Refuse the archive now, before any of these members (the ones to be read) is: one too big for an
        image, all of them too big together, or one that can never be read (encrypted, Deflate64)."""
        total = 0
        for member in members:
            size = self.size(member)
            if size > self.limits.max_file_mb * 2**20:
                raise self._too_big(member, size)
            total += size
            if self.zip is not None:
                try:
                    check_member(self.members[member])
                except MemberProblem as exc:
                    raise DataError("err.zip_member", path=str(member)[:100], reason=exc.reason) from exc
        if total > self.limits.max_total_mb * 2**20:
            raise DataError("err.zip_too_big", size_mb=mb_up(total), limit_mb=self.limits.max_total_mb)

    def _too_big(self, member: PurePosixPath, size: int) -> DataError:
        return DataError("err.zip_image_too_big", path=str(member)[:100], size_mb=mb_up(size),
                         limit_mb=self.limits.max_file_mb)

    def read(self, member: PurePosixPath) -> bytes:
        cap = self.limits.max_file_mb * 2**20
        if self.zip is None:
            with open(self.members[member], "rb") as f:  # never more than the cap, whatever the file holds
                data = f.read(cap + 1)
                if len(data) > cap:  # it grew since it was checked
                    raise self._too_big(member, os.fstat(f.fileno()).st_size)
            return data
        try:
            return read_member(self.zip, self.members[member], cap)
        except MemberTooBig as exc:
            raise self._too_big(member, exc.size) from exc
        except MemberProblem as exc:
            raise DataError("err.zip_member", path=str(member)[:100], reason=exc.reason) from exc

    def fingerprint(self) -> str:
        if isinstance(self.path, bytes):
            return hashlib.sha1(self.path).hexdigest()[:16]
        st = self.path.stat()
        return hashlib.sha1(f"{self.path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def cache_limit_mb() -> float:
    """Decoded archives kept on disk (CNN_PLAYGROUND_CACHE_MB); the oldest go first beyond this."""
    return env.get("CACHE_MB")


def trim_cache(cache_dir: Path, limit_mb: float | None = None) -> None:
    """Delete the least recently used decoded archives until the cache holds at most ``limit_mb``."""
    limit = (cache_limit_mb() if limit_mb is None else limit_mb) * 2**20
    try:
        files = sorted(cache_dir.glob("*.pt"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for old in files:
            if total <= limit:
                break
            total -= old.stat().st_size
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process trimmed the same file first


def _read_cache(cache_file: Path) -> ImageData | None:
    if not cache_file.exists():
        return None
    try:
        cached = torch.load(cache_file, weights_only=True)
        os.utime(cache_file)  # recently used: the last to be trimmed
        return ImageData(cached["name"], cached["classes"], cached["train_x"], cached["train_y"],
                         cached["test_x"], cached["test_y"], [tuple(n) for n in cached["notes"]])
    except Exception:  # noqa: BLE001 - a damaged cache file is decoded again
        return None


def _write_cache(cache_file: Path, data: ImageData) -> None:
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        torch.save({"name": data.name, "classes": data.classes, "train_x": data.train_x,
                    "train_y": data.train_y, "test_x": data.test_x, "test_y": data.test_y,
                    "notes": [list(n) for n in data.notes]}, tmp)
        tmp.replace(cache_file)
        trim_cache(cache_file.parent)
    except OSError:
        pass  # a read-only or full disk only costs the next decode


KEPT_READ_MB = 64  # files read for the decoding check, kept for decoding rather than read again (bytes and entries)


def _check_decoding_work(source: _Source, members: list[PurePosixPath], limits: ArchiveLimits,
                         size: int) -> dict[PurePosixPath, bytes]:
    """Refuse the archive when decoding its images would produce more pixels together than the limit allows.

    Decoding time follows the pixels an image decodes to, not its bytes. Each
    header is read (Image.open is lazy) and the sum checked before the first
    pixel is decoded; reading stops as soon as the sum is over. The files read
    are returned, up to :data:`KEPT_READ_MB` of them, for decoding to take
    instead of reading them again (100,000 small PNGs: a fifth of the load was
    reading each member out of the zip twice).
    """
    budget = limits.max_total_megapixels * 10**6
    total = kept_bytes = 0
    kept: dict[PurePosixPath, bytes] = {}
    for checked, member in enumerate(members, 1):
        raw = source.read(member)
        total += _decoding_cost(raw, limits.max_image_pixels, size)
        if total > budget:
            raise DataError("err.zip_too_many_pixels", count=len(members), megapixels=-(-total // 10**6),
                            limit=limits.max_total_megapixels, checked=checked)
        kept_bytes += len(raw) + 200  # the bytes object and its entry
        if kept_bytes <= KEPT_READ_MB * 2**20:
            kept[member] = raw
    return kept


def load_image_archive(path: Path | str | bytes, size: int = 64, channels: int | None = None,
                       test_fraction: float = 0.2, limits: ArchiveLimits = ArchiveLimits(),
                       cache_dir: Path | str | None = None, seed: int = 0,
                       name: str | None = None) -> ImageData:
    """A zip or folder of ``class/image`` files (or ``train|test/class/image``) as tensors.

    Images are resized to ``size``×``size``; ``channels`` is 3 unless every
    image is grayscale-looking (decided from the first image) when None.
    Non-images, unreadable images and images whose header declares more than
    ``limits.max_image_pixels`` are skipped and counted in ``notes``; the
    memory of all images decoded together, and the pixels their headers
    declare (the decoding time), are checked before any is decoded.
    Results are cached on disk keyed by the archive's content (an upload) or
    path, size and modification time; the cache is trimmed oldest first.
    """
    if not isinstance(path, bytes):
        path = Path(path)
        if not path.exists():
            raise DataError("err.data_missing", dataset=path.name, data_dir=path.parent,
                            reason=Message("reason.path_not_found"))
        if not (path.is_file() or path.is_dir()):  # a FIFO or /dev/zero would be read forever
            raise DataError("err.not_a_file", path=str(path))
        name = name or path.stem
    name = name or "upload"
    if not LIMITS["in_height"][0] <= size <= LIMITS["in_height"][1]:
        raise DataError("err.bad_image_size", size=size, low=LIMITS["in_height"][0], high=LIMITS["in_height"][1])
    source = _Source(path, limits)
    users = [m for m in source.members if not _system_file(m)]  # the operating system's files are not counted
    images = [m for m in users if m.suffix.lower() in IMAGE_SUFFIXES]
    not_images = len(users) - len(images)
    layout, outside = _class_layout(images)
    layout = _named_classes(layout, limits.max_classes)
    all_classes = sorted({c for items in layout.values() for c, _ in items})
    if not all_classes:
        raise DataError("err.zip_no_images")
    if len(all_classes) == 1:
        raise DataError("err.zip_one_class", classes=all_classes[0])
    if len(all_classes) > limits.max_classes:
        raise DataError("err.zip_too_many_classes", count=len(all_classes), limit=limits.max_classes)
    count = sum(len(items) for items in layout.values())
    need_mb = count * size * size * (channels or 3) / 2**20
    if need_mb > limits.max_decoded_mb:
        raise DataError("err.zip_decoded_too_big", count=count, size=size, need_mb=math.ceil(need_mb),
                        limit_mb=limits.max_decoded_mb)
    source.check(m for items in layout.values() for _, m in items)

    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    cache_file = cache_dir / f"{source.fingerprint()}-{size}-{channels}-v{CACHE_FORMAT}.pt"
    cached = _read_cache(cache_file)
    if cached is not None:
        return cached

    kept = _check_decoding_work(source, [m for items in layout.values() for _, m in items], limits, size)

    def read(member: PurePosixPath, keep: bool = False) -> bytes:
        raw = kept.get(member) if keep else kept.pop(member, None)  # let go of a kept file once it is decoded
        return source.read(member) if raw is None else raw

    if channels is None:
        first = None
        for _, member in layout[next(iter(layout))][:20]:  # the first readable image decides
            try:
                first = _decode(read(member, keep=True), size, 3, limits.max_image_pixels)  # decoded again below
            except _TooLarge:
                continue
            if first is not None:
                break
        gray = first is not None and bool((first[0] == first[1]).all() and (first[1] == first[2]).all())
        channels = 1 if gray else 3
    index = {c: i for i, c in enumerate(all_classes)}

    def decode_split(items, order=None):
        """Decode straight into one preallocated tensor (no per-image list, no stacking copy)."""
        if order is not None:
            items = [items[i] for i in order]
        x = torch.empty(len(items), channels, size, size, dtype=torch.uint8)  # (N, C, H, W)
        into = x.numpy()  # the same memory: each image is copied in by numpy, without a tensor of its own
        status = [0] * len(items)  # 1 decoded, 0 unreadable, 2 too large

        # One thread: Pillow lets go of the GIL only while it decodes pixels, and most of a small image's time is
        # Python holding it. Measured on the 2-core machine: CIFAR-10's 60,000 JPEGs in 15.5 s in one thread,
        # 21.7 s in two (one future each); 200 photos of 900×1200 in 2.19 s and 2.09 s.
        for i, (_, member) in enumerate(items):
            try:
                t = _decode(read(member), size, channels, limits.max_image_pixels)
            except _TooLarge:
                status[i] = 2
                continue
            if t is not None:
                into[i] = t
                status[i] = 1
        keep = [i for i, ok in enumerate(status) if ok == 1]
        for j, i in enumerate(keep):  # compact in place: the decoded images first, in order
            if i != j:
                x[j] = x[i]
        y = torch.tensor([index[items[i][0]] for i in keep], dtype=torch.long)
        return x[:len(keep)], y, status.count(0), status.count(2)

    notes: list[tuple[str, dict]] = []
    if "all" in layout:
        items = layout["all"]
        # Decode in a seeded random order, so the first images make the test set and no copy is needed.
        order = torch.randperm(len(items), generator=torch.Generator().manual_seed(seed)).tolist()
        x, y, bad, large = decode_split(items, order)
        n_test = max(1, int(len(y) * test_fraction)) if len(y) > 1 else 0
        test_x, test_y, train_x, train_y = x[:n_test], y[:n_test], x[n_test:], y[n_test:]
    else:
        train_x, train_y, bad_train, large_train = decode_split(layout["train"])
        test_x, test_y, bad_test, large_test = decode_split(layout["test"])
        bad, large = bad_train + bad_test, large_train + large_test
    if len(train_y) == 0:
        raise DataError("err.zip_no_images")
    skipped = not_images + outside + bad
    if skipped:
        notes.append(("note.skipped_files", {"count": skipped}))
    if large:
        notes.append(("note.skipped_large", {"count": large, "limit": limits.max_image_pixels}))
    notes.append(("note.images_loaded", {"train": len(train_y), "test": len(test_y),
                                         "classes": len(all_classes), "size": size}))
    data = ImageData(name, all_classes, train_x, train_y, test_x, test_y, notes)
    _write_cache(cache_file, data)
    return data


# ---------------------------------------------------------------- one photo, for a colour network

PHOTO_MAX_MB = 10  # a photo's file: a phone's JPEG is 2–5 MB
PHOTO_FORMATS = ("PNG", "JPEG")
PHOTO_PREVIEW_SIDE = 320  # the longer side of the photo shown at its own aspect


@dataclass(frozen=True)
class Photo:
    """A photo read for a network: what it was, where the network's input was cut from, what the network gets."""

    preview: torch.Tensor  # (C, h, w) uint8, the whole photo at its own aspect, longer side ≤ PHOTO_PREVIEW_SIDE
    crop: tuple[int, int, int, int]  # (left, top, right, bottom) of the centred crop, in the preview's pixels
    size: tuple[int, int]  # the file's own width × height
    image: torch.Tensor  # (C, H, W) uint8: the centred crop of the network's aspect, resized to its input

    def tensor(self) -> torch.Tensor:
        """(1, C, H, W) float in [0, 1], exactly as training normalises."""
        return self.image.float().div(255).unsqueeze(0)


def centre_crop(width: int, height: int, aspect: float) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` (width / height) centred in a ``width`` × ``height`` image."""
    if width / height > aspect:  # too wide: cut the sides
        w = max(1, round(height * aspect))
        left = (width - w) // 2
        return left, 0, left + w, height
    h = max(1, round(width / aspect))
    top = (height - h) // 2
    return 0, top, width, top + h


def read_photo(raw: bytes, height: int, width: int, channels: int = 3,
               max_pixels: int = ArchiveLimits.max_image_pixels) -> Photo:
    """A PNG or JPEG file → the network's ``height`` × ``width`` × ``channels`` input: the centred crop of the
    input's aspect, resized (so nothing is stretched), or a :class:`DataError` to show.

    The file's length, format, JPEG scans and the pixels its header declares are checked before a pixel is
    decoded, as for an archive's images (:func:`_decode`); a JPEG decodes at a reduced scale (Pillow's draft).
    """
    from PIL import Image

    if len(raw) > PHOTO_MAX_MB * 2**20:
        raise DataError("err.photo_too_big", size_mb=round(len(raw) / 2**20, 1), limit_mb=PHOTO_MAX_MB)
    if _header_size(raw) is UNREADABLE:  # Pillow would take seconds to refuse it
        raise DataError("err.photo_unreadable")
    _pillow_limits()
    mode = "L" if channels == 1 else "RGB"
    try:
        with Image.open(io.BytesIO(raw), formats=PHOTO_FORMATS) as img:
            size = img.size
            if size[0] * size[1] > max_pixels or _too_many_scans(raw, img.format):
                raise _TooLarge
            img.draft(mode, (max(width, PHOTO_PREVIEW_SIDE), max(height, PHOTO_PREVIEW_SIDE)))
            img = _to_8bit(img).convert(mode)
    except (_TooLarge, Image.DecompressionBombError):
        raise DataError("err.photo_too_many_pixels", megapixels=round(max_pixels / 1e6, 1)) from None
    except Exception:  # noqa: BLE001 - a hostile file can make Pillow raise anything
        raise DataError("err.photo_unreadable") from None
    preview = img.copy()
    preview.thumbnail((PHOTO_PREVIEW_SIDE, PHOTO_PREVIEW_SIDE), Image.BILINEAR)
    box = centre_crop(*img.size, width / height)
    small = img.crop(box).resize((width, height), Image.BILINEAR, reducing_gap=2.0)
    scale = preview.size[0] / img.size[0]
    shown_box = tuple(round(v * scale) for v in box)

    def chw(picture) -> torch.Tensor:
        w, h = picture.size
        return torch.frombuffer(bytearray(picture.tobytes()), dtype=torch.uint8).view(h, w, channels).permute(2, 0, 1)

    return Photo(chw(preview).contiguous(), shown_box, size, chw(small).contiguous())
