"""The password hash in a short-lived child process (standard library only).

scrypt at the production cost needs 128 MiB; run in the console it would stay in the console's
peak memory for the whole shift. The parent writes ``password, salt, n, r, p, maxmem`` (hex and
decimal, one per line) to the child's stdin and reads the digest in hex from its stdout, so the
password never appears on a command line. From source the child is this file run by an isolated
interpreter; in the packaged build it is the executable itself, started with ``FLAG``.
"""

from __future__ import annotations

import hashlib
import sys

FLAG = "--password-hash-child"
"""The packaged executable's argument that makes it this child (``wardconsole/__main__.py``)."""
SCRIPT = __file__
"""This file, which an isolated interpreter runs as the child from source."""


def main() -> int:
    password, salt, n, r, p, maxmem = sys.stdin.buffer.read().split(b"\n")
    digest = hashlib.scrypt(
        bytes.fromhex(password.decode()),
        salt=bytes.fromhex(salt.decode()),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=int(maxmem),
    )
    sys.stdout.write(digest.hex())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
