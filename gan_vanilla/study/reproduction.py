"""`scripts/reproduction.py`: docs/REPRODUCTION.md, docs/monitor.md and the figures of
docs/study/, written from the study's committed files in docs/study/.

Each page is rendered from its template (PAGE.j2, beside it) and the files (pages/); each
figure is drawn from the files (publish.py). Without options the command writes both; with
`--check` it writes nothing and fails when a page or a figure is not what it would write, or
when a run of results.csv lacks its files; with `--from-study` it first copies a finished
study's files into docs/study/ (publish.py).
"""

import argparse
import os
import sys

from ..files.atomic import save_text
from . import publish
from .pages import render_pages
from .pages.files import PageError, StudyFiles

PAGES = ("docs/REPRODUCTION.md", "docs/monitor.md")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="reproduction",
        description="Write docs/REPRODUCTION.md, docs/monitor.md and the figures of docs/study/ "
        "from the study's committed files; with --from-study, copy a finished study's files "
        "there first.")
    parser.add_argument("--study", default="docs/study",
                        help="the folder with results.csv, real.json, runs/ and wide/ "
                        "(default: docs/study)")
    parser.add_argument("--page", action="append", metavar="PAGE",
                        help="a page to write from its template PAGE.j2 (default: "
                        f"{' and '.join(PAGES)}); give it once per page")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if a page or a figure is not what the files "
                      "give, or a run of results.csv lacks its files")
    what.add_argument("--from-study", metavar="OUT_DIR",
                      help="first copy a finished study's results and per-run files from its "
                      "folder (e.g. out/study-knobs) into --study, and draw samples.png from "
                      "its checkpoints")
    args = parser.parse_args(argv)
    pages = args.page or list(PAGES)
    try:
        if args.from_study:
            imported = publish.import_study(args.from_study, args.study)
        study = StudyFiles(args.study)
        if args.check:
            return _check(args.study, study, pages)
        publish.check_runs(args.study, study.rows)
        new = render_pages(pages, args.study)
        if publish.summaries_differ(study.rows, args.study):
            publish.write_summaries(study.rows, args.study)
        if args.from_study:
            publish.draw_samples(args.from_study, imported, args.study)
            publish.copy_run_figures(args.from_study, imported,
                                     os.path.dirname(os.path.abspath(pages[0])))
        publish.draw_figures(args.study, study.rows, study.real)
    except (PageError, publish.PublishError) as e:
        print(f"reproduction: error: {e}", file=sys.stderr)
        return 1
    for page, text in new.items():
        if _read(page) == text:
            print(f"{page} was up to date")
            continue
        save_text(page, text)
        print(f"wrote {page}")
    return 0


def _read(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _check(folder, study, pages):
    """--check: the first problem as one line (and how many more), exit 1; else exit 0."""
    problems = publish.check(folder, study.rows, study.real)
    if not problems:
        for page, text in render_pages(pages, folder).items():
            if _read(page) != text:
                problems.append(f"{page} is not what its template and {folder} give (edited by "
                                "hand, or the files changed); run python "
                                "scripts/reproduction.py")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        print(f"reproduction: {problems[0]}{more}", file=sys.stderr)
        return 1
    print(f"{', '.join(pages)} and {folder}'s figures are what {folder}'s files give")
    return 0
