"""Which organization a browser session sees: server-side handles, a cache bounded in bytes.

The browser holds only an opaque *handle* (in a ``dcc.Store``): ``"default"`` for the
organization the server was started with, or a random ``secrets.token_urlsafe`` token that
the server issued to this browser session when it uploaded a file. The server keeps each
uploaded organization (loaded and analysed once, then read-only) in an :class:`OrgStore`
under its handle, together with the session that owns it; a handle is resolved only for
its owner. A path never comes from the browser, and a handle that is not this session's
resolves to nothing.

Uploads are validated from memory (:func:`orggraph.readwrite.load_bytes`, bounded by
:data:`upload_limits`): nothing is written to disk, and a refused upload leaves nothing
behind. The store is bounded in bytes (:func:`estimate_bytes`): the least recently used
uploads are dropped first, and at most ``per_session`` uploads are kept per session.
"""

from __future__ import annotations

import base64
import binascii
import collections
import ctypes
import ctypes.util
import gc
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from dash.exceptions import PreventUpdate
from flask import current_app, session

from ..analysis import analyze
from ..cache import cached_analyze, derived_key, recall, remember
from ..exceptions import ERROR, OrgGraphError, Problem, ValidationError
from ..readwrite import load, load_bytes
from ..schema import Limits
from .compareview import Comparisons
from .deliverables import Printer

__all__ = [
    "DEFAULT",
    "UPLOAD_SUFFIXES",
    "Entry",
    "OrgStore",
    "TooLarge",
    "Context",
    "estimate_bytes",
    "first_page",
    "load_failed",
    "LOAD_FAILED",
    "decode_upload",
    "load_upload",
    "upload_limits",
    "context",
    "resolve",
    "resolve_or_default",
    "accept_upload",
    "release_memory",
]

log = logging.getLogger("orggraph.web")

DEFAULT = "default"
UPLOAD_SUFFIXES = (".xlsx", ".ods", ".zip", ".json")

#: Memory allowances on top of the tables' own bytes: per unit and per handoff (networkx
#: and igraph graphs, lookups, findings, map positions) and per organization. Fitted to the
#: resident memory that generated organizations of 20 to 3,000 people add to a process once
#: loaded and analysed (0.5 to 27 MB each), and rounded up: the estimate is 10-40% above it.
NODE_BYTES = 1024
EDGE_BYTES = 512
BASE_BYTES = 512 * 1024


