"""Serve the app with waitress: a production WSGI server (pure Python, one process, threads).

One process is what the app needs: the uploaded organizations and the sessions live in its
memory. ``threads`` answer requests in parallel (numpy and pandas release the GIL for much
of their work, the compiled shortest-path kernel for all of it; leidenalg holds it, so above
50,000 people Leiden runs in a child interpreter: see ``analysis.silos.communities``).
"""

from __future__ import annotations

import logging
import signal
import threading

__all__ = ["make_server", "serve", "Background"]

IDENT = "orggraph"  # the Server header: no product version


def make_server(app, *, host="127.0.0.1", port=8050, threads=8):
    """A waitress server for a Dash ``app`` (not started)."""
    from waitress import create_server

    server = app.server
    body = server.config.get("MAX_CONTENT_LENGTH") or 64 * 2**20
    return create_server(
        server,
        host=host,
        port=port,
        threads=threads,
        ident=IDENT,
        # Bodies over the app's own limit are refused before they are read.
        max_request_body_size=body,
        # Forwarded-for/host/proto headers are ignored: they would let a client pick the
        # address or host the app sees.
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
        channel_timeout=60,
        connection_limit=200,
    )


def serve(app, *, host="127.0.0.1", port=8050, threads=8, on_listen=None):
    """Serve until Ctrl+C or SIGTERM (both end the process cleanly)."""
    srv = make_server(app, host=host, port=port, threads=threads)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if on_listen:
        on_listen(srv.effective_host, srv.effective_port)
    srv.run()


class Background:
    """A waitress server in a background thread, for tests and benchmarks.

    >>> # srv = Background(app); srv.url; ...; srv.stop()
    """

    def __init__(self, app, *, host="127.0.0.1", port=0, threads=8):
        self.server = make_server(app, host=host, port=port, threads=threads)
        self.url = f"http://{host}:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self):
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        srv = self.server
        # Close every channel and the listening socket; the loop then ends.
        for _ in range(100):
            if not srv._map:
                break
            for channel in list(srv._map.values()):
                channel.handle_close()
        srv.task_dispatcher.shutdown()
        self.thread.join(timeout=5)
