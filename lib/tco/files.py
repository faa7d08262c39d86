"""Files the workbook writes: safe names from user text, whole-or-nothing writes, formula-safe cells.

Scenario files are data written by anyone: their names become folder names only through
:func:`safe_name`, every file is written through :func:`write_atomic` (a reader sees the old file or
the new one, never half of one), a folder of outputs is swapped in whole by :func:`replace_dir`, and
text put into a spreadsheet goes through :func:`spreadsheet_safe` (:func:`csv_text` for a whole table) and
text put into Markdown through :func:`markdown_safe`. Reports show files as a reader can
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


#: Hidden names of what a run writes before it is complete, recognisable by the next run:
#: ``.tco-staging-<name>-p<pid>-<random>`` (a scenario folder being filled), ``.tco-old-<name>-p<pid>-<n>``
#: (the folder it replaces, on its way out) and ``.tco-tmp-<file>-p<pid>-<random>`` (a file being written).
STAGING_PREFIX, OLD_PREFIX, TEMP_PREFIX = ".tco-staging-", ".tco-old-", ".tco-tmp-"
_LEFTOVER = re.compile(r"^\.tco-(?:staging|old|tmp)-.+-p(\d+)-[a-z0-9_]+$")
#: The same, as written by versions before these names: ``.<name>.<random>``, ``.<name>.old-<pid>-<n>``
#: folders and ``.<file>.<random>`` files next to the index and summaries.
_LEGACY_FOLDER = re.compile(r"^\.[a-z0-9_-]+\.(?:old-(\d+)-\d+|[a-z0-9_]{8})$")
_LEGACY_FILE = re.compile(r"^\.(?:summary\.csv|summary\.xlsx|index\.html|index\.pdf)\.[a-z0-9_]{8}$")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` (mode 0644) through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-p{os.getpid()}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_staging_dir(parent: Path, name: str) -> Path:
    """A new, empty hidden folder in ``parent`` (mode 0755) to fill before :func:`replace_dir` into
    ``parent/name``; named so that :func:`remove_leftovers` recognises it if this process dies."""
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-p{os.getpid()}-", dir=parent))
    os.chmod(staging, FOLDER_MODE)
    return staging


def replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, replacing an older ``target`` (never a half-written one)."""
    if target.exists():
        old = target.with_name(f"{OLD_PREFIX}{target.name}-p{os.getpid()}-{threading.get_ident()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another run still writing), this one excepted."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def leftovers(folder: Path, before: float) -> list[Path]:
    """The hidden folders and files in ``folder`` that a run killed before it finished left behind:
    only names this module gives (:data:`STAGING_PREFIX` ...; and the older ``.<name>.<random>``
    forms), last modified before ``before`` (a time stamp), of no process still running.

    >>> import time
    >>> d = Path(tempfile.mkdtemp())
    >>> for n in (".tco-staging-a-p999999999-x1y2", ".a.k3j4h5g6", ".tco-old-a-p999999999-7", ".mine", "a"):
    ...     (d / n).mkdir()
    >>> (d / ".summary.csv.abcd1234").write_text("")
    0
    >>> sorted(p.name for p in leftovers(d, time.time() + 1))
    ['.a.k3j4h5g6', '.summary.csv.abcd1234', '.tco-old-a-p999999999-7', '.tco-staging-a-p999999999-x1y2']
    >>> leftovers(d, 0)
    []
    >>> shutil.rmtree(d)
    """
    found = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        match = _LEFTOVER.match(name) or _LEGACY_FOLDER.match(name)
        if match is None and not _LEGACY_FILE.match(name):
            continue
        pid = match.group(1) if match is not None else None
        if pid is not None and _alive(int(pid)):
            continue
        try:
            stat = entry.lstat()
        except OSError:
            continue
        if stat.st_mtime >= before:
            continue
        found.append(entry)
    return sorted(found)


def remove_leftovers(folder: Path, before: float) -> list[Path]:
    """Remove :func:`leftovers` (a symbolic link is removed, never followed); the paths removed."""
    removed = []
    for entry in leftovers(folder, before):
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed


def spreadsheet_safe(value):
    """Text that a spreadsheet shows as text, never runs as a formula (a leading = + - @, tab or
    carriage return gets a quote); other values unchanged.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("g6.xlarge"), spreadsheet_safe(1.5)
    ("'=HYPERLINK(1)", 'g6.xlarge', 1.5)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(frame) -> str:
    """``frame`` as CSV text (no index) with every text cell made formula-safe by
    :func:`spreadsheet_safe`, headers included; numbers stay numbers (a negative number is not text).
    Lines end in CRLF (RFC 4180), so a cell holding a line break or a carriage return is quoted.

    >>> import pandas as pd
    >>> csv_text(pd.DataFrame({"title": ["=HYPERLINK(1)", "@SUM(1)", "a\\rb"], "x": [-1.5, 2, 3]})).splitlines()
    ['title,x', "'=HYPERLINK(1),-1.5", "'@SUM(1),2.0", '"a', 'b",3.0']
    """
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) in ("string", "category"):
            safe[column] = safe[column].map(spreadsheet_safe).astype(object)
    safe.columns = [spreadsheet_safe(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\r\n")


#: Characters backslash-escaped wherever they are in text put into Markdown: links and images
#: ``[ ] ( ) !``, headings ``#``, emphasis and strike-through ``* _ ~``, code and math `` ` $``,
#: tables ``|``, a backslash itself, and ``: @`` so that no URL or e-mail address is autolinked.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]()!#|~$:@{}])")
#: What starts a block at the beginning of a line: a list (``-``, ``+``, ``1.``), a heading underline (``=``).
_MD_LEADING = re.compile(r"^([-+=])|^(\d+)(?=\.)")


def markdown_safe(text) -> str:
    r"""``text`` (anything a scenario holds: a title, a name, a note, a message) as Markdown that
    shows it literally: never a link, image, autolink, emphasis, heading, list, quote, table, code,
    formula or HTML, wherever it is placed (a paragraph, a list item, a table cell). The one
    implementation for every layer (chapters, notebooks, explorer).

    ASCII punctuation that means something in Markdown gets a backslash (:data:`_MD_ANYWHERE`; a
    leading ``-``, ``+``, ``=`` or ``1.`` too), ``< > &`` become HTML entities, and line breaks become
    spaces (a line break could start a block). ``www.`` gets its dot escaped (GitHub-style autolinks).

    >>> print(markdown_safe("[click](javascript:alert(1))"))
    \[click\]\(javascript\:alert\(1\)\)
    >>> print(markdown_safe(r"<b>US$5 to US$9</b> a\$b_c & ~x~"))
    &lt;b&gt;US\$5 to US\$9&lt;/b&gt; a\\\$b\_c &amp; \~x\~
    >>> print(markdown_safe("- 1. # x\n> quote | www.evil.com a@b.c"))
    \- 1. \# x &gt; quote \| www\.evil.com a\@b.c
    >>> print(markdown_safe("2. item"), markdown_safe("  +x"))
    2\. item \+x
    """
    text = " ".join(str(text).splitlines()).strip()
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_LEADING.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\", text)
    text = re.sub(r"(?i)\b(www)\.", r"\1\\.", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