def _frame_bytes(x) -> int:
    if isinstance(x, pd.DataFrame):
        return int(x.memory_usage(deep=True, index=True).sum())
    if isinstance(x, pd.Series):
        return int(x.memory_usage(deep=True, index=True))
    if isinstance(x, dict):
        return sum(_frame_bytes(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return sum(_frame_bytes(v) for v in x)
    return 0


def estimate_bytes(org, analysis=None) -> int:
    """Memory an organization and its analysis hold, estimated.

    The tables' own bytes (``pandas.DataFrame.memory_usage(deep=True)``, also every table
    of the analysis) plus :data:`NODE_BYTES` per unit, :data:`EDGE_BYTES` per handoff and
    :data:`BASE_BYTES`.
    """
    n = _frame_bytes([org.units, org.handoffs, org.deliveries])
    if analysis is not None:
        n += _frame_bytes(analysis.tables) + _frame_bytes(getattr(analysis, "communities", {}))
    return BASE_BYTES + n + NODE_BYTES * len(org.units) + EDGE_BYTES * len(org.handoffs)


@dataclass(frozen=True, eq=False)
class Entry:
    """One organization as the server keeps it: read-only, owned by a session or by all."""

    handle: str
    org: object
    analysis: object
    owner: str | None  # the owning session's id; None: the server's own organization
    nbytes: int  # estimated (:func:`estimate_bytes`); 0 for the server's own organization


class TooLarge(OrgGraphError):
    """An organization bigger than the whole cache."""


class OrgStore:
    """Uploaded organizations by handle, bounded in bytes, each reachable by its owner only.

    Parameters
    ----------
    max_bytes : int
        Upper bound of :func:`estimate_bytes` summed over the uploads kept (the server's
        own organization is not counted: it always stays).
    per_session : int
        At most this many uploads kept per session (its oldest are dropped first).
    """

    def __init__(self, *, max_bytes: int, per_session: int = 4, remembered: int = 64):
        self.max_bytes = int(max_bytes)
        self.per_session = per_session
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[str, Entry] = collections.OrderedDict()
        self._bytes = 0
        # Handles issued to each session, also after they were dropped, so that a tab can
        # tell "my upload was dropped" from "not mine".
        self._issued: dict[str, collections.deque] = {}
        self._remembered = remembered

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, org, analysis, owner: str) -> Entry:
        """Keep an organization for ``owner`` under a new random handle."""
        if not owner:
            raise ValueError("an upload needs an owning session")
        nbytes = estimate_bytes(org, analysis)
        if nbytes > self.max_bytes:
            raise TooLarge(
                f"this organization needs about {_size(nbytes)} in memory; the server "
                f"keeps at most {_size(self.max_bytes)} of uploads"
            )
        entry = Entry(secrets.token_urlsafe(24), org, analysis, owner, nbytes)
        with self._lock:
            mine = [e for e in self._entries.values() if e.owner == owner]
            for e in mine[: max(0, len(mine) - self.per_session + 1)]:
                self._drop(e.handle)
            while self._entries and self._bytes + nbytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
            self._entries[entry.handle] = entry
            self._bytes += nbytes
            issued = self._issued.setdefault(owner, collections.deque(maxlen=self._remembered))
            issued.append(entry.handle)
        return entry

    def _drop(self, handle):
        e = self._entries.pop(handle, None)
        if e is not None:
            self._bytes -= e.nbytes

    def get(self, handle: str, owner: str | None) -> Entry | None:
        """The entry behind ``handle`` if ``owner`` owns it and it is still kept."""
        if not owner or not isinstance(handle, str):
            return None
        with self._lock:
            e = self._entries.get(handle)
            if e is None or e.owner != owner:
                return None
            self._entries.move_to_end(handle)
            return e

    def issued_to(self, handle: str, owner: str | None) -> bool:
        """Whether ``handle`` was ever issued to ``owner`` (kept or dropped since)."""
        with self._lock:
            return bool(owner) and handle in self._issued.get(owner, ())

    def drop_owner(self, owner: str):
        """Forget a session's uploads (it signed out or expired)."""
        with self._lock:
            for h in [h for h, e in self._entries.items() if e.owner == owner]:
                self._drop(h)
            self._issued.pop(owner, None)


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to call
        return None


_TRIM = _malloc_trim()


def release_memory():
    """Give memory freed by dropped organizations back to the operating system: a full
    garbage collection, then glibc's ``malloc_trim`` where there is one (Linux). Without
    it a threaded server keeps the freed pages, and its memory grows past the cache cap by
    a third (bench/web_load.py)."""
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)


# -------------------------------------------------------------------- uploads
def _problem(code, message, source=""):
    return Problem(ERROR, code, message, source)


def decode_upload(contents: str, filename: str, *, max_bytes: int):
    """Check and decode a ``dcc.Upload`` payload (a base64 data URL).

    Returns ``(name, data, problems)``: the file's base name, its bytes, and the problems
    that refuse it (unsupported type, too large, not decodable), checked before decoding.
    """
    name = Path(str(filename or "upload")).name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return (
            name,
            None,
            [
                _problem(
                    "unsupported",
                    "upload an Excel workbook (.xlsx) or OpenDocument spreadsheet (.ods), a "
                    ".zip of CSV files (units.csv, handoffs.csv, deliveries.csv) or a .json "
                    "document",
                    name,
                )
            ],
        )
    if not isinstance(contents, str) or "," not in contents:
        return name, None, [_problem("unreadable", "the upload could not be decoded", name)]
    b64 = contents.split(",", 1)[1]
    size = len(b64) * 3 // 4 - b64[-2:].count("=")
    if size > max_bytes:
        return name, None, [too_large_problem(name, size, max_bytes)]
    try:
        data = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        return name, None, [_problem("unreadable", "the upload could not be decoded", name)]
    return name, data, []


