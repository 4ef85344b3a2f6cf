"""Analysis results cached on disk, keyed by what was analysed and how.

A large organization takes minutes to analyse; the same input with the same
settings should not. :func:`cached_analyze` stores each :class:`Analysis` in
one SQLite file in the user's cache folder (``$ORGGRAPH_CACHE_DIR``, else
``$XDG_CACHE_HOME/orggraph``, else ``~/.cache/orggraph``), keyed by

- the *content* of the validated organization (every cell of units,
  handoffs and deliveries, hashed with pandas), so one changed cell is a
  different key and nothing stale is ever served, whatever file it came from;
- every setting that changes the result (thresholds, seed, exact or
  estimated, sources, time budget) and the orggraph version.

:func:`cached_load` keeps loaded organizations in the same file, keyed by
the input's bytes and the load options, so that ``orggraph serve`` starts a
large organization in seconds the second time.

The folder is created private (0700) and a database owned by another user
is refused: the rows are pickles, which must only ever come from this user.
The file is bounded in bytes (oldest entries go first).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import sqlite3
import time
import weakref
from dataclasses import asdict, replace
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from .exceptions import OrgGraphError

__all__ = [
    "cache_dir",
    "content_hash",
    "cached_analyze",
    "cached_load",
    "cached_load_key",
    "loaded_key",
    "derived_key",
    "remember",
    "recall",
    "DEFAULT_MAX_BYTES",
]

#: The cache file is trimmed to this many bytes of stored results.
DEFAULT_MAX_BYTES = 2 * 1024**3


def cache_dir() -> Path:
    """Where the cache lives (see the module docstring)."""
    if os.environ.get("ORGGRAPH_CACHE_DIR"):
        return Path(os.environ["ORGGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "orggraph"


# Content hashes of organizations already hashed (or loaded from the cache with
# theirs), beside the frozen objects: dropped with them.
_CONTENT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# The cache key of the bytes each organization was loaded from (cached_load).
_LOADED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def content_hash(org) -> str:
    """SHA-256 of every cell of the organization's tables (row order included)."""
    try:
        return _CONTENT[org]
    except (KeyError, TypeError):
        pass
    digest = _content_hash(org)
    with contextlib.suppress(TypeError):
        _CONTENT[org] = digest
    return digest


