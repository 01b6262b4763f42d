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
    """A command's main with the error tail every command shares: an error the user can fix
    (FIXABLE, `fixable`) becomes `PROG: error: MESSAGE` on stderr, exit 1, and so does a failed
    write, naming its file (an OSError that names none is said as it is); anything else is a
    bug and keeps its traceback. Denormal floats flushed, as training runs (run/device.py)."""

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
    return os.fsdecode(name).removesuffix(".part") if name else None


def check_output(path, kind=None):
    """Refuse, before any work, a path the file must not go to, saying why: a missing folder, not a
    regular file, a run's own file (run/outputs.py), a checkpoint, an image suffix matplotlib cannot
    write, or a file of another kind than `kind` ("image", "evaluation": evaluate's JSON, or None).
    Returns whether a file is there already (the write replaces it; the command says so)."""
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
    """torch.save's archive (a zip holding data.pkl): a checkpoint, best.pt, other weights."""
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
    """Whether `path` may be an earlier output of the kind about to replace it: empty; an image
    of its suffix's format (avif: an ISO media file); JSON with an evaluation's number, or
    unreadable JSON (a damaged evaluation, which a study evaluates again: study/folder.py)."""
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
