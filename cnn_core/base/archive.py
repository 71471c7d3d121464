"""Reading one zip member safely: its size bounded, and every way it can be broken named.

Model files and image archives are zips someone else made. A member can claim
one size and hold another, be encrypted, use a compression Python cannot read
(deflate64), carry a bad CRC or a damaged deflate stream. :func:`read_member`
refuses a member whose declared size is over ``cap`` before inflating a byte,
and reads at most ``cap`` bytes whatever the header says (zipfile itself stops
at the declared size and checks the CRC there). Each failure becomes a
:class:`MemberProblem` naming a translated reason (``reason.zip_*``), so
callers explain it in the reader's language; zipfile's own English text is
logged, never shown.

A zip's central directory is counted before :class:`zipfile.ZipFile` parses
it (:func:`count_entries`): ZipFile builds one object per entry, and a small
upload can declare millions of them.

This module knows nothing of models or images (see ``checkpoint.py``, ``data.py``).
"""

from __future__ import annotations

import io
import logging
import math
import struct
import zipfile
import zlib
from typing import NamedTuple

from cnn_core.base.texts import Message

log = logging.getLogger(__name__)

READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # sig, disk, offset of the zip64 record, disks
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # one central-directory header, before its name, extra and comment


class TooManyEntries(Exception):
    """A zip whose central directory holds more than the allowed number of entries."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"{count} entries, limit {limit}")
        self.count = count  # at least this many (counting stops one past the limit)
        self.limit = limit


class Directory(NamedTuple):
    """Where zipfile will read a zip's central directory, and what the end records declare of it."""

    entries: int  # declared in the end record (zip64's where there is one)
    size: int  # bytes, as declared
    start: int  # where zipfile reads it: measured back from the end record (data may precede the zip)
    declared_start: int  # the offset the end record gives, which readers that trust it (miniz, torch) use
    zip64_at: int | None  # where zipfile reads the zip64 end record (None: no zip64)
    zip64_declared_at: int | None  # where the zip64 locator says it is


