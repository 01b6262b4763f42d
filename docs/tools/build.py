"""docs/REPRODUCTION.md and docs/monitor.md, generated: each page is its template (PAGE.j2,
beside it: the words) rendered with facts computed from the committed files in docs/study/
(the numbers, and the comparison words the numbers decide). `scripts/reproduction.py` writes
them; with `--check`, which the test suite runs, it fails when a committed page is not what
its template and the files give.

The templates are Jinja2: a page reads as Markdown with `{{ seeds.parzen }}` where a number
goes, and `{% if losses.apart %}` where the data choose between two sentences. A name the
template uses that no fact module gives is an error (StrictUndefined), never an empty gap.
"""

import os

import jinja2

from .words import Unsupported
from . import knobs, monitor_page, seeds, tables, wide_facts
from .study_files import PageError, StudyFiles

# The facts a template can use, by name: each computed only when a template first asks, so
# that a page that uses the tables alone needs no more than the tables' files.
FACTS = {"runs": seeds.runs, "seeds": seeds.seeds, "losses": seeds.losses,
         "watch": seeds.watch, "published": seeds.published, "earlier": seeds.earlier,
         "knobs": knobs.knobs, "smaller": knobs.smaller, "longer": knobs.longer,
         "sharp": knobs.sharp, "best": knobs.best, "wide": wide_facts.wide,
         "width": wide_facts.width, "ends": wide_facts.ends, "monitor": monitor_page.monitor}


class Section:
    """One group of facts (seeds.seeds(study), ...), computed at the first name asked of it."""

    def __init__(self, compute, study):
        self._compute, self._study, self._facts = compute, study, None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._facts is None:
            self._facts = self._compute(self._study)
        try:
            return self._facts[name]
        except KeyError:
            raise NoSuchName(f"{self._compute.__module__}.{self._compute.__name__} gives no "
                             f"fact '{name}'") from None


class Tables:
    """The tables (tables.TABLES), each drawn when the template places it."""

    def __init__(self, study):
        self._study = study

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in tables.TABLES:
            raise NoSuchName(f"no table is called '{name}'; the generator makes "
                             f"{', '.join(tables.TABLES)}")
        return tables.TABLES[name](self._study).rstrip("\n")  # the template spaces them


class NoSuchName(PageError):
    """A template asks for a fact or a table that no module gives (raised through Jinja2,
    which would otherwise render an attribute it cannot find as an undefined value)."""


def template_of(page):
    return f"{page}.j2"


def render(page, study):
    """The page as its template (page + '.j2') and the study's files give it."""
    path = template_of(page)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise PageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    facts = {key: Section(compute, study) for key, compute in FACTS.items()}
    facts["tables"] = Tables(study)
    facts["template"] = os.path.basename(path)
    try:
        return env.from_string(source).render(facts)
    except jinja2.TemplateSyntaxError as e:
        raise PageError(f"{path}, line {e.lineno}: {e.message}") from None
    except jinja2.UndefinedError as e:
        raise PageError(f"{path}: {e.message}") from None
    except (NoSuchName, Unsupported) as e:
        raise PageError(f"{path}: {e}") from None


def render_pages(pages, folder):
    """{page: its text} for every page, from the study's files in `folder`."""
    study = StudyFiles(folder)
    return {page: render(page, study) for page in pages}
