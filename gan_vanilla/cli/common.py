"""What every terminal command shares: the error the user can fix, the one tail that turns
errors into one line and an exit code, and the check of an output path before any work."""

import functools
import os
import sys

from ..files.mnist import MNISTError
from ..files.tables import DamagedFile
from ..run.checkpoint import CheckpointError
from ..run.device import UnknownDevice, denormals_flushed


class UserError(Exception):
    """Something the user can fix; the message says what."""


# The package's errors that carry a message for the user, whichever command meets them.
FIXABLE = (UserError, MNISTError, CheckpointError, DamagedFile, UnknownDevice)


def command(prog, fixable=()):
    """A command's main, with the one error tail every command shares: an error the user can
    fix (FIXABLE, and `fixable`) becomes `PROG: error: MESSAGE` on stderr and exit 1; a write
    that failed names the file and why, exit 1. Anything else is a bug and keeps its
    traceback. The command runs with the CPU's denormal floats flushed, as training does
    (run/device.py), and leaves the calling thread's setting as it found it."""

    def wrap(main):
        @functools.wraps(main)
        def run(*args, **kwargs):
            try:
                with denormals_flushed():
                    return main(*args, **kwargs)
            except (*FIXABLE, *fixable) as e:
                error(prog, e)
            except OSError as e:
                error(prog, f"could not write {written(e)}: {e.strerror or e}")
            return 1

        return run

    return wrap


def error(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr)


def written(error):
    """The file a failed write was for. Every write goes through files.atomic.save_atomic: a
    failed os.replace names the .part file, then (filename2) the file itself; a failed write
    names the .part file alone."""
    name = error.filename2 or error.filename
    if not name:
        return "an output file"
    name = os.fsdecode(name)
    return name.removesuffix(".part")


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
