"""Checkpoints: written atomically, read back with a clear message when they are not ours."""

import os
import zipfile

import torch

FORMAT = "gan-vanilla-checkpoint"
VERSION = 1


class CheckpointError(Exception):
    """A checkpoint is missing, truncated or not one of ours; the message says which."""


def save_checkpoint(state, path):
    """Write `state` to `path` so that a crash leaves either the old file or the new one.

    torch.save goes to a temporary file in the same folder, which is flushed to disk and
    then renamed over `path` (a rename within one file system is atomic).
    """
    state = {"format": FORMAT, "version": VERSION, **state}
    tmp = f"{path}.part"
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_checkpoint(path):
    """Read a checkpoint written by save_checkpoint (tensors land on the CPU)."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        # weights_only: a checkpoint is data, never code to run.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(
            f"checkpoint {path} is truncated or not a gan-vanilla checkpoint "
            f"({type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''})"
        ) from None
    except Exception as e:  # the unpickler refuses anything that is not plain data
        raise CheckpointError(
            f"checkpoint {path} is not a gan-vanilla checkpoint ({type(e).__name__})"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} is not a gan-vanilla checkpoint")
    if state.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {path} has format version {state.get('version')}; "
            f"this gan-vanilla reads version {VERSION}"
        )
    return state
