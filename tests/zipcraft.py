"""Broken zips made on purpose: headers patched after a real zip is written.

Python's zipfile writes only well-formed archives; a hostile one is a good one
with a few header fields changed (flags, method, sizes) or bytes flipped.
"""

from __future__ import annotations

import io
import struct
import zipfile

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def make(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _headers(raw: bytes, name: str):
    """Offsets of the local and the central header of member ``name``."""
    encoded = name.encode()
    found = {}
    for sig, name_at in ((LOCAL, 30), (CENTRAL, 46)):
        pos = raw.find(sig)
        while pos >= 0:
            if raw[pos + name_at: pos + name_at + len(encoded)] == encoded:
                found[sig] = pos
            pos = raw.find(sig, pos + 4)
    return found[LOCAL], found[CENTRAL]


def patch(raw: bytes, name: str, *, flag: int | None = None, method: int | None = None,
          size: int | None = None, crc: int | None = None) -> bytes:
    """Set the general-purpose flag, compression method, uncompressed size or CRC in both headers."""
    out = bytearray(raw)
    local, central = _headers(raw, name)
    for base, (flag_at, method_at, crc_at, size_at) in ((local, (6, 8, 14, 22)), (central, (8, 10, 16, 24))):
        if flag is not None:
            struct.pack_into("<H", out, base + flag_at, flag)
        if method is not None:
            struct.pack_into("<H", out, base + method_at, method)
        if crc is not None:
            struct.pack_into("<I", out, base + crc_at, crc)
        if size is not None:
            struct.pack_into("<I", out, base + size_at, size)
    return bytes(out)


def flip_data(raw: bytes, name: str, offset: int = 10) -> bytes:
    """Flip bits in the member's stored (compressed) data, leaving every header as it was."""
    out = bytearray(raw)
    local, _ = _headers(raw, name)
    name_len, extra_len = struct.unpack_from("<HH", raw, local + 26)
    start = local + 30 + name_len + extra_len
    for i in range(start + offset, start + offset + 8):
        out[i] ^= 0xA5
    return bytes(out)