def _size(n) -> str:
    """``1048576`` -> ``'1 MB'``, ``1572864`` -> ``'1.5 MB'``, ``2048`` -> ``'2 KB'``."""
    if n >= 2**20:
        return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"
    return f"{max(n, 0) / 1024:.0f} KB"


def too_large_problem(name, size, max_bytes) -> Problem:
    return _problem(
        "too_large", f"the file is {_size(size)}; the limit is {_size(max_bytes)}", name
    )


def upload_limits(max_upload_bytes: int) -> Limits:
    """What one upload may hold once unpacked: five times the upload limit in bytes (at
    least 64 MB), 100 archive members, 300,000 rows per table (about 30,000 people), 200
    problems listed; the other limits as :data:`orggraph.schema.DEFAULT_LIMITS`."""
    return Limits(
        max_bytes=max(5 * int(max_upload_bytes), 64 * 2**20),
        max_members=100,
        max_rows=300_000,
        max_problems=200,
    )


def load_upload(data: bytes, name: str, *, limits: Limits | None = None):
    """Load and validate an uploaded file from memory (nothing is written to disk).

    Returns ``(organization, warnings)`` or ``(None, problems)``. Never raises for bad
    input: an unexpected failure of a reader becomes one problem (and a log line).
    """
    try:
        org = load_bytes(data, name, limits=limits)
        return org, list(org.warnings)
    except ValidationError as exc:
        return None, list(exc.problems)
    except OrgGraphError as exc:
        return None, [_problem("unreadable", str(exc), name)]
    except (MemoryError, RecursionError) as exc:
        log.warning("upload %r: %s", name, type(exc).__name__)
        return None, [_problem("too_complex", "the file is too large or too deeply nested", name)]
    except Exception:
        log.exception("upload %r could not be read", name)
        return None, [_problem("unreadable", "the file could not be read", name)]


