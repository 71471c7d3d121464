"""Hostile image archives: broken members, images Pillow chokes on, lying headers, too many pixels.

Every refusal names a translated key and leaves nothing behind (no cache file);
every image that cannot be used is skipped and counted; memory is bounded
before decoding starts, measured as peak RSS in a child process.
"""

from __future__ import annotations

import functools
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import textwrap
import warnings
import zipfile
import zlib

import numpy as np
import pytest
import zipcraft
from conftest import REPO, png_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from cnn_core.base.errors import DataError
from cnn_core.base.texts import translate
from cnn_core.data.loading import ArchiveLimits, load_dataset, load_image_archive, trim_cache


def good_members(n: int = 6) -> dict[str, bytes]:
    members = {f"cats/{i}.png": png_bytes(30 + i) for i in range(n)}
    members |= {f"dogs/{i}.png": png_bytes(220 - i) for i in range(n)}
    return members


def refused(raw, tmp_path, **kwargs) -> DataError:
    with pytest.raises(DataError) as err:
        load_image_archive(raw, size=16, cache_dir=tmp_path / "cache", **kwargs)
    for lang in ("en", "es"):
        text = translate(lang, err.value.key, **err.value.params)
        assert "{" not in text.replace("{'", "") and ".." not in text
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())  # nothing kept
    return err.value


def _rename_local(raw: bytes, name: str) -> bytes:
    """The member's local header names another file than the central directory does."""
    local, _ = zipcraft._headers(raw, name)
    out = bytearray(raw)
    out[local + 30] ^= 0x20  # "dogs/2.png" -> "Dogs/2.png"
    return bytes(out)


@pytest.mark.parametrize("broken, why", [
    (lambda raw: zipcraft.patch(raw, "dogs/2.png", crc=0xDEADBEEF), "reason.zip_bad_checksum"),
    (lambda raw: zipcraft.flip_data(raw, "dogs/2.png"), "reason.zip_bad_checksum"),  # stored block: data, not stream
    (lambda raw: zipcraft.patch(raw, "dogs/2.png", size=1000), "reason.zip_bad_checksum"),  # directory lies: less
    (lambda raw: zipcraft.flip_data(raw, "dogs/2.png", offset=0), "reason.zip_damaged"),  # the deflate stream
    (lambda raw: _rename_local(raw, "dogs/2.png"), "reason.zip_bad_header"),
    (lambda raw: zipcraft.patch(raw, "dogs/2.png", flag=0x1), "reason.zip_encrypted"),
    (lambda raw: zipcraft.patch(raw, "dogs/2.png", method=9), "reason.zip_compression"),  # deflate64
    (lambda raw: zipcraft.patch(raw, "dogs/2.png", method=99), "reason.zip_compression"),
])
def test_a_broken_member_refuses_the_zip_with_its_name_and_reason(broken, why, tmp_path):
    members = good_members()
    members["dogs/2.png"] = os.urandom(4000)  # room to corrupt: incompressible data
    err = refused(broken(zipcraft.make(members)), tmp_path)
    assert err.key == "err.zip_member" and err.params["path"] == "dogs/2.png"
    assert err.params["reason"].key == why
    assert not any(isinstance(v, str) for v in err.params["reason"].params.values())  # no exception's text
    spanish = translate("es", err.key, **err.params)
    assert spanish.startswith("dogs/2.png del zip") and not any(w in spanish for w in ("Bad", "Error", "CRC-32"))


def bmp_bytes(color: tuple[int, int, int], side: int = 800) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (side, side), color).save(buf, "BMP")
    return buf.getvalue()


