"""gan-vanilla-sample: a grid of samples from a checkpoint's generator."""

from ..run import flags
from ..run.checkpoint import load_checkpoint
from .common import check_output, command, wrote


def parser():
    parser = flags.parser(
        prog="gan-vanilla-sample",
        description="Draw samples from a trained generator into one image grid.",
    )
    parser.add_argument("--checkpoint", required=True,
                        help="a checkpoint written by training, or its best.pt")
    parser.add_argument("--n", type=flags.int_at_least(1, 400), default=64,
                        help="how many samples, at most 400 (default: 64)")
    parser.add_argument("--seed", type=flags.seed_type(), default=1,
                        help="seeds the noise, 0 to 2^63-1 (default: 1)")
    parser.add_argument("--out", default="samples.png", help="the image to write; its suffix "
                        "names the format, .png, .jpg, .pdf, .svg ... (default: %(default)s)")
    parser.add_argument("--interpolate", action="store_true",
                        help="each row walks in a straight line from one z to another")
    return parser


@command("gan-vanilla-sample")
def main(argv=None):
    from ..measure.sample import draw

    args = parser().parse_args(argv)
    state = load_checkpoint(args.checkpoint, generator_only=True)
    replaced = check_output(args.out, "image")
    draw(state, args.n, args.seed, args.out, args.interpolate)
    print(wrote(args.out, replaced))
    return 0
