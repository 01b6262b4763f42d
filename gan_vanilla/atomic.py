"""Atomic file writes: a reader, or a run resumed after a crash, finds either the old file
or the new one, never half of one; and a failed write leaves no `.part` file behind."""

import contextlib
import os


def save_atomic(path, write):
    """Call write(tmp) to fill `path`.part, then rename it over `path` (atomic within one
    file system). On any failure, Ctrl-C included, the `.part` file is removed and the old
    `path`, if any, stays as it was."""
    tmp = f"{path}.part"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp) and not os.path.isdir(tmp):
            with contextlib.suppress(OSError):
                os.remove(tmp)