def test_plain_background_bmps_compressing_a_thousandfold_load(tmp_path):
    members = {f"gatos/{i}.bmp": bmp_bytes((200, 20 * i, 0)) for i in range(5)}
    members |= {f"perros/{i}.bmp": bmp_bytes((0, 20 * i, 200)) for i in range(5)}
    raw = zipcraft.make(members)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert all(i.file_size > 2**20 and i.file_size > 200 * i.compress_size for i in z.infolist())
    data = load_image_archive(raw, size=16, cache_dir=tmp_path)
    assert data.classes == ["gatos", "perros"] and len(data.train_y) + len(data.test_y) == 10


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_a_jpeg_with_a_15_mb_colour_profile_loads(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(buf, "JPEG", icc_profile=bytes(15 * 2**20))
    members = {f"{c}/{i}.jpg": buf.getvalue() for c in ("cats", "dogs") for i in range(2)}
    data = load_image_archive(zipcraft.make(members), size=16, cache_dir=tmp_path)
    assert len(data.train_y) + len(data.test_y) == 4


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_files_the_loader_ignores_are_never_inflated_nor_refused_for_their_size(tmp_path):
    huge = bytes(64 * 2**20)  # over the one-image and, with ArchiveLimits(max_total_mb=50), the whole limit
    members = good_members() | {"__MACOSX/cats/._0.png": huge, "cats/.hidden.png": huge, "notes.txt": huge,
                                "cats/video.mov": huge, "stray.png": huge}
    data = load_image_archive(zipcraft.make(members), size=16, cache_dir=tmp_path,
                              limits=ArchiveLimits(max_total_mb=50))
    assert len(data.train_y) + len(data.test_y) == 12


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("members, limits, key", [
    ({"cats/big.bmp": bmp_bytes((1, 2, 3), 2600), "dogs/x.png": png_bytes()},  # 19.3 MB: 0.1 MB under 20
     ArchiveLimits(max_file_mb=19), "err.zip_image_too_big"),
    ({"cats/big.bmp": bytes(20 * 2**20 + 1), "dogs/x.png": png_bytes()},  # one byte over
     ArchiveLimits(), "err.zip_image_too_big"),
    ({f"{c}/{i}.bmp": bmp_bytes((i, i, i)) for c in ("cats", "dogs") for i in range(2)},  # 7.3 MB together
     ArchiveLimits(max_total_mb=7), "err.zip_too_big"),
])
def test_a_size_refusal_names_a_size_over_its_limit(members, limits, key, lang, tmp_path):
    err = refused(zipcraft.make(members), tmp_path, limits=limits)
    assert err.key == key and err.params["size_mb"] > err.params["limit_mb"]
    text = translate(lang, err.key, **err.params)
    if key == "err.zip_image_too_big":
        assert text.startswith("cats/big.bmp ")  # the file named exactly as it is
    sizes = [float(n.replace(",", ".")) for n in re.findall(r"(\d+(?:[.,]\d+)?) MB", text)]
    assert len(sizes) == 2 and sizes[0] > sizes[1], text  # "19,3 MB, more than 19 MB", never "2 MB ... 20 MB"


@pytest.mark.parametrize("lang, words", [("es", "ningún conjunto"), ("en", "no dataset")])
def test_a_missing_dataset_says_why_in_the_readers_language(lang, words, tmp_path):
    with pytest.raises(DataError) as unknown:
        load_dataset("no-such-dataset", data_dir=tmp_path)
    with pytest.raises(DataError) as missing:
        load_image_archive(tmp_path / "nowhere.zip")
    assert words in translate(lang, unknown.value.key, **unknown.value.params)
    assert missing.value.params["reason"].key == "reason.path_not_found"
    assert "not found" not in translate("es", missing.value.key, **missing.value.params)


@pytest.fixture
def no_zipfile(monkeypatch):
    """zipfile.ZipFile made to fail: a refusal that needs it parses the central directory first."""
    def parsed(*args, **kwargs):
        raise AssertionError("zipfile parsed the central directory before the entries were counted")
    monkeypatch.setattr(zipfile, "ZipFile", parsed)


@pytest.mark.parametrize("raw", [
    zipcraft.many_entries(3_000),  # the 16-bit count says 3,000: the directory is counted, not the claim
    zipcraft.many_entries(70_000),  # the count says 65,535 (its most), the directory holds more
    zipcraft.many_entries(10, declared=2**40, zip64=True),  # a zip64 end record declaring 2^40 entries
], ids=["declared", "16-bit-count-lies", "zip64"])
def test_too_many_entries_are_refused_before_zipfile_reads_the_directory(raw, tmp_path, no_zipfile):
    err = refused(raw, tmp_path, limits=ArchiveLimits(max_files=1_000))
    assert err.key == "err.zip_too_many_files" and err.params["limit"] == 1_000


def _end_record_hiding_its_signature() -> bytes:
    """The end record's offset field set to the end record's own signature bytes: a search from the back finds
    those first (too few bytes after them for a record), while zipfile reads the comment-less record as it is."""
    raw = bytearray(zipcraft.many_entries(3_000))
    at = raw.rfind(b"PK\x05\x06")
    raw[at + 16:at + 20] = b"PK\x05\x06"
    return bytes(raw)


@pytest.mark.parametrize("raw", [
    _end_record_hiding_its_signature(),
    zipcraft.many_entries(3_000) + b"x",  # one byte after the end record: the search window is zipfile's own
], ids=["signature-in-the-end-record", "byte-after-the-end"])
def test_a_directory_zipfile_can_find_is_always_counted(raw, tmp_path, no_zipfile):
    err = refused(raw, tmp_path, limits=ArchiveLimits(max_files=1_000))
    assert err.key == "err.zip_too_many_files"


def test_a_zip_whose_directory_cannot_be_found_is_refused_not_waved_through(tmp_path):
    from cnn_core.base.archive import count_entries

    with pytest.raises(zipfile.BadZipFile):
        count_entries(io.BytesIO(b"PK\x03\x04 no end record here"), 10)


def test_folder_entries_do_not_count_as_files(tmp_path):
    members = {f"{c}/": b"" for c in ("cats", "dogs")} | good_members(10)
    data = load_image_archive(zipcraft.make(members), size=8, cache_dir=tmp_path, limits=ArchiveLimits(max_files=20))
    assert len(data.train_y) + len(data.test_y) == 20


def test_images_that_make_pillow_raise_anything_are_skipped_and_counted(tmp_path):
    warnings.simplefilter("ignore")
    rng = random.Random(0)
    pixels = np.random.RandomState(0).randint(0, 255, (20, 20, 3), dtype=np.uint8)
    members = good_members()
    broken = 0
    for fmt in ("PNG", "GIF", "BMP", "JPEG", "WEBP", "TIFF", "ICO", "PPM", "TGA", "PCX", "SGI"):
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format=fmt)
        for i in range(40):  # a few bytes changed: Pillow raises OSError, ValueError, DecompressionBombError, ...
            raw = bytearray(buf.getvalue())
            for _ in range(rng.randint(1, 6)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            members[f"{'cats' if i % 2 else 'dogs'}/{fmt}{i}.png"] = bytes(raw)
            broken += 1
    members["cats/text.png"] = b"just text"
    members["dogs/empty.jpg"] = b""
    data = load_image_archive(zipcraft.make(members), size=16, cache_dir=tmp_path)
    notes = dict(data.notes)
    skipped = notes.get("note.skipped_files", {}).get("count", 0) + notes.get("note.skipped_large", {}).get("count", 0)
    assert len(data.train_y) + len(data.test_y) + skipped == len(members)
    assert skipped >= 2 and len(data.train_y) + len(data.test_y) >= 12


def test_16_bit_pngs_are_scaled_to_8_bits_not_clipped_white(tmp_path):
    def png16(value: int) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(np.full((8, 8), value, dtype=np.uint16)).save(buf, format="PNG")
        return buf.getvalue()

    members = {f"dark/{i}.png": png16(16384) for i in range(4)} | {f"light/{i}.png": png16(49152) for i in range(4)}
    data = load_image_archive(zipcraft.make(members), size=8, cache_dir=tmp_path)
    x = np.concatenate([data.train_x.numpy(), data.test_x.numpy()])
    y = np.concatenate([data.train_y.numpy(), data.test_y.numpy()])
    assert data.shape[2] == 1
    assert set(np.unique(x[y == data.classes.index("dark")])) == {64}
    assert set(np.unique(x[y == data.classes.index("light")])) == {192}


def test_train_test_folders_mixed_with_plain_class_folders_are_refused(tmp_path):
    members = {f"train/cats/{i}.png": png_bytes(30) for i in range(3)} | {f"test/cats/{i}.png": png_bytes(30)
                                                                         for i in range(3)}
    members |= {f"dogs/{i}.png": png_bytes(200) for i in range(3)}
    err = refused(zipcraft.make(members), tmp_path)
    assert err.key == "err.zip_mixed_layout" and err.params["example"].startswith("dogs/")


def test_only_a_train_folder_is_split_like_plain_folders(tmp_path):
    members = {f"train/cats/{i}.png": png_bytes(30) for i in range(5)} | {f"train/dogs/{i}.png": png_bytes(200)
                                                                         for i in range(5)}
    data = load_image_archive(zipcraft.make(members), size=8, cache_dir=tmp_path)
    assert len(data.train_y) == 8 and len(data.test_y) == 2


def two_classes(first: str, second: str) -> bytes:
    members = {f"{first}/{i}.png": png_bytes(30 + i) for i in range(6)}
    return zipcraft.make(members | {f"{second}/{i}.png": png_bytes(220 - i) for i in range(6)})


@pytest.mark.parametrize("folder, key", [
    (" ", "err.zip_class_blank"),
    ("\u3000", "err.zip_class_blank"),  # an ideographic space
    ("\u200b\u200b", "err.zip_class_blank"),  # zero-width spaces: not whitespace to str.strip, still invisible
    ("x" * 101, "err.zip_class_too_long"),
])
def test_a_folder_that_cannot_be_a_class_name_is_refused_naming_it(folder, key, tmp_path):
    err = refused(two_classes(folder, "dogs"), tmp_path)
    assert err.key == key
    shown = err.params["folder"]
    assert shown.startswith(repr(folder)[:10]) or shown.startswith(folder[:40])


@pytest.mark.parametrize("first, second", [
    ("cat", "cat "), ("cat", "\u3000cat"), ("big cat", "big  cat"), ("big cat", "big\tcat"),
    ("caf\u00e9", "cafe\u0301"),  # é composed, and e + a combining accent as a Mac zips it
])
def test_two_folders_that_are_one_class_name_are_refused(first, second, tmp_path):
    err = refused(two_classes(first, second), tmp_path)
    assert err.key == "err.zip_class_same_name"
    assert {err.params["first"], err.params["second"]} == {repr(first), repr(second)}


@pytest.mark.parametrize("first, second", [
    ("  cats ", "dogs\t"), ("x" * 100, "y"), ("cafe\u0301", "\U0001F468\u200d\U0001F469"), ("a\u00a0b", "7"),
])
def test_every_class_name_the_loader_gives_a_model_file_reads_back(first, second, tmp_path):
    from cnn_core import PRESETS
    from cnn_core.nn import checkpoint
    from cnn_core.nn.model import build_model

    data = load_image_archive(two_classes(first, second), size=16, cache_dir=tmp_path)
    raw = checkpoint.to_bytes(build_model(PRESETS["small"].replace(num_classes=2)), data.classes)
    assert checkpoint.from_bytes(raw).classes == data.classes
    assert all(c == c.strip() and len(c) <= 100 for c in data.classes)


def png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header says width × height (CRC fixed, so Pillow trusts it)."""
    raw = bytearray(png_bytes(size=1))
    at = raw.index(b"IHDR")
    struct.pack_into(">II", raw, at + 4, width, height)
    struct.pack_into(">I", raw, at + 17, zlib.crc32(bytes(raw[at:at + 17])))
    return bytes(raw)


def test_images_declaring_huge_dimensions_are_skipped_before_decoding(tmp_path):
    members = good_members() | {f"cats/bomb{i}.png": png_claiming(60_000, 60_000) for i in range(3)}
    data = load_image_archive(zipcraft.make(members), size=16, cache_dir=tmp_path)
    assert dict(data.notes)["note.skipped_large"]["count"] == 3
    assert len(data.train_y) + len(data.test_y) == 12


def test_too_many_decoded_pixels_are_refused_before_decoding_with_the_figure(tmp_path):
    members = good_members(50)
    err = refused(zipcraft.make(members), tmp_path, limits=ArchiveLimits(max_decoded_mb=0.05))
    assert err.key == "err.zip_decoded_too_big" and err.params["count"] == 100 and err.params["need_mb"] >= 0
    with pytest.raises(DataError) as big:
        load_image_archive(zipcraft.make(members), size=256, cache_dir=tmp_path / "c2",
                           limits=ArchiveLimits(max_decoded_mb=10))
    assert big.value.params["need_mb"] == round(100 * 256 * 256 * 3 / 2**20)


def one_colour(fmt: str, width: int, height: int) -> bytes:
    """A few hundred bytes that declare width × height pixels: lossless WebP, or 16-bit grayscale PNG."""
    buf = io.BytesIO()
    if fmt == "WEBP":
        Image.new("RGB", (width, height), (10, 20, 30)).save(buf, "WEBP", lossless=True)
    else:
        Image.fromarray(np.zeros((height, width), np.uint16)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


class Decoded(BaseException):
    """Not an Exception: the loader's own handlers must not catch it."""


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_pixels_declared_by_all_headers_together_are_refused_before_decoding(fmt, tmp_path, monkeypatch):
    members = good_members() | {f"cats/big{i}.{fmt.lower()}": one_colour(fmt, 1000, 1000) for i in range(4)}
    assert sum(map(len, members.values())) < 100_000  # tiny files, 4 megapixels to decode

    def decoded(*args, **kwargs):
        raise Decoded("an image was decoded before the archive's pixels were counted")
    monkeypatch.setattr("cnn_core.data.loading._decode", decoded)
    err = refused(zipcraft.make(members), tmp_path, limits=ArchiveLimits(max_total_megapixels=3))
    assert err.key == "err.zip_too_many_pixels" and err.params["limit"] == 3
    # Counting stops at the image that goes over: the 12 small ones (12,000 each at least), then the third large one
    assert err.params["megapixels"] == 4 and err.params["checked"] == 15 and err.params["count"] == 16


def test_the_pixel_budget_is_a_server_setting(monkeypatch):
    from cnn_core.settings import Settings

    assert Settings.load([]).archive_limits().max_total_megapixels == ArchiveLimits().max_total_megapixels
    monkeypatch.setenv("CNN_PLAYGROUND_MAX_DECODE_MEGAPIXELS", "250")
    assert Settings.load([]).archive_limits().max_total_megapixels == 250


def test_the_decoded_cache_keeps_the_newest_within_its_cap(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    for i in range(3):
        members = {f"a/{j}.png": png_bytes(10 + i * 50 + j, size=32) for j in range(20)}
        members |= {f"b/{j}.png": png_bytes(240 - i * 50 - j, size=32) for j in range(20)}
        load_image_archive(zipcraft.make(members), size=64, cache_dir=cache)
        os.utime(next(p for p in cache.glob("*.pt") if p.stat().st_mtime_ns == max(
            q.stat().st_mtime_ns for q in cache.glob("*.pt"))), (1000 + i, 1000 + i))
    files = sorted(cache.glob("*.pt"), key=lambda p: p.stat().st_mtime)
    assert len(files) == 3
    one = files[0].stat().st_size
    trim_cache(cache, limit_mb=(2 * one + 10) / 2**20)
    assert sorted(cache.glob("*.pt"), key=lambda p: p.stat().st_mtime) == files[1:]  # the oldest went
    monkeypatch.setenv("CNN_PLAYGROUND_CACHE_MB", str(one * 1.1 / 2**20))
    load_image_archive(zipcraft.make(good_members()), size=16, cache_dir=cache)  # a small new one: trims to fit
    kept = set(cache.glob("*.pt"))
    assert files[2] in kept and files[1] not in kept and len(kept) == 2


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_folder_paths_that_are_not_files_or_folders_are_refused_at_once(special, tmp_path):
    if special == "fifo":
        special = str(tmp_path / "pipe.zip")
        os.mkfifo(special)
    with pytest.raises(DataError) as err:  # a read would block (FIFO) or never end (/dev/zero)
        load_dataset(f"folder:{special}", cache_dir=tmp_path)
    assert err.value.key == "err.not_a_file"


def test_a_folder_holding_a_fifo_and_a_device_link_reads_only_regular_files(tmp_path):
    root = tmp_path / "imgs"
    for name, data in good_members().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    os.mkfifo(root / "cats" / "pipe.png")
    (root / "dogs" / "zero.png").symlink_to("/dev/zero")
    data = load_image_archive(root, size=8, cache_dir=tmp_path / "cache")
    assert len(data.train_y) + len(data.test_y) == 12


CHILD = textwrap.dedent("""
    import sys
    from cnn_core.data.loading import load_image_archive, ArchiveLimits
    from cnn_core.base.errors import PlaygroundError
    from conftest import png_bytes, make_zip

    def kb(field):
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))

    raw, size = open(sys.argv[1], "rb").read(), int(sys.argv[2])
    load_image_archive(make_zip({f"{c}/{i}.png": png_bytes(i) for c in "ab" for i in range(4)}), size=8,
                       cache_dir=sys.argv[3])  # warm: Pillow's and torch's first use
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak
    idle = kb("VmRSS:")
    try:
        data = load_image_archive(raw, size=size, cache_dir=sys.argv[3],
                                  limits=ArchiveLimits(max_total_mb=1000))
        outcome = f"loaded {len(data.train_y) + len(data.test_y)}"
    except PlaygroundError as err:
        outcome = err.key
    print(outcome.replace(" ", "_"), (kb("VmHWM:") - idle) // 1024)
""")


def peak_above_idle(raw: bytes, size: int, tmp_path) -> tuple[str, int]:
    path = tmp_path / "hostile.zip"
    path.write_bytes(raw)
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(size), str(tmp_path / "cache")],
                         cwd=REPO / "tests", capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-2000:]
    outcome, mb = out.stdout.split()
    return outcome, int(mb)


