"""A free TCP port on this machine's loopback, for the throwaway servers of tests, benchmarks and tools."""

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
