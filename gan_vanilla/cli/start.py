"""What a train command line asks for, reconciled with the folders it names: a new run, one
resumed or found by --auto-resume, single or an ensemble; and the refusals that keep a folder
to one run, never replaced without --overwrite. All checked before a byte is written."""

import dataclasses
import os

import torch

from ..run import flags
from ..run.checkpoint import CheckpointError, load_checkpoint
from ..run.flags import seeds_text
from ..run.stacked_folder import NAME as ENSEMBLE_FILE
from ..run.stacked_folder import (
    is_ensemble,
    load_members,
    member_dir,
    member_of,
    read_seeds,
    same_seeds,
)
from ..settings import Settings
from .common import UserError


@dataclasses.dataclass
class Start:
    """What the command line asks for, once reconciled with the folders it names."""

    settings: Settings
    seeds: list | None = None  # None: one run; else an ensemble's seeds (gan_vanilla/stacked/)
    resume: object = None  # the checkpoint a run goes on from; an ensemble's, one per member
    finished: int | None = None  # --auto-resume found the run done, at this iteration

    @property
    def start(self):
        """The iteration training starts at."""
        if self.resume is None:
            return 0
        return (self.resume if self.seeds is None else self.resume[0])["iteration"]

    def checkpoint_path(self):
        """The checkpoint that tells whether the run wrote one: an ensemble's last member's,
        which is written last."""
        folder = self.settings.out_dir
        if self.seeds is not None:
            folder = member_dir(folder, self.seeds[-1])
        return os.path.join(folder, "checkpoint.pt")


def resumed_settings(checkpoint, argv, path):
    """The checkpoint's settings, with what the user typed on top where that is allowed."""
    try:
        saved = Settings(**checkpoint["settings"])
    except TypeError:
        raise CheckpointError(f"checkpoint {path} has settings this version does not "
                              f"know") from None
    typed = flags.typed_settings(argv)
    keys = set(typed)
    for key in keys & {*Settings.MODEL_KEYS, "seed", "log_every"}:
        if typed[key] != getattr(saved, key):
            what = ("the tensors' sizes" if key in Settings.MODEL_KEYS else
                    "the loss log's windows" if key == "log_every" else "the random streams")
            raise UserError(f"--{key.lower().replace('_', '-')} {typed[key]} does not match the "
                            f"checkpoint's {key} {getattr(saved, key)} ({path}); {what} cannot "
                            f"change on resume")
    if "device" not in keys and saved.device == "cuda" and not torch.cuda.is_available():
        raise UserError(f"the checkpoint {path} was saved by a run on --device cuda, and this "
                        f"machine has no usable CUDA GPU; add --device cpu to continue on the CPU")
    changes = {key: typed[key] for key in keys}
    changes.setdefault("out_dir", os.path.dirname(path) or ".")  # continue in place
    return dataclasses.replace(saved, **changes)


def other_settings(saved, settings):
    """The settings (names) in which a checkpoint's run differs from `settings`, leaving out
    where it runs (Settings.WHERE) and how long (iterations): empty for this very run."""
    return [key for key, value in settings.to_dict().items()
            if key not in (*Settings.WHERE, "iterations") and saved.get(key) != value]


# --- What the command line asks for ----------------------------------------------------------


def what_to_train(args, argv):
    """The run (or ensemble) to train: new, --resume's, or found by --auto-resume."""
    if args.seeds is not None and "seed" in flags.typed_settings(argv):
        raise UserError("--seed and --seeds cannot go together: --seed S trains one run, "
                        "--seeds 0-9 one run per seed at once")
    if args.resume and args.auto_resume:
        raise UserError("--resume and --auto-resume cannot go together: --resume PATH "
                        "continues the run in PATH, --auto-resume the one in --out-dir")
    if args.resume and is_ensemble(args.resume):
        return _resumed_ensemble(args, argv)
    if args.resume:
        return _resumed_run(args, argv)
    start = Start(flags.settings_from_args(args), args.seeds)
    if args.auto_resume:
        _found_in_out_dir(start)
    return start


def _resumed_ensemble(args, argv):
    """--resume OUT_DIR of an ensemble: its members' checkpoints, going on as one."""
    folder = args.resume
    seeds = read_seeds(folder)
    if args.seeds is not None and not same_seeds(args.seeds, seeds):
        raise UserError(f"--seeds {seeds_text(args.seeds)} does not match the ensemble in "
                        f"{folder} (seeds {seeds_text(seeds)}); resume it with --seeds "
                        f"{seeds_text(seeds)}, or leave --seeds out")
    if "seed" in flags.typed_settings(argv):
        raise UserError(f"{folder} holds an ensemble (seeds {seeds_text(seeds)}); --seed "
                        f"cannot change on resume")
    resume = load_members(folder, seeds)
    settings = _members_settings(folder, seeds, resume, argv)
    if "out_dir" not in flags.typed_settings(argv):  # continue in place
        settings = dataclasses.replace(settings, out_dir=folder)
    if resume[0]["iteration"] >= settings.iterations:
        raise UserError(f"the ensemble in {folder} is at iteration {resume[0]['iteration']} "
                        f"already; ask for a larger total with --iterations")
    return Start(settings, seeds, resume)


