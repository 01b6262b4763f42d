"""Terminal entry points. Each turns bad input into one clear line on stderr and an exit code,
never a traceback, and writes nothing before the input has been checked."""

import argparse
import dataclasses
import functools
import os
import re
import shlex
import sys
import tempfile

import torch

from .checkpoint import CheckpointError, load_checkpoint
from .data import MNISTError, read_data_sets
from .losslog import DamagedFile, Diverged
from .settings import (
    Settings,
    add_training_flags,
    allow_negative_values,
    int_at_least,
    seed_type,
    setting_key,
    settings_from_args,
)


class UserError(Exception):
    """Something the user can fix; the message says what."""


def flush_denormals():
    """Treat floats below 1.2e-38 (denormals) as zero on the CPU.

    Late in training, G's sigmoid outputs for background pixels and D's Adam moments for
    them fall below that, and the CPU's slow path for such numbers made an iteration about
    1.5x slower (README, "Performance"). The setting is per thread and torch's worker
    threads copy it when they start, so it must come before any parallel torch work.
    """
    torch.set_flush_denormal(True)


def _denormals_are_flushed():
    # torch has no getter; a denormal times 2 reads 0 on this thread when they are flushed.
    return float(torch.tensor([1e-39]) * 2) == 0.0


def denormals_flushed(main):
    """Run a command with flush_denormals on, and put the calling thread's setting back
    afterwards, however it ends: calling the package's commands in one process leaves the
    process as it found it. (torch's worker threads started during the command keep the
    setting they copied: the CPU's flag is per thread and nothing can reach into them.)"""

    @functools.wraps(main)
    def scoped(*args, **kwargs):
        before = _denormals_are_flushed()
        flush_denormals()
        try:
            return main(*args, **kwargs)
        finally:
            torch.set_flush_denormal(before)

    return scoped


def resolve_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for, but this machine has no usable CUDA GPU")
    return torch.device(name)


def prepare_out_dir(path):
    """Create the output folder and prove it takes a file, before any training."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise UserError(f"cannot create or write to output folder {path}: "
                        f"{e.strerror or e}") from None


def explicit_flags(argv):
    """The settings the user typed, by dest. argparse fills in a default only where the
    namespace has no value yet, so a namespace pre-filled with a marker keeps it for every
    flag that was not typed."""
    parser = train_parser()
    untyped = object()
    dests = vars(parser.parse_args([]))
    typed = parser.parse_args(argv, namespace=argparse.Namespace(**dict.fromkeys(dests, untyped)))
    return {dest for dest, value in vars(typed).items() if value is not untyped}


def resumed_settings(checkpoint, args, argv, path):
    """The checkpoint's settings, with what the user typed on top where that is allowed."""
    try:
        saved = Settings(**checkpoint["settings"])
    except TypeError:
        raise CheckpointError(
            f"checkpoint {path} has settings this version does not know"
        ) from None
    typed = settings_from_args(args).to_dict()
    keys = {setting_key(dest) for dest in explicit_flags(argv)} & set(typed)
    for key in keys & {*Settings.MODEL_KEYS, "seed", "log_every"}:
        if typed[key] != getattr(saved, key):
            what = ("the tensors' sizes" if key in Settings.MODEL_KEYS else
                    "the loss log's windows" if key == "log_every" else "the random streams")
            raise UserError(
                f"--{key.lower().replace('_', '-')} {typed[key]} does not match the checkpoint's "
                f"{key} {getattr(saved, key)} ({path}); {what} cannot change on resume"
            )
    if ("device" not in keys and saved.device == "cuda" and not torch.cuda.is_available()):
        raise UserError(
            f"the checkpoint {path} was saved by a run on --device cuda, and this machine has "
            f"no usable CUDA GPU; add --device cpu to continue on the CPU"
        )
    changes = {key: typed[key] for key in keys}
    changes.setdefault("out_dir", os.path.dirname(path) or ".")  # continue in place
    return dataclasses.replace(saved, **changes)


