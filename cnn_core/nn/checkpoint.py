"""Saving and loading a trained model: weights plus a JSON architecture, never a pickle.

A model file is a zip holding ``architecture.json`` (the architecture, class
names, test accuracy) and ``weights.pt``, a state dict written by ``torch.save``
and read back with ``weights_only=True``, which refuses any pickled code.
Those two entries are all it holds, in every version of the app: any other
entry is refused by name before a byte is read (:func:`_model_members`), so an
upload cannot bring anything else along into a run. The one allowance is for a
file someone unzipped and zipped again with macOS Finder: the two entries may
sit in one folder, next to Finder's own small notes (``__MACOSX/``,
``.DS_Store``), which are never read.
Every failure becomes a :class:`ModelFileError` the app can explain; nothing
of the current session is touched until a file has passed.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cnn_core.base import classnames
from cnn_core.base.archive import (
    MemberProblem,
    MemberTooBig,
    TooManyEntries,
    mb_up,
    one_directory,
    open_zip,
    read_member,
)
from cnn_core.base.errors import ArchitectureError, ModelFileError
from cnn_core.base.texts import Message
from cnn_core.nn.architecture import Architecture, layer_table, model_memory_mb, totals

if TYPE_CHECKING:  # torch is imported where weights are written or read: a file's header needs none of it
    from cnn_core.nn.model import PlaygroundCNN

FORMAT = "cnn-playground-model/1"
MAX_MODEL_MB = 50
MAX_RUN_MODEL_MB = 4 * MAX_MODEL_MB  # models kept as runs (trained or uploaded): what a run is read back with


@dataclass
class SavedModel:
    model: PlaygroundCNN
    classes: list[str]
    meta: dict = field(default_factory=dict)  # dataset, test_accuracy, ...

    @property
    def arch(self) -> Architecture:
        return self.model.arch

    def to_bytes(self) -> bytes:
        """This model's file (:func:`to_bytes`): the same bytes for the same model, classes and meta."""
        return to_bytes(self.model, self.classes, **self.meta)