# -------------------------------------------------------------- server context
@dataclass
class Context:
    """Everything the web app keeps for its lifetime; one per Flask server."""

    path: Path
    store: OrgStore
    max_upload_bytes: int
    limits: Limits
    busy: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(2))
    #: Privacy mode (:class:`orggraph.web.privacy.PrivacyMode`): every organization is
    #: pseudonymized before it is analysed or shown; None: off.
    privacy: object | None = None
    #: Headless Chromium for the PDF and PNG downloads: one print at a time.
    printer: Printer = field(default_factory=Printer)
    #: The Compare page's comparisons by the two uploads' handles.
    comparisons: Comparisons = field(default_factory=Comparisons)
    #: The organization at ``path`` when the caller has loaded it already (the CLI
    #: checks it before serving): not read twice, which costs seconds at 100,000 people.
    preloaded: object | None = None
    #: How to load the organization at ``path`` when nothing is preloaded (the CLI
    #: passes its cached loader); default :func:`orggraph.readwrite.load`.
    loader: object | None = None
    #: The cache key of the input's bytes when they were loaded before (see
    #: :func:`orggraph.cache.cached_load_key`): its first page may be kept.
    cached_input: str | None = None
    #: The overview of the server's organization kept from an earlier start, shown
    #: while the organization itself is still being read (:func:`first_page`).
    first_page: dict | None = None
    _default: Entry | None = None
    #: Set when loading in the background failed: pages say so instead of retrying.
    load_failed: bool = False
    #: Set once the kept first page has been sent: the background load waits for it
    #: (up to :data:`FIRST_PAGE_WAIT` s), so that reading 250 MB of pickles does not
    #: hold the interpreter while the server answers the first visitor.
    page_sent: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def default(self) -> Entry:
        """The server's own organization, loaded and analysed once."""
        if self._default is None:
            with self._lock:
                if self.load_failed:  # not again on every click: the log says why
                    raise OrgGraphError(LOAD_FAILED)
                if self._default is None:
                    if self.preloaded is not None:
                        org = self.preloaded
                    else:
                        org = (self.loader or load)(self.path)
                    self.preloaded = None
                    if self.privacy is not None:  # never cached on disk: pseudonyms only
                        org = self.privacy.apply(org)
                        a = self.privacy.analyze(org)  # groups under k suppressed
                    else:
                        a = _analyze_default(org)
                    # Not counted against the uploads' cache, so not measured: deep
                    # memory figures of a 100,000-person analysis take 0.7 s.
                    self._default = Entry(DEFAULT, org, a, None, 0)
        return self._default

    def warm(self) -> Entry:
        """Load and analyse the organization and compute its overview, now.

        The overview is kept in the cache for the next start of the same input
        (:attr:`cached_input`), which shows it while reading the rest.
        """
        e = self.default
        from .views import overview

        page = overview(e.org, e.analysis)  # memoized: the first page asks for it
        if self.cached_input is not None and self.privacy is None and page != self.first_page:
            remember(_first_page_key(self.cached_input), page)
        e.org.department_graph  # noqa: B018  the map's first view (0.8 s at 100,000 people)
        return e

    def page_while_loading(self, handle) -> dict | None:
        """:attr:`first_page` for the server's own organization until it is loaded, else None."""
        if handle in (None, "", DEFAULT) and self._default is None and not self.load_failed:
            return self.first_page
        return None

    def warm_in_background(self) -> threading.Thread:
        """:meth:`warm` in a thread: the server answers meanwhile.

        The browser loads its scripts while the organization is read: every
        page's first callback waits for it (:attr:`default` holds a lock), so
        no visitor sees a half-loaded one.
        """

        def work():
            if self.first_page is not None:
                # A page that needs the organization before then loads it itself.
                self.page_sent.wait(FIRST_PAGE_WAIT)
            try:
                self.warm()
            except Exception:  # pages say so (LOAD_FAILED); the log says why
                self.load_failed = True
                log.exception("loading %s failed", self.path)

        t = threading.Thread(target=work, name="orggraph-warm", daemon=True)
        t.start()
        return t

    def forget_session(self, sid):
        """A session ended: drop its uploads and return their memory."""
        self.store.drop_owner(sid)
        self.comparisons.drop_owner(sid)
        release_memory()

    @classmethod
    def create(
        cls,
        path,
        *,
        max_upload_bytes,
        cache_bytes,
        privacy=None,
        organization=None,
        loader=None,
        cached_input=None,
    ):
        return cls(
            path=Path(path),
            store=OrgStore(max_bytes=cache_bytes),
            max_upload_bytes=int(max_upload_bytes),
            limits=upload_limits(max_upload_bytes),
            privacy=privacy,
            preloaded=organization,
            loader=loader,
            # Privacy mode keeps nothing on disk and shows nothing kept.
            cached_input=None if privacy is not None else cached_input,
            first_page=None
            if cached_input is None or privacy is not None
            else _kept_page(recall(_first_page_key(cached_input))),
        )


#: Seconds the background load waits for the kept first page to be sent.
FIRST_PAGE_WAIT = 3.0
#: What every page says when the server's organization could not be loaded in the
#: background (the reason is in the server's log, not shown to visitors).
LOAD_FAILED = "The organization could not be loaded; the server's log says why."


def _first_page_key(cached_input: str) -> str:
    # The server's own organization is analysed with the default settings: the input's
    # bytes, the version (both in its key), the paths' revision and the page's own.
    from .views import OVERVIEW_REVISION

    return derived_key("overview", OVERVIEW_REVISION, cached_input)


def _kept_page(page) -> dict | None:
    """A kept overview, if it has the overview's shape (anything else: none kept)."""
    shape = {"name": str, "figures": list, "findings": list, "limited": list, "near_misses": list}
    if isinstance(page, dict) and all(isinstance(page.get(k), t) for k, t in shape.items()):
        return page
    return None


def _analyze_default(org):
    """The server's own organization: from the on-disk analysis cache when it was analysed
    before with the same content (a large organization then starts in seconds), with its
    progress in the server log the first time. Uploads are never written to that cache."""

    def progress(step):
        log.info("analysing %s: %s", org.name, step)

    try:
        a, hit = cached_analyze(org, progress=progress)
    except (OrgGraphError, OSError) as exc:
        log.warning("analysis cache not used: %s", exc)
        return analyze(org, progress=progress)
    log.info("%s: %s", org.name, "from the analysis cache" if hit else "analysed and cached")
    return a


