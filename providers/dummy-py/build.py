#!/usr/bin/env python3
"""Builds the Python dummy provider as a component.

    python build.py [-o dummy_py.wasm]

Runs componentize-py (found beside this interpreter, e.g. `.venv/bin/`) on
`app.py` for the world `strato:dummy-py/dummy-py` (wit/world.wit, which
includes the contract in ../../wit), from a copy of the sources so no
`__pycache__` lands in the tree, then appends the `strato:capabilities`
custom section declaring the state directory. A component's custom
sections may sit anywhere among its sections, so appending one is enough.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
WORLD = "strato:dummy-py/dummy-py"
CAPABILITIES = {"state-dir": True}
SECTION = "strato:capabilities"


def leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def custom_section(name: str, payload: bytes) -> bytes:
    """Section id 0, size, then the name (length-prefixed) and the payload."""
    body = leb128(len(name.encode())) + name.encode() + payload
    return b"\x00" + leb128(len(body)) + body


def componentize_py() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), "componentize-py")
    return beside if os.path.exists(beside) else "componentize-py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="dummy_py.wasm")
    parser.add_argument(
        "--contract", default=os.path.join(HERE, "..", "..", "wit"),
        help="the juju:environs WIT directory (default: the repository's wit/)",
    )
    args = parser.parse_args()
    output = os.path.abspath(args.output)
    # Written beside the output and renamed: an interrupted build leaves no
    # component without its capabilities section behind.
    partial = output + ".partial"
    with tempfile.TemporaryDirectory(prefix="strato-dummy-py-") as src:
        shutil.copy(os.path.join(HERE, "app.py"), src)
        shutil.copytree(
            os.path.join(HERE, "dummy"),
            os.path.join(src, "dummy"),
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        command = [
            componentize_py(), "--quiet",
            "-d", os.path.abspath(args.contract), "-d", os.path.join(HERE, "wit"),
            "-w", WORLD,
            "componentize", "app", "-o", partial,
        ]
        subprocess.run(command, cwd=src, check=True)
    with open(partial, "ab") as f:
        f.write(custom_section(SECTION, json.dumps(CAPABILITIES).encode()))
    os.replace(partial, output)
    print(f"{output}: {os.path.getsize(output)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