@pytest.fixture(scope="module")
def hundred_thousand_tiny_images() -> bytes:
    tiny = {c: png_bytes(v, size=4, mode="L") for c, v in (("a", 20), ("b", 230))}
    return zipcraft.make({f"{c}/{i}.png": tiny[c] for c in "ab" for i in range(50_000)}, method=0)


@pytest.mark.slow
def test_100k_tiny_images_at_64_px_are_refused_with_bounded_memory(hundred_thousand_tiny_images, tmp_path):
    outcome, mb = peak_above_idle(hundred_thousand_tiny_images, 64, tmp_path)
    print(json.dumps({"case": "100k tiny at 64", "outcome": outcome, "peak_above_idle_mb": mb}))
    assert outcome == "err.zip_decoded_too_big" and mb < 1536


@pytest.mark.slow
def test_100k_tiny_images_at_28_px_load_within_bounded_memory(hundred_thousand_tiny_images, tmp_path):
    outcome, mb = peak_above_idle(hundred_thousand_tiny_images, 28, tmp_path)
    print(json.dumps({"case": "100k tiny at 28", "outcome": outcome, "peak_above_idle_mb": mb}))
    assert outcome == "loaded_100000" and mb < 1536


@pytest.mark.slow
def test_images_declaring_huge_dimensions_stay_within_bounded_memory(tmp_path):
    members = good_members() | {f"cats/bomb{i}.png": png_claiming(16_000, 16_000) for i in range(20)}
    outcome, mb = peak_above_idle(zipcraft.make(members), 64, tmp_path)
    print(json.dumps({"case": "dimension bombs", "outcome": outcome, "peak_above_idle_mb": mb}))
    assert outcome == "loaded_12" and mb < 1536


