"""Debian's Chromium and a local server for the built site, shared by the PDF and the tests."""

from __future__ import annotations

import functools
import http.server
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOST = "127.0.0.1"


def page_urls(site: Path) -> list[str]:
    """Every page in the built sitemap, as published (absolute URLs)."""
    tree = ET.parse(site / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [loc.text or "" for loc in tree.getroot().iterfind("s:url/s:loc", namespace)]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under its published prefix, as GitHub Pages does, and stays quiet."""

    prefix = "/"
    published = ""

    def translate_path(self, path: str) -> str:
        route = urlsplit(path).path
        if not route.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + route.removeprefix(self.prefix))

    def do_GET(self) -> None:
        # Material's instant navigation only follows links listed in the sitemap,
        # matched with the port included; point it at this server, as `mkdocs serve` does.
        if urlsplit(self.path).path != self.prefix + "sitemap.xml":
            return super().do_GET()
        local = f"http://{HOST}:{self.server.server_address[1]}{self.prefix}"
        body = Path(self.translate_path(self.path)).read_bytes()
        body = body.replace(self.published.encode(), local.encode())
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve site on 127.0.0.1 at a free port in a thread; yield the site's base URL."""
    published = page_urls(site)[0]
    prefix = urlsplit(published).path
    handler = functools.partial(
        type("Handler", (_Handler,), {"prefix": prefix, "published": published}),
        directory=str(site),
    )
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
