"""Files the workbook writes: safe names from user text, whole-or-nothing writes, formula-safe cells.

Scenario files are data written by anyone: their names become folder names only through
:func:`safe_name`, every file is written through :func:`write_atomic` (a reader sees the old file or
the new one, never half of one), a folder of outputs is swapped in whole by :func:`replace_dir`, and
text put into a spreadsheet goes through :func:`spreadsheet_safe`. Reports show files as a reader can
find them, never as this machine's absolute paths (:func:`display_path`, :func:`without_local_paths`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

#: Modes of what the workbook writes: readable by everyone, as a file written by an editor would be
#: (``tempfile`` would leave 0600 and 0700).
FILE_MODE = 0o644
FOLDER_MODE = 0o755

#: An absolute path in running text (a message, a traceback): a slash-separated run of names not
#: preceded by a word, a dot, a colon or a slash, so that URLs and units such as GB/day are left alone.
_ABSOLUTE = re.compile(r"(?<![\w.~:/])(?:/[^\s/'\"<>|,;()]+)+/([^\s/'\"<>|,;()]+)")


def repo_path(relative: str) -> Path:
    """Absolute path of a file in the repository, whatever the working directory."""
    return Path(__file__).resolve().parents[2] / relative


def display_path(file: str | Path) -> str:
    """The file as a reader can find it, never an absolute path: relative to the repository, else to
    the working directory, else its name alone.

    >>> display_path(repo_path("data/scenarios/paper-example.yaml"))
    'data/scenarios/paper-example.yaml'
    >>> display_path("/nowhere/else/my scenario.yaml")
    'my scenario.yaml'
    """
    path = Path(file).resolve()
    for base in (repo_path(""), Path.cwd()):
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def without_local_paths(text: str) -> str:
    """Text without this machine's absolute paths: the repository's become relative to it, others
    keep their file name only (URLs and units such as GB/day are not paths).

    >>> without_local_paths("FileNotFoundError: /tmp/run-1/s.yaml; see https://x.org/a/b, GB/day")
    'FileNotFoundError: s.yaml; see https://x.org/a/b, GB/day'
    >>> without_local_paths(str(repo_path("data/scenarios/a.yaml")))
    'data/scenarios/a.yaml'
    """
    return _ABSOLUTE.sub(lambda m: m.group(1), text.replace(str(repo_path("")).rstrip("/") + "/", ""))


def safe_name(text: str) -> str:
    """A folder name made only of ``[a-z0-9_-]`` from any text.

    >>> safe_name("../Etc/Passwd v2"), safe_name("..")
    ('etc-passwd-v2', 'scenario')
    """
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return slug[:64] or "scenario"


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` (mode 0644) through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_staging_dir(parent: Path, prefix: str) -> Path:
    """A new, empty hidden folder in ``parent`` (mode 0755) to fill before :func:`replace_dir`."""
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(staging, FOLDER_MODE)
    return staging


def replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, replacing an older ``target`` (never a half-written one)."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{threading.get_ident()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def spreadsheet_safe(value):
    """Text that a spreadsheet shows as text, never runs as a formula (a leading = + - @, tab or
    carriage return gets a quote); other values unchanged.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("g6.xlarge"), spreadsheet_safe(1.5)
    ("'=HYPERLINK(1)", 'g6.xlarge', 1.5)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
