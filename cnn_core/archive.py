"""Reading one zip member safely: its size bounded, and every way it can be broken named.

Model files and image archives are zips someone else made. A member can claim
one size and hold another, be encrypted, use a compression Python cannot read
(deflate64), carry a bad CRC or a damaged deflate stream. :func:`read_member`
reads at most ``cap`` bytes whatever the header says, and turns each of those
failures into a :class:`MemberProblem` naming a translated reason
(``reason.zip_*``), so callers explain it instead of showing a traceback.

This module knows nothing of models or images (see ``checkpoint.py``, ``data.py``).
"""

from __future__ import annotations

import zipfile
import zlib

from .texts import Message

READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


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
