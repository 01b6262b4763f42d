"""The facts the generated pages are written from (gan_vanilla/study/pages/), on small made-up
logs: a seed's coverage told as it moves, the rare digits grouped by how many seeds, a share of
the measured samples said as a count, a run stuck at the gradient floor, and a template that
renders its facts and refuses a name no module gives."""

import pytest

from tools.build import render
from tools.seeds import _coverage_story, _under
from tools.study_files import PageError
from tools.wide import _count, stuck_from


def test_a_seeds_coverage_is_told_as_it_moves():
    q = {"iteration": [40000, 50000, 60000, 70000], "classes_covered": [10, 9, 10, 10]}
    assert _coverage_story(q, 40000) == ("it drops to nine digits at 50,000 iterations and is "
                                         "back at ten by 60,000")
    q["classes_covered"][-1] = 8
    assert _coverage_story(q, 40000).endswith(", then loses some again")
    q["classes_covered"] = [10, 10, 10, 10]
    assert _coverage_story(q, 40000) == "it keeps all ten digits to the end"


def test_the_digits_under_one_percent_are_grouped_by_how_many_seeds():
    counts = dict.fromkeys(range(10), 0) | {4: 6, 6: 6, 7: 8}
    assert _under(counts, 10) == "4s and 6s fall under 1% in six of the ten seeds, 7s in eight"
    assert _under(dict.fromkeys(range(10), 0) | {7: 8}, 10) == \
        "7s fall under 1% in eight of the ten seeds"
    assert _under(dict.fromkeys(range(10), 0), 10) == "no digit falls under 1% in any seed"


def test_a_share_of_the_measured_samples_is_said_as_a_count():
    assert _count(0.0005) == "1 of its 2,000 samples (0.05%)"
    assert _count(0.01) == "20 of its 2,000 samples (1%)"


def test_a_run_stuck_at_the_floor_from_the_first_measurement_that_stays():
    log = {"iteration": [1000, 1500, 2000, 2500], "clamped": [0.0, 1.0, 1.0, 1.0]}
    assert stuck_from(log) == 1500
    log["clamped"][-1] = 0.5
    assert stuck_from(log) is None


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
    from tools.seeds import losses

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
    from tools.monitor_page import _cleared, _nearest_to_cleared, _said

    q = quality_of(tops)
    assert _said(q) == said
    assert _cleared(q) == cleared
    assert _nearest_to_cleared(q)[:2] == (20000, 3)


def test_spearman_ranks_ties_as_their_mean():
    from tools.monitor_page import spearman

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
