"""The one reader and writer of the project's tables, CSV files with a header line: written
whole and atomically (`write_table`) or a row at a time (`append_row`), and read back checked
(`read_table`): a damaged or foreign file is named, with its first bad line."""

import csv
import io
import os

from .atomic import save_text

OPTIONAL = "optional"  # a kind: a number, or empty (a figure a row may not have)


class DamagedFile(Exception):
    """A file that the project reads back is damaged or not its own; the message names it."""


def table_text(rows):
    """Rows (the header first) as the text of a CSV file."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def write_table(path, rows):
    """Rows (the header first) as a CSV file, atomically."""
    save_text(path, table_text(rows))


def append_row(path, row):
    """One more row at the end of a run's log, whose rows go up in their first value, the
    iteration: one the table already holds is not written again (an ensemble's member may have
    measured alone what the others owe). Returns whether it wrote the row."""
    last = _last_first_value(path)
    if last is not None and int(row[0]) <= last:
        return False
    with open(path, "a", newline="") as f:
        csv.writer(f).writerow(row)
    return True


def _last_first_value(path, tail=4096):
    """The first value of a table's last row, as an integer; None for a table without rows
    (its last line the header) or without the file."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - tail))
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    try:
        return int(lines[-1].split(b",", 1)[0]) if lines else None
    except ValueError:  # the header
        return None


def read_table(path, columns, what, row_is, kinds=None, exact=True):
    """The data rows of a table, each a dict {column: its text}, checked: the first line is
    `columns` (exactly; or, not `exact`, among others), and each row holds a value of each
    column's kind (kinds: {column: int, float, str or OPTIONAL}; float where not named); else
    DamagedFile: the file "is not {what}", or its first bad line "is not {row_is}"."""
    kinds = kinds or {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else e
        raise DamagedFile(f"{path} cannot be read as {what} ({why})") from None
    missing = [c for c in columns if c not in (header or ())]
    if header is None or (tuple(header) != tuple(columns) if exact else missing):
        heading = (f"it has no column {missing[0]}" if missing and not exact else
                   f"its first line is not {','.join(columns)}")
        raise DamagedFile(f"{path} is not {what} ({heading}); repair it or move it away")
    out = []
    for line, row in rows:
        try:
            if len(row) != len(header):
                raise ValueError
            values = dict(zip(header, row, strict=True))
            for column in columns:
                _check(values[column], kinds.get(column, float))
        except ValueError:
            raise DamagedFile(f"{path} is damaged: line {line} ({','.join(row)[:60]!r}) is "
                              f"not {row_is}; repair it or move it away") from None
        out.append(values)
    return out


def _check(text, kind):
    if kind is str or kind == OPTIONAL and text == "":
        return
    (int if kind is int else float)(text)


def columns_of(rows, columns):
    """Checked rows (read_table) as a dict of columns of floats."""
    return {name: [float(row[name]) for row in rows] for name in columns}


def read_log(path, columns, what, row_is, as_text=False):
    """A run's log (losses.csv, quality.csv: an iteration, then numbers), checked by read_table:
    columns of floats, or (as_text) each row's text, as a resumed run writes them back."""
    rows = read_table(path, columns, what, row_is, {columns[0]: int})
    return [[row[c] for c in columns] for row in rows] if as_text else columns_of(rows, columns)
