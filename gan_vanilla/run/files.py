"""Every file the project writes goes through `save_atomic`: a reader, or a run resumed after a
crash, finds either the old file or the new one, never half of one; a failed write leaves no
`.part` file behind. Beside it, the one JSON writer and the one checked CSV reader."""

import contextlib
import csv
import json
import os


class DamagedFile(Exception):
    """A file that the project reads back is damaged or not its own; the message names it."""


def save_atomic(path, write):
    """Call write(tmp) to fill `path`.part, flush it to disk, then rename it over `path`
    (atomic within one file system). On any failure, Ctrl-C included, the `.part` file is
    removed and the old `path`, if any, stays as it was."""
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


def write_json(path, data):
    """`data` as indented JSON with a final newline, atomically."""

    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")

    save_atomic(path, write)


def write_csv(path, rows):
    """Rows (the header first) as a CSV file, atomically."""

    def write(tmp):
        with open(tmp, "w", newline="") as f:
            csv.writer(f).writerows(rows)

    save_atomic(path, write)


def read_csv(path, columns, what, row_is):
    """The data rows of one of the run's CSV files, as text, each checked to hold an integer
    and then numbers under exactly `columns`; DamagedFile, naming the file and the line, where
    one does not. `what` names the file's kind, `row_is` what a row must hold."""
    try:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DamagedFile(f"{path} cannot be read as {what} ({e})") from None
    if header is None or tuple(header) != tuple(columns):
        raise DamagedFile(f"{path} is not {what} (its first line is not "
                          f"{','.join(columns)}); repair it or move it away")
    for line, row in rows:
        try:
            if len(row) != len(columns):
                raise ValueError
            int(row[0])
            list(map(float, row[1:]))
        except ValueError:
            raise DamagedFile(f"{path} is damaged: line {line} ({','.join(row)[:60]!r}) is "
                              f"not {row_is}; repair it or move it away") from None
    return [row for _, row in rows]


def read_columns(path, columns, what, row_is):
    """A checked CSV file (read_csv) as a dict of columns of floats."""
    out = {name: [] for name in columns}
    for row in read_csv(path, columns, what, row_is):
        for name, value in zip(columns, row, strict=True):
            out[name].append(float(value))
    return out