def refuse_to_replace_a_run(checkpoint_path, args):
    """A new run, or a run resumed into another folder, would replace the checkpoint of the
    run already in its folder (and restart its losses.csv) at its first save: refuse,
    unless --overwrite says so."""
    if args.overwrite or not os.path.exists(checkpoint_path):
        return
    if args.resume and os.path.samefile(args.resume, checkpoint_path):
        return  # continuing that very run
    raise UserError(
        f"{checkpoint_path} holds the checkpoint of another run; continue it with "
        f"--resume {checkpoint_path}, or replace it with --overwrite"
    )


def _fingerprint(path):
    """Tells whether a file was replaced: every checkpoint write renames a new file in."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _is_out_of_memory(error):
    # CUDA raises torch.OutOfMemoryError; the CPU's allocator a plain RuntimeError.
    return isinstance(error, (MemoryError, torch.OutOfMemoryError)) or (
        "can't allocate memory" in str(error))


def train_parser():
    parser = argparse.ArgumentParser(
        prog="gan-vanilla-train",
        description="Train the post's vanilla GAN on MNIST. Defaults are the post's values.",
    )
    add_training_flags(parser)
    parser.add_argument("--resume", metavar="PATH",
                        help="continue the run saved in PATH; --iterations is the total")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--overwrite", action="store_true",
                        help="start even where OUT_DIR holds another run's checkpoint, and "
                        "replace it")
    return allow_negative_values(parser)


def _resume_command(path, iterations):
    prog = sys.argv[0]
    if os.path.basename(prog) == "train.py":
        prog = f"python {shlex.quote(prog)}"
    else:
        prog = "gan-vanilla-train"
    return f"{prog} --resume {shlex.quote(path)} --iterations {iterations}"


def _kept(checkpoint_path):
    if checkpoint_path and os.path.exists(checkpoint_path):
        return f"the last good checkpoint stays in {checkpoint_path}"
    return "no checkpoint had been written yet"


@denormals_flushed
def train_main(argv=None):
    from tqdm import tqdm

    from .stop import StopOnSignal
    from .train import Interrupted, train

    argv = sys.argv[1:] if argv is None else argv
    parser = train_parser()
    args = parser.parse_args(argv)
    error = lambda message: print(f"gan-vanilla-train: error: {message}", file=sys.stderr)  # noqa: E731
    checkpoint_path = None
    started, before = False, None  # whether training began; the checkpoint it found
    try:
        resume = None
        if args.resume:
            resume = load_checkpoint(args.resume)
            settings = resumed_settings(resume, args, argv, args.resume)
            if resume["iteration"] >= settings.iterations:
                raise UserError(
                    f"checkpoint {args.resume} is at iteration {resume['iteration']} already; "
                    f"ask for a larger total with --iterations"
                )
        else:
            settings = settings_from_args(args)
        checkpoint_path = os.path.join(settings.out_dir, "checkpoint.pt")
        refuse_to_replace_a_run(checkpoint_path, args)
        if settings.tensorboard:
            from .board import tensorboard_missing

            if tensorboard_missing():
                raise UserError(tensorboard_missing())
        device = resolve_device(settings.device)
        mnist = read_data_sets(settings.data_dir, seed=settings.seed)
        if settings.mb_size > mnist.train.num_examples:
            raise UserError(
                f"--mb-size {settings.mb_size} is larger than the "
                f"{mnist.train.num_examples} training images"
            )
        prepare_out_dir(settings.out_dir)
        started, before = True, _fingerprint(checkpoint_path)
        mnist.train.to(device)

        show_bar = not args.quiet and sys.stderr.isatty()
        start = resume["iteration"] if resume else 0
        with StopOnSignal() as stop, tqdm(
            total=settings.iterations, initial=start, unit="it", dynamic_ncols=True,
            disable=not show_bar, file=sys.stderr, mininterval=0.5,
        ) as bar:
            def log(line):
                if show_bar:
                    bar.write(line, file=sys.stdout)
                else:
                    print(line, flush=True)

            train(settings, mnist, device, log=log, resume=resume, stop=stop,
                  progress=bar if show_bar else None)
    except Interrupted as e:
        print(f"gan-vanilla-train: stopped at iteration {e.iteration}; checkpoint written to "
              f"{checkpoint_path}\nResume with: "
              f"{_resume_command(checkpoint_path, settings.iterations)}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        if started and _fingerprint(checkpoint_path) != before:
            # The second signal came just after the first one's checkpoint was written.
            iteration = load_checkpoint(checkpoint_path)["iteration"]
            print(f"gan-vanilla-train: stopped at once, just after writing the checkpoint of "
                  f"iteration {iteration} to {checkpoint_path}\nResume with: "
                  f"{_resume_command(checkpoint_path, settings.iterations)}", file=sys.stderr)
        else:
            error(f"stopped at once, without a new checkpoint; {_kept(checkpoint_path)}")
        return 130
    except Diverged as e:
        error(f"{e}; the run is stopped and {_kept(checkpoint_path)}")
        return 1
    except MNISTError as e:
        error(_data_dir_origin(args, argv, settings) + str(e))
        return 1
    except (UserError, CheckpointError, DamagedFile) as e:
        error(str(e))
        return 1
    except OSError as e:
        error(f"could not write {e.filename or 'an output file'}: {e.strerror or e}")
        return 1
    except (RuntimeError, MemoryError) as e:
        if not _is_out_of_memory(e):
            raise
        error(f"out of memory{_allocation(e)}; try a smaller --mb-size, --z-dim or --h-dim; "
              f"{_kept(checkpoint_path)}")
        return 1
    return 0


def _data_dir_origin(args, argv, settings):
    """When --data-dir was not typed on resume, the checkpoint gave it, relative to the
    folder its run started in: say so, since that may not be where the user is now."""
    if not args.resume or "data_dir" in explicit_flags(argv):
        return ""
    return (f"--data-dir {settings.data_dir} comes from the checkpoint {args.resume} "
            f"(relative to the folder that run started in; give --data-dir to read MNIST "
            f"elsewhere): ")


def _allocation(error):
    match = re.search(r"tried to allocate ([\d.]+ ?\w+)", str(error), re.IGNORECASE)
    return f": could not allocate {match.group(1)}" if match else ""


def sample_parser():
    parser = argparse.ArgumentParser(
        prog="gan-vanilla-sample",
        description="Draw samples from a trained generator into one image grid.",
    )
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by training")
    parser.add_argument("--n", type=int_at_least(1, 400), default=64,
                        help="how many samples, at most 400 (default: 64)")
    parser.add_argument("--seed", type=seed_type(), default=1,
                        help="seeds the noise, 0 to 2^63-1 (default: 1)")
    parser.add_argument("--out", default="samples.png", help="the image to write; its suffix "
                        "names the format, .png, .jpg, .pdf, .svg ... (default: %(default)s)")
    parser.add_argument("--interpolate", action="store_true",
                        help="each row walks in a straight line from one z to another")
    return allow_negative_values(parser)


def check_output(path, image=False):
    """Refuse, before any work, a path that cannot take the file: a missing folder, a folder
    in its place, or (for an image) a suffix that names no format matplotlib writes."""
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise UserError(f"cannot write {path}: it is a folder")
    if image:
        from .grid import image_format

        try:
            image_format(path)
        except ValueError as e:
            raise UserError(f"cannot write {path}: {e}") from None


def sample_main(argv=None):
    from .sample import draw

    args = sample_parser().parse_args(argv)
    try:
        state = load_checkpoint(args.checkpoint)
        check_output(args.out, image=True)
        draw(state, args.n, args.seed, args.out, args.interpolate)
    except (UserError, CheckpointError) as e:
        print(f"gan-vanilla-sample: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"gan-vanilla-sample: error: could not write {args.out}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


def _classifier_parser_flags(parser):
    parser.add_argument("--data-dir", default="data",
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: %(default)s)")
    parser.add_argument("--classifier-cache", metavar="DIR", default=None,
                        help="where the trained classifier is cached (default: DATA_DIR/"
                        "classifier, or the user's cache folder when DATA_DIR is read-only)")


def evaluate_parser():
    parser = argparse.ArgumentParser(
        prog="gan-vanilla-evaluate",
        description="Measure a generator's samples: the GAN paper's Parzen log-likelihood "
        "and the project's classifier-based numbers.",
    )
    parser.add_argument("--checkpoint", help="a checkpoint written by training")
    parser.add_argument("--real", action="store_true",
                        help="evaluate real training images instead: the reference row")
    _classifier_parser_flags(parser)
    parser.add_argument("--samples", type=int_at_least(2, 50000), default=10000,
                        help="how many samples, 2 to 50000 (default: %(default)s, the "
                        "paper's)")
    parser.add_argument("--seed", type=seed_type(), default=0,
                        help="seeds the noise, 0 to 2^63-1 (default: 0)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--png", metavar="PATH", default=None,
                        help="histogram and samples by class (default: evaluation.png beside "
                        "the checkpoint; evaluation-real.png with --real)")
    return allow_negative_values(parser)


def _classifier(mnist, args, log):
    from .classifier import default_cache_dir, load_or_train

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


@denormals_flushed
def evaluate_main(argv=None):
    import json

    from .atomic import save_atomic
    from .evaluate import evaluate, generator_samples, real_samples, write_report_png

    parser = evaluate_parser()
    args = parser.parse_args(argv)
    if not args.real and not args.checkpoint:
        parser.error("give --checkpoint PATH, or --real for the real-data reference row")
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        checkpoint = None if args.real else load_checkpoint(args.checkpoint)
        mnist = read_data_sets(args.data_dir, download=True)
        if args.real and args.samples > mnist.train.num_examples:
            raise UserError(f"--samples {args.samples} is more than the "
                            f"{mnist.train.num_examples} training images")
        png = args.png or ("evaluation-real.png" if args.real else os.path.join(
            os.path.dirname(args.checkpoint) or ".", "evaluation.png"))
        check_output(png, image=True)  # the outputs first, then the work, then the writes
        if args.json:
            check_output(args.json)
        classifier, accuracy, _ = _classifier(mnist, args, log)
        if args.real:
            samples = real_samples(mnist, args.samples, args.seed)
            title = f"real training images, {args.samples} drawn with seed {args.seed}"
        else:
            samples = generator_samples(checkpoint, args.samples, args.seed)
            title = (f"{args.checkpoint} (iteration {checkpoint['iteration']}), "
                     f"{args.samples} samples, seed {args.seed}")
        results, logits = evaluate(samples, mnist, classifier)
        results["classifier_test_accuracy"] = accuracy
        results["source"] = "real" if args.real else args.checkpoint
        results["iteration"] = None if args.real else checkpoint["iteration"]
        results["seed"] = args.seed
        _print_table(title, results, accuracy)
        write_report_png(samples, logits, png)
        if args.json:
            def write_json(tmp):
                with open(tmp, "w") as f:
                    json.dump(results, f, indent=2)
                    f.write("\n")

            save_atomic(args.json, write_json)
    except (UserError, MNISTError, CheckpointError) as e:
        print(f"gan-vanilla-evaluate: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"gan-vanilla-evaluate: error: could not write {e.filename or 'a file'}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 1
    print(f"  wrote {png}" + (f" and {args.json}" if args.json else ""))
    return 0


@denormals_flushed
def train_classifier_main(argv=None):
    parser = argparse.ArgumentParser(
        prog="gan-vanilla-train-classifier",
        description="Train and cache the MNIST classifier that evaluate uses.",
    )
    _classifier_parser_flags(parser)
    args = parser.parse_args(argv)
    try:
        mnist = read_data_sets(args.data_dir, download=True)
        _, accuracy, path = _classifier(mnist, args, lambda line: print(line, flush=True))
    except (UserError, MNISTError, CheckpointError) as e:
        print(f"gan-vanilla-train-classifier: error: {e}", file=sys.stderr)
        return 1
    print(f"classifier test accuracy {accuracy * 100:.2f}%, cached in {path}")
    return 0
