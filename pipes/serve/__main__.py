"""`python -m pipes.serve module:attribute` is `pipes serve module:attribute`."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