def directory(fp) -> Directory:
    """The central directory as zipfile itself finds it: its own end-record reader, so the two cannot differ.

    Raises :class:`zipfile.BadZipFile` when there is none to find (a zip too
    damaged to count is refused here, never waved through uncounted).
    """
    endrec = zipfile._EndRecData(fp)  # what ZipFile._RealGetContents reads, for this Python's zipfile
    if not endrec:
        raise zipfile.BadZipFile("File is not a zip file")
    size, eocd_at = endrec[zipfile._ECD_SIZE], endrec[zipfile._ECD_LOCATION]
    zip64_at = zip64_declared_at = None
    if endrec[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        locator_at = eocd_at - _ZIP64_LOCATOR.size
        zip64_at = locator_at - zipfile.sizeEndCentDir64
        fp.seek(locator_at)
        zip64_declared_at = _ZIP64_LOCATOR.unpack(fp.read(_ZIP64_LOCATOR.size))[2]
        end = zip64_at
    else:
        end = eocd_at
    start = end - size
    if start < 0:
        raise zipfile.BadZipFile("Truncated central directory")
    return Directory(endrec[zipfile._ECD_ENTRIES_TOTAL], size, start, endrec[zipfile._ECD_OFFSET], zip64_at,
                     zip64_declared_at)


def count_entries(fp, limit: int) -> int:
    """The number of files (entries not folders) in the zip's central directory, read without building them.

    Refuses (:class:`TooManyEntries`) as soon as the directory holds more than
    ``limit`` files (or twice as many entries, folders included, or the end
    record declares that many): the declared count alone is not trusted (a
    16-bit count of 65,535 can head millions of entries, and zipfile reads the
    directory to its declared size, not its count). Reads at most
    ``2 * limit + 1`` headers, so the work is bounded by the limit, not the file.
    Raises :class:`zipfile.BadZipFile` for a zip whose directory cannot be found.
    """
    found = directory(fp)
    if found.entries > 2 * limit:  # folders are entries too: as many as the files, at the very most
        raise TooManyEntries(found.entries, limit)
    fp.seek(found.start)
    count, entries, read = 0, 0, 0
    while read + _CENTRAL.size <= found.size:
        head = fp.read(_CENTRAL.size)
        if len(head) < _CENTRAL.size or head[:4] != b"PK\x01\x02":
            break  # zipfile refuses what follows ("Bad magic number for central directory")
        name_len, extra_len, comment_len = _CENTRAL.unpack(head)[10:13]
        entries += 1
        if not fp.read(name_len).endswith(b"/"):  # folders are not files (zipfile's is_dir)
            count += 1
        if count > limit or entries > 2 * limit:
            raise TooManyEntries(max(count, entries), limit)
        fp.seek(extra_len + comment_len, io.SEEK_CUR)
        read += _CENTRAL.size + name_len + extra_len + comment_len
    return count


def one_directory(raw: bytes) -> bool:
    """Whether every zip reader sees the same central directory: nothing before the zip, offsets as declared.

    zipfile finds the directory by measuring back from the end record; miniz
    (torch's reader) goes to the offsets the end records declare. A file can
    make the two differ (data in front, a decoy directory) and show each reader
    other entries: where a check by one reader guards another, they must agree.
    """
    if not raw.startswith(b"PK\x03\x04"):
        return False
    found = directory(io.BytesIO(raw))
    return found.declared_start == found.start and found.zip64_declared_at == found.zip64_at


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
    """The member's bytes, at most ``cap`` of them; raises :class:`MemberTooBig` or :class:`MemberProblem`.

    The declared size is checked first, so a member can cost at most ``cap``
    bytes of inflating: zipfile's reader never returns more than the size the
    central directory declares (a member holding more fails its CRC there).
    """
    check_member(info)
    if info.file_size > cap:
        raise MemberTooBig(info.filename, info.file_size)
    try:
        f = z.open(info)
    except zipfile.BadZipFile as exc:  # its local header does not match the directory (name, magic, overlap)
        raise _problem(info, "reason.zip_bad_header", exc) from exc
    except (RuntimeError, NotImplementedError) as exc:  # encryption or compression the header hid
        raise _problem(info, "reason.zip_unreadable", exc) from exc
    except (zlib.error, EOFError, OSError, ValueError) as exc:  # cut short before its data
        raise _problem(info, "reason.zip_damaged", exc) from exc
    try:
        with f:
            data = f.read(cap + 1)  # never more than the cap, whatever the header claimed
    except zipfile.BadZipFile as exc:  # the only one ZipExtFile raises: the data does not match its CRC-32
        raise _problem(info, "reason.zip_bad_checksum", exc) from exc
    except (zlib.error, EOFError, OSError, ValueError) as exc:  # a corrupt or truncated compressed stream
        raise _problem(info, "reason.zip_damaged", exc) from exc
    except (RuntimeError, NotImplementedError) as exc:
        raise _problem(info, "reason.zip_unreadable", exc) from exc
    if len(data) > cap:  # more than declared: zipfile does not allow it, another reader might
        raise MemberProblem(info.filename, Message("reason.zip_damaged"))
    return data


def _problem(info: zipfile.ZipInfo, reason_key: str, exc: BaseException) -> MemberProblem:
    """The translated reason for the reader; the exception's own (English) text for the log."""
    log.info("zip member %r unreadable (%s): %s: %s", info.filename, reason_key, type(exc).__name__, exc)
    return MemberProblem(info.filename, Message(reason_key))


def mb_up(n_bytes: int) -> float:
    """A size in MB (2**20 bytes) rounded *up* to one decimal, so a size over a limit never reads as the limit
    itself or under it ("20.1 MB, more than 20 MB", never "20.0" or "2 MB, more than 20 MB")."""
    return math.ceil(n_bytes * 10 / 2**20) / 10
