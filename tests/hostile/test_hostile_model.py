"""Hostile model files: every broken or oversized kind refused with a clear key, before memory is spent.

Each test builds the file the way an attacker would (a real zip, patched) and
checks the exact message key; the memory tests load in a child process and
read its peak resident memory, so the figure is the one a server would see.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile

import pytest
import torch
import zipcraft
from conftest import REPO

from cnn_core import PRESETS
from cnn_core.base.errors import ModelFileError
from cnn_core.base.texts import translate
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import Architecture
from cnn_core.nn.model import build_model

SMALL = PRESETS["small"]


def model_file(header: dict | None = None, weights: bytes | None = None, **changes) -> bytes:
    """A model zip with this header (the small preset's by default) and these weights."""
    if weights is None:
        buf = io.BytesIO()
        torch.save(build_model(SMALL).state_dict(), buf)
        weights = buf.getvalue()
    base = {"format": checkpoint.FORMAT, "architecture": SMALL.to_dict(), "classes": list("0123456789"),
            "meta": {"dataset": "mnist"}}
    head = json.dumps({**base, **changes} if header is None else header) if not isinstance(header, str) else header
    return zipcraft.make({"architecture.json": head.encode() if isinstance(head, str) else head,
                          "weights.pt": weights})


def refused(raw: bytes, **kwargs) -> ModelFileError:
    with pytest.raises(ModelFileError) as err:
        checkpoint.from_bytes(raw, **kwargs)
    for lang in ("en", "es"):  # explained in both languages, placeholders filled
        text = translate(lang, err.value.key, **err.value.params)
        assert not re.search(r"{[a-z_]+}", text) and ".." not in text and text.strip()
    return err.value


def reason(err: ModelFileError) -> str:
    return err.params["reason"].key


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("header, why", [
    ('{"format": "cnn-playground-model/1", "architecture": Infinity}', "reason.model_bad_json"),
    ('{"format": "cnn-playground-model/1", "architecture": {"in_height": NaN}}', "reason.model_bad_json"),
    ('{"format": "cnn-playground-model/1", "architecture": {"in_height": 1' + "0" * 5000 + "}}",
     "reason.model_bad_json"),
    (DEEP, "reason.model_bad_json"),
    ('{"format": "cnn-playground-model/1", "a": ' + DEEP[:5000] + DEEP[-5000:] + "}", "reason.model_bad_json"),
    ("[1, 2]", "reason.model_bad_format"),
    ('"just a string"', "reason.model_bad_format"),
    (b"\xff\xfe not utf-8", "reason.model_bad_json"),
], ids=["infinity", "nan", "a-5000-digit-number", "deeply-nested", "deeply-nested-in-a-field", "a-list", "a-string",
        "not-utf-8"])
def test_header_that_is_not_the_json_it_should_be_is_refused(header, why):
    raw = zipcraft.make({"architecture.json": header if isinstance(header, bytes) else header.encode(),
                         "weights.pt": b"x"})
    assert reason(refused(raw)) == why


@pytest.mark.parametrize("changes, key", [
    ({"architecture": [1, 2, 3]}, "err.bad_architecture"),
    ({"architecture": "tutorial"}, "err.bad_architecture"),
    ({"architecture": None}, "err.bad_architecture"),
    ({"architecture": {**SMALL.to_dict(), "in_height": "28"}}, "err.out_of_range"),
    ({"architecture": {**SMALL.to_dict(), "in_height": 28.0}}, "err.out_of_range"),
    ({"architecture": {**SMALL.to_dict(), "in_height": True}}, "err.out_of_range"),
    ({"architecture": {**SMALL.to_dict(), "num_classes": 10 ** 300}}, "err.out_of_range"),
    ({"architecture": {**SMALL.to_dict(), "out_channels": "abc"}}, "err.bad_int_list"),
    ({"architecture": {**SMALL.to_dict(), "out_channels": [8.5, 16]}}, "err.bad_int_list"),
    ({"architecture": {**SMALL.to_dict(), "out_channels": [[8], 16]}}, "err.bad_int_list"),
    ({"architecture": {**SMALL.to_dict(), "out_channels": {"a": 1}}}, "err.bad_int_list"),
    ({"architecture": {**SMALL.to_dict(), "padding": ["same"]}}, "err.bad_choice"),
    ({"architecture": {**SMALL.to_dict(), "padding": {"x": 1}}}, "err.bad_choice"),
    ({"architecture": {**SMALL.to_dict(), "batch_norm": "yes"}}, "err.bad_choice"),
    ({"architecture": {**SMALL.to_dict(), "batch_norm": 1}}, "err.bad_choice"),
    ({"classes": "0123456789"}, "reason.model_bad_classes"),
    ({"classes": [[0]] * 10}, "reason.model_bad_classes"),
    ({"classes": ["a"] * 10}, "reason.model_bad_classes"),
    ({"classes": list("012345678")}, "reason.model_bad_classes"),
    ({"classes": ["x" * 5000] + list("123456789")}, "reason.model_bad_classes"),
    ({"classes": [None] * 10}, "reason.model_bad_classes"),
    ({"meta": [1, 2]}, "reason.model_bad_meta"),
    ({"meta": "mnist"}, "reason.model_bad_meta"),
])
def test_fields_of_the_wrong_type_anywhere_are_refused_with_a_reason(changes, key):
    err = refused(model_file(**changes))
    assert err.key == "err.model_corrupt" and reason(err) == key


@pytest.mark.parametrize("meta", [
    {"test_accuracy": "99%"}, {"test_accuracy": float("inf")}, {"test_accuracy": [1]}, {"dataset": ["mnist"]},
    {"model": "x", "classes": [1], "self": 2, "path": "/etc"},  # names the saver uses for itself
    {"dataset": "x" * 10_000},
])
def test_odd_notes_are_dropped_and_the_model_saves_again(meta):
    raw = model_file(meta=json.loads(json.dumps(meta, allow_nan=True).replace("Infinity", "2")))
    saved = checkpoint.from_bytes(raw)
    assert set(saved.meta) <= set(checkpoint.META_KEYS)
    assert all(isinstance(v, float) and 0 <= v <= 1 for k, v in saved.meta.items() if k == "test_accuracy")
    again = checkpoint.from_bytes(saved.to_bytes())
    assert again.classes == saved.classes


def test_numbers_as_class_names_are_kept_as_text():
    saved = checkpoint.from_bytes(model_file(classes=list(range(10))))
    assert saved.classes == [str(i) for i in range(10)]


def test_class_names_follow_the_image_loaders_rule():
    names = [" cat", "dog\t", "cafe\u0301", "big  bird"] + list("456789")
    assert checkpoint.from_bytes(model_file(classes=names)).classes[:4] == ["cat", "dog", "caf\u00e9", "big bird"]
    for bad in (["\u200b"] + list("123456789"), ["cat", "cat "] + list("23456789"), ["x" * 101] + list("123456789")):
        assert reason(refused(model_file(classes=bad))) == "reason.model_bad_classes"


def _weights(state: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def test_expanded_zero_stride_weights_are_refused():
    state = {k: torch.zeros(1, dtype=v.dtype).expand(v.shape) for k, v in build_model(SMALL).state_dict().items()}
    assert reason(refused(model_file(weights=_weights(state)))) == "reason.model_weights_mismatch"


@pytest.mark.parametrize("mutate", [
    lambda s: {**s, "extra": torch.zeros(3)},
    lambda s: {k: v for k, v in list(s.items())[1:]},
    lambda s: {k: v.double() for k, v in s.items()},
    lambda s: {k: v[None] for k, v in s.items()},
    lambda s: [v for v in s.values()],
    lambda s: {k: v.tolist() for k, v in s.items()},
])
def test_weights_that_do_not_match_the_architecture_are_refused(mutate):
    state = build_model(SMALL).state_dict()
    assert reason(refused(model_file(weights=_weights(mutate(state))))) == "reason.model_weights_mismatch"


def test_weights_sharing_one_big_storage_are_refused():
    state = build_model(SMALL).state_dict()
    big = torch.zeros(10_000_000)  # 40 MB behind a few small views
    shared, at = {}, 0
    for k, v in state.items():
        shared[k] = big[at:at + v.numel()].view(v.shape)
        at += v.numel()
    assert reason(refused(model_file(weights=_weights(shared)))) == "reason.model_weights_mismatch"


def test_non_finite_weights_are_refused():
    state = build_model(SMALL).state_dict()
    state["classifier.1.weight"][0, 0] = float("nan")
    assert reason(refused(model_file(weights=_weights(state)))) == "reason.model_weights_not_finite"


def test_broken_members_each_get_their_reason():
    good = model_file()
    cases = {
        "reason.zip_bad_checksum": [zipcraft.patch(good, "weights.pt", crc=0x1234)],
        "reason.zip_damaged": [zipcraft.flip_data(good, "weights.pt")],  # corrupt deflate stream
        "reason.zip_encrypted": [zipcraft.patch(good, "weights.pt", flag=0x1)],
        "reason.zip_compression": [zipcraft.patch(good, "weights.pt", method=9)],  # deflate64
    }
    for why, raws in cases.items():
        for raw in raws:
            assert reason(refused(raw)) == why, why


def test_a_member_whose_size_lies_is_never_read_past_the_limit():
    good = model_file()
    claims_huge = zipcraft.patch(good, "weights.pt", size=2**31)
    assert refused(claims_huge, max_mb=2).key == "err.model_too_big"
    claims_small = zipcraft.patch(good, "weights.pt", size=10)
    assert refused(claims_small).key == "err.model_corrupt"


def test_a_model_file_just_over_the_limit_says_a_size_over_it():
    raw = model_file()
    err = refused(raw + bytes(2**20 + 1 - len(raw)), max_mb=1)  # one byte over: never "1.0 MB, more than 1 MB"
    assert err.key == "err.model_too_big" and err.params["size_mb"] > err.params["limit_mb"]


class TorchLoadCalled(BaseException):
    """Not an Exception: from_bytes turns every Exception torch raises into a refusal, and this must get out."""


@pytest.fixture
def no_torch_load(monkeypatch):
    """torch.load made to fail: a refusal that needs it let torch read the weights first."""
    def loaded(*args, **kwargs):
        raise TorchLoadCalled("torch.load read weights.pt before its records were checked")
    monkeypatch.setattr(torch, "load", loaded)


def test_a_compressed_record_in_weights_is_refused_before_torch_inflates_it(no_torch_load):
    bomb = zipcraft.recompress(_weights(build_model(SMALL).state_dict()), "data/0", extra=b"\0" * 20 * 2**20)
    assert len(bomb) < 2**20  # 20 MB of zeros deflate to a few KB; torch would inflate them all
    err = refused(model_file(weights=bomb), max_mb=200)
    assert reason(err) == "reason.model_weights_compressed" and err.params["reason"].params["name"].endswith("data/0")


def test_records_in_weights_claiming_more_than_the_file_are_refused(no_torch_load):
    weights = _weights(build_model(SMALL).state_dict())
    record = next(n for n in zipfile.ZipFile(io.BytesIO(weights)).namelist() if n.endswith("data/0"))
    lying = zipcraft.patch(weights, record, size=2**31)  # stored: torch allocates the declared size
    assert reason(refused(model_file(weights=lying))) == "reason.model_weights_bad_sizes"


def test_weights_in_torchs_old_pickle_format_are_refused():
    buf = io.BytesIO()  # the pre-zip format allocates its storages at the sizes it declares
    torch.save(build_model(SMALL).state_dict(), buf, _use_new_zipfile_serialization=False)
    assert reason(refused(model_file(weights=buf.getvalue()))) == "reason.model_weights_unreadable"


def test_weights_with_data_before_the_zip_are_refused_before_torch_reads_them(no_torch_load):
    """torch picks its reader from the first bytes and miniz trusts the declared offsets; zipfile measures back
    from the end. Anything in front of the zip (an old-format pickle, a decoy) would be read by torch, unchecked."""
    good = _weights(build_model(SMALL).state_dict())
    for weights in (b"\x80\x02legacy pickle first" + good, b"PK\x03\x04" + good):
        err = refused(model_file(weights=weights))
        assert reason(err) == "reason.model_weights_unreadable"


def test_an_oversized_header_is_named_not_taken_for_an_oversized_file():
    raw = model_file(meta={"dataset": "mnist", "padding": "x" * (checkpoint.MAX_HEADER_BYTES + 1)})
    assert len(raw) < 2**20  # the file is small: the header is what is too big
    err = refused(raw, max_mb=200)
    assert reason(err) == "reason.model_header_too_big"
    assert err.params["reason"].params["limit_kb"] == checkpoint.MAX_HEADER_BYTES // 2**10


def test_too_many_entries_are_refused_before_zipfile_reads_the_directory(monkeypatch):
    def parsed(*args, **kwargs):
        raise AssertionError("zipfile parsed the central directory before the entries were counted")
    monkeypatch.setattr(zipfile, "ZipFile", parsed)
    err = refused(zipcraft.many_entries(70_000), max_mb=200)  # the 16-bit count says 65,535
    assert reason(err) == "reason.model_too_many_members"
    assert err.params["reason"].params["limit"] == checkpoint.MAX_MODEL_MEMBERS


HUNDRED = [f"c{i}" for i in range(100)]
HUGE = Architecture(in_height=256, in_width=256, in_channels=4, out_channels=(256,) * 5, padding="same",
                    pool="none", dense=(1024, 1024), num_classes=100)  # every field in range: ~17 G parameters
HEAVY = Architecture(in_height=256, in_width=256, in_channels=4, out_channels=(16, 16), pool="max",
                     pool_size=4, dense=(1024,), num_classes=100)  # fits a 50 MB file, not 20 MB of memory


def test_parameters_are_counted_from_the_json_before_anything_is_built():
    err = refused(model_file(architecture=HUGE.to_dict(), weights=b"tiny", classes=HUNDRED))
    assert err.key == "err.model_too_many_params" and err.params["params"] > 10**10
    err = refused(model_file(architecture=HEAVY.to_dict(), weights=b"tiny", classes=HUNDRED), memory_limit_mb=20)
    assert err.key == "err.model_needs_memory" and err.params["limit_mb"] == 20


CHILD = textwrap.dedent("""
    import sys
    from cnn_core import PRESETS
    from cnn_core.nn import checkpoint
    from cnn_core.base.errors import PlaygroundError
    from cnn_core.nn.model import build_model

    def kb(field):
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))

    raw = open(sys.argv[1], "rb").read()
    # Warm up torch's own first-use memory with a good model, then reset the peak (Linux: clear_refs 5).
    checkpoint.from_bytes(checkpoint.to_bytes(build_model(PRESETS["small"]), list("0123456789")))
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    idle = kb("VmRSS:")
    try:
        checkpoint.from_bytes(raw, max_mb=200, memory_limit_mb=2048)
        outcome = "loaded"
    except PlaygroundError as err:
        outcome = getattr(err.params.get("reason"), "key", err.key)
    print(outcome, (kb("VmHWM:") - idle) // 1024)
""")


def peak_above_idle_mb(raw: bytes, tmp_path) -> tuple[str, int]:
    path = tmp_path / "hostile.cnn.zip"
    path.write_bytes(raw)
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    outcome, mb = out.stdout.split()
    return outcome, int(mb)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["huge_architecture", "expanded_weights", "size_claims", "deep_json"])
def test_hostile_model_loads_stay_under_1_5_gb_above_idle(kind, tmp_path):
    if kind == "huge_architecture":
        raw = model_file(architecture=HUGE.to_dict(), weights=b"tiny", classes=HUNDRED)
    elif kind == "expanded_weights":  # the biggest network a 200 MB file allows, its weights one zero
        arch = Architecture(in_height=256, in_width=256, in_channels=4, out_channels=(64, 128), pool="max",
                            pool_size=4, dense=(1024,), num_classes=100)
        state = {k: torch.zeros(1, dtype=v.dtype).expand(v.shape)
                 for k, v in build_model(arch).state_dict().items()}
        raw = model_file(architecture=arch.to_dict(), weights=_weights(state), classes=HUNDRED)
    elif kind == "size_claims":
        raw = zipcraft.patch(model_file(), "weights.pt", size=2**32 - 1)
    else:
        raw = zipcraft.make({"architecture.json": DEEP.encode(), "weights.pt": b"x"})
    outcome, mb = peak_above_idle_mb(raw, tmp_path)
    print(json.dumps({"kind": kind, "outcome": outcome, "peak_above_idle_mb": mb}))
    assert outcome != "loaded"
    assert mb < 1536, (kind, mb)


# ------------------------------------------------------------------ entries a model file does not have

def app_model_file() -> bytes:
    return checkpoint.to_bytes(build_model(SMALL, seed=0), list("0123456789"), dataset="mnist", test_accuracy=0.9)


def members_of(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_an_entry_no_model_file_has_is_refused_by_name_before_anything_is_read(monkeypatch):
    """The tester's file: a real model and 99 MB of padding. Refused from the directory alone, in both languages."""
    raw = zipcraft.make({**members_of(app_model_file()), "pad.bin": b"\0" * (99 * 2**20)})
    read = []
    monkeypatch.setattr(checkpoint, "read_member", lambda *args: read.append(args) or b"")
    err = refused(raw, max_mb=200)
    assert reason(err) == "reason.model_unexpected_member" and err.params["reason"].params["name"] == "pad.bin"
    assert read == []  # not even architecture.json: the directory said enough
    for lang, advice in (("en", "download the model again from CNN Playground"),
                         ("es", "descarga el modelo de nuevo desde CNN Playground")):
        text = translate(lang, err.key, **err.params)
        assert "pad.bin" in text and advice in text


@pytest.mark.parametrize("extra", [
    {"weights.pt.bak": b"x"}, {"/architecture.json": b"{}"}, {"sub/weights.pt": b"x"}, {"ARCHITECTURE.JSON": b"{}"}])
def test_any_other_entry_is_refused_however_small(extra):
    err = refused(zipcraft.make({**members_of(app_model_file()), **extra}))
    assert reason(err) == "reason.model_unexpected_member"
    assert err.params["reason"].params["name"] == next(iter(extra))


def test_a_second_entry_of_the_same_name_is_refused():
    """zipfile reads the last of two same-named entries: the one checked and the one read could differ."""
    good = members_of(app_model_file())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in good.items():
            z.writestr(name, data)
        z.writestr("weights.pt", b"x" * 1000)
    err = refused(buf.getvalue())
    assert reason(err) == "reason.model_unexpected_member" and err.params["reason"].params["name"] == "weights.pt"


def test_the_declared_sizes_must_fit_the_limit_before_reading():
    raw = zipcraft.patch(app_model_file(), "weights.pt", size=30 * 2**20)  # claims 30 MB in a small file
    err = refused(raw, max_mb=20)
    assert err.key == "err.model_too_big" and err.params["size_mb"] >= 30


def test_the_apps_own_file_and_the_shipped_model_load():
    assert checkpoint.from_bytes(app_model_file()).classes == list("0123456789")
    assert checkpoint.load(REPO / "cnn_core" / "assets" / "mnist_tutorial.cnn.zip").arch == PRESETS["tutorial"]


def finder_rezip(raw: bytes, folder: str) -> bytes:
    """What macOS Finder makes of an unzipped model file zipped again: a folder, AppleDouble notes, .DS_Store."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if folder:
            z.writestr(folder, b"")
        for name, data in members_of(raw).items():
            z.writestr(folder + name, data)
        z.writestr("__MACOSX/", b"")
        for name in members_of(raw):
            z.writestr(f"__MACOSX/{folder}._{name}", b"\0\5\26\7" + b"\0" * 4000)  # a quarantine attribute
        z.writestr(folder + ".DS_Store", b"\0" * 6148)
    return buf.getvalue()


@pytest.mark.parametrize("folder", ["", "cnn-playground-model.cnn/"])
def test_a_finder_rezip_of_a_model_file_loads(folder):
    saved = checkpoint.from_bytes(finder_rezip(app_model_file(), folder))
    assert saved.arch == SMALL and saved.meta == {"dataset": "mnist", "test_accuracy": 0.9}


def test_finder_notes_big_enough_to_carry_a_payload_are_refused():
    raw = zipcraft.make({**members_of(app_model_file()), "__MACOSX/._weights.pt": b"\0" * (20 * 2**20)})
    err = refused(raw, max_mb=200)
    assert reason(err) == "reason.model_unexpected_member"
    assert err.params["reason"].params["name"] == "__MACOSX/._weights.pt"


@pytest.mark.parametrize("folder", ["a/b/", "cnn-playground-model.cnn/a/b/c/"])
def test_a_model_deeper_than_one_folder_is_refused(folder):
    """The README allows one folder around the two files (Finder's re-zip), not a path of them."""
    good = members_of(app_model_file())
    err = refused(finder_rezip(app_model_file(), folder))
    assert reason(err) == "reason.model_unexpected_member"
    assert err.params["reason"].params["name"] == folder + next(iter(good))


def test_a_model_split_across_two_folders_is_refused():
    good = members_of(app_model_file())
    err = refused(zipcraft.make({"a/architecture.json": good["architecture.json"], "b/weights.pt": good["weights.pt"]}))
    assert reason(err) == "reason.model_unexpected_member" and err.params["reason"].params["name"] == "b/weights.pt"
