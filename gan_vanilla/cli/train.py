"""gan-vanilla-train: the post's training from the terminal, with resume, signals and one
clear line for every bad input."""

import dataclasses
import os
import re
import shlex
import sys
import tempfile

import torch

from ..data import read_data_sets
from ..ensemble.folder import NAME as ENSEMBLE_FILE
from ..ensemble.folder import is_ensemble, load_members, member_dir, read_seeds, write_seeds
from ..ensemble.seeds import seeds_text
from ..run import flags
from ..run.checkpoint import CheckpointError, load_checkpoint
from ..run.device import UnknownDevice, resolve_device
from ..run.files import DamagedFile
from ..run.losslog import Diverged
from ..run.mnist_files import MNISTError
from ..run.session import Interrupted
from ..run.stop import StopOnSignal
from ..settings import Settings
from .common import UserError, denormals_flushed


def prepare_out_dir(path):
    """Create the output folder and prove it takes a file, before any training."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise UserError(f"cannot create or write to output folder {path}: "
                        f"{e.strerror or e}") from None


def resumed_settings(checkpoint, argv, path):
    """The checkpoint's settings, with what the user typed on top where that is allowed."""
    try:
        saved = Settings(**checkpoint["settings"])
    except TypeError:
        raise CheckpointError(
            f"checkpoint {path} has settings this version does not know"
        ) from None
    typed = flags.typed_settings(argv)
    keys = set(typed)
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


def refuse_to_replace_a_run(checkpoint_path, args, resumed=None):
    """A new run, or a run resumed into another folder, would replace the checkpoint of the
    run already in its folder (and restart its losses.csv) at its first save: refuse,
    unless --overwrite says so. resumed: the checkpoint the run continues (--resume's)."""
    resumed = resumed or args.resume
    if args.overwrite or not os.path.exists(checkpoint_path):
        return
    if resumed and os.path.exists(resumed) and os.path.samefile(resumed, checkpoint_path):
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


def _resume_command(path, iterations, seeds=None):
    """The command that continues the run; an ensemble's resumes its folder (two up from its
    last member's checkpoint)."""
    prog = sys.argv[0]
    if os.path.basename(prog) == "train.py":
        prog = f"python {shlex.quote(prog)}"
    else:
        prog = "gan-vanilla-train"
    if seeds is not None:
        folder = os.path.dirname(os.path.dirname(path)) or "."
        return (f"{prog} --seeds {seeds_text(seeds)} --resume {shlex.quote(folder)} "
                f"--iterations {iterations}")
    return f"{prog} --resume {shlex.quote(path)} --iterations {iterations}"


def _ensemble_seeds(folder, typed, argv):
    """The seeds of the ensemble in `folder`; typed --seeds must name the same ones."""
    seeds = read_seeds(folder)
    if typed is not None and typed != seeds:
        raise UserError(f"--seeds {seeds_text(typed)} does not match the ensemble in {folder} "
                        f"(seeds {seeds_text(seeds)}); resume it with --seeds "
                        f"{seeds_text(seeds)}, or leave --seeds out")
    if "seed" in flags.typed_settings(argv):
        raise UserError(f"{folder} holds an ensemble (seeds {seeds_text(seeds)}); --seed "
                        f"cannot change on resume")
    return seeds


def refuse_to_replace_an_ensemble(out_dir, seeds, args):
    """refuse_to_replace_a_run for each member; and a folder that holds an ensemble of
    other seeds is refused, unless --overwrite says so."""
    if not args.overwrite and not args.resume and is_ensemble(out_dir):
        held = read_seeds(out_dir)
        if held != seeds:
            raise UserError(
                f"{out_dir} holds the ensemble of seeds {seeds_text(held)}; continue it with "
                f"--resume {out_dir}, train --seeds {seeds_text(seeds)} elsewhere, or replace "
                f"it with --overwrite")
    for s in seeds:
        resumed = args.resume and os.path.join(member_dir(args.resume, s), "checkpoint.pt")
        refuse_to_replace_a_run(os.path.join(member_dir(out_dir, s), "checkpoint.pt"), args,
                                resumed)


def _kept(checkpoint_path):
    if checkpoint_path and os.path.exists(checkpoint_path):
        return f"the last good checkpoint stays in {checkpoint_path}"
    return "no checkpoint had been written yet"