def _content_hash(org) -> str:
    h = hashlib.sha256()
    for name, df in (
        ("units", org.units),
        ("handoffs", org.handoffs),
        ("deliveries", org.deliveries),
    ):
        h.update(name.encode())
        h.update(json.dumps(list(map(str, df.columns))).encode())
        h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _key(org, settings: dict) -> str:
    from . import __version__
    from .analysis.paths import REVISION

    text = json.dumps(
        {
            "content": content_hash(org),
            "settings": settings,
            "version": __version__,
            # Between releases too, a changed computation is never served stale.
            "paths": REVISION,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _connect(folder: Path) -> sqlite3.Connection:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise OrgGraphError(f"{folder}: the analysis cache belongs to another user; not used")
    path = folder / "analyses.sqlite"
    if path.exists() and hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
        raise OrgGraphError(f"{path}: the analysis cache belongs to another user; not used")
    con = sqlite3.connect(path, timeout=30)
    os.chmod(path, 0o600)
    try:
        for table in ("analyses", "organizations", "derived"):
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                "key TEXT PRIMARY KEY, created REAL, used REAL, size INTEGER, organization TEXT, "
                "result BLOB)"
            )
    except sqlite3.Error as exc:  # not a cache file: damaged, or something else there
        con.close()
        raise OrgGraphError(f"{path}: the analysis cache cannot be used ({exc})") from None
    return con


def _file_digest(path: Path) -> str:
    """BLAKE2 of the input's bytes: a file, or every file directly inside a folder."""
    h = hashlib.blake2b(digest_size=32)
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(f.name.encode() + b"\0")
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _load_key(path, options: dict) -> str:
    from . import __version__

    return hashlib.sha256(
        json.dumps(
            {"bytes": _file_digest(path), "options": options, "version": __version__},
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()


def cached_load_key(path, *, folder=None, **options) -> str | None:
    """The key under which :func:`cached_load` holds these bytes (with these options), or None.

    Such an input was loaded without errors before, so a server may start
    answering at once and read it in the background. None also when the
    cache cannot be used.
    """
    try:
        key = _load_key(path, options)
        con = _connect(Path(folder) if folder else cache_dir())
    except (OrgGraphError, OSError, sqlite3.Error):
        return None
    try:
        row = con.execute("SELECT 1 FROM organizations WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return key if row is not None else None


def derived_key(*parts) -> str:
    """A cache key for something computed from what other keys name (JSON-able ``parts``)."""
    from .analysis.paths import REVISION

    text = json.dumps([*parts, REVISION], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def remember(key: str, value, *, folder=None, max_bytes: int = 64 * 1024**2) -> None:
    """Keep a small picklable ``value`` under ``key`` (see :func:`derived_key`); never raises.

    For what a view derives from a cached analysis and needs before the
    analysis itself is read (the server's first page).
    """
    try:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        con = _connect(Path(folder) if folder else cache_dir())
    except (OrgGraphError, OSError, sqlite3.Error, pickle.PicklingError) as exc:
        logging.getLogger(__name__).warning("cache not used: %s", exc)
        return
    try:
        now = time.time()
        con.execute(
            "INSERT OR REPLACE INTO derived VALUES (?, ?, ?, ?, ?, ?)",
            (key, now, now, len(blob), "", blob),
        )
        _trim(con, max_bytes, "derived")
        con.commit()
    except sqlite3.Error as exc:
        logging.getLogger(__name__).warning("cache not used: %s", exc)
    finally:
        con.close()


def recall(key: str, *, folder=None):
    """What :func:`remember` kept under ``key``, or None."""
    try:
        con = _connect(Path(folder) if folder else cache_dir())
    except (OrgGraphError, OSError, sqlite3.Error):
        return None
    try:
        return _fetch(con, "derived", key, lambda value: value)
    except sqlite3.Error:
        return None
    finally:
        con.close()


def cached_load(
    path, *, folder=None, max_bytes: int = DEFAULT_MAX_BYTES, key: str | None = None, **options
):
    """:func:`orggraph.readwrite.load`, from the cache when the same bytes were loaded.

    Keyed by the input's bytes (the file, or every file in the folder), the
    load options and the orggraph version: a changed byte is a different
    key. The organization's :func:`content_hash` is stored with it, for
    :func:`cached_analyze` (hashing every cell of a 100,000-person
    organization takes seconds; reading and validating its CSV files, nine).
    An input with errors is never stored: it raises again on every call.
    ``key``: the one :func:`cached_load_key` gave for these bytes, not hashed
    again (a server serves what it checked, even if the file changes meanwhile);
    if that entry has gone since, the bytes are hashed again, so that what is
    read now is never stored under the key of what was checked. An entry that
    cannot be read back is dropped and the input loaded again.
    """
    from .model import Organization
    from .readwrite import load

    folder = Path(folder) if folder else cache_dir()
    checked = key is not None
    try:
        key = key or _load_key(path, options)
        con = _connect(folder)
    except (OrgGraphError, OSError, sqlite3.Error) as exc:
        # An unusable cache is no reason not to load: the input decides what happens.
        logging.getLogger(__name__).warning("cache not used: %s", exc)
        return load(path, **options)
    try:
        found = _fetch(
            con,
            "organizations",
            key,
            lambda t: (Organization(t[0], t[1], t[2], name=t[3], warnings=t[4]), t[5]),
        )
        if found is not None:
            org, content = found
            _CONTENT[org] = content
            _LOADED[org] = key
            return org
        if checked:  # gone since it was checked: the bytes may have changed too
            key = _load_key(path, options)
        org = load(path, **options)
        blob = pickle.dumps(
            (org._units, org._handoffs, org._deliveries, org.name, org.warnings, content_hash(org)),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        now = time.time()
        con.execute(
            "INSERT OR REPLACE INTO organizations VALUES (?, ?, ?, ?, ?, ?)",
            (key, now, now, len(blob), org.name, blob),
        )
        _trim(con, max_bytes, "organizations")
        con.commit()
        _LOADED[org] = key
        return org
    finally:
        con.close()


def loaded_key(org) -> str | None:
    """The key of the bytes :func:`cached_load` read ``org`` from (None if it did not):
    what was read, not the file's bytes now, which may have changed since."""
    try:
        return _LOADED.get(org)
    except TypeError:
        return None


def cached_analyze(
    org,
    *,
    folder=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress=None,
    **settings,
):
    """:func:`orggraph.analysis.analyze`, from the cache when the same input was analysed.

    ``settings`` are passed to ``analyze`` (``thresholds``, ``seed``,
    ``fast``, ``sources``, ``time_budget``). Returns ``(analysis, hit)``.
    """
    from .analysis import Thresholds, analyze

    t = settings.get("thresholds") or Thresholds()
    keyed = {k: v for k, v in settings.items() if k != "thresholds"}
    keyed["thresholds"] = asdict(t)
    folder = Path(folder) if folder else cache_dir()
    key = _key(org, keyed)
    con = _connect(folder)
    try:
        # MappingProxyType does not pickle: a plain dict is stored, wrapped again here.
        a = _fetch(con, "analyses", key, lambda a: replace(a, tables=MappingProxyType(a.tables)))
    except sqlite3.Error as exc:  # not a cache file (damaged, or something else)
        con.close()
        raise OrgGraphError(f"{folder}: the analysis cache cannot be read ({exc})") from None
    try:
        if a is not None:
            return a, True
        a = analyze(org, progress=progress, **settings)
        blob = pickle.dumps(replace(a, tables=dict(a.tables)), protocol=pickle.HIGHEST_PROTOCOL)
        now = time.time()
        try:
            con.execute(
                "INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?, ?, ?)",
                (key, now, now, len(blob), org.name, blob),
            )
            _trim(con, max_bytes)
            con.commit()
        except sqlite3.Error as exc:  # the analysis stands; only keeping it failed
            logging.getLogger(__name__).warning("analysis not cached: %s", exc)
        return a, False
    finally:
        con.close()


def _fetch(con, table: str, key: str, decode):
    """``decode(value)`` of the row under ``key``, marked used; None when there is none.

    A row that does not unpickle or decode is dropped: a miss, never a failure.
    """
    row = con.execute(f"SELECT result FROM {table} WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    try:
        value = decode(pickle.loads(row[0]))
    except Exception as exc:
        logging.getLogger(__name__).warning("cache entry unreadable, dropped: %s", exc)
        con.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
        con.commit()
        return None
    con.execute(f"UPDATE {table} SET used = ? WHERE key = ?", (time.time(), key))
    con.commit()
    return value


def _trim(con, max_bytes: int, table: str = "analyses") -> None:
    rows = con.execute(f"SELECT key, size FROM {table} ORDER BY used DESC").fetchall()
    total = 0
    for key, size in rows:
        total += size
        if total > max_bytes:
            con.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
