"""Is my run normal? `python scripts/compare.py out` places a run's figures in the spread of
the committed study's runs of its settings (docs/study/)."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_vanilla.cli.compare_command import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
