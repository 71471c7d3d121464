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


def many_entries(count: int, declared: int | None = None, zip64: bool = False) -> bytes:
    """One empty stored member, then ``count`` central entries pointing at it: a tiny file zipfile reads for long.

    The end record declares ``declared`` entries (``min(count, 65535)`` by default, as a 16-bit field
    must); with ``zip64`` a zip64 end record and locator declare it instead, in 64 bits.
    """
    first = b"a/0.png"
    local = LOCAL + struct.pack("<HHHHHIIIHH", 20, 0, 0, 0, 0, 0, 0, 0, len(first), 0) + first
    central = bytearray()
    for i in range(count):
        name = b"%x" % i
        central += CENTRAL + struct.pack("<HHHHHHIIIHHHHHII", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name),
                                         0, 0, 0, 0, 0, 0) + name
    declared = min(count, 0xFFFF) if declared is None else declared
    tail = b""
    if zip64:
        record_at = len(local) + len(central)
        tail = (b"PK\x06\x06" + struct.pack("<QHHLLQQQQ", 44, 45, 45, 0, 0, declared, declared, len(central),
                                            len(local))
                + b"PK\x06\x07" + struct.pack("<LQL", 0, record_at, 1))
        declared = 0xFFFF
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, min(declared, 0xFFFF), min(declared, 0xFFFF),
                                      min(len(central), 0xFFFFFFFF), len(local), 0)
    return local + bytes(central) + tail + end


def recompress(raw: bytes, name_end: str, extra: bytes = b"", method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The zip again with the member whose name ends with ``name_end`` written with ``method`` (and ``extra``
    appended to its data); the others as they were."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(name_end):
                dst.writestr(info.filename, data + extra, compress_type=method)
            else:
                dst.writestr(info, data)
    return out.getvalue()
