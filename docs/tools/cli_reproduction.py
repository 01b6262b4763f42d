"""scripts/reproduction.py: docs/REPRODUCTION.md, docs/monitor.md and docs/study's figures,
written (or checked, --check) from the study's committed files (gan_vanilla/study/
reproduction.py)."""

import argparse
import sys

from . import reproduction
from .study_files import PageError
from .publish import PublishError
from gan_vanilla.cli.common import command

PROG = "reproduction"


@command(PROG, fixable=(PageError, PublishError))
def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Write docs/REPRODUCTION.md, docs/monitor.md and the figures of docs/study/ "
        "from the study's committed files; with --from-study, copy a finished study's files "
        "there first.")
    parser.add_argument("--study", default="docs/study",
                        help="the folder with results.csv, real.json, runs/ and wide/ "
                        "(default: docs/study)")
    parser.add_argument("--page", action="append", metavar="PAGE",
                        help="a page to write from its template PAGE.j2 (default: "
                        f"{' and '.join(reproduction.PAGES)}); give it once per page")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if a page or a figure is not what the files "
                      "give, or a run of results.csv lacks its files")
    what.add_argument("--from-study", metavar="OUT_DIR",
                      help="first copy a finished study's results and per-run files from its "
                      "folder (e.g. out/study-knobs) into --study, and draw samples.png from "
                      "its checkpoints")
    args = parser.parse_args(argv)
    pages = args.page or list(reproduction.PAGES)
    if not args.check:
        reproduction.write(args.study, pages, args.from_study)
        return 0
    problems = reproduction.problems(args.study, pages)
    if problems:  # the first problem as one line, and how many more
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        print(f"{PROG}: {problems[0]}{more}", file=sys.stderr)
        return 1
    print(f"{', '.join(pages)} and {args.study}'s figures are what {args.study}'s files give")
    return 0