def test_a_jpeg_counts_at_the_reduced_scale_it_is_decoded_at():
    """Photos are JPEGs read at 1/2 to 1/8 scale (Pillow's draft): their budget follows that, not width × height."""
    from cnn_core.data.loading import MIN_IMAGE_COST, _decoding_cost

    jpeg, png = _jpeg(Image.new("RGB", (1600, 1200), (90, 120, 30))), one_colour("PNG", 1600, 1200)
    limit = ArchiveLimits().max_image_pixels
    assert _decoding_cost(png, limit, 64) == 1600 * 1200  # PNG has no reduced decoding
    assert _decoding_cost(jpeg, limit, 64) == 200 * 150  # 1/8: still ≥ 64 a side
    assert _decoding_cost(jpeg, limit, 300) == 400 * 300  # 1/4: 1/8 would be 150 px, under 300
    assert _decoding_cost(jpeg, limit, 1200) == 1600 * 1200  # full size needed
    assert _decoding_cost(png_bytes(size=8), limit, 64) == MIN_IMAGE_COST  # opening any image costs something


def test_tiny_images_cost_the_budget_too(tmp_path, monkeypatch):
    """100,000 1×1 images are 100,000 files to open and parse: each counts at least MIN_IMAGE_COST."""
    from cnn_core.data.loading import MIN_IMAGE_COST

    def decoded(*args, **kwargs):
        raise Decoded("an image was decoded before the archive's cost was counted")
    monkeypatch.setattr("cnn_core.data.loading._decode", decoded)
    members = {f"{c}/{i}.png": png_bytes(i % 250, size=1) for c in ("a", "b") for i in range(300)}
    err = refused(zipcraft.make(members), tmp_path, limits=ArchiveLimits(max_total_megapixels=5))
    assert err.key == "err.zip_too_many_pixels" and 600 * MIN_IMAGE_COST > 5 * 10**6


