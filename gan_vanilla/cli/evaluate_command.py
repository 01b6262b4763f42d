"""gan-vanilla-evaluate: the numbers of a checkpoint's samples (or of real images); and
gan-vanilla-train-classifier, which trains and caches the classifier that evaluate uses."""

import os
import sys

from ..data import read_data_sets
from ..io.atomic import write_json
from ..run import flags
from ..run.checkpoint import load_checkpoint
from .common import UserError, check_output, command, wrote


def _classifier_parser_flags(parser):
    parser.add_argument("--data-dir", default="data",
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: %(default)s)")
    parser.add_argument("--classifier-cache", metavar="DIR", default=None,
                        help="where the trained classifier is cached (default: DATA_DIR/"
                        "classifier, or the user's cache folder when DATA_DIR is read-only)")


def evaluate_parser():
    parser = flags.parser(prog="gan-vanilla-evaluate",
                          description="Measure a generator's samples: the GAN paper's Parzen "
                          "log-likelihood and the project's classifier-based numbers.")
    parser.add_argument("--checkpoint", help="a checkpoint written by training, or its best.pt")
    parser.add_argument("--real", action="store_true",
                        help="evaluate real training images instead: the reference row")
    _classifier_parser_flags(parser)
    parser.add_argument("--samples", type=flags.samples_type, default=10000,
                        help=f"how many samples, 2 to {flags.SAMPLES_MAX} (default: %(default)s, "
                        "the paper's)")
    parser.add_argument("--seed", type=flags.seed_type, default=0,
                        help="seeds the noise, 0 to 2^63-1 (default: 0)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--png", metavar="PATH", default=None,
                        help="histogram and samples by class (default: evaluation.png beside "
                        "the checkpoint, evaluation-best.png beside best.pt; "
                        "evaluation-real.png with --real)")
    return parser


def _classifier(mnist, args, log):
    from ..measure.classifier import default_cache_dir, load_or_train

    cache = args.classifier_cache or default_cache_dir(args.data_dir)
    try:
        return load_or_train(mnist, cache, log=log)
    except OSError as e:
        raise UserError(f"cannot cache the classifier in {cache}: {e.strerror or e}") from None


def _print_table(title, r, accuracy):
    hist = "  ".join(f"{k}:{p * 100:4.1f}%" for k, p in enumerate(r["class_histogram"]))
    print(title)
    print(f"  Parzen log-likelihood      {r['parzen_ll']:8.1f} +- {r['parzen_se']:.1f} nats "
          f"(sigma {r['parzen_sigma']:.3f})")
    print(f"  classes covered (>= 1%)    {r['classes_covered']:8d} of 10")
    print(f"  KL(classes || uniform)     {r['kl_uniform']:8.4f} nats")
    print(f"  classifier score           {r['classifier_score']:8.2f} (at most 10)")
    print(f"  Frechet distance           {r['frechet_distance']:8.2f} "
          f"(classifier features, to the test images)")
    print(f"  classifier test accuracy   {accuracy * 100:7.2f}%")
    print(f"  class histogram            {hist}")


@command("gan-vanilla-evaluate")
def main(argv=None):
    from ..measure.evaluation import evaluate, generator_samples, real_samples, write_report_png

    parser = evaluate_parser()
    args = parser.parse_args(argv)
    if not args.real and not args.checkpoint:
        parser.error("give --checkpoint PATH, or --real for the real-data reference row")
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    checkpoint = None if args.real else load_checkpoint(args.checkpoint, generator_only=True)
    png = args.png or ("evaluation-real.png" if args.real else os.path.join(
        os.path.dirname(args.checkpoint) or ".",
        "evaluation-best.png" if checkpoint.get("kind") == "best" else "evaluation.png"))
    # The outputs first, then the work (MNIST, the classifier, the samples), then the writes.
    replaced = {png: check_output(png, "image")}
    if args.json:
        replaced[args.json] = check_output(args.json, "evaluation")
    mnist = read_data_sets(args.data_dir, download=True)
    if args.real and args.samples > mnist.train.num_examples:
        raise UserError(f"--samples {args.samples} is more than the "
                        f"{mnist.train.num_examples} training images")
    classifier, accuracy, _ = _classifier(mnist, args, log)
    if args.real:
        samples = real_samples(mnist, args.samples, args.seed)
        title = f"real training images, {args.samples} drawn with seed {args.seed}"
    else:
        samples = generator_samples(checkpoint, args.samples, args.seed)
        title = (f"{args.checkpoint} (iteration {checkpoint['iteration']}), "
                 f"{args.samples} samples, seed {args.seed}")
    results, logits = evaluate(samples, mnist, classifier)
    results.update(classifier_test_accuracy=accuracy, source="real" if args.real else
                   args.checkpoint, iteration=None if args.real else checkpoint["iteration"],
                   seed=args.seed)
    _print_table(title, results, accuracy)
    write_report_png(samples, logits, png)
    if args.json:
        write_json(args.json, results)
    for path, earlier in replaced.items():
        print(f"  {wrote(path, earlier)}")
    return 0


@command("gan-vanilla-train-classifier")
def train_classifier_main(argv=None):
    parser = flags.parser(prog="gan-vanilla-train-classifier",
                          description="Train and cache the MNIST classifier that evaluate uses.")
    _classifier_parser_flags(parser)
    args = parser.parse_args(argv)
    mnist = read_data_sets(args.data_dir, download=True)
    _, accuracy, path = _classifier(mnist, args, lambda line: print(line, flush=True))
    print(f"classifier test accuracy {accuracy * 100:.2f}%, cached in {path}")
    return 0
