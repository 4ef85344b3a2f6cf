"""Which organization a browser session sees, without shared mutable state.

A session holds only a *key* (in a ``dcc.Store``). A key names a file on disk:
the organization the server was started with, or an upload saved under the
upload folder by the hash of its bytes. Loading and analysing are memoized
pure functions of the key, so every session gets read-only objects and no
callback changes what another user sees.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from ..exceptions import ERROR, Problem, ValidationError

__all__ = ["Config", "config", "key_for_path", "get_org", "get_analysis", "save_upload"]

UPLOAD_SUFFIXES = (".xlsx", ".zip", ".json")


class Config:
    """Server settings, fixed when the app is created."""

    upload_dir: Path = Path("/tmp/orggraph-uploads")
    max_upload_bytes: int = 20 * 1024 * 1024
    default_key: str = ""


config = Config()


def key_for_path(path) -> str:
    return "path:" + str(Path(path).resolve())


def _path_of(key: str) -> Path:
    if key.startswith("path:"):
        return Path(key[5:])
    if key.startswith("upload:"):
        digest, _, name = key[7:].partition("/")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or "/" in name or name.startswith("."):
            raise ValueError("bad upload key")
        return config.upload_dir / digest / name
    raise ValueError("bad organization key")


@lru_cache(maxsize=16)
def get_org(key: str):
    """The Organization behind a key (loaded once, then shared read-only)."""
    from ..readwrite import load

    return load(_path_of(key))


@lru_cache(maxsize=16)
def get_analysis(key: str):
    from ..analysis import analyze

    return analyze(get_org(key))


def save_upload(contents: str, filename: str):
    """Decode a dcc.Upload payload, save it and validate it.

    Returns ``(key, problems)``: the new key when the file is a valid
    organization (``problems`` then holds its warnings), else ``None`` and
    the list of problems to show. Nothing changes for the session on failure.
    """
    name = Path(filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return None, [
            Problem(
                ERROR,
                "unsupported",
                "upload an Excel workbook (.xlsx), a .zip of "
                "CSV files (units.csv, handoffs.csv, deliveries.csv) or a .json "
                "document",
                name,
            )
        ]
    try:
        _, b64 = contents.split(",", 1)
        data = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        return None, [Problem(ERROR, "unreadable", "the upload could not be decoded", name)]
    if len(data) > config.max_upload_bytes:
        mb = config.max_upload_bytes / 1024 / 1024
        return None, [
            Problem(
                ERROR,
                "too_large",
                f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is {mb:.0f} MB",
                name,
            )
        ]
    digest = hashlib.sha256(data).hexdigest()
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or f"upload{suffix}"
    folder = config.upload_dir / digest
    folder.mkdir(parents=True, exist_ok=True)
    (folder / safe).write_bytes(data)
    key = f"upload:{digest}/{safe}"
    try:
        org = get_org(key)
    except ValidationError as exc:
        return None, list(exc.problems)
    return key, list(org.warnings)
