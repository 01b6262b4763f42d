"""How far an ensemble's member is from the single run of its seed, measured: trains
`--seeds 0-2` and `--seed 1` with the same flags on the CPU, then compares member 1 with the
single run, and writes the figures to docs/members.json (docs/training.md quotes them):

    python scripts/members.py --data-dir ../shared/data [--iterations 600]

Each member draws its weights, noise and batches as its single run does, but its products are
batched with the other members', which round differently; training then grows the
difference. This says how much, after how many iterations, and what is still the same."""

import argparse
import os
import platform
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from gan_vanilla.cli.train_command import main as train  # noqa: E402
from gan_vanilla.io.atomic import write_json  # noqa: E402
from gan_vanilla.io.csv_tables import read_table  # noqa: E402
from gan_vanilla.run.losslog import COLUMNS  # noqa: E402


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--iterations", type=int, default=600)
    parser.add_argument("--json", default="docs/members.json")
    args = parser.parse_args(argv)
    flags = ["--data-dir", args.data_dir, "--iterations", str(args.iterations), "--quiet",
             "--sample-every", "200", "--log-every", "100", "--quality-every", "0",
             "--device", "cpu"]
    with tempfile.TemporaryDirectory() as tmp:
        single, ensemble = os.path.join(tmp, "single"), os.path.join(tmp, "ensemble")
        if train([*flags, "--seed", "1", "--out-dir", single]) or train(
                [*flags, "--seeds", "0-2", "--out-dir", ensemble]):
            return 1
        member = os.path.join(ensemble, "seed-1")
        a, b = (torch.load(os.path.join(f, "checkpoint.pt"), weights_only=True)["params"]
                for f in (single, member))
        rows = [read_table(os.path.join(f, "losses.csv"), COLUMNS, "a loss log", "a row",
                           {"iteration": int}) for f in (single, member)]
        grids = sorted(g for g in os.listdir(single) if g[:3].isdigit() and g.endswith(".png"))
        pixels = [int(np.abs(np.asarray(Image.open(os.path.join(single, g)), dtype=int)
                             - np.asarray(Image.open(os.path.join(member, g)), dtype=int)).max())
                  for g in grids]
        same_rows = next((k for k, (x, y) in enumerate(zip(*rows, strict=True)) if x != y),
                         len(rows[0]))
        relative = max(abs(float(x[c]) - float(y[c])) / abs(float(x[c]))
                       for x, y in zip(*rows, strict=True) for c in COLUMNS[1:])
    write_json(args.json, {
        "iterations": args.iterations, "seeds": "0-2", "member": 1,
        "machine": f"{os.cpu_count()}-core {cpu_model()}", "torch": torch.__version__,
        "max_weight_difference": {k: float((a[k] - b[k]).abs().max()) for k in a},
        "losses_rows": len(rows[0]), "losses_rows_the_same": same_rows,
        "losses_last_same_iteration": int(rows[0][same_rows - 1]["iteration"]) if same_rows
        else None,
        "losses_max_relative_difference": relative,
        "grids": len(grids), "grids_max_pixel_difference": pixels})
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