def to_bytes(model: PlaygroundCNN, classes: list[str], **meta) -> bytes:
    """The model file: ``meta`` holds what the file says about itself (dataset, test_accuracy, reason)."""
    import torch

    weights = io.BytesIO()
    # Row-major strides written out, whatever the network's layout: torch.save records a tensor's strides, and a
    # channels-last kernel with one input channel counts as contiguous with strides of its own, so
    # ``.contiguous()`` would keep them and one model could zip to two files.
    torch.save({k: v.detach().cpu().clone(memory_format=torch.contiguous_format)
                for k, v in model.state_dict().items()}, weights)
    header = {"format": FORMAT, "architecture": model.arch.to_dict(), "classes": list(classes), "meta": meta}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(_entry("architecture.json"), json.dumps(header, indent=2))
        z.writestr(_entry("weights.pt"), weights.getvalue())
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """An entry stamped the same way every time, so one model is one file, byte for byte.

    Runs are told apart by the SHA-256 of their model file (storage.model_digest):
    writestr(name, ...) would stamp the current time, and a model downloaded and
    uploaded again would become a second run. torch.save's own output is already
    the same for the same tensors (its records carry zip's epoch too).
    """
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # zip's epoch: no clock in the file
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever system writes it (ZipInfo's default depends on it)
    info.external_attr = 0o100644 << 16  # a plain file, rw-r--r--
    return info


def save(path: Path | str, model: PlaygroundCNN, classes: list[str], **meta) -> None:
    Path(path).write_bytes(to_bytes(model, classes, **meta))


MAX_HEADER_BYTES = 256 * 2**10  # architecture.json: an architecture, class names and a few numbers
MAX_MODEL_MEMBERS = 16  # entries of a model file, which needs two: counted before the zip is parsed
MAX_WEIGHT_RECORDS = 1024  # entries of weights.pt: torch's few records and one per tensor (a net has < 100)
META_KEYS = ("dataset", "test_accuracy", "reason")  # what a model file may say about itself
MEMBERS = ("architecture.json", "weights.pt")  # every entry a model file has (to_bytes writes them)
MAX_FINDER_NOTES_BYTES = 64 * 2**10  # Finder's __MACOSX/ and .DS_Store entries together: a few KB each


def _corrupt(reason_key: str, **params) -> ModelFileError:
    return ModelFileError("err.model_corrupt", reason=Message(reason_key, params))


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _finder_note(name: str) -> bool:
    """An entry macOS Finder adds when it zips: its resource forks (``__MACOSX/``, ``._x``) and ``.DS_Store``."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base == ".DS_Store" or base.startswith("._")


def _model_members(infos: list[zipfile.ZipInfo], cap: int) -> dict[str, zipfile.ZipInfo]:
    """The model's two entries by name, from the zip's directory alone; anything else is refused by name.

    They are at the top, as :func:`to_bytes` writes them, or both directly in
    one folder (a Finder re-zip of the unzipped file); an entry deeper than that
    is refused like any other. Folders and Finder's small notes
    are passed over unread; a second entry of the same name, or any other
    entry, is refused. What will be read (the two entries as declared) must fit
    ``cap`` before reading starts; :func:`read_member` holds each to its cap as
    it reads, whatever was declared.
    """
    files = [i for i in infos if not i.filename.endswith("/")]
    notes = [i for i in files if _finder_note(i.filename)]
    if sum(i.file_size for i in notes) > MAX_FINDER_NOTES_BYTES:
        raise _corrupt("reason.model_unexpected_member", name=max(notes, key=lambda i: i.file_size).filename[:100])
    rest = [i for i in files if not _finder_note(i.filename)]
    top, slash, _ = rest[0].filename.partition("/") if rest else ("", "", "")
    folder = top + "/" if slash else ""  # one folder at most: a deeper entry keeps a "/" no member's name has
    found: dict[str, zipfile.ZipInfo] = {}
    for info in rest:
        inner = info.filename[len(folder):] if info.filename.startswith(folder) else None
        if inner not in MEMBERS or inner in found:
            raise _corrupt("reason.model_unexpected_member", name=info.filename[:100])
        found[inner] = info
    if found.keys() != set(MEMBERS):
        raise _corrupt("reason.model_missing_parts")
    declared = sum(i.file_size for i in found.values())
    if declared > cap:
        raise MemberTooBig(folder + "weights.pt", declared)
    return found


def _read_members(raw: bytes, cap: int, max_mb: float) -> tuple[bytes, bytes]:
    try:
        with open_zip(raw, MAX_MODEL_MEMBERS) as z:
            members = _model_members(z.infolist(), cap)
            try:
                header_raw = read_member(z, members["architecture.json"], MAX_HEADER_BYTES)
            except MemberTooBig as exc:  # a small file can hold a big header: say which part is too big
                raise _corrupt("reason.model_header_too_big", size_kb=-(-exc.size // 2**10),
                               limit_kb=MAX_HEADER_BYTES // 2**10) from exc
            weights_raw = read_member(z, members["weights.pt"], cap - len(header_raw))
    except TooManyEntries as exc:
        raise _corrupt("reason.model_too_many_members", limit=exc.limit) from exc
    except MemberTooBig as exc:
        raise ModelFileError("err.model_too_big", size_mb=mb_up(exc.size), limit_mb=max_mb) from exc
    except MemberProblem as exc:
        raise ModelFileError("err.model_corrupt", reason=exc.reason) from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise _corrupt("reason.model_not_zip") from exc
    return header_raw, weights_raw


def _check_weights_archive(weights_raw: bytes) -> None:
    """weights.pt as torch writes it: a zip of records stored as they are, together no bigger than itself.

    torch.load inflates a compressed record in full, whatever its size, and
    allocates what a record's header declares. Stored records cannot hold more
    than the file that contains them, so this bounds torch's memory by the
    (capped) size of weights.pt. Read from the zip's directory alone, before
    torch reads a byte; a file in torch's old, pre-zip format is refused too
    (its storages are allocated at the sizes it declares).
    """
    try:
        if not one_directory(weights_raw):  # torch reads by the declared offsets: it must see what is checked here
            raise zipfile.BadZipFile("data before the zip, or a directory other than the declared one")
        with open_zip(weights_raw, MAX_WEIGHT_RECORDS) as z:
            infos = z.infolist()
    except TooManyEntries as exc:
        raise _corrupt("reason.model_weights_too_many_records", limit=exc.limit) from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _corrupt("reason.model_weights_unreadable", detail="BadZipFile") from exc
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise _corrupt("reason.model_weights_compressed", name=info.filename[:100])
    declared = sum(info.file_size for info in infos)
    # Stored records hold exactly their size, and side by side (not overlapping) they fit in the file.
    if declared > len(weights_raw) or any(info.compress_size != info.file_size for info in infos):
        raise _corrupt("reason.model_weights_bad_sizes", size_mb=round(declared / 2**20, 1),
                       file_mb=round(len(weights_raw) / 2**20, 1))


def _parse_header(header_raw: bytes) -> dict:
    try:
        header = json.loads(header_raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, Infinity/NaN, huge ints, deep nests
        raise _corrupt("reason.model_bad_json") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _corrupt("reason.model_bad_format")
    return header


def _classes(header: dict, num_classes: int) -> list[str]:
    classes = header.get("classes")
    if classes is None:
        return [str(i) for i in range(num_classes)]
    ok = isinstance(classes, list) and len(classes) == num_classes and all(
        isinstance(c, str) or (isinstance(c, int) and not isinstance(c, bool) and abs(c) < 10**12)
        for c in classes)
    # The image loader's rule (classnames): a name it accepts is read back; "cat " written by an older one is "cat".
    names = [classnames.normalise(str(c)) for c in classes] if ok else []
    if not ok or any(classnames.problem(n) for n in names) or len(set(names)) != len(names):
        raise _corrupt("reason.model_bad_classes", count=num_classes, longest=classnames.MAX_LENGTH)
    return names


def _meta(header: dict) -> dict:
    """The file's own notes, only the keys the app reads and only of the types it expects."""
    meta = header.get("meta")
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise _corrupt("reason.model_bad_meta")
    kept = {}
    dataset, accuracy, reason = meta.get("dataset"), meta.get("test_accuracy"), meta.get("reason")
    if isinstance(dataset, str) and 0 < len(dataset) <= classnames.MAX_LENGTH:  # a name, as short as a class's
        kept["dataset"] = dataset
    if isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) and 0 <= accuracy <= 1:
        kept["test_accuracy"] = float(accuracy)
    if reason in ("done", "stopped", "nan", "diverged"):
        kept["reason"] = reason
    return kept


