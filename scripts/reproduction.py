"""Rewrite docs/REPRODUCTION.md's tables from the committed study results in docs/study/:
`python scripts/reproduction.py` (or `--check`: exit 1 if the page is stale)."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_vanilla.study.reproduction import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
