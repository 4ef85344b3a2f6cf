"""Who may use the web view, and what every response carries.

Installed on the Flask server under the Dash app by :func:`install`; nothing here imports
dash. The pieces, each a small function tested on its own:

- **sign-in**: users from a TOML file with password hashes (werkzeug's scrypt), and/or a
  user name set by a trusted reverse proxy (single sign-on; honoured only when enabled and
  only from the proxy's addresses);
- **sessions**: Flask's signed session cookie (random key per server start, ``HttpOnly``,
  ``SameSite=Strict``, ``Secure`` on request) naming a server-side session that expires after
  a fixed lifetime and ends at sign-out;
- **CSRF**: every state-changing request must come from this origin (``Origin``, else
  ``Referer``), and Dash's callback POSTs must also carry the session's token in the
  ``X-CSRFToken`` header, which Dash's renderer copies from the ``_csrf_token`` cookie
  (double submit); the sign-in and sign-out forms carry the token as a hidden field;
- **Host allow-list**, **security headers** on every response (CSP that Dash runs under,
  ``X-Frame-Options: DENY``, ``nosniff``, ``Referrer-Policy: no-referrer``), ``no-store``
  for anything that may hold names.

``python -m orggraph.web.security hash-password`` prints a users-file entry.
"""

from __future__ import annotations

import collections
import hmac
import html
import ipaddress
import re
import secrets
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..exceptions import OrgGraphError

__all__ = [
    "Settings",
    "SessionRegistry",
    "load_users",
    "hash_password",
    "is_loopback",
    "serving_problems",
    "default_allowed_hosts",
    "host_allowed",
    "same_origin",
    "safe_next",
    "content_security_policy",
    "install",
    "current_sid",
    "current_user",
]

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SESSION_COOKIE = "orggraph_session"
# Paths anyone may request before signing in: the sign-in page and the stylesheet it uses.
PUBLIC = ("/login", "/assets/style.css")
# Static code and styles: cacheable, hold no names.
STATIC = ("/_dash-component-suites/", "/assets/")
# Sign-in attempts: at most this many failures per user name, and per client address,
# within the window; then every attempt is refused until the window has passed.
MAX_FAILURES = 10
FAILURE_WINDOW_S = 15 * 60


class ConfigError(OrgGraphError):
    """A users file or a serving option that cannot be used."""


@dataclass
class Settings:
    """How the server decides who may use it. The defaults suit ``python app.py``:
    localhost, no sign-in."""

    users: dict[str, str] = field(default_factory=dict)  # name -> password hash
    user_header: str | None = None  # e.g. "X-Forwarded-User": set by a trusted proxy
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    allowed_hosts: tuple[str, ...] = ()  # empty: any Host (only for loopback)
    session_minutes: float = 480
    secure_cookies: bool = False

    @property
    def sign_in(self) -> bool:
        """Whether anyone must sign in (by password or through the proxy)."""
        return bool(self.users) or bool(self.user_header)


# ------------------------------------------------------------------ users file
def hash_password(password: str) -> str:
    """A password hash for the users file (werkzeug's scrypt, salted).

    Examples
    --------
    >>> from werkzeug.security import check_password_hash
    >>> h = hash_password("correct horse")
    >>> h.startswith("scrypt:"), check_password_hash(h, "correct horse")
    (True, True)
    """
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt")


