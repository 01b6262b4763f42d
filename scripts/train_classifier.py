"""Train and cache the classifier that evaluate uses: `python scripts/train_classifier.py`."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_vanilla.cli.evaluate_command import train_classifier_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(train_classifier_main())
