"""gan-vanilla-compare: is my run normal? One run's figures placed in the spread of the
committed study's runs of its settings (gan_vanilla/study/normal.py)."""

import json
import os

from ..run import flags
from ..study.normal import HOW, NotComparable, compare
from .common import UserError, command

PROG = "gan-vanilla-compare"


# The committed study (docs/study/), as pyproject.toml installs it beside this package's
# study/ (gan_vanilla/study/committed/); in a checkout it is read where it is.
INSTALLED = os.path.join(os.path.dirname(os.path.dirname(__file__)), "study", "committed")
CHECKOUT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "docs",
                        "study")


@command(PROG, fixable=(NotComparable,))
def main(argv=None):
    parser = flags.parser(prog=PROG, description=(
        "Is my run normal? Place a run's quality.csv and evaluation.json (evaluate --json) in the "
        "spread of the study's runs of the same settings, figure by figure: within, above or "
        "below the range of their seeds, better or worse, and above how many of them; then the "
        "verdict, usual or unusual: " + HOW.format(n="N", m="N - 1") + "."))
    parser.add_argument("run", metavar="RUN_DIR",
                        help="a run's folder (the train command's --out-dir)")
    parser.add_argument("--study", default=None, help="a study's folder (default: the committed "
                        "study, installed with the package)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead: outside, usual_outside, verdict, "
                        "and each figure with its range, side and whether better or worse")
    args = parser.parse_args(argv)
    study = args.study or (INSTALLED if os.path.isdir(INSTALLED) else CHECKOUT)
    if not os.path.isdir(study):
        raise UserError(f"no study in {study}: give --study, a study's folder")
    comparison = compare(args.run, study, args.study or "the committed study")
    print(json.dumps(comparison.as_json(), indent=1) if args.json else
          "\n".join(comparison.lines()))
    return 0
