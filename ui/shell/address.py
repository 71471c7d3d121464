"""The address other devices open: the base of the room's link, the share box's link and their QR codes.

With ``CNN_PLAYGROUND_PUBLIC_URL`` set, every link starts with it. Without it,
the page's own address is used, unless the page was opened at a loopback
address (``localhost``, ``127.0.0.1``): no phone can open that, so the visitor
is warned and picks one of this machine's network addresses
(:func:`cnn_core.base.netaddr.lan_addresses`) instead. A server started to
answer only this machine (``--server.address 127.0.0.1``) is said too, with
the command that opens it to the network: no link would work before.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from cnn_core.base import netaddr
from ui.base.i18n import plain, t
from ui.shell import resources

LISTEN_TO_NETWORK = "streamlit run server.py --server.address 0.0.0.0"  # the guide's, less its settings (said)


def page_url() -> str:
    """The address this page was opened at, without its query."""
    return str(getattr(st.context, "url", "") or "").split("?")[0]


def _host() -> str:
    host = netaddr.url_host(page_url())
    if not host:
        host = str(st.context.headers.get("Host", "") or "").rsplit(":", 1)[0] if st.context.headers else ""
    return host


def opened_at_loopback() -> bool:
    return netaddr.is_loopback(_host())


def link_base(widget_key: str, where=st) -> str:
    """The base of a link for other devices (scheme, host, port, this page's path), warning ``where``
    (a container) when the page's own address is a loopback one and offering the network's addresses."""
    page = page_url()
    public = resources.settings().public_url.strip()
    if public:
        this_page = urlsplit(page).path.rstrip("/").rsplit("/", 1)[-1]  # "room"; "" on Home
        return public.rstrip("/") + "/" + this_page
    if not opened_at_loopback():
        return page
    where.warning(t("address.loopback", host=plain(_host())))
    listening = str(st.get_option("server.address") or "")
    if netaddr.listens_to_this_machine_only(listening):  # the server itself only answers this machine: no network link can work
        where.warning(t("address.server_loopback", address=plain(listening)))
        where.code(LISTEN_TO_NETWORK, language="bash")
    choices = netaddr.lan_addresses()
    if not choices:
        where.info(t("address.none"))
        return page
    if st.session_state.get(widget_key) not in choices:
        st.session_state[widget_key] = choices[0]
    picked = where.selectbox(t("address.pick"), choices, key=widget_key)
    if not page:
        return f"http://{picked}:{st.get_option('server.port')}/"
    return netaddr.with_host(page, picked)