def _check_state(state, model: PlaygroundCNN) -> None:
    """Every tensor exactly as the architecture says: names, shapes, types, dense storage, finite values."""
    import torch

    expected = model.state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        raise _corrupt("reason.model_weights_mismatch")
    for name, want in expected.items():
        got = state[name]
        if (not isinstance(got, torch.Tensor) or got.layout != torch.strided or got.dtype != want.dtype
                or got.shape != want.shape or got.is_quantized
                # A storage as big as the tensor, no bigger and no smaller (an expanded, zero-stride one is smaller).
                or got.untyped_storage().nbytes() != want.numel() * want.element_size()):
            raise _corrupt("reason.model_weights_mismatch")
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise _corrupt("reason.model_weights_not_finite")


def from_bytes(raw: bytes, max_mb: float = MAX_MODEL_MB, memory_limit_mb: float | None = None) -> SavedModel:
    """Check a model file from the outside in and build it only once its size is known to fit.

    The zip's members are counted and read with a bounded size; the JSON header is parsed
    and typed; the parameter count and memory are computed from the
    architecture *before* any tensor is allocated (``memory_limit_mb`` is the
    same setting training uses); the weights must match the architecture
    tensor for tensor, and weights.pt's own records are checked before torch
    reads them (:func:`_check_weights_archive`). Any failure is a :class:`ModelFileError`.
    """
    cap = int(max_mb * 2**20)
    if len(raw) > cap:
        raise ModelFileError("err.model_too_big", size_mb=mb_up(len(raw)), limit_mb=max_mb)
    header_raw, weights_raw = _read_members(raw, cap, max_mb)
    header = _parse_header(header_raw)
    try:
        arch = Architecture.from_dict(header.get("architecture"))
        params = totals(layer_table(arch)).params
    except ArchitectureError as exc:
        raise ModelFileError("err.model_corrupt", reason=Message(exc.key, exc.params)) from exc
    classes = _classes(header, arch.num_classes)
    meta = _meta(header)
    if params * 4 > cap:  # its weights cannot even fit in a file this app accepts
        raise ModelFileError("err.model_too_many_params", params=params, size_mb=round(params * 4 / 2**20),
                             limit_mb=max_mb)
    need = model_memory_mb(arch)
    if memory_limit_mb is not None and need > memory_limit_mb:
        raise ModelFileError("err.model_needs_memory", params=params, need_mb=round(need),
                             limit_mb=round(memory_limit_mb))
    _check_weights_archive(weights_raw)
    import torch

    from cnn_core.nn.model import build_model

    model = build_model(arch)
    try:
        # weights_only refuses any pickled object other than tensors and plain containers.
        state = torch.load(io.BytesIO(weights_raw), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for foreign or damaged files
        raise _corrupt("reason.model_weights_unreadable", detail=type(exc).__name__) from exc
    _check_state(state, model)
    model.load_state_dict(state)
    model.eval()
    return SavedModel(model, classes, meta)


def load(path: Path | str, memory_limit_mb: float | None = None) -> SavedModel:
    path = Path(path)
    if not path.is_file():  # a FIFO or a device would be read forever
        raise ModelFileError("err.not_a_file", path=str(path))
    if path.stat().st_size > MAX_MODEL_MB * 2**20:  # read nothing of a file that is refused anyway
        raise ModelFileError("err.model_too_big", size_mb=round(path.stat().st_size / 2**20, 1),
                             limit_mb=MAX_MODEL_MB)
    return from_bytes(path.read_bytes(), memory_limit_mb=memory_limit_mb)


def read_meta(path: Path | str) -> dict:
    """What a model file says about itself (its header's ``meta``), without reading its weights or loading torch."""
    raw = Path(path).read_bytes()
    cap = int(MAX_MODEL_MB * 2**20)
    header_raw, _ = _read_members(raw, cap, MAX_MODEL_MB)
    return _meta(_parse_header(header_raw))
