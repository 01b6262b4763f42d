"""Write docs/REPRODUCTION.md, docs/monitor.md and docs/study/'s figures from the committed files
in docs/study/: `python scripts/reproduction.py` (or `--check`: exit 1 if a page or a figure is
not what the files give)."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_vanilla.cli.reproduction import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
