"""Access control, CSRF, headers and isolation: pure checks, crafted HTTP requests against
the running server, and `orggraph serve` in a subprocess."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from orggraph.cli import main
from orggraph.web import security
from orggraph.web.security import (
    SessionRegistry,
    Settings,
    content_security_policy,
    default_allowed_hosts,
    hash_password,
    host_allowed,
    is_loopback,
    load_users,
    safe_next,
    same_origin,
    serving_problems,
)

from ..conftest import DATA, ROOT
from .conftest import Client

SAMPLE = DATA / "healthcare-supplier"
WORKSHOP = DATA / "workshop" / "workshop.xlsx"


# ---------------------------------------------------------------- pure checks
def test_loopback_and_the_refusal_to_serve_beyond_it():
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and not is_loopback("example.org")
    assert serving_problems("127.0.0.1", Settings()) == []
    off = serving_problems("10.1.2.3", Settings())
    assert len(off) == 1 and "without sign-in" in off[0] and "--users" in off[0]
    users = Settings(users={"a": "h"})
    assert serving_problems("10.1.2.3", users) == []
    assert "--allowed-host" in serving_problems("0.0.0.0", users)[0]
    assert serving_problems("0.0.0.0", Settings(users={"a": "h"}, allowed_hosts=("x.org",))) == []
    assert serving_problems("::", Settings(user_header="X-User", allowed_hosts=("x",))) == []
    assert "10.1.2.3" in default_allowed_hosts("10.1.2.3")
    assert "0.0.0.0" not in default_allowed_hosts("0.0.0.0")


@pytest.mark.parametrize(
    "host, ok",
    [
        ("org.example.org", True),
        ("ORG.example.org:443", True),
        ("org.example.org.evil.example", False),
        ("evil.example", False),
        ("org.example.org@evil", False),
        ("", False),
    ],
)
def test_host_allow_list(host, ok):
    assert host_allowed(host, ["org.example.org"]) is ok


def test_host_allow_list_with_a_port():
    assert host_allowed("x.org:8050", ["x.org:8050"]) and not host_allowed(
        "x.org:9", ["x.org:8050"]
    )


def test_same_origin_and_next():
    assert same_origin("http://127.0.0.1:8050", "127.0.0.1:8050")
    assert not same_origin("http://127.0.0.1:8051", "127.0.0.1:8050")
    assert not same_origin("javascript:alert(1)", "x")
    assert not same_origin(None, "x")
    for bad in ("//evil.example", "https://evil.example", "/\\evil", "/x\r\nSet-Cookie: a=b"):
        assert safe_next(bad) == "/"
    assert safe_next("/findings") == "/findings"


def test_csp_allows_only_this_origin_and_listed_inline_scripts():
    csp = content_security_policy(["'sha256-abc'"])
    assert "script-src 'self' 'sha256-abc'" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_users_file(tmp_path):
    from werkzeug.security import check_password_hash

    f = tmp_path / "users.toml"
    h = hash_password("a long password")
    f.write_text(f'[users.alice]\npassword_hash = "{h}"\n')
    users = load_users(f)
    assert list(users) == ["alice"] and check_password_hash(users["alice"], "a long password")
    for text, message in [
        ('[users.alice]\npassword = "plain"\n', "password_hash"),
        ('[users.alice]\npassword_hash = "secret"\n', "password_hash"),
        (f'[users."a b"]\npassword_hash = "{h}"\n', "not a user name"),
        ("[users]\n", "no [users"),
        ("not toml [", "cannot read"),
    ]:
        f.write_text(text)
        with pytest.raises(security.ConfigError, match=re.escape(message)):
            load_users(f)
    with pytest.raises(security.ConfigError, match="cannot read"):
        load_users(tmp_path / "missing.toml")


def test_hash_password_command(monkeypatch, capsys):
    answers = iter(["a long password", "a long password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert security._main(["hash-password", "carol"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('[users.carol]\npassword_hash = "scrypt:')


def test_sessions_end_on_sign_out_expiry_and_overflow():
    ended = []
    r = SessionRegistry(max_sessions=2)
    r.on_end.append(ended.append)
    a = r.start("alice", 60)
    assert r.user(a) == "alice" and r.user("forged") is False and r.user(None) is False
    r.end(a)
    assert r.user(a) is False and ended == [a]
    b = r.start("bob", -1)  # already expired
    assert r.user(b) is False and ended == [a, b]
    c, d, e = (r.start(u, 60) for u in "cde")
    assert r.user(c) is False and r.user(e) == "e" and c in ended


def test_failed_sign_ins_block_after_the_limit():
    f = security._Failures()
    for _ in range(security.MAX_FAILURES - 1):
        f.add("user:x", "addr:1")
    assert not f.blocked("user:x")
    f.add("user:x", "addr:1")
    assert f.blocked("user:x") and f.blocked("addr:1") and not f.blocked("user:y")


# ------------------------------------------------------ the serve command
def test_serve_refuses_beyond_localhost_without_sign_in(tmp_path):
    r = CliRunner().invoke(main, ["serve", str(SAMPLE), "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "without sign-in" in r.output and "--allowed-host" in r.output
    r = CliRunner().invoke(main, ["serve", str(SAMPLE), "--host", "10.1.2.3"])
    assert r.exit_code == 2 and "refusing to listen on 10.1.2.3" in r.output
    (tmp_path / "u.toml").write_text('[users.a]\npassword = "plain"\n')
    r = CliRunner().invoke(main, ["serve", str(SAMPLE), "--users", str(tmp_path / "u.toml")])
    assert r.exit_code == 2 and "password_hash" in r.output


class Served:
    """`orggraph serve` in a subprocess on a free loopback port."""

    def __init__(self, tmp_path, *args):
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        self.tmp = tmp_path
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orggraph", "serve", str(SAMPLE), "--port", "0", *args],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"at (http://[\d.]+:\d+)/", line)
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
        raise AssertionError(f"orggraph serve did not start: {line}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


@pytest.mark.slow
def test_serve_on_localhost_without_sign_in(tmp_path):
    s = Served(tmp_path)
    try:
        c = Client(s.url)
        r = c.get("/")
        assert r.status_code == 200 and r.headers["Server"] == "orggraph"
        assert r.headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in r.headers
        assert str(ROOT) not in c.get("/_dash-layout").text
        body = c.callback("overview-body.children", [("org-key", "data", "default")])
        assert body.status_code == 200 and "Dana Whitfield" in body.text
        # Still no cross-site callbacks, and no other Host.
        assert (
            c.callback(
                "overview-body.children", [("org-key", "data", None)], csrf=False
            ).status_code
            == 403
        )
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 400
        # Uploads, valid or not, are read from memory: nothing lands in the temp folder.
        for name, data in (("w.xlsx", WORKSHOP.read_bytes()), ("bad.zip", b"PK junk")):
            url = "data:;base64," + base64.b64encode(data).decode()
            r = c.callback(
                "upload.contents", [("upload", "contents", url)], [("upload", "filename", name)]
            )
            assert r.status_code == 200
        assert list(tmp_path.iterdir()) == []
    finally:
        assert s.stop() == 0


@pytest.mark.slow
def test_serve_behind_a_single_sign_on_proxy(tmp_path):
    s = Served(tmp_path, "--trusted-user-header", "X-Forwarded-User")
    try:
        c = Client(s.url)
        r = c.get("/")
        assert r.status_code == 302 and "/login" in r.headers["Location"]
        assert c.get("/login").status_code == 401
        r = c.get("/", headers={"X-Forwarded-User": "dana"})
        assert r.status_code == 200
        r = c.callback("overview-body.children", [("org-key", "data", "default")])
        assert r.status_code == 200  # the session the proxy's header started
        assert Client(s.url).get("/_dash-layout").status_code == 401
    finally:
        s.stop()
    # From an address that is not the trusted proxy, the header means nothing.
    s = Served(tmp_path, "--trusted-user-header", "X-Forwarded-User", "--trusted-proxy", "10.9.9.9")
    try:
        r = Client(s.url).get("/", headers={"X-Forwarded-User": "dana"})
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    finally:
        s.stop()


# ------------------------------------------------- crafted requests, signed in
def test_nothing_without_signing_in(client):
    c = client(None)
    r = c.get("/map?focus=OPS-PLN")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/map%3Ffocus%3DOPS-PLN"
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert c.get(path).status_code == 401
    r = c.callback("overview-body.children", [("org-key", "data", "default")])
    assert r.status_code == 401 and "Dana" not in r.text
    assert c.get("/login").status_code == 200 and c.get("/assets/style.css").status_code == 200


def test_sign_in_sets_strict_http_only_cookies(client):
    c = client(None)
    r = c.sign_in("alice", "wrong password")
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = c.sign_in("nobody", "any password")  # an unknown user answers the same way
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = c.sign_in("alice")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookies = r.raw.headers.getlist("Set-Cookie")
    session = next(x for x in cookies if x.startswith("orggraph_session="))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Expires=" in session
    csrf = next(x for x in cookies if x.startswith("_csrf_token="))
    # Dash's renderer reads this one (same origin only) to send the X-CSRFToken header.
    assert "HttpOnly" not in csrf and "SameSite=Strict" in csrf


def test_sign_in_form_needs_its_token_and_this_origin(client):
    c = client(None)
    # A form posted from elsewhere (no Origin, no session yet, empty token): refused.
    del c.s.headers["Origin"]
    r = c.post("/login", data={"csrf": "", "username": "alice", "password": "alice-password-1"})
    assert r.status_code == 403 and c.get("/_dash-layout").status_code == 401
    c.s.headers["Origin"] = c.base
    c.get("/login")
    r = c.post(
        "/login", data={"csrf": "forged", "username": "alice", "password": "alice-password-1"}
    )
    assert r.status_code == 403
    r = c.post("/login", data={}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_every_response_carries_the_security_headers(client, server):
    c = client("alice")
    for path in ("/", "/login", "/_dash-layout", "/no-such-page", "/assets/style.css"):
        r = c.get(path)
        h = r.headers
        assert h["X-Frame-Options"] == "DENY", path
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["Server"] == "orggraph"  # no product, no version
    assert c.get("/_dash-layout").headers["Cache-Control"] == "no-store"
    r = c.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400 and r.headers["X-Frame-Options"] == "DENY"


def test_callbacks_need_the_csrf_token_and_this_origin(client):
    c = client("alice")
    args = ("overview-body.children", [("org-key", "data", "default")])
    assert c.callback(*args).status_code == 200
    assert c.callback(*args, csrf=False).status_code == 403
    assert c.callback(*args, headers={"X-CSRFToken": "forged"}).status_code == 403
    r = c.callback(*args, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "Dana" not in r.text
    del c.s.headers["Origin"]
    assert c.callback(*args).status_code == 403  # no Origin, no Referer: refused


def _upload(c, path):
    data = "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()
    r = c.callback(
        "upload.contents", [("upload", "contents", data)], [("upload", "filename", path.name)]
    )
    assert r.status_code == 200, r.text
    return r.json()["response"]["org-key"]["data"]


def test_another_session_cannot_reach_an_upload_by_any_key_or_path(client, app):
    alice, bob = client("alice"), client("bob")
    handle = _upload(alice, WORKSHOP)
    assert len(handle) >= 32 and "/" not in handle and "workshop" not in handle
    mine = alice.callback(
        "matrix-graph.figure", [("org-key", "data", handle), ("matrix-value", "value", "weight")]
    )
    assert mine.status_code == 200 and "Medical Records" in mine.text
    # Bob (and a second browser of Alice's, without her session) send her handle, or paths.
    alice2 = client("alice")
    attempts = [
        handle,
        "path:" + str(WORKSHOP),
        str(WORKSHOP),
        "upload:" + handle,
        "../" * 8 + "etc/passwd",
        "file://" + str(WORKSHOP),
        {"handle": handle},
        [handle],
    ]
    for other in (bob, alice2):
        for key in attempts:
            for output in (
                "overview-body.children",
                "findings-grid.rowData",
                "matrix-graph.figure",
            ):
                inputs = [("org-key", "data", key)]
                if output.startswith("matrix"):
                    inputs.append(("matrix-value", "value", "weight"))
                r = other.callback(output, inputs)
                assert r.status_code in (204, 403), (key, output, r.status_code)
                assert "Medical Records" not in r.text and "workshop" not in r.text
            # The header shows the server's organization and sends the tab back to it.
            r = other.callback("org-name.children", [("org-key", "data", key)])
            body = r.json()["response"]
            assert body["org-name"]["children"] == "healthcare-supplier"
            assert body["org-key"]["data"] == "default"
            assert body["upload-status"]["children"] == ""  # nothing said about her handle


def test_no_absolute_server_paths_in_any_response(client, app):
    c = client("alice")
    secret_paths = [str(ROOT), str(SAMPLE), "/tmp/"]
    texts = [c.get(p).text for p in ("/", "/map", "/_dash-layout", "/_dash-dependencies")]
    texts.append(c.callback("overview-body.children", [("org-key", "data", "default")]).text)
    bad = "data:application/octet-stream;base64," + base64.b64encode(b"PK\x03\x04junk").decode()
    r = c.callback(
        "upload.contents", [("upload", "contents", bad)], [("upload", "filename", "x.zip")]
    )
    texts.append(r.text)
    for t in texts:
        for p in secret_paths:
            assert p not in t
    assert "was not loaded" in r.text


def test_sign_out_ends_the_session_and_frees_its_uploads(client, app):
    store = app.server.extensions["orggraph"].store
    c = client("alice")
    handle = _upload(c, WORKSHOP)
    assert store.get(handle, next(e.owner for e in store._entries.values() if e.handle == handle))
    cookies = c.s.cookies.copy()
    r = c.post("/logout", data={"csrf": c.csrf})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert all(e.handle != handle for e in store._entries.values())
    # The old cookie, replayed, opens nothing.
    replay = Client(c.base)
    replay.s.cookies.update(cookies)
    assert replay.get("/_dash-layout").status_code == 401
    assert (
        replay.callback("overview-body.children", [("org-key", "data", "default")]).status_code
        == 401
    )


def test_sign_out_needs_the_token(client):
    c = client("alice")
    assert c.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert c.get("/_dash-layout").status_code == 200


def test_every_serve_option_is_documented():
    readme = (ROOT / "README.md").read_text()
    guide = (ROOT / "docs" / "security.md").read_text()
    for param in main.commands["serve"].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in readme, opt
                assert opt in guide or opt in ("--port",), opt