def load_users(path) -> dict[str, str]:
    """Users and their password hashes from a TOML file::

        [users.alice]
        password_hash = "scrypt:32768:8:1$..."

    Raises
    ------
    ConfigError
        When the file cannot be read, a name is not a plain user name, or an entry has no
        hash (plain-text passwords are refused).
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the users file {path.name}: {exc}") from None
    users = doc.get("users")
    if not isinstance(users, dict) or not users:
        raise ConfigError(f"{path.name}: no [users.NAME] tables")
    out = {}
    for name, entry in users.items():
        if not USER_NAME.fullmatch(name):
            raise ConfigError(f"{path.name}: {name!r} is not a user name (letters, digits, ._@+-)")
        h = entry.get("password_hash") if isinstance(entry, dict) else None
        if not isinstance(h, str) or not re.match(r"(scrypt|pbkdf2):[^$]*\$[^$]+\$[0-9a-f]+$", h):
            raise ConfigError(
                f"{path.name}: user {name!r} needs password_hash = a scrypt or pbkdf2 hash "
                "(python -m orggraph.web.security hash-password prints one)"
            )
        out[name] = h
    return out


# ------------------------------------------------------------- serving policy
def is_loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only.

    Examples
    --------
    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "10.0.0.5")]
    [True, True, True, False, False]
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def serving_problems(host: str, settings: Settings) -> list[str]:
    """Why the server must not start with these settings (empty: it may).

    Examples
    --------
    >>> serving_problems("127.0.0.1", Settings())
    []
    >>> serving_problems("0.0.0.0", Settings())[0][:40]
    'refusing to listen on 0.0.0.0 without si'
    """
    problems = []
    if not is_loopback(host) and not settings.sign_in:
        problems.append(
            f"refusing to listen on {host} without sign-in: other machines could read "
            "every organization it shows. Pass --users FILE (password sign-in) or "
            "--trusted-user-header NAME behind a single sign-on proxy; see docs/security.md"
        )
    if _is_wildcard(host) and not settings.allowed_hosts:
        problems.append(
            f"{host} listens on every interface: pass --allowed-host NAME with each host name "
            "users type in the browser (the Host allow-list)"
        )
    return problems


def default_allowed_hosts(host: str) -> tuple[str, ...]:
    """The Host names accepted when no ``--allowed-host`` is given: the loopback names and
    the address the server listens on."""
    names = ["localhost", "127.0.0.1", "::1"]
    if not _is_wildcard(host):
        names.append(host.strip("[]").lower())
    return tuple(dict.fromkeys(names))


# --------------------------------------------------------------- pure checks
def _split_host(value: str) -> tuple[str, str]:
    """``"Example.org:8050"`` -> ``("example.org", "8050")``; IPv6 in brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else ""
    if value.count(":") == 1:
        name, port = value.split(":")
        return name, port
    return value, ""


def host_allowed(host_header: str, allowed) -> bool:
    """Whether a request's ``Host`` is on the allow-list (names, or ``name:port``).

    Examples
    --------
    >>> host_allowed("Orggraph.Example.org:443", ["orggraph.example.org"])
    True
    >>> host_allowed("evil.example", ["orggraph.example.org"]), host_allowed("", ["x"])
    (False, False)
    >>> host_allowed("[::1]:8050", ["::1"])
    True
    """
    if not allowed:
        return True
    name, port = _split_host(host_header or "")
    if not name or not re.fullmatch(r"[a-z0-9.\-:]+", name):
        return False
    for entry in allowed:
        e_name, e_port = _split_host(entry)
        if name == e_name and (not e_port or e_port == port):
            return True
    return False


