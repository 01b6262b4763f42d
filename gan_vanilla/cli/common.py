"""What every terminal command shares: the error the user can fix, the check of an output
path before any work, and the CPU's denormal floats flushed for the command's duration."""

import functools
import os

import torch

from ..run.device import denormals_are_flushed, flush_denormals


class UserError(Exception):
    """Something the user can fix; the message says what."""


def denormals_flushed(main):
    """Run a command with flush_denormals on, and put the calling thread's setting back
    afterwards, however it ends: calling the package's commands in one process leaves the
    process as it found it. (torch's worker threads started during the command keep the
    setting they copied: the CPU's flag is per thread and nothing can reach into them.)"""

    @functools.wraps(main)
    def scoped(*args, **kwargs):
        before = denormals_are_flushed()
        flush_denormals()
        try:
            return main(*args, **kwargs)
        finally:
            torch.set_flush_denormal(before)

    return scoped


def check_output(path, image=False):
    """Refuse, before any work, a path that cannot take the file: a missing folder, a folder
    in its place, or (for an image) a suffix that names no format matplotlib writes."""
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise UserError(f"cannot write {path}: it is a folder")
    if image:
        from ..grid import image_format

        try:
            image_format(path)
        except ValueError as e:
            raise UserError(f"cannot write {path}: {e}") from None