def _members_settings(folder, seeds, states, argv):
    """The settings an ensemble goes on with: each member's, with what the user typed on top,
    which must then agree (a member that went on alone with another flag comes into line)."""
    paths = [os.path.join(member_dir(folder, s), "checkpoint.pt") for s in seeds]
    settings = [resumed_settings(state, argv, path) for state, path in zip(states, paths,
                                                                          strict=True)]
    differ = [key for key in settings[0].to_dict()
              if key not in ("seed", *Settings.WHERE)
              and len({repr(getattr(s, key)) for s in settings}) > 1]
    if differ:
        key = differ[0]
        values = ", ".join(f"{getattr(s, key)} for seed {seed}"
                           for seed, s in zip(seeds, settings, strict=True))
        example = next(form for s in settings
                       if (form := flags.typed_form(key, getattr(s, key))) is not None)
        raise UserError(
            f"the members of {folder} were trained with different settings "
            f"({', '.join(differ)}; {key}: {values}), so they cannot go on as one ensemble "
            f"as they are; type the value they all go on with, e.g. {example}, and every "
            f"member continues with it")
    return settings[0]


def _resumed_run(args, argv):
    """--resume CHECKPOINT of a single run (or of one member of an ensemble, alone)."""
    path = args.resume
    resume = load_checkpoint(path)  # says what is wrong with the path first: best.pt, a folder
    if args.seeds is not None:
        folder = os.path.dirname(os.path.dirname(os.path.abspath(path)))
        seed = resume["settings"].get("seed")
        if is_ensemble(folder) and seed in read_seeds(folder):
            shown = os.path.dirname(os.path.dirname(path)) or "."
            raise UserError(f"{path} is one member of the ensemble in {shown}; resume the "
                            f"ensemble with --resume {shown}, or leave --seeds out to continue "
                            f"this member alone")
        raise UserError(f"--seeds resumes an ensemble's folder (one that holds "
                        f"{ENSEMBLE_FILE}); {path} is a single run's checkpoint: leave "
                        f"--seeds out to continue it")
    settings = resumed_settings(resume, argv, path)
    if resume["iteration"] >= settings.iterations:
        raise UserError(f"checkpoint {path} is at iteration {resume['iteration']} already; "
                        f"ask for a larger total with --iterations")
    return Start(settings, None, resume)


def _found_in_out_dir(start):
    """--auto-resume: where --out-dir holds the run this command line describes, go on from
    its checkpoint, or do nothing once it is finished; a scheduler may requeue the same line
    (a study's train command) as often as it likes, and it never replaces another run."""
    out, settings = start.settings.out_dir, start.settings
    if start.seeds is None:
        path = os.path.join(out, "checkpoint.pt")
        if not os.path.exists(path):
            return
        states, paths = [load_checkpoint(path)], [path]
    else:
        if is_ensemble(out) and not same_seeds(read_seeds(out), start.seeds):
            return  # refused by check_folders, in its words
        paths = [os.path.join(member_dir(out, s), "checkpoint.pt") for s in start.seeds]
        there = [os.path.exists(p) for p in paths]
        if not any(there):
            return
        if not all(there):
            missing = [s for s, found in zip(start.seeds, there, strict=True) if not found]
            raise UserError(
                f"{out} holds checkpoints of some of the seeds {seeds_text(start.seeds)} but "
                f"none of seed {seeds_text(missing)}, so they cannot start or go on as one "
                f"ensemble; train those apart (--seed S --out-dir {member_dir(out, 'S')})")
        states = load_members(out, start.seeds)
    seeds = start.seeds or [None]
    for state, path, seed in zip(states, paths, seeds, strict=True):
        differ = other_settings(state["settings"], _member(settings, seed))
        if differ:
            raise UserError(f"{path} holds a run with other settings ({', '.join(differ)}) "
                            f"than this command's; --auto-resume continues only the run the "
                            f"command describes: move it away, or give another --out-dir")
    at = states[0]["iteration"]
    if at >= settings.iterations:
        start.finished = at
        return
    start.resume = states[0] if start.seeds is None else states


# --- The folders it writes in ----------------------------------------------------------------


