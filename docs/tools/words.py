"""How the generated pages write a number, and which comparison word the data decide: the
templates' filters (`{{ seeds.parzen|span(0) }}`) and the facts' rules, each a small function
that a test can move the data under and watch the word change ("overlapping ranges" when one end
of "the same ranges" moves; "above" when a mean leaves a range)."""

import statistics

from gan_vanilla.study.normal import listing

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class Unsupported(Exception):
    """The data no longer support a sentence of a page's template; the message quotes it."""


def claim(holds, sentence):
    """A sentence the template words by hand (not a number) must still hold for the data: when
    it does not, the page is refused, naming it, rather than left saying something false."""
    if not holds:
        raise Unsupported(f"the committed files no longer support \"{sentence}\"; reword the "
                          "page's template")


def number(n):
    """A count in words up to ten ("three seeds"), in figures beyond ("34 runs")."""
    n = int(n)
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else f"{n:,}"


def iteration(it):
    """10000 -> '10,000'."""
    return f"{int(it):,}"


def fixed(value, decimals=0):
    """So many decimals; a figure that would round to 0 keeps one significant digit instead
    (0.0018 with two decimals -> '0.002', not '0.00')."""
    if value != 0 and round(value, decimals) == 0:
        return f"{value:.1g}"
    return f"{value:.{decimals}f}"


def digits(ds):
    """[1, 7] -> '1s and 7s'."""
    return listing(f"{d}s" for d in ds)


def names(configs):
    """['post', 'h512'] -> '`post` and `h512`'."""
    return listing(f"`{c}`" for c in configs)


def span(values, fmt=0):
    """'low to high', each end with `fmt` decimals (or written by `fmt`, a function or the
    name of a filter), or one figure when both ends write the same."""
    write = FILTERS.get(fmt, fmt) if not isinstance(fmt, int) else lambda v: f"{v:.{fmt}f}"
    values = list(values)
    low, high = write(min(values)), write(max(values))
    return low if low == high else f"{low} to {high}"


def either(counts, spell=False):
    """Whole counts as a reader says them: {9} -> '9', {8, 9} -> '8 or 9', {1, 2, 4} -> '1 to
    4'; spelled, {1, 2} -> 'one or two'."""
    counts = sorted({int(c) for c in counts})
    say = number if spell else str
    if len(counts) == 2 and counts[1] == counts[0] + 1:
        return f"{say(counts[0])} or {say(counts[1])}"
    return span(counts, say)


def power(value):
    """A setting or a threshold as the flags take it: 0.001 -> '1e-3', 0.00025 -> '2.5e-4',
    1e-12 -> '1e-12'; 0.5 -> '0.5'."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:g}"
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def percents(shares):
    """A share (0.27) or shares as one percentage or a 'low to high%' range, every end with
    the fewest decimals that write the smallest within a tenth of itself: '27%', and 1
    sample of 2,000 '0.05%', not the '0.1%' one fixed decimal would say."""
    values = [100 * s for s in (shares if isinstance(shares, list | tuple) else [shares])]

    def decimals(value):
        return next((d for d in range(5) if abs(float(f"{value:.{d}f}") - value)
                     <= 0.1 * abs(value)), 4)

    return span(values, max((decimals(v) for v in values if v), default=0)) + "%"


def percent_against(share, threshold):
    """A share beside a threshold, with the decimals it takes to show on which side it lies:
    0.2005 against 0.20 is '20.05%', where '20%' would hide that it is above."""
    value, line = 100 * share, 100 * threshold
    for decimals in range(5):
        shown = float(f"{value:.{decimals}f}")
        if (shown > line) == (value > line) and (shown < line) == (value < line):
            return f"{value:.{decimals}f}%"
    return f"{value}%"


def overlap_words(a, b):
    """How two sets of figures sit against each other: 'the same ranges' only when both ends
    are equal."""
    if min(a) == min(b) and max(a) == max(b):
        return "the same ranges"
    if max(min(a), min(b)) <= min(max(a), max(b)):
        return "overlapping ranges"
    return "separate ranges"


def weakest(words):
    """Of overlap_words' words, the weakest claim all of them support."""
    return max(words, key=("the same ranges", "overlapping ranges", "separate ranges").index)


def verdict(values, baseline):
    """'above', 'below' or 'within': where the mean of values falls against the baseline's
    range (a knob moves a figure by more than the seeds do when its mean leaves it)."""
    mean = statistics.fmean(values)
    return "above" if mean > max(baseline) else "below" if mean < min(baseline) else "within"


def side(word, better):
    """'good', 'bad' or 'within': a verdict read with the metric's better direction."""
    if word == "within":
        return "within"
    return "good" if (word == "above") == (better == "higher") else "bad"


def flip(word):
    """The same comparison seen from the other side: 'far above' -> 'far below'."""
    swap = {"above": "below", "below": "above"}
    return " ".join(swap.get(w, w) for w in word.split())


def sd(value):
    """A spread across z: three decimals, or one significant digit below 0.001 (a G that
    gives one image for every z would read 0.000)."""
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.0e}"


# The templates' filters: `{{ value|name(arguments) }}`.
FILTERS = {"iteration": iteration, "number": number, "fixed": fixed, "span": span,
           "either": either, "power": power, "percents": percents, "listing": listing,
           "digits": digits, "names": names, "percent_against": percent_against, "flip": flip,
           "sd": sd, "mean": statistics.fmean}
