"""docs/REPRODUCTION.md, docs/monitor.md and the figures of docs/study/, written from the
study's committed files in docs/study/ (the command: cli/reproduction.py).

Each page is rendered from its template (PAGE.j2, beside it) and the files (pages/); each
figure is drawn from the files (publish.py). `write` writes both; `problems` writes nothing
and says what is not what it would write, or which run of results.csv lacks its files;
`write` with `from_study` first copies a finished study's files into docs/study/
(publish.py).
"""

import os

from gan_vanilla.files.atomic import save_text
from . import publish
from .build import render_pages
from .study_files import StudyFiles

PAGES = ("docs/REPRODUCTION.md", "docs/monitor.md")


def write(folder, pages, from_study=None, log=print):
    """Write the pages and the figures from `folder`'s files (after copying a finished
    study's, from_study); says, for each page, whether it changed."""
    if from_study:
        imported = publish.import_study(from_study, folder)
    study = StudyFiles(folder)
    publish.check_runs(folder, study.rows)
    new = render_pages(pages, folder)
    if publish.summaries_differ(study.rows, folder):
        publish.write_summaries(study.rows, folder)
    if from_study:
        publish.draw_samples(from_study, imported, folder)
        publish.copy_run_figures(from_study, imported, os.path.dirname(os.path.abspath(pages[0])))
    publish.draw_figures(folder, study.rows, study.real)
    for page, text in new.items():
        if _read(page) == text:
            log(f"{page} was up to date")
            continue
        save_text(page, text)
        log(f"wrote {page}")


def problems(folder, pages):
    """What is not what `write` would write, each in a sentence; none when all is."""
    study = StudyFiles(folder)
    found = publish.check(folder, study.rows, study.real)
    if not found:
        for page, text in render_pages(pages, folder).items():
            if _read(page) != text:
                found.append(f"{page} is not what its template and {folder} give (edited by "
                             "hand, or the files changed); run python scripts/reproduction.py")
    return found


def _read(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None
