"""Train the post's GAN: `python scripts/train.py --help` lists the flags (the post's values)."""

import os
import sys

# Run from a checkout without installing: the package sits one folder up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gan_vanilla.cli.train_command import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