def context() -> Context:
    """The running app's :class:`Context` (inside a request)."""
    return current_app.extensions["orggraph"]


def first_page(handle) -> dict | None:
    """The server's overview kept from an earlier start, while its organization is read.

    Only for the server's own organization, only until it is loaded: the
    same bytes, version and settings gave it (the key says so), so it is
    what :func:`orggraph.web.views.overview` would return.
    """
    ctx = context()
    page = ctx.page_while_loading(handle)
    if page is not None:
        ctx.page_sent.set()
    return page


def load_failed(handle) -> bool:
    """Whether the server's own organization (``handle``) failed to load in the background."""
    return handle in (None, "", DEFAULT) and context().load_failed


def _sid():
    return session.get("sid")


def resolve(handle) -> Entry:
    """The organization behind a browser's handle, for this session only.

    Raises ``dash.exceptions.PreventUpdate`` (the callback answers with nothing) for a
    handle that is not this session's: another session's, a dropped one, or anything else.
    """
    ctx = context()
    if handle in (None, "", DEFAULT):
        return ctx.default
    entry = ctx.store.get(handle, _sid())
    if entry is None:
        raise PreventUpdate
    return entry


def resolve_or_default(handle) -> tuple[Entry, str | None]:
    """For the page header: ``(entry, None)`` for a valid handle; otherwise the server's
    organization and what to tell the tab, which then goes back to it (an empty note for a
    handle that was never this session's: nothing is said about it)."""
    ctx = context()
    if handle in (None, "", DEFAULT):
        return ctx.default, None
    entry = ctx.store.get(handle, _sid())
    if entry is not None:
        return entry, None
    if ctx.store.issued_to(handle, _sid()):
        return ctx.default, "Your uploaded organization was dropped from memory; upload it again."
    return ctx.default, ""


@dataclass(frozen=True)
class UploadResult:
    entry: Entry | None
    problems: list
    seconds: float


def accept_upload(contents, filename) -> UploadResult:
    """Decode, load, validate and analyse an upload for this session.

    On success the organization is kept under a new handle owned by this session; on any
    problem nothing is kept and the tab keeps its organization. At most two uploads are
    processed at once; afterwards the memory freed (by a refused file, or by the uploads the
    new one pushed out of the cache) goes back to the operating system.
    """
    ctx = context()
    t = time.perf_counter()
    name, data, problems = decode_upload(contents, filename, max_bytes=ctx.max_upload_bytes)
    if problems:
        return UploadResult(None, problems, time.perf_counter() - t)
    if not ctx.busy.acquire(timeout=30):
        busy = _problem("busy", "the server is busy loading other files; try again", name)
        return UploadResult(None, [busy], time.perf_counter() - t)
    try:
        entry, problems = _process(ctx, name, data)
    finally:
        ctx.busy.release()
    del data
    release_memory()
    seconds = time.perf_counter() - t
    if entry is not None:
        log.info(
            "upload %r by %s kept in %.1f s: %s; uploads hold %s of %s (%d kept)",
            name,
            session.get("user") or "a local browser",
            seconds,
            _size(entry.nbytes),
            _size(ctx.store.bytes),
            _size(ctx.store.max_bytes),
            len(ctx.store),
        )
    return UploadResult(entry, problems, seconds)


def _process(ctx, name, data) -> tuple[Entry | None, list]:
    org, problems = load_upload(data, name, limits=ctx.limits)
    if org is None:
        return None, problems
    if ctx.privacy is not None:
        org = ctx.privacy.apply(org)
        problems = []  # load warnings quote names
    try:
        analysis = analyze(org) if ctx.privacy is None else ctx.privacy.analyze(org)
    except Exception:
        log.exception("upload %r loaded but could not be analysed", name)
        return None, [
            _problem(
                "not_analysable",
                "the file is valid but could not be analysed (extreme or degenerate values)",
                name,
            )
        ]
    try:
        return ctx.store.add(org, analysis, _sid()), problems
    except TooLarge as exc:
        return None, [_problem("too_large", str(exc), name)]
