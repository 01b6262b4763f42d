"""The words the data decide on the generated pages (docs/tools/words.py): each rule
moves with the numbers. A range that equals another reads "the same ranges" until one end moves;
a mean inside the baseline's range reads "within" until it leaves it; a share of 1 in 2,000
reads 0.05%, not 0.1%; and a sentence the template words by hand is refused, naming it, once
the files no longer support it."""

import pytest

from gan_vanilla.study.normal import how_far
from tools import words


@pytest.mark.parametrize("a, b, expected", [
    ([0.51, 0.80, 0.92], [0.51, 0.60, 0.92], "the same ranges"),
    ([0.51, 0.80, 0.92], [0.51, 0.60, 0.93], "overlapping ranges"),  # one end moved
    ([0.51, 0.92], [0.92, 1.10], "overlapping ranges"),  # they touch
    ([0.51, 0.92], [0.93, 1.10], "separate ranges"),
])
def test_overlap_words_say_same_only_when_the_ranges_are_equal(a, b, expected):
    assert words.overlap_words(a, b) == expected
    assert words.overlap_words(b, a) == expected


@pytest.mark.parametrize("values, expected", [([6.0, 7.0], "below"), ([6.5, 7.5], "within"),
                                              ([8.5, 9.5], "within"), ([9.0, 10.0], "above")])
def test_verdict_becomes_above_when_the_mean_leaves_the_baselines_range(values, expected):
    assert words.verdict(values, [7, 8, 9, 8]) == expected


@pytest.mark.parametrize("word, better, expected", [
    ("above", "higher", "good"), ("above", "lower", "bad"), ("below", "lower", "good"),
    ("below", "higher", "bad"), ("within", "higher", "within")])
def test_side_reads_a_verdict_with_the_better_direction(word, better, expected):
    assert words.side(word, better) == expected


@pytest.mark.parametrize("share, expected", [
    (1 / 2000, "0.05%"),  # one decimal would say 0.1%, twice the figure
    (0.27, "27%"), (0.003, "0.3%"), (0.0386, "4%"), (0.0, "0%"), (1.0, "100%")])
def test_percent_keeps_a_share_within_a_tenth_of_itself(share, expected):
    assert words.percents(share) == expected


def test_a_range_of_percentages_takes_the_decimals_its_smallest_end_needs():
    assert words.percents([0.007, 0.014]) == "0.7 to 1.4%"
    assert words.percents([0.52, 0.68]) == "52 to 68%"
    assert words.percents([0.74, 0.74]) == "74%"


@pytest.mark.parametrize("share, expected", [(0.2004, "20.04%"), (0.2005, "20.1%"),
                                             (0.1996, "19.96%"), (0.23, "23%"), (0.2, "20%")])
def test_a_share_beside_its_threshold_shows_which_side_it_is_on(share, expected):
    assert words.percent_against(share, 0.20) == expected


@pytest.mark.parametrize("values, reference, expected", [
    ([85.1, 131.7], 242.1, "far above"), ([85.1, 131.7], 150.0, "above"),
    ([85.1, 131.7], 100.0, "within"), ([346.0, 608.4], 3.8, "far below")])
def test_how_far_a_reference_lies_from_a_range(values, reference, expected):
    assert how_far(values, reference) == expected  # compare's word, which the pages use too
    assert words.flip(expected) == {
        "far above": "far below", "above": "below", "within": "within",
        "far below": "far above"}[expected]


def test_counts_and_lists_as_a_reader_says_them():
    assert [words.number(n) for n in (0, 3, 10, 34)] == ["no", "three", "ten", "34"]
    assert words.listing(["a"]) == "a" and words.listing(["a", "b", "c"]) == "a, b and c"
    assert words.either([9, 9]) == "9" and words.either([8, 9]) == "8 or 9"
    assert words.either([1, 2, 4]) == "1 to 4" and words.either([2, 1], spell=True) == "one or two"
    assert words.span([0.51, 0.92], "{:.2f}".format) == "0.51 to 0.92"
    assert words.span([0.215, 0.2151], "{:.3f}".format) == "0.215"
    assert [words.power(v) for v in (1e-3, 2.5e-4, 1e-12, 0.5)] == ["1e-3", "2.5e-4", "1e-12",
                                                                    "0.5"]
    assert words.fixed(0.0018, 2) == "0.002" and words.fixed(0.5169, 2) == "0.52"
    assert words.span([0.0004, 0.002], "sd") == "4e-04 to 0.002"


def test_a_claim_the_files_no_longer_support_is_refused_by_name():
    words.claim(True, "every seed collapses")
    with pytest.raises(words.Unsupported, match='no longer support "every seed collapses"'):
        words.claim(False, "every seed collapses")
