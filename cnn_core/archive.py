"""Reading one zip member safely: its size bounded, and every way it can be broken named.

Model files and image archives are zips someone else made. A member can claim
one size and hold another, be encrypted, use a compression Python cannot read
(deflate64), carry a bad CRC or a damaged deflate stream. :func:`read_member`
reads at most ``cap`` bytes whatever the header says, and turns each of those
failures into a :class:`MemberProblem` naming a translated reason
(``reason.zip_*``), so callers explain it instead of showing a traceback.

A zip's central directory is counted before :class:`zipfile.ZipFile` parses
it (:func:`count_entries`): ZipFile builds one object per entry, and a small
upload can declare millions of them.

This module knows nothing of models or images (see ``checkpoint.py``, ``data.py``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from .texts import Message

READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory: sig, disks, entries here, entries, size, offset, comment
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # sig, disk, offset of the zip64 record, disks
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # sig, size, versions, disks, entries here, entries, size, offset
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # one central-directory header, before its name, extra and comment
_MAX_COMMENT = 0xFFFF


class TooManyEntries(Exception):
    """A zip whose central directory holds more than the allowed number of entries."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"{count} entries, limit {limit}")
        self.count = count  # at least this many (counting stops one past the limit)
        self.limit = limit


def _directory(fp) -> tuple[int, int, int] | None:
    """(declared entries, central directory size, its start) from the end records; None if none is found.

    Found as zipfile finds it (the last end record, its comment at most 64 KiB),
    and the start measured back from the end record, so data prepended to the
    zip (a self-extractor) moves it as it moves zipfile's.
    """
    fp.seek(0, io.SEEK_END)
    length = fp.tell()
    tail_at = max(0, length - _EOCD.size - _MAX_COMMENT)
    fp.seek(tail_at)
    tail = fp.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    _, _, _, _, entries, cd_size, _, _ = _EOCD.unpack_from(tail, at)
    eocd_at = tail_at + at
    locator_at = eocd_at - _ZIP64_LOCATOR.size
    record_at = locator_at - _ZIP64_EOCD.size
    if record_at >= 0:
        fp.seek(record_at)
        head = fp.read(_ZIP64_EOCD.size + _ZIP64_LOCATOR.size)
        if head[_ZIP64_EOCD.size:_ZIP64_EOCD.size + 4] == b"PK\x06\x07" and head[:4] == b"PK\x06\x06":
            _, _, _, _, _, _, _, entries, cd_size, _ = _ZIP64_EOCD.unpack_from(head)
            return entries, cd_size, record_at - cd_size
    return entries, cd_size, eocd_at - cd_size


def count_entries(fp, limit: int) -> int:
    """The number of files (entries not folders) in the zip's central directory, read without building them.

    Refuses (:class:`TooManyEntries`) as soon as the directory holds more than
    ``limit`` files (or twice as many entries, folders included, or the end
    record declares that many): the declared count alone is not trusted (a
    16-bit count of 65,535 can head millions of entries, and zipfile reads the
    directory to its declared size, not its count). Reads at most
    ``2 * limit + 1`` headers, so the work is bounded by the limit, not the file.
    A zip too damaged to count is left to zipfile to refuse: this returns 0.
    """
    found = _directory(fp)
    if found is None:
        return 0
    declared, cd_size, start = found
    if declared > 2 * limit:  # folders are entries too: as many as the files, at the very most
        raise TooManyEntries(declared, limit)
    if start < 0:
        return 0
    fp.seek(start)
    count, entries, read = 0, 0, 0
    while read + _CENTRAL.size <= cd_size:
        head = fp.read(_CENTRAL.size)
        if len(head) < _CENTRAL.size or head[:4] != b"PK\x01\x02":
            break
        name_len, extra_len, comment_len = _CENTRAL.unpack(head)[10:13]
        entries += 1
        if not fp.read(name_len).endswith(b"/"):  # folders are not files (zipfile's is_dir)
            count += 1
        if count > limit or entries > 2 * limit:
            raise TooManyEntries(max(count, entries), limit)
        fp.seek(extra_len + comment_len, io.SEEK_CUR)
        read += _CENTRAL.size + name_len + extra_len + comment_len
    return count


def open_zip(source, limit: int) -> zipfile.ZipFile:
    """A ZipFile over ``source`` (bytes or a path), its entries counted first (:class:`TooManyEntries`).

    Raises what ZipFile raises for a file that is not a zip.
    """
    if isinstance(source, (bytes, bytearray)):
        fp = io.BytesIO(source)
        count_entries(fp, limit)
        return zipfile.ZipFile(fp)
    with open(source, "rb") as f:
        count_entries(f, limit)
    return zipfile.ZipFile(source)


class MemberProblem(Exception):
    """A member that cannot be read; ``reason`` is a translated message to put in the caller's error."""

    def __init__(self, name: str, reason: Message):
        super().__init__(f"{name}: {reason.key}")
        self.name = name
        self.reason = reason


class MemberTooBig(Exception):
    """A member holding more than the cap allows (whatever its header claimed)."""

    def __init__(self, name: str, size: int):
        super().__init__(f"{name}: {size} bytes")
        self.name = name
        self.size = size


def check_member(info: zipfile.ZipInfo) -> None:
    """Refuse, from the header alone, a member that cannot be read: encrypted or unsupported compression."""
    if info.flag_bits & 0x1:
        raise MemberProblem(info.filename, Message("reason.zip_encrypted"))
    if info.compress_type not in READABLE_COMPRESSION:
        raise MemberProblem(info.filename, Message("reason.zip_compression", {"method": info.compress_type}))


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, at most ``cap`` of them; raises :class:`MemberTooBig` or :class:`MemberProblem`."""
    check_member(info)
    if info.file_size > cap:
        raise MemberTooBig(info.filename, info.file_size)
    try:
        with z.open(info) as f:
            data = f.read(cap + 1)  # never more than the cap, whatever the header claimed
    except zipfile.BadZipFile as exc:  # bad CRC-32, a header that does not match the directory
        raise MemberProblem(info.filename, Message("reason.zip_damaged", {"detail": str(exc)[:80]})) from exc
    except (zlib.error, EOFError, OSError, ValueError) as exc:  # a corrupt or truncated compressed stream
        raise MemberProblem(info.filename, Message("reason.zip_damaged", {"detail": type(exc).__name__})) from exc
    except (RuntimeError, NotImplementedError) as exc:  # encryption or compression the header hid
        raise MemberProblem(info.filename, Message("reason.zip_unreadable", {"detail": str(exc)[:80]})) from exc
    if len(data) > cap:
        raise MemberTooBig(info.filename, len(data))
    return data
