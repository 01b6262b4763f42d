"""gan-vanilla-train: the post's training from the terminal, with resume, signals and one
clear line for every bad input. What to train, and where, is start.py's."""

import os
import re
import shlex
import sys
import tempfile

import torch

from ..data import read_data_sets
from ..io.mnist import MNISTError
from ..run import flags
from ..run.checkpoint import load_checkpoint
from ..run.device import denormals_flushed, resolve_device
from ..run.flags import seeds_text
from ..run.losslog import Diverged
from ..run.session import Interrupted
from ..run.stacked_folder import is_ensemble, member_dir, read_seeds, same_seeds, write_seeds
from ..run.stop import StopOnSignal
from .common import UserError, command, error
from .start import check_folders, what_to_train

PROG = "gan-vanilla-train"


def prepare_out_dir(path):
    """Create the output folder and prove it takes a file, before any training."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise UserError(f"cannot create or write to output folder {path}: "
                        f"{e.strerror or e}") from None


def check_before_training(settings):
    """What would fail only once training began, found now: TensorBoard's package, the
    device, MNIST, a minibatch larger than its training split. Returns (device, mnist)."""
    if settings.tensorboard:
        from ..run.board import tensorboard_missing

        if tensorboard_missing():
            raise UserError(tensorboard_missing())
    device = resolve_device(settings.device)
    mnist = read_data_sets(settings.data_dir, seed=settings.seed)
    if settings.mb_size > mnist.train.num_examples:
        raise UserError(f"--mb-size {settings.mb_size} is larger than the "
                        f"{mnist.train.num_examples} training images")
    return device, mnist


def prepare_folders(start):
    """The output folder and each member's, proven writable; then an ensemble's
    ensemble.json (a new ensemble, or one resumed elsewhere)."""
    out = start.settings.out_dir
    prepare_out_dir(out)
    if start.seeds is not None:
        for s in start.seeds:
            prepare_out_dir(member_dir(out, s))
        if start.resume is None or not is_ensemble(out) or not same_seeds(read_seeds(out),
                                                                          start.seeds):
            write_seeds(out, start.seeds)


def run_training(start, args, device, mnist):
    """train() with the signals that stop it, and a progress bar on a terminal."""
    from tqdm import tqdm

    from ..train import train

    mnist.train.to(device)
    show_bar = not args.quiet and sys.stderr.isatty()
    with StopOnSignal() as stop, tqdm(
        total=start.settings.iterations, initial=start.start, unit="it", dynamic_ncols=True,
        disable=not show_bar, file=sys.stderr, mininterval=0.5,
    ) as bar:
        def log(line):
            if show_bar:
                bar.write(line, file=sys.stdout)
            else:
                print(line, flush=True)

        train(start.settings, mnist, device, log=log, resume=start.resume, stop=stop,
              progress=bar if show_bar else None, seeds=start.seeds)


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


def _resume_command(start):
    """The command that continues the run; an ensemble's resumes its folder."""
    prog = (f"python {shlex.quote(sys.argv[0])}" if os.path.basename(sys.argv[0]) == "train.py"
            else PROG)
    iterations = start.settings.iterations
    if start.seeds is not None:
        return (f"{prog} --seeds {seeds_text(start.seeds)} --resume "
                f"{shlex.quote(start.settings.out_dir)} --iterations {iterations}")
    return f"{prog} --resume {shlex.quote(start.checkpoint_path())} --iterations {iterations}"


def _kept(checkpoint_path):
    if checkpoint_path and os.path.exists(checkpoint_path):
        return f"the last good checkpoint stays in {checkpoint_path}"
    return "no checkpoint had been written yet"


@command(PROG)
def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = flags.train_parser().parse_args(argv)
    start = what_to_train(args, argv)
    if start.finished is not None:
        print(f"{PROG}: {start.settings.out_dir} holds this run, finished at iteration "
              f"{start.finished}; nothing to train", file=sys.stderr)
        return 0
    check_folders(start, args)
    # Denormal floats flushed before torch starts its worker threads, which copy the setting:
    # every thread treats them alike, so the thread count never changes a result.
    with denormals_flushed():
        return train_from_the_terminal(start, args, argv)


def train_from_the_terminal(start, args, argv):
    """The checks that need MNIST and the device, the folders, then the training; a stop on
    request, a second Ctrl-C, a NaN or running out of memory told in one line each."""
    checkpoint_path = start.checkpoint_path()
    started, before = False, None  # whether training began; the checkpoint it found
    try:
        device, mnist = check_before_training(start.settings)
        prepare_folders(start)
        started, before = True, _fingerprint(checkpoint_path)
        run_training(start, args, device, mnist)
    except Interrupted as e:
        written = (checkpoint_path if start.seeds is None else
                   os.path.join(start.settings.out_dir, "seed-*", "checkpoint.pt"))
        print(f"{PROG}: stopped at iteration {e.iteration}; checkpoint written to "
              f"{written}\nResume with: {_resume_command(start)}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        if started and _fingerprint(checkpoint_path) != before:
            # The second signal came just after the first one's checkpoint was written.
            iteration = load_checkpoint(checkpoint_path)["iteration"]
            print(f"{PROG}: stopped at once, just after writing the checkpoint of "
                  f"iteration {iteration} to {checkpoint_path}\nResume with: "
                  f"{_resume_command(start)}", file=sys.stderr)
        else:
            error(PROG, f"stopped at once, without a new checkpoint; {_kept(checkpoint_path)}")
        return 130
    except Diverged as e:
        error(PROG, f"{e}; the run is stopped and {_kept(checkpoint_path)}")
        return 1
    except MNISTError as e:
        raise UserError(_data_dir_origin(args, argv, start) + str(e)) from None
    except (RuntimeError, MemoryError) as e:
        if not _is_out_of_memory(e):
            raise
        error(PROG, f"out of memory{_allocation(e)}; try a smaller --mb-size, --z-dim or "
              f"--h-dim; {_kept(checkpoint_path)}")
        return 1
    return 0


def _data_dir_origin(args, argv, start):
    """When --data-dir was not typed on resume, the checkpoint gave it, relative to the
    folder its run started in: say so, since that may not be where the user is now."""
    if not args.resume or "data_dir" in flags.typed_settings(argv):
        return ""
    return (f"--data-dir {start.settings.data_dir} comes from the checkpoint {args.resume} "
            f"(relative to the folder that run started in; give --data-dir to read MNIST "
            f"elsewhere): ")


def _allocation(error):
    match = re.search(r"tried to allocate ([\d.]+ ?\w+)", str(error), re.IGNORECASE)
    return f": could not allocate {match.group(1)}" if match else ""
