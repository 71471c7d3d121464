"""This machine's addresses on its networks, for a link that other devices in the room can open.

A page opened at ``localhost`` or ``127.0.0.1`` has an address no phone can
reach: the room's link and QR codes must name the machine's address on the
classroom's network instead. This module finds those addresses with the
standard library only (no ifaddr, no netifaces): the addresses the host name
resolves to, and the one the system would send from to reach the outside (a
UDP socket's ``connect`` picks a route and sends nothing). It is not a
server's public address: behind a proxy or on a cloud host the operator sets
``CNN_PLAYGROUND_PUBLIC_URL``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

_PROBES = ("192.0.2.1", "10.255.255.255")  # TEST-NET-1 and a private address: a route is picked, nothing is sent


def _local_name(host: str) -> bool:
    """Whether a (lower-case) host name names this machine only."""
    return host in ("localhost", "localhost.localdomain", "ip6-localhost") or host.endswith(".localhost")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, maybe with brackets) names this machine only."""
    host = (host or "").strip().strip("[]").lower()
    if _local_name(host):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def listens_to_this_machine_only(bind: str) -> bool:
    """Whether a server bound to ``bind`` (its ``--server.address``; empty or 0.0.0.0 for every interface) answers
    this machine only: no link to it, on any address, works from another device."""
    bind = (bind or "").strip().strip("[]").lower()
    if _local_name(bind):
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


def url_host(url: str) -> str:
    """The host part of an address (``""`` when it has none)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def with_host(url: str, host: str) -> str:
    """``url`` with its host replaced by ``host``, keeping scheme, port and path."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    shown = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme or "http", shown + port, parts.path, parts.query, parts.fragment))


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local)


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that other machines may reach, the likeliest first; [] when offline."""
    found: list[str] = []
    for probe in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))  # UDP: chooses the outgoing interface, sends no packet
                found.append(s.getsockname()[0])
        except OSError:
            continue
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM)
        found += [info[4][0] for info in infos]
    except OSError:
        pass
    ordered = list(dict.fromkeys(a for a in found if _usable(a)))
    return sorted(ordered, key=lambda a: not ipaddress.ip_address(a).is_private)  # a classroom's network first