def test_a_png_with_megabytes_of_text_chunks_is_not_read():
    """Pillow inflates text chunks on opening, 64 MB an image by default; here at most MAX_PNG_TEXT_BYTES."""
    from cnn_core.data.loading import MIN_IMAGE_COST, _decode, _decoding_cost

    png = png_bytes(size=8)
    text = _chunk(b"zTXt", b"k\0\0" + zlib.compress(b"x" * 2**20)) * 8
    bomb = png[:33] + text + png[33:]  # after IHDR: read when the file is opened
    assert len(bomb) < 20_000
    limit = ArchiveLimits().max_image_pixels
    # The check reads the header directly, stepping over the text by its length (never inflated): an 8×8 image,
    # costing what any image does. Decoding opens it with Pillow, held to the limit: skipped, as unreadable.
    assert _decoding_cost(bomb, limit, 8) == MIN_IMAGE_COST and _decode(bomb, 8, 3) is None


def test_a_jpeg_of_hundreds_of_scans_is_not_decoded():
    from cnn_core.data.loading import MAX_JPEG_SCANS, _decode, _decoding_cost

    good = _jpeg(Image.new("RGB", (64, 64), (90, 120, 30)), progressive=True)
    assert 1 < good.count(b"\xff\xda") <= MAX_JPEG_SCANS and _decode(good, 16, 3) is not None
    at = good.index(b"\xff\xda")
    many = good[:at] + good[at:-2] * (MAX_JPEG_SCANS + 1) + good[-2:]  # the scans again and again, then EOI
    assert many.count(b"\xff\xda") > MAX_JPEG_SCANS
    limit = ArchiveLimits().max_image_pixels
    assert _decoding_cost(many, limit, 16) == 0 and _decode(many, 16, 3) is None