def same_origin(origin: str | None, host_header: str) -> bool:
    """Whether an ``Origin`` (or ``Referer``) URL names the host the request was sent to.

    The scheme is not compared: behind a TLS proxy the browser says ``https`` and the
    server sees plain HTTP; the host and port must match exactly.

    Examples
    --------
    >>> same_origin("https://org.example.org", "org.example.org")
    True
    >>> same_origin("http://127.0.0.1:8050", "127.0.0.1:8050")
    True
    >>> same_origin("https://evil.example", "org.example.org"), same_origin("null", "x")
    (False, False)
    """
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc.lower() == (host_header or "").strip().lower()


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site.

    Examples
    --------
    >>> safe_next("/map?focus=OPS-PLN"), safe_next("//evil.example/"), safe_next("https://x")
    ('/map?focus=OPS-PLN', '/', '/')
    """
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 for c in value)
    ):
        return "/"
    return value


def content_security_policy(script_hashes=()) -> str:
    """The Content-Security-Policy the web view runs under.

    Scripts only from this server (Dash's one inline script allowed by its hash); styles
    from this server and inline (Dash components, Plotly and react-select set inline
    styles); images and fonts also as ``data:`` (AG Grid's icons and font, Plotly's
    modebar); no plugins, no framing, forms only to this server.

    Examples
    --------
    >>> "frame-ancestors 'none'" in content_security_policy()
    True
    """
    script = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# ------------------------------------------------------------------ sessions
@dataclass
class _Session:
    user: str | None
    expires: float


class SessionRegistry:
    """Server-side record of signed-in sessions: a cookie names one, signing out or its
    expiry ends it (a copied cookie is then worth nothing). Bounded: the oldest sessions
    are dropped beyond ``max_sessions``."""

    def __init__(self, *, max_sessions=10_000):
        self._lock = threading.Lock()
        self._sessions: collections.OrderedDict[str, _Session] = collections.OrderedDict()
        self.max_sessions = max_sessions
        self.on_end = []  # callbacks(sid) run when a session ends (frees its uploads)

    def start(self, user, lifetime_s) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[sid] = _Session(user, time.time() + lifetime_s)
            ended = []
            while len(self._sessions) > self.max_sessions:
                ended.append(self._sessions.popitem(last=False)[0])
        for s in ended:
            self._ended(s)
        return sid

    def user(self, sid) -> str | None | bool:
        """The session's user; ``False`` when there is no such live session."""
        with self._lock:
            s = self._sessions.get(sid) if sid else None
            if s is None:
                return False
            if s.expires > time.time():
                return s.user
            del self._sessions[sid]
        self._ended(sid)
        return False

    def end(self, sid):
        with self._lock:
            found = self._sessions.pop(sid, None) is not None
        if found:
            self._ended(sid)

    def end_all(self):
        """Sign everybody out."""
        with self._lock:
            gone = list(self._sessions)
            self._sessions.clear()
        for k in gone:
            self._ended(k)

    def prune(self):
        now = time.time()
        with self._lock:
            gone = [k for k, s in self._sessions.items() if s.expires <= now]
            for k in gone:
                del self._sessions[k]
        for k in gone:
            self._ended(k)

    def __len__(self):
        return len(self._sessions)

    def _ended(self, sid):
        for f in self.on_end:
            f(sid)


class _Failures:
    """Failed sign-ins per key (user name or address) in a sliding window."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: dict[str, collections.deque] = {}

    def blocked(self, *keys) -> bool:
        now = time.time()
        with self._lock:
            for k in keys:
                q = self._seen.get(k)
                while q and q[0] <= now - FAILURE_WINDOW_S:
                    q.popleft()
                if q is not None and not q:
                    del self._seen[k]
                elif q and len(q) >= MAX_FAILURES:
                    return True
        return False

    def add(self, *keys):
        now = time.time()
        with self._lock:
            if len(self._seen) > 100_000:
                self._seen.clear()
            for k in keys:
                self._seen.setdefault(k, collections.deque(maxlen=MAX_FAILURES)).append(now)


# ------------------------------------------------------------ Flask wiring
def current_sid() -> str | None:
    """The browser session's id (inside a request), or None."""
    from flask import session

    return session.get("sid")


def current_user() -> str | None:
    from flask import session

    return session.get("user")


_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · orggraph</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/style.css"></head>
<body><main class="login"><h1>orggraph</h1>
<form method="post" action="/login" id="login-form">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label>User <input name="username" id="username" autocomplete="username" required></label>
<label>Password <input name="password" id="password" type="password"
 autocomplete="current-password" required></label>
<button type="submit" id="sign-in">Sign in</button></form>
<p class="error" id="login-error">{error}</p></main></body></html>"""


def install(server, settings: Settings, *, script_hashes=tuple, on_session_end=None):
    """Add sign-in, sessions, CSRF checks, the Host allow-list and security headers to a
    Flask ``server``. Returns the :class:`SessionRegistry`.

    ``script_hashes``: a function returning the CSP hashes of the page's inline scripts
    (Dash's ``app.csp_hashes``), called once the app has set itself up, at the first
    response.
    """
    import logging

    from flask import abort, jsonify, make_response, redirect, request, session
    from werkzeug.security import check_password_hash

    log = logging.getLogger("orggraph.web")
    registry = SessionRegistry()
    if on_session_end:
        registry.on_end.append(on_session_end)
    failures = _Failures()
    lifetime = settings.session_minutes * 60
    csp = []  # computed at the first response, when Dash has registered its inline scripts
    # A hash to check against when the user name is unknown, so that the answer takes as
    # long for a wrong name as for a wrong password.
    dummy_hash = hash_password(secrets.token_urlsafe(16)) if settings.users else ""

    server.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=int(lifetime),
    )

    def begin(user):
        session.clear()
        session.permanent = True
        session["sid"] = registry.start(user, lifetime)
        session["user"] = user
        session["csrf"] = secrets.token_urlsafe(32)

    def signed_in() -> bool:
        user = registry.user(session.get("sid"))
        return user is not False and user == session.get("user")

    def proxy_user():
        if not settings.user_header:
            return None
        value = request.headers.get(settings.user_header)
        if value is None:
            return None
        if request.remote_addr not in settings.trusted_proxies:
            log.warning(
                "ignored %s from %s: not a trusted proxy", settings.user_header, request.remote_addr
            )
            return None
        value = value.strip()
        return value if USER_NAME.fullmatch(value) else None

    def refuse(status, message):
        if request.path.startswith("/_dash-"):
            resp = jsonify({"error": message})
            resp.status_code = status
            return resp
        return make_response(message, status, {"Content-Type": "text/plain; charset=utf-8"})

    @server.before_request
    def guard():
        # 1. The Host allow-list, before anything else.
        if not host_allowed(request.host, settings.allowed_hosts):
            return refuse(400, "unknown host")
        # 2. Cross-site requests: anything that changes state must come from this origin.
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        origin = request.headers.get("Origin") or request.headers.get("Referer")
        form = request.path in ("/login", "/logout")
        # Forms sent under Referrer-Policy: no-referrer say "Origin: null"; they carry their
        # own token, checked by their route.
        null_form = form and origin in (None, "null")
        if unsafe and not same_origin(origin, request.host) and not null_form:
            return refuse(403, "cross-site request refused")
        # 3. Who is asking.
        if settings.sign_in:
            user = proxy_user()
            if user is not None and not (signed_in() and session.get("user") == user):
                begin(user)
            if request.path in PUBLIC:
                return None
            if not signed_in():
                if request.path.startswith("/_dash-") or unsafe:
                    return refuse(401, "sign in first")
                return redirect("/login?next=" + quote(safe_next(request.full_path.rstrip("?"))))
        elif not session.get("sid"):
            session.permanent = True
            session["sid"] = secrets.token_urlsafe(24)  # an anonymous browser session
            session["csrf"] = secrets.token_urlsafe(32)
        # 4. Dash callbacks must carry the session's token (double submit).
        if unsafe and request.path.startswith("/_dash-"):
            token = request.headers.get(CSRF_HEADER, "")
            if not session.get("csrf") or not hmac.compare_digest(token, session["csrf"]):
                return refuse(403, "missing or wrong CSRF token: reload the page")
        return None

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if not settings.sign_in:
            return redirect("/")
        if not settings.users:  # single sign-on only: the proxy signs people in
            return refuse(401, "sign in through the single sign-on page")
        if "login_csrf" not in session:
            session["login_csrf"] = secrets.token_urlsafe(32)
        nxt = safe_next(request.values.get("next"))
        error = ""
        status = 200
        if request.method == "POST":
            form_token = request.form.get("csrf", "")
            name = request.form.get("username", "").strip()
            password = request.form.get("password", "")
            addr = request.remote_addr or "?"
            expected = session.get("login_csrf", "")
            if not expected or not hmac.compare_digest(form_token, expected):
                error, status = "The form expired; sign in again.", 403
            elif failures.blocked("user:" + name, "addr:" + addr):
                error, status = "Too many failed attempts; wait 15 minutes.", 429
            else:
                stored = settings.users.get(name)
                ok = check_password_hash(stored or dummy_hash, password) and stored is not None
                if ok:
                    begin(name)
                    log.info("signed in: %s from %s", name, addr)
                    return redirect(nxt)
                failures.add("user:" + name, "addr:" + addr)
                log.warning("failed sign-in for %r from %s", name, addr)
                error, status = "Wrong user name or password.", 401
        page = _LOGIN_PAGE.format(
            csrf=html.escape(session["login_csrf"]),
            next=html.escape(nxt),
            error=html.escape(error),
        )
        return make_response(page, status, {"Content-Type": "text/html; charset=utf-8"})

    @server.route("/logout", methods=["POST"])
    def logout():
        token = request.form.get("csrf", "")
        if not session.get("csrf") or not hmac.compare_digest(token, session["csrf"]):
            abort(403)
        registry.end(session.get("sid"))
        session.clear()
        return redirect("/login" if settings.users else "/")

    @server.after_request
    def headers(resp):
        if resp.mimetype == "text/html" and not resp.direct_passthrough:
            # Dash writes its own, Python's and plotly's versions into every page (and
            # into asset names); none of that is the browser's business.
            resp.set_data(strip_versions(resp.get_data(as_text=True)))
        h = resp.headers
        if not csp:
            csp.append(content_security_policy(script_hashes()))
        h["Content-Security-Policy"] = csp[0]
        h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if not request.path.startswith(STATIC):
            h["Cache-Control"] = "no-store"
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            # Readable by Dash's renderer (same origin only), which sends it back in
            # the X-CSRFToken header of every callback.
            resp.set_cookie(
                CSRF_COOKIE,
                token,
                max_age=int(lifetime),
                secure=settings.secure_cookies,
                httponly=False,
                samesite="Strict",
                path="/",
            )
        return resp

    return registry


_VERSION_KEYS = re.compile(
    r'"(dash_version|python_version|plotly_version|dash_version_url|ddk_version)":"[^"]*"'
)
_FINGERPRINT = re.compile(r"\.v[\w-]+m([0-9a-fA-F]+)\.")
_QUERY_VERSION = re.compile(r"\?v=[0-9][\w.]*")


def strip_versions(page: str) -> str:
    """A Dash page without the versions of Dash, Python and plotly.

    Asset names keep a neutral fingerprint (``.v0m<hash>.``), which Dash's
    own route still accepts and strips.

    Examples
    --------
    >>> strip_versions('"python_version":"3.11.7 (main)" x.v4_4_1m17956.min.js ?v=4.4.1')
    '"python_version":"" x.v0m17956.min.js ?v=0'
    """
    page = _VERSION_KEYS.sub(lambda m: f'"{m.group(1)}":""', page)
    page = _FINGERPRINT.sub(lambda m: f".v0m{m.group(1)}.", page)
    return _QUERY_VERSION.sub("?v=0", page)


def _main(argv=None):
    """``python -m orggraph.web.security hash-password [NAME]``: print a users-file entry."""
    import getpass
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "hash-password":
        print("usage: python -m orggraph.web.security hash-password [NAME]", file=sys.stderr)
        return 2
    name = args[1] if len(args) > 1 else input("user name: ").strip()
    if not USER_NAME.fullmatch(name):
        print(f"{name!r} is not a user name (letters, digits, ._@+-)", file=sys.stderr)
        return 2
    password = getpass.getpass("password: ")
    if len(password) < 10:
        print("use at least 10 characters", file=sys.stderr)
        return 2
    if getpass.getpass("again: ") != password:
        print("the two passwords differ", file=sys.stderr)
        return 2
    print(f'[users.{name}]\npassword_hash = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
