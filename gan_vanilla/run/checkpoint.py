"""Checkpoints: written atomically, with a digest of their tensors, and read back with a clear
message when they are not ours or a bit of them changed."""

import glob
import hashlib
import io
import os
import zipfile

import torch

from ..io.atomic import save_bytes

FORMAT = "gan-vanilla-checkpoint"
VERSION = 1
KEYS = ("params", "G_solver", "D_solver", "iteration", "grid_counter", "settings", "rng",
        "data", "losses")


class CheckpointError(Exception):
    """A checkpoint is missing, truncated or not one of ours; the message says which."""


def save_checkpoint(state, path):
    """Write `state` to `path` atomically: a crash leaves either the old file or the new one.
    It carries the digest of its tensors, which every load checks."""
    state = {"format": FORMAT, "version": VERSION, **state}
    state["digest"] = tensor_digest(state)
    buffer = io.BytesIO()  # not a file name: torch would name the archive inside after it
    torch.save(state, buffer)
    save_bytes(path, buffer.getvalue())


def tensor_digest(state):
    """SHA-256 of every tensor in `state` (but a "digest" of its own), each with where it lies,
    its dtype and its shape, in the order of their keys: torch's archive holds the tensors'
    bytes unchecked, and a bit changed on disk would load as other weights and train on."""
    digest = hashlib.sha256()
    for where, tensor in _tensors({k: v for k, v in state.items() if k != "digest"}):
        digest.update(f"{where} {tensor.dtype} {tuple(tensor.shape)};".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def _tensors(value, where=""):
    """(key path, tensor) for every tensor inside dicts and lists, dicts in the order of their
    keys (as text: a solver's state is keyed by numbers)."""
    if isinstance(value, torch.Tensor):
        yield where, value
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _tensors(value[key], f"{where}/{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _tensors(item, f"{where}/{i}")


def load_checkpoint(path, generator_only=False):
    """Read a checkpoint written by save_checkpoint (tensors land on the CPU). generator_only:
    for drawing samples, where best.pt (run/best.py: G alone, no state to resume) will do."""
    if os.path.isdir(path):
        raise CheckpointError(_folder_message(path))
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        # weights_only: a checkpoint is data, never code to run.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(f"checkpoint {path} is truncated or not a gan-vanilla checkpoint "
                              f"({os.path.getsize(path)} bytes; {_first_sentence(e)})") from None
    except Exception as e:  # the unpickler refuses anything that is not plain data
        raise CheckpointError(f"checkpoint {path} is not a gan-vanilla checkpoint "
                              f"({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} is not a gan-vanilla checkpoint")
    if state.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {path} has format version {state.get('version')}; "
                              f"this gan-vanilla reads version {VERSION}")
    if "digest" in state and tensor_digest(state) != state["digest"]:  # none before the digest
        raise CheckpointError(f"checkpoint {path} is damaged: its tensors are not the ones it "
                              f"was saved with (their digest differs: bytes changed on disk or "
                              f"in a copy); restore it from a copy, or move it away")
    if state.get("kind") == "best" and not generator_only:
        beside = os.path.join(os.path.dirname(path), "checkpoint.pt")
        raise CheckpointError(f"{path} holds the best generator alone, not a run to continue; "
                              f"resume from {beside}")
    missing = [k for k in (("params", "iteration") if generator_only else KEYS) if k not in state]
    if missing:
        raise CheckpointError(f"checkpoint {path} is incomplete (no {', '.join(missing)})")
    return state


def _folder_message(path):
    """What to name instead of a folder: the checkpoint in it; for an ensemble's folder
    (stacked_folder.py), one member's."""
    inside = os.path.join(path, "checkpoint.pt")
    if os.path.exists(os.path.join(path, "ensemble.json")):
        members = sorted(glob.glob(os.path.join(glob.escape(path), "seed-*", "checkpoint.pt")))
        example = members[0] if members else os.path.join(path, "seed-S", "checkpoint.pt")
        return (f"checkpoint {path} is the folder of an ensemble; name one member's "
                f"checkpoint, e.g. {example} (or its best.pt)")
    if os.path.exists(inside):
        return f"checkpoint {path} is a folder; name the checkpoint file in it, {inside}"
    return f"checkpoint {path} is a folder, and holds no checkpoint.pt"


def _first_sentence(error):
    """The error's type and its first sentence: torch's zip reader adds a paragraph of
    advice to every message, which buries the one line the user needs."""
    text = (str(error).strip().splitlines() or [""])[0].split(". ")[0].rstrip(".")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def checkpoint_state(params, G_solver, D_solver, data, losses, rng, iteration, grid_counter,
                     settings, best=None):
    """Everything a resumed run needs to go on exactly as if it had never stopped, as one
    run's (an ensemble's member's: stacked/)."""
    return {
        # the eight tensors, copied: behind a member's views torch.save would write the stack
        "params": {k: v.detach().to("cpu", copy=True) for k, v in params.items()},
        "G_solver": G_solver, "D_solver": D_solver,  # the two solvers' state_dicts
        "iteration": iteration,  # iterations done; the next `it`
        "grid_counter": grid_counter,  # the post's `c`
        "settings": settings.to_dict(),
        "rng": rng,  # the random streams (rng_state)
        "data": data,  # the epoch's permutation and position
        "losses": losses,  # the loss log's open window
        "best": best,  # the best generator so far (run/best.py), or None
    }


def rng_state(device):
    """torch's global random streams: a single run draws every z from them."""
    return {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None}


def set_rng_state(state, device):
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and state["cuda"] is not None:
        torch.cuda.set_rng_state(state["cuda"], device)


def restore_state(state, params, G_solver, D_solver, lr):
    """Put a checkpoint's tensors and solvers back in place, at learning rate `lr`; returns
    (iteration, grid_counter). The rest is the caller's (run/session.py)."""
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(state["params"][name])
    for solver, saved in ((G_solver, state["G_solver"]), (D_solver, state["D_solver"])):
        # The saved lr, betas and kernel choices come back with the state; ours win (a typed
        # --beta1 applies; a CUDA graph's capturable checkpoint goes on in a CPU run).
        ours = [{k: group[k] for k in ("betas", "fused", "capturable")}
                for group in solver.param_groups]
        solver.load_state_dict(saved)
        for group, kept in zip(solver.param_groups, ours, strict=True):
            group.update(kept, lr=lr)
    return state["iteration"], state["grid_counter"]