def _jpeg(image: Image.Image, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def _png(image: Image.Image, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", **options)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def _headers_read_directly() -> tuple[bytes, ...]:
    """PNGs and JPEGs as cameras, editors and Pillow write them: every header shape the direct reading follows."""
    photo = Image.linear_gradient("L").resize((300, 200)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Camera"  # Make
    exif[0x0112] = 6  # Orientation: rotated; the decoded size is still the header's (no transposing)
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "x" * 5000, zip=True)
    mpo = io.BytesIO()
    photo.save(mpo, "MPO", save_all=True, append_images=[photo.resize((64, 48))])
    return (
        _png(Image.new("1", (3, 700))), _png(Image.new("L", (1, 1))), _png(Image.new("P", (640, 480))),
        _png(Image.new("RGBA", (33, 17))), _png(Image.new("I;16", (20, 10))), _png(photo, pnginfo=text),
        _jpeg(photo), _jpeg(photo, progressive=True), _jpeg(photo, optimize=True, quality=30),
        _jpeg(photo.convert("L")), _jpeg(photo.convert("CMYK")), _jpeg(photo, exif=exif.tobytes()),
        _jpeg(photo, icc_profile=random.Random(0).randbytes(200_000)), _jpeg(photo, comment=b"hi", subsampling=0),
        _jpeg(Image.new("RGB", (1, 1))), mpo.getvalue(),
    )


def test_png_and_jpeg_sizes_are_read_from_their_headers_as_pillow_reads_them():
    """The decoding check reads PNG and JPEG headers itself (a sixth of Pillow's time): the same size, every time."""
    from cnn_core.data.loading import JPEG_FORMATS, _header_size

    for raw in _headers_read_directly():
        with Image.open(io.BytesIO(raw)) as img:
            expected = ("JPEG" if img.format in JPEG_FORMATS else img.format, *img.size)
        assert _header_size(raw) == expected, expected
    gif = io.BytesIO()
    Image.new("P", (5, 5)).save(gif, "GIF")
    assert _header_size(gif.getvalue()) is None and _header_size(b"\xff\xd8\xff") is None  # Pillow's to read


def test_a_header_holding_a_second_size_is_left_to_pillow():
    """Pillow takes the last of two frame headers (or IHDR chunks): a first, small one must not lower the cost
    of the large image decoded."""
    from cnn_core.data.loading import ArchiveLimits, _decoding_cost, _header_size

    small = _jpeg(Image.new("RGB", (8, 8)))
    frame = small.index(b"\xff\xc0")
    length = struct.unpack(">H", small[frame + 2:frame + 4])[0]
    sof = bytearray(small[frame:frame + 2 + length])
    sof[5:9] = struct.pack(">HH", 3000, 4000)
    two_frames = small[:frame + 2 + length] + bytes(sof) + small[frame + 2 + length:]
    dhp = bytes(sof[:1]) + b"\xde" + bytes(sof[2:])  # DHP: Pillow reads a size from it as from a frame header
    frame_then_dhp = small[:frame + 2 + length] + dhp + small[frame + 2 + length:]
    png = _png(Image.new("L", (8, 8)))
    two_ihdr = png[:33] + _chunk(b"IHDR", struct.pack(">IIBBBBB", 4000, 3000, 8, 0, 0, 0, 0)) + png[33:]
    limit = ArchiveLimits().max_image_pixels
    for raw in (two_frames, frame_then_dhp, two_ihdr):
        assert _header_size(raw) is None
        try:
            with Image.open(io.BytesIO(raw)) as img:
                declared = img.size
        except Exception:  # noqa: BLE001 - Pillow refuses it: unreadable either way
            continue
        cost = _decoding_cost(raw, limit, 16)
        assert cost == 0 or cost >= declared[0] * declared[1] // 64, (declared, cost)  # never the small size


def test_the_header_reading_knows_the_jpeg_markers_as_pillow_does():
    """The direct reading walks a JPEG's header in Pillow's steps: its marker table decides which markers set the
    size (its SOF handler: SOF0-15 and DHP), which are stepped over by their length, and which have none."""
    from PIL import JpegImagePlugin

    from cnn_core.data import loading

    handled = {code & 0xFF: handler for code, (_, _, handler) in JpegImagePlugin.MARKER.items()}
    assert loading._JPEG_FRAMES == {m for m, handler in handled.items() if handler is JpegImagePlugin.SOF}
    assert loading._JPEG_SEGMENTS == {m for m, handler in handled.items() if handler is not None} - {0xDA}
    assert loading._JPEG_NO_LENGTH == {m for m, handler in handled.items() if handler is None}


def test_a_header_pillow_would_read_a_byte_at_a_time_is_unreadable_at_once(monkeypatch):
    """Megabytes of junk or fill bytes between a JPEG's segments, or thousands of chunks before a PNG's pixels:
    Pillow reads them one at a time (seconds). Such a file costs nothing, is skipped, and Pillow never sees it."""
    from cnn_core.base.errors import DataError as Refused
    from cnn_core.data import loading

    good = _jpeg(Image.new("RGB", (16, 16)))
    at = 4 + struct.unpack(">H", good[4:6])[0]  # after the first segment (APP0), before the next marker
    png = _png(Image.new("L", (8, 8)))
    hostile = [good[:at] + b"\x00" * 20_000 + good[at:], good[:at] + b"\xff" * 20_000 + good[at:],
               good[:at] + b"\xff\x00" * 10_000 + good[at:],
               png[:33] + _chunk(b"tEXt", b"k\0v") * 2_000 + png[33:]]
    for raw in hostile:
        with Image.open(io.BytesIO(raw)) as img:  # Pillow reads it, slowly: what the limit saves
            assert img.size in ((16, 16), (8, 8))
    few = good[:at] + b"\x00" * 100 + b"\xff" * 100 + good[at:]  # a little junk: read as Pillow reads it
    assert loading._header_size(few) == ("JPEG", 16, 16)

    def opened(*args, **kwargs):
        raise AssertionError("Pillow opened a file whose header was refused")

    monkeypatch.setattr(Image, "open", opened)
    limit = ArchiveLimits().max_image_pixels
    for raw in hostile:
        assert loading._header_size(raw) is loading.UNREADABLE
        assert loading._decoding_cost(raw, limit, 16) == 0 and loading._decode(raw, 16, 3) is None
        with pytest.raises(Refused) as refusal:
            loading.read_photo(raw, 28, 28)
        assert refusal.value.key == "err.photo_unreadable"


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_a_damaged_header_is_never_read_as_another_size_than_pillows(seed):
    """Bytes changed, cut or repeated anywhere in a header: the direct reading gives Pillow's size or none."""
    from cnn_core.data.loading import _header_size

    rng = random.Random(seed)
    raw = bytearray(rng.choice(_headers_read_directly())[:4000])
    for _ in range(rng.randint(1, 4)):
        if not raw:
            break
        at = rng.randrange(min(len(raw), 700))  # mostly in the header (a JPEG's tables end before byte 700)
        action = rng.random()
        if action < 0.5:
            raw[at] = rng.randrange(256)
        elif action < 0.7:
            del raw[at:at + rng.randint(1, 40)]
        elif action < 0.85:
            raw[at:at] = raw[at:at + rng.randint(1, 40)]
        else:
            raw = raw[:at]
    read = _header_size(bytes(raw))
    if read is None:
        return
    try:
        with warnings.catch_warnings():  # Pillow's own, on a damaged EXIF or MPO index: expected of these files
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(bytes(raw))) as img:
                size = img.size
    except Exception:  # noqa: BLE001 - Pillow cannot open it: the check counted it, decoding skips it
        return
    assert read[1:] == size, (read, size)


def test_a_camera_multi_picture_jpeg_of_hundreds_of_scans_is_not_decoded_either():
    """Pillow calls a JPEG with the multi-picture extension MPO: it is a JPEG to the scans limit as well."""
    from cnn_core.data.loading import MAX_JPEG_SCANS, _decode, _decoding_cost

    buf = io.BytesIO()
    photo = Image.new("RGB", (64, 64), (90, 120, 30))
    photo.save(buf, "MPO", save_all=True, append_images=[photo], progressive=True)
    good = buf.getvalue()
    assert Image.open(io.BytesIO(good)).format == "MPO" and _decode(good, 16, 3) is not None
    many = good + b"\xff\xda" * (MAX_JPEG_SCANS + 1)  # what the limit counts, after the pictures
    limit = ArchiveLimits().max_image_pixels
    assert _decoding_cost(many, limit, 16) == 0 and _decode(many, 16, 3) is None


def test_a_zip_made_by_macos_finder_loads_its_images_and_not_its_metadata(tmp_path):
    """Finder's Compress adds __MACOSX/<folder>/._<file> for every file: named like images, not images."""
    members = {f"mydata/{c}/{i}.png": png_bytes(40 + i if c == "cats" else 200 - i, size=16)
               for c in ("cats", "dogs") for i in range(10)}
    members |= {f"__MACOSX/mydata/{c}/._{i}.png": b"\x00\x05\x16\x07 AppleDouble" for c in ("cats", "dogs")
                for i in range(10)}
    members["mydata/.DS_Store"] = b"\x00\x00\x00\x01Bud1"
    data = load_image_archive(zipcraft.make(members), size=8, cache_dir=tmp_path)
    assert data.classes == ["cats", "dogs"] and len(data.train_y) + len(data.test_y) == 20
