"""dial(): connect to a server that may still be starting.

A socket whose connect() was refused cannot retry, so each attempt takes a
fresh one from new_socket(). Refusals are retried for about ten seconds;
after that the caller stops with an error that says which address refused.
A timeout (seconds) bounds each connect() and stays set on the socket.
"""
import socket
import time


def dial(addr, new_socket=None, tries=100, delay=0.1, timeout=None):
    host = addr[0]
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(tries):
        c = new_socket() if new_socket else socket.socket(fam, socket.SOCK_STREAM)
        if timeout is not None:
            c.settimeout(timeout)
        try:
            c.connect(addr)
            return c
        except ConnectionRefusedError:
            c.close()
            time.sleep(delay)
    raise SystemExit(f"connect to {host}:{addr[1]} refused {tries} times over "
                     f"{tries * delay:g} s: is its server running?")
