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

The folder is created private (0700) and a database owned by another user
is refused: the rows are pickles, which must only ever come from this user.
The file is bounded in bytes (oldest entries go first).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import time
from dataclasses import asdict, replace
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from .exceptions import OrgGraphError

__all__ = ["cache_dir", "content_hash", "cached_analyze", "DEFAULT_MAX_BYTES"]

#: The cache file is trimmed to this many bytes of stored results.
DEFAULT_MAX_BYTES = 2 * 1024**3


def cache_dir() -> Path:
    """Where the cache lives (see the module docstring)."""
    if os.environ.get("ORGGRAPH_CACHE_DIR"):
        return Path(os.environ["ORGGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "orggraph"


def content_hash(org) -> str:
    """SHA-256 of every cell of the organization's tables (row order included)."""
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
    con.execute(
        "CREATE TABLE IF NOT EXISTS analyses ("
        "key TEXT PRIMARY KEY, created REAL, used REAL, size INTEGER, organization TEXT, "
        "result BLOB)"
    )
    return con


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
        row = con.execute("SELECT result FROM analyses WHERE key = ?", (key,)).fetchone()
        if row is not None:
            con.execute("UPDATE analyses SET used = ? WHERE key = ?", (time.time(), key))
            con.commit()
            a = pickle.loads(row[0])
            return replace(a, tables=MappingProxyType(a.tables)), True
        a = analyze(org, progress=progress, **settings)
        # MappingProxyType does not pickle: store a plain dict, wrap it again on the way out.
        blob = pickle.dumps(replace(a, tables=dict(a.tables)), protocol=pickle.HIGHEST_PROTOCOL)
        now = time.time()
        con.execute(
            "INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?, ?, ?)",
            (key, now, now, len(blob), org.name, blob),
        )
        _trim(con, max_bytes)
        con.commit()
        return a, False
    finally:
        con.close()


def _trim(con, max_bytes: int) -> None:
    rows = con.execute("SELECT key, size FROM analyses ORDER BY used DESC").fetchall()
    total = 0
    for key, size in rows:
        total += size
        if total > max_bytes:
            con.execute("DELETE FROM analyses WHERE key = ?", (key,))
