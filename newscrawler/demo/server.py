"""A small local web server for mirrors of portals: the demo, the tests and the benches crawl it.

Serves a folder the way a portal serves its site: `/kompas.com/read/x/` finds `read/x.html`,
`read/x/index.html` or `read/x/index.xml`; the text `{origin}` in a served file becomes the
server's own origin, so sitemaps and feeds can hold absolute URLs. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

# A route answers a path with (status, headers, body); tests use it to serve faults.
Route = Callable[[str], tuple[int, dict[str, str], bytes]]


def resolve(root: Path, path: str) -> Path | None:
    """The file serving a URL path, or None (404). Never leaves `root`: each candidate is
    checked where it really is, so a symlink pointing outside is not served; a NUL byte or
    a name the file system refuses is a 404, not an exception."""
    clean = unquote(urlsplit(path).path).strip("/")
    if "\x00" in clean:
        return None
    home = root.resolve()
    base = root / clean
    for candidate in (base, base.with_name(base.name + ".html"), base / "index.html",
                      base / "index.xml"):
        try:
            real = candidate.resolve()
            if (real == home or home in real.parents) and real.is_file():
                return real
        except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop
            continue
    return None


class MirrorHandler(BaseHTTPRequestHandler):
    root: Path
    routes: dict[str, Route]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        route = self.routes.get(urlsplit(self.path).path)
        if route is not None:
            status, headers, body = route(self.path)
        else:
            status, headers, body = self.static()
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), "Date": formatdate(usegmt=True), **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def static(self) -> tuple[int, dict[str, str], bytes]:
        found = resolve(self.root, self.path)
        if found is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>"
        body = found.read_bytes()
        origin = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        body = body.replace(b"{origin}", origin.encode())
        # No charset in the header: the page's own <meta charset> must be read, as on the web.
        kind = mimetypes.guess_type(found.name)[0] or "text/html"
        return 200, {"Content-Type": kind}, body

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the crawler logs what it fetches."""


@contextmanager
def serve(root: Path, routes: dict[str, Route] | None = None, port: int = 0) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 in a background thread; yields the origin URL."""
    handler = type("Handler", (MirrorHandler,), {"root": Path(root), "routes": routes or {}})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
