"""scripts/reproduction.py: the pages and the figures of docs/study/, written from the study's
committed files there; with `--check`, nothing is written and whatever is not what the files
give is named; with `--from-study OUT_DIR`, a finished study's files are first copied in.

Each page is its template (PAGE.j2, beside it) rendered by Jinja2: the template holds the words
and places the numbers, `{{ seeds.parzen|span(0) }}`, which a facts module per page computes
(each function of its FACTS returns its local names, raw; each of its TABLES a Markdown table)
and the filters of words.py write. Only the facts and tables a template names are computed. A
name no module gives is an error (StrictUndefined), never an empty gap; a sentence the template
words by hand that the files no longer support is refused (words.claim).
"""

import argparse
import math
import os
import sys
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from gan_vanilla.cli.common import command
from gan_vanilla.io.atomic import save_text
from gan_vanilla.study.report import summary_files
from gan_vanilla.study.results import run_folder

from . import figures, monitor_page, publish, reproduction_page, wide_page
from .study_files import LOSSES, PageError, StudyFiles, read_text
from .words import FILTERS, Unsupported

PROG = "reproduction"
PAGES = ("docs/REPRODUCTION.md", "docs/wide.md", "docs/monitor.md")
MODULES = (reproduction_page, wide_page, monitor_page)  # each page's facts and tables
FACTS = {f.__name__: f for m in MODULES for f in m.FACTS}  # `{{ seeds.mean }}`: seeds(study)
TABLES = {name: f for m in MODULES for name, f in getattr(m, "TABLES", {}).items()}


@command(PROG, fixable=(PageError,))
def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG, description="Write the pages docs/study's files give (" + ", ".join(PAGES)
        + ") and the figures of docs/study/; with --from-study, copy a finished study's files "
        "there first.")
    parser.add_argument("--study", default="docs/study",
                        help="the folder with results.csv, real.json, runs/ and wide/ "
                        "(default: docs/study)")
    parser.add_argument("--page", action="append", metavar="PAGE",
                        help="a page to write from its template PAGE.j2 (default: each of "
                        "the above); give it once per page")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if a page, a figure or a committed file is "
                      "not what the files give, or a run of results.csv lacks its files")
    what.add_argument("--from-study", metavar="OUT_DIR",
                      help="first copy a finished study's results and per-run files from its "
                      "folder (e.g. out/study-knobs) into --study, and draw samples.png from "
                      "its checkpoints")
    args = parser.parse_args(argv)
    pages = args.page or list(PAGES)
    if not args.check:
        write(args.study, pages, args.from_study)
        return 0
    if problems := check(args.study, pages):  # the first problem as one line, and how many more
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        print(f"{PROG}: {problems[0]}{more}", file=sys.stderr)
        return 1
    print(f"{', '.join(pages)} and {args.study}'s figures are what {args.study}'s files give")
    return 0


def write(folder, pages, from_study=None, log=print):
    """Write the pages, the summaries, the figures and the digests from `folder`'s files
    (after copying a finished study's, from_study); say, for each text, whether it changed.
    Nothing is written when a run's file is missing or a page cannot be rendered."""
    page_dir = os.path.dirname(os.path.abspath(pages[0]))
    if from_study:
        publish.import_study(from_study, folder, log)
    study = StudyFiles(folder)
    if missing := missing_files(study):
        raise PageError(missing[0])
    texts = texts_of(study, pages)
    if from_study:
        publish.draw_samples(from_study, study)
        publish.copy_run_figures(from_study, study, page_dir)
    figures.draw(study, folder)
    publish.write_digests(folder, page_dir, drawn=bool(from_study))
    for path, text in texts.items():
        if _holds(path, text):
            log(f"{path} was up to date")
        else:
            save_text(path, text)
            log(f"wrote {path}")


def check(folder, pages):
    """What is not what `write` would write, each in a sentence; none when all is."""
    study = StudyFiles(folder)
    if problems := missing_files(study):
        return problems
    problems += figures.differ(study)
    if study.configurations != list(study.samples) or not os.path.exists(
            study.path("samples.png")):
        problems.append(f"{study.path('samples.png')} and samples.csv are not of the "
                        "configurations of results.csv (drawn from the study's checkpoints); "
                        "draw them with python scripts/reproduction.py --from-study "
                        "STUDY_OUT_DIR")
    for path, text in texts_of(study, pages).items():
        if not _holds(path, text):
            what = f"what its template and {folder} give" if path in pages else \
                "the summary of results.csv"
            problems.append(f"{path} is not {what} (edited by hand, or the files changed); run "
                            "python scripts/reproduction.py")
    return problems + publish.changed_files(folder, os.path.dirname(os.path.abspath(pages[0])))


def missing_files(study):
    """A sentence for each file a run of results.csv lacks in docs/study/runs/."""
    return [f"{path} is missing: results.csv has the run {r['configuration']} seed "
            f"{r['seed']}; copy the study's files with python scripts/reproduction.py "
            "--from-study STUDY_OUT_DIR" for r in study.rows
            for name in ("quality.csv", LOSSES, "config.json")
            if not os.path.exists(path := os.path.join(
                run_folder(study.folder, r["configuration"], r["seed"]), name))]


def texts_of(study, pages):
    """{path: text} of every page and of summary.csv and summary.md, as the files give them."""
    texts = {page: render(page, study) for page in pages}
    # The summaries as the study writes them (report.py), a run without a time as None.
    timed = [{**r, "train_seconds": None if math.isnan(r["train_seconds"]) else
              r["train_seconds"]} for r in study.rows]
    for name, text in summary_files(timed, study.configurations).items():
        texts[study.path(name)] = text
    return texts


def render(page, study):
    """The page as its template (page + '.j2') and the study's files give it: the groups of
    facts the template names, and the tables it names (`tables.knobs`), each computed once."""
    path = f"{page}.j2"
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    try:
        tree = env.parse(read_text(path))
        named = meta.find_undeclared_variables(tree)
        wanted = {n.attr for n in tree.find_all(nodes.Getattr)
                  if isinstance(n.node, nodes.Name) and n.node.name == "tables"}
        facts = {name: FACTS[name](study) for name in FACTS if name in named}
        # Each table without its last newline: the template spaces them.
        tables = {name: TABLES[name](study).rstrip("\n") for name in wanted & set(TABLES)}
        return env.from_string(tree).render(facts, tables=tables, template=os.path.basename(path))
    except jinja2.TemplateSyntaxError as e:
        raise PageError(f"{path}, line {e.lineno}: {e.message}") from None
    except (jinja2.UndefinedError, Unsupported) as e:
        raise PageError(f"{path}: {e}") from None


def _holds(path, text):
    """Whether the file at path is, byte for byte, text (a missing one is not)."""
    return os.path.exists(path) and Path(path).read_bytes() == text.encode()
