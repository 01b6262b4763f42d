"""Why the wide networks fail, measured: `python scripts/wide_diagnostics.py --seed 0
--h-dim 512 --data-dir ../shared/data --out docs/study/wide/h512-seed-0.csv` trains the study's
run and logs D(G(z)), G's saturation and the gradients over its first 15,000 iterations
(docs/tools/dynamics.py)."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up, the docs' tooling in
# docs/tools/.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "docs")]

from tools.dynamics import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