def check_folders(start, args):
    """Refuse, before anything is written, a folder the run would share with another: a single
    run's beside an ensemble's, a member's that is a file, a checkpoint (unless --overwrite)."""
    out, seeds = start.settings.out_dir, start.seeds
    if seeds is None:
        if is_ensemble(out):
            raise UserError(f"{out} holds an ensemble (seeds {seeds_text(read_seeds(out))}); "
                            f"a single run needs a folder of its own: give another --out-dir "
                            f"(a member goes on alone with --resume "
                            f"{member_dir(out, 'S')}/checkpoint.pt)")
        continued = _continued(start, args, None)
        refuse_to_replace_a_member(start.checkpoint_path(), continued)
        refuse_to_replace_a_run(start.checkpoint_path(), start.settings, args, continued)
        return
    single = os.path.join(out, "checkpoint.pt")
    if os.path.exists(single):
        raise UserError(f"{out} holds a single run ({single}); an ensemble needs a folder of "
                        f"its own: give another --out-dir")
    for s in seeds:
        folder = member_dir(out, s)
        if os.path.lexists(folder) and not os.path.isdir(folder):
            raise UserError(f"cannot train seed {s} in {folder}: it is a file, not a folder; "
                            f"move it away or give another --out-dir")
    refuse_to_replace_an_ensemble(start, args)


def _continued(start, args, seed):
    """The checkpoint the run (or member `seed`) goes on from, or None for a new run."""
    if start.resume is None:
        return None
    if args.resume and seed is None:
        return args.resume
    folder = args.resume or start.settings.out_dir  # --auto-resume: the one in --out-dir
    return os.path.join(folder if seed is None else member_dir(folder, seed), "checkpoint.pt")


def _member(settings, seed):
    return settings if seed is None else dataclasses.replace(settings, seed=seed)


def refuse_to_replace_a_member(checkpoint_path, continued):
    """A single run in one member's folder of an ensemble, beside its checkpoint, may only
    continue that member: anything else, --overwrite too, would make it another run's."""
    owner = member_of(os.path.dirname(checkpoint_path))
    if owner is None or not os.path.exists(checkpoint_path) or (
            continued and os.path.exists(continued)
            and os.path.samefile(continued, checkpoint_path)):
        return
    ensemble, seed = owner
    raise UserError(f"{os.path.dirname(checkpoint_path)} holds seed {seed} of the ensemble in "
                    f"{ensemble}; a new run, or another run's resume, needs a folder of its own "
                    f"(--overwrite too): give another --out-dir (that member goes on alone with "
                    f"--resume {checkpoint_path}, the ensemble with --resume {ensemble})")


def refuse_to_replace_a_run(checkpoint_path, settings, args, continued=None):
    """Refuse, unless --overwrite, a new run (or one resumed into another folder) where its
    first save would replace another run's checkpoint. continued: the one it goes on from."""
    if args.overwrite or not os.path.exists(checkpoint_path):
        return
    if continued and os.path.exists(continued) and os.path.samefile(continued, checkpoint_path):
        return  # continuing that very run
    held = _held(checkpoint_path)
    if held is not None and not continued and not other_settings(held["settings"], settings):
        raise UserError(f"{checkpoint_path} holds this command's run, at iteration "
                        f"{held['iteration']}; continue it with --resume {checkpoint_path} (or "
                        f"this command with --auto-resume), or start it again with --overwrite")
    raise UserError(f"{checkpoint_path} holds the checkpoint of another run; continue it with "
                    f"--resume {checkpoint_path}, or replace it with --overwrite")


def _held(checkpoint_path):
    """The checkpoint in a folder, or None when it cannot be read (--overwrite replaces it)."""
    try:
        return load_checkpoint(checkpoint_path)
    except CheckpointError:
        return None


def refuse_to_replace_an_ensemble(start, args):
    """refuse_to_replace_a_run for each member; unless --overwrite, a folder that holds this
    ensemble names the command that continues it, and one of other seeds is refused."""
    out, seeds = start.settings.out_dir, start.seeds
    if not args.overwrite and start.resume is None and is_ensemble(out):
        held = read_seeds(out)
        if not same_seeds(held, seeds):
            raise UserError(
                f"{out} holds the ensemble of seeds {seeds_text(held)}; continue it with "
                f"--resume {out}, train --seeds {seeds_text(seeds)} elsewhere, or replace "
                f"it with --overwrite")
        paths = [os.path.join(member_dir(out, s), "checkpoint.pt") for s in seeds]
        states = [_held(p) for p in paths if os.path.exists(p)]
        if states and all(s is not None and not other_settings(
                s["settings"], _member(start.settings, s["settings"].get("seed")))
                for s in states):
            raise UserError(
                f"{out} holds this command's ensemble (seeds {seeds_text(held)}), at "
                f"iteration {states[0]['iteration']}; continue it with --resume {out} (or "
                f"this command with --auto-resume), or start it again with --overwrite")
    for s in seeds:
        refuse_to_replace_a_run(os.path.join(member_dir(out, s), "checkpoint.pt"),
                                _member(start.settings, s), args, _continued(start, args, s))
