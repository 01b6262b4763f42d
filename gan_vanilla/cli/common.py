"""What every terminal command shares: the error the user can fix, the one tail that turns
errors into one line and an exit code, and the check of an output path before any work."""

import functools
import json
import os
import sys
import zipfile

from ..io.csv_tables import DamagedFile
from ..io.mnist import MNISTError
from ..run.checkpoint import CheckpointError
from ..run.device import UnknownDevice, denormals_flushed
from ..run.outputs import own_file


class UserError(Exception):
    """Something the user can fix; the message says what."""


# The package's errors that carry a message for the user, whichever command meets them.
FIXABLE = (UserError, MNISTError, CheckpointError, DamagedFile, UnknownDevice)


def command(prog, fixable=()):
    """A command's main, with the one error tail every command shares: an error the user can
    fix (FIXABLE, and `fixable`) becomes `PROG: error: MESSAGE` on stderr and exit 1; a write
    that failed names the file and why, exit 1 (an OSError that names no file was no write of
    ours, and is said as it is). Anything else is a bug and keeps its traceback. The command
    runs with the CPU's denormal floats flushed, as training does (run/device.py), and leaves
    the calling thread's setting as it found it."""

    def wrap(main):
        @functools.wraps(main)
        def run(*args, **kwargs):
            try:
                with denormals_flushed():
                    return main(*args, **kwargs)
            except (*FIXABLE, *fixable) as e:
                error(prog, e)
            except OSError as e:
                name = written(e)
                error(prog, f"could not write {name}: {e.strerror or e}" if name else
                      f"{e.strerror or e}")
            return 1

        return run

    return wrap


def error(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr)


def written(error):
    """The file a failed write was for. Every write goes through io.atomic.save_atomic: a
    failed os.replace names the .part file, then (filename2) the file itself; a failed write
    names the .part file alone. None when it names no file."""
    name = error.filename2 or error.filename
    if not name:
        return None
    name = os.fsdecode(name)
    return name.removesuffix(".part")


def check_output(path, kind=None):
    """Refuse, before any work, a path the file must not go to: a missing folder; anything
    there that is not a regular file (a folder, a device, a pipe); one of a run's own files
    (run/outputs.py), there or not yet; a checkpoint, wherever it lies; a file of another kind
    than the one written (kind: "image", "evaluation" for evaluate's JSON, or None to leave
    that unchecked); for an image, a suffix that names no format matplotlib writes. Returns
    whether a file is there already, which the write replaces (the user's earlier output of
    that kind): the command says so."""
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise UserError(f"cannot write {path}: it is a folder")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UserError(f"cannot write {path}: it is not a regular file (a device, a pipe or "
                        f"a socket); name a file")
    if own_file(path):
        raise UserError(f"cannot write {path}: {os.path.basename(path)} is one of the run's own "
                        f"files in {folder} (the train command writes it); give another name")
    if kind == "image":
        from ..grid import image_format

        try:
            image_format(path)
        except ValueError as e:
            raise UserError(f"cannot write {path}: {e}") from None
    if not os.path.exists(path):
        return False
    if _holds_a_checkpoint(path):
        raise UserError(f"cannot write {path}: it holds a checkpoint, which it would replace; "
                        f"give another name")
    if kind is not None and not _of_kind(path, kind):
        what = "image" if kind == "image" else "evaluation (evaluate --json)"
        raise UserError(f"cannot write {path}: it holds something other than an earlier {what}, "
                        f"which it would replace; give another name, or move it away")
    return True


def wrote(path, replaced):
    """The line that says a file was written, and whether it replaced an earlier one."""
    return f"wrote {path}" + (", replacing the earlier one" if replaced else "")


def _holds_a_checkpoint(path):
    """torch.save's archive (a zip holding data.pkl): a checkpoint, or best.pt, or another
    model's weights."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("data.pkl") for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


# How each image format matplotlib writes begins; a format not named here (raw, rgba, pgf)
# has no mark of its own, and any file with its suffix passes for one.
IMAGE_STARTS = {"png": (b"\x89PNG",), "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",),
                "tif": (b"II*\x00", b"MM\x00*"), "tiff": (b"II*\x00", b"MM\x00*"),
                "pdf": (b"%PDF",), "ps": (b"%!PS",), "eps": (b"%!PS", b"\xc5\xd0\xd3\xc6"),
                "svg": (b"<?xml", b"<svg"), "svgz": (b"\x1f\x8b",), "webp": (b"RIFF",)}


def _of_kind(path, kind):
    """Whether the file at `path` may be an earlier output of the kind about to be written over
    it: empty; for an image, one of its suffix's format (avif: an ISO media file); for an
    evaluation, JSON that holds one of an evaluation's numbers, or that cannot be read as JSON
    (an evaluation damaged, which the study evaluates again: study/folder.py)."""
    from ..study.results import EVALUATION_KEYS

    try:
        with open(path, "rb") as f:
            head = f.read(16)
        if not head:
            return True
        if kind == "evaluation":
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            return isinstance(data, dict) and any(key in data for key in EVALUATION_KEYS)
    except ValueError:  # not JSON, or not UTF-8
        return True
    except OSError:
        return False
    suffix = os.path.splitext(path)[1][1:].lower() or "png"
    if suffix == "avif":
        return head[4:8] == b"ftyp"
    starts = IMAGE_STARTS.get(suffix)
    return starts is None or head.startswith(starts)
