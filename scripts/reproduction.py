"""Write docs/REPRODUCTION.md, docs/wide.md, docs/monitor.md and docs/study/'s figures from the
committed files in docs/study/: `python scripts/reproduction.py` (or `--check`: exit 1 if a
page, a figure or a committed file is not what the files give). The generator is the docs' own
tooling, docs/tools/ (build.py), which the installed package does not hold."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up, the docs' tooling in
# docs/tools/.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "docs")]

from tools.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