@denormals_flushed
def main(argv=None):
    from tqdm import tqdm

    from ..train import train

    argv = sys.argv[1:] if argv is None else argv
    args = flags.train_parser().parse_args(argv)
    error = lambda message: print(f"gan-vanilla-train: error: {message}", file=sys.stderr)  # noqa: E731
    checkpoint_path = None
    seeds = args.seeds  # None: one run; else an ensemble's seeds (gan_vanilla/ensemble/)
    started, before = False, None  # whether training began; the checkpoint it found
    try:
        resume = None
        if seeds is not None and "seed" in flags.typed_settings(argv):
            raise UserError("--seed and --seeds cannot go together: --seed S trains one run, "
                            "--seeds 0-9 one run per seed at once")
        if args.resume and is_ensemble(args.resume):
            seeds = _ensemble_seeds(args.resume, seeds, argv)
            resume = load_members(args.resume, seeds)
            settings = resumed_settings(
                resume[0], argv, os.path.join(member_dir(args.resume, seeds[0]),
                                              "checkpoint.pt"))
            if "out_dir" not in flags.typed_settings(argv):  # continue in place
                settings = dataclasses.replace(settings, out_dir=args.resume)
            if resume[0]["iteration"] >= settings.iterations:
                raise UserError(
                    f"the ensemble in {args.resume} is at iteration {resume[0]['iteration']} "
                    f"already; ask for a larger total with --iterations")
        elif args.resume:
            if seeds is not None:
                raise UserError(f"--seeds resumes an ensemble's folder (one that holds "
                                f"{ENSEMBLE_FILE}); {args.resume} is not one: leave --seeds "
                                f"out to continue a single run")
            resume = load_checkpoint(args.resume)
            settings = resumed_settings(resume, argv, args.resume)
            if resume["iteration"] >= settings.iterations:
                raise UserError(
                    f"checkpoint {args.resume} is at iteration {resume['iteration']} already; "
                    f"ask for a larger total with --iterations"
                )
        else:
            settings = flags.settings_from_args(args)
        if seeds is None:
            checkpoint_path = os.path.join(settings.out_dir, "checkpoint.pt")
            refuse_to_replace_a_run(checkpoint_path, args)
        else:
            refuse_to_replace_an_ensemble(settings.out_dir, seeds, args)
            # the last member's checkpoint is written last: it tells whether all were
            checkpoint_path = os.path.join(member_dir(settings.out_dir, seeds[-1]),
                                           "checkpoint.pt")
        if settings.tensorboard:
            from ..run.board import tensorboard_missing

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
        if seeds is not None and (resume is None or not is_ensemble(settings.out_dir)):
            write_seeds(settings.out_dir, seeds)  # a new ensemble, or one resumed elsewhere
        started, before = True, _fingerprint(checkpoint_path)
        mnist.train.to(device)

        show_bar = not args.quiet and sys.stderr.isatty()
        start = 0 if not resume else (resume if seeds is None else resume[0])["iteration"]
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
                  progress=bar if show_bar else None, seeds=seeds)
    except Interrupted as e:
        written = (checkpoint_path if seeds is None else
                   os.path.join(settings.out_dir, "seed-*", "checkpoint.pt"))
        print(f"gan-vanilla-train: stopped at iteration {e.iteration}; checkpoint written to "
              f"{written}\nResume with: "
              f"{_resume_command(checkpoint_path, settings.iterations, seeds)}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        if started and _fingerprint(checkpoint_path) != before:
            # The second signal came just after the first one's checkpoint was written.
            iteration = load_checkpoint(checkpoint_path)["iteration"]
            print(f"gan-vanilla-train: stopped at once, just after writing the checkpoint of "
                  f"iteration {iteration} to {checkpoint_path}\nResume with: "
                  f"{_resume_command(checkpoint_path, settings.iterations, seeds)}",
                  file=sys.stderr)
        else:
            error(f"stopped at once, without a new checkpoint; {_kept(checkpoint_path)}")
        return 130
    except Diverged as e:
        error(f"{e}; the run is stopped and {_kept(checkpoint_path)}")
        return 1
    except MNISTError as e:
        error(_data_dir_origin(args, argv, settings) + str(e))
        return 1
    except (UserError, UnknownDevice, CheckpointError, DamagedFile) as e:
        error(str(e))
        return 1
    except OSError as e:  # a failed os.replace names the .part file, then (filename2) ours
        error(f"could not write {e.filename2 or e.filename or 'an output file'}: "
              f"{e.strerror or e}")
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
    if not args.resume or "data_dir" in flags.typed_settings(argv):
        return ""
    return (f"--data-dir {settings.data_dir} comes from the checkpoint {args.resume} "
            f"(relative to the folder that run started in; give --data-dir to read MNIST "
            f"elsewhere): ")


def _allocation(error):
    match = re.search(r"tried to allocate ([\d.]+ ?\w+)", str(error), re.IGNORECASE)
    return f": could not allocate {match.group(1)}" if match else ""
