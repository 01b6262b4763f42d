"""gan-vanilla-compare: is my run normal? One run's figures placed in the spread of the
committed study's runs of its settings (gan_vanilla/study/normal.py)."""

import os

from ..run import flags
from ..study.normal import NotComparable, compare, listing
from .common import UserError, command

PROG = "gan-vanilla-compare"


@command(PROG, fixable=(NotComparable,))
def main(argv=None):
    parser = flags.parser(
        prog=PROG,
        description="Is my run normal? Place a run's quality.csv and evaluation.json (evaluate "
        "--json) in the spread of the study's runs of the same settings, figure by figure: "
        "within, above or below the range of their seeds, and above how many of them.")
    parser.add_argument("run", metavar="RUN_DIR",
                        help="a run's folder (the train command's --out-dir)")
    parser.add_argument("--study", default="docs/study",
                        help="the committed study (default: docs/study, from a checkout)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.study):
        raise UserError(f"no study in {args.study}: run this from a checkout, or give --study")
    lines, outside = compare(args.run, args.study)
    print("\n".join(lines))
    if outside:
        far = [o for o in outside if " far " in o]
        print(f"{len(outside)} figure{'s' * (len(outside) != 1)} outside the seeds' range, "
              + (f"{len(far)} of them far (by more than the range is wide)" if far else
                 "none by more than the range is wide")
              + f": {listing(outside)}.")
    else:
        print("Every figure lies within the seeds' range: a run like the study's.")
    return 0
