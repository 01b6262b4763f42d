"""Every file the project writes goes through `save_atomic`: a reader, or a run resumed after a
crash, finds either the old file or the new one, never half of one; a failed write leaves no
`.part` file behind. Text, bytes and JSON have a writer each, on top of it."""

import contextlib
import json
import os
from pathlib import Path


def save_atomic(path, write):
    """Call write(tmp) to fill `path`.part, flush it to disk, then rename it over `path` (atomic
    within one file system); on any failure, Ctrl-C included, remove the `.part` file."""
    tmp = f"{path}.part"
    try:
        write(tmp)
        with open(tmp, "rb+") as f:  # the bytes reach the disk before the rename is seen
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp) and not os.path.isdir(tmp):
            with contextlib.suppress(OSError):
                os.remove(tmp)


def save_text(path, text):
    """`text` as the file `path` (UTF-8, newlines as given), atomically."""
    save_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", newline=""))


def save_bytes(path, data):
    """`data` as the file `path`, atomically."""
    save_atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def write_json(path, data):
    """`data` as indented JSON with a final newline, atomically."""
    save_text(path, json.dumps(data, indent=2) + "\n")
