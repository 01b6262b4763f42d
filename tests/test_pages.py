"""The facts the generated pages are written from (docs/tools/), on small made-up logs: the
spells in which a wide run comes back below the gradient floor; the losses of good and bad
seeds, what the monitor says; a template that renders its facts and refuses a name no module
gives; and the links of the committed pages, each to a heading that is there."""

import re

import pytest

from tools.build import render
from tools.study_files import PageError
from tools.wide_page import below_half_after

from .conftest import ROOT


def test_every_spell_back_below_half_is_found_also_before_a_run_stays_at_the_floor():
    """The page once said that only two wide runs came back out of the floor: two others came
    back below half for a while (h512 seed 1 at 6,000 to 11,500) before staying there."""
    its = list(range(5000, 13500, 500))
    clamped = [0.0, 0.97] + [0.0] * 12 + [1.0, 1.0, 1.0]  # over half at 5,500; back at 6,000
    log = {"iteration": its, "clamped": clamped}
    assert below_half_after(log, 5500) == [(6000, 11500)]
    clamped[5] = 0.6  # over half again at 7,500: two spells
    assert below_half_after(log, 5500) == [(6000, 7000), (8000, 11500)]
    assert below_half_after(log, None) == []  # never over half: nothing to come back from


def test_every_link_of_the_pages_to_a_section_finds_its_heading():
    """The first screen of REPRODUCTION.md links its answers to the sections that show them: a
    heading reworded in a template must not leave a link to nothing."""
    docs = ROOT / "docs"

    def anchors(page):  # GitHub's: lowercased, punctuation dropped, spaces as hyphens
        return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.*)$", (docs / page).read_text(), re.M)}

    for page in ("REPRODUCTION.md", "wide.md", "monitor.md"):
        for target, anchor in re.findall(r"\]\(([\w.]*)#([\w-]+)\)", (docs / page).read_text()):
            assert anchor in anchors(target or page), (page, target, anchor)


def test_a_template_renders_its_facts_and_refuses_an_unknown_name(tmp_path):
    page = tmp_path / "PAGE.md"
    (tmp_path / "PAGE.md.j2").write_text("{{ template }} {% if true %}yes{% endif %}\n")
    assert render(str(page), study=None) == "PAGE.md.j2 yes\n"
    (tmp_path / "PAGE.md.j2").write_text("{{ nothing }}\n")
    with pytest.raises(PageError, match="'nothing' is undefined"):
        render(str(page), study=None)


class Study:
    """The little of StudyFiles that a fact function reads: rows and each run's losses."""

    def __init__(self, rows, losses):
        self.rows, self._losses = rows, losses
        self.settings = {"post": {"log_every": 100}}

    def of(self, config):
        return [r for r in self.rows if r["configuration"] == config]

    def losses(self, config, seed):
        return self._losses[seed]


def losses_of(d_loss):
    """A losses digest after LOSSES_FROM whose D_loss takes the given values."""
    its = [10999 + 1000 * k for k in range(len(d_loss))]
    return {"iteration": its, "D_loss": d_loss, "G_loss": [2.0] * len(its),
            "D_real": [0.8] * len(its), "D_fake": [0.2] * len(its)}


@pytest.mark.parametrize("seven, word", [([0.51, 0.92], "the same ranges"),
                                         ([0.55, 0.80], "overlapping ranges"),
                                         ([0.95, 1.10], "separate ranges")])
def test_the_losses_of_good_and_bad_seeds_are_compared_as_the_data_lie(seven, word):
    """The page once said the seeds ending with nine digits and those ending with seven "span
    the same ranges" where they only overlap: the word now follows the numbers."""
    from tools.reproduction_page import losses

    rows = [{"configuration": "post", "seed": 0, "classes_covered": 9},
            {"configuration": "post", "seed": 1, "classes_covered": 7}]
    facts = losses(Study(rows, {0: losses_of([0.51, 0.92]), 1: losses_of(seven)}))
    assert facts["ranges"] == word
    assert (facts["most"], facts["fewest"]) == ([0], [1])  # the seeds with nine and seven


def quality_of(tops):
    """A quality.csv whose digit 3 takes each of `tops` in turn, the rest spread evenly."""
    q = {"iteration": [10000 * (k + 1) for k in range(len(tops))]}
    for d in range(10):
        q[f"share_{d}"] = [top if d == 3 else (1 - top) / 9 for top in tops]
    return q


@pytest.mark.parametrize("tops, said, cleared", [
    ([0.27, 0.2005, 0.23], "raised at 10,000 iterations", None),  # 20.05%: just above 20%
    ([0.27, 0.199, 0.23], "raised at 10,000 iterations and cleared at 20,000", 20000),
    ([0.27, 0.199, 0.26], "raised at 10,000 iterations, cleared at 20,000 and raised again at "
                          "30,000", 20000),
])
def test_what_the_monitor_says_follows_its_shares(tops, said, cleared):
    """monitor.md says what the run's alarm did from the run's own quality.csv, through the
    monitor's rule (run/monitor.py): a share of 20.05% keeps it raised, 19.9% clears it."""
    from tools.monitor_page import _events, _nearest_to_cleared, _said

    q = quality_of(tops)
    assert _said(q) == said
    assert next((it for it, what in _events(q) if what == "cleared"), None) == cleared
    assert _nearest_to_cleared(q)[:2] == (20000, 3)


def test_spearman_ranks_ties_as_their_mean():
    from tools.monitor_page import spearman

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
