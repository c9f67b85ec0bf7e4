"""Helpers for the browser tests: find Chromium, serve the built site, watch a page."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The server and browser flags are shared with scripts/make_pdf.py.
from site_server import CHROMIUM, CHROMIUM_ARGS, HOST, page_urls, serve  # noqa: F401


def require_chromium() -> str:
    """Debian's Chromium path; skip without it, except in CI, where a missing browser fails."""
    message = (
        f"the browser tests need Debian's Chromium at {CHROMIUM}: "
        "install it with `sudo apt-get install chromium`"
    )
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@contextmanager
def launched_chromium() -> Iterator:
    """One headless Chromium (never a browser Playwright downloads), closed afterwards."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def local_pages(site: Path) -> list[str]:
    """Every page's path under the published prefix, home first, plus the 404 page."""
    prefix = urlsplit(page_urls(site)[0]).path
    paths = [urlsplit(url).path.removeprefix(prefix) for url in page_urls(site)]
    return [*paths, "404.html"]


@dataclass
class PageWatch:
    """What a page did while it loaded: errors, failed and foreign requests, responses."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    responses: list = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every error the page raised, one line each."""
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"failed request: {m}" for m in self.failed_requests),
            *(f"request to another host: {m}" for m in self.foreign_requests),
        ]

    def gzip_bytes(self) -> int:
        """Total size of every response body the page loaded, gzip-compressed."""
        total = 0
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # a redirect or a body the browser already dropped
                continue
            total += len(gzip.compress(body, compresslevel=6, mtime=0))
        return total


def watch(context) -> PageWatch:
    """Record a browser context's errors and requests; block any request off 127.0.0.1."""
    seen = PageWatch()

    def route(route) -> None:
        if urlsplit(route.request.url).hostname == HOST or route.request.url.startswith("data:"):
            route.continue_()
        else:
            seen.foreign_requests.append(route.request.url)
            route.abort()

    def on_response(response) -> None:
        if response.status >= 400:
            seen.failed_requests.append(f"{response.status} {response.url}")
        else:
            seen.responses.append(response)

    def on_failed(request) -> None:
        if urlsplit(request.url).hostname == HOST:
            seen.failed_requests.append(f"{request.failure} {request.url}")

    def on_console(message) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    context.route("**/*", route)
    context.on("response", on_response)
    context.on("requestfailed", on_failed)
    context.on("console", on_console)
    context.on("weberror", lambda error: seen.page_errors.append(str(error.error)))
    return seen


# Formulas are drawn at build time, so they are in the page as soon as its
# content is; after instant navigation that content is swapped in by script.
MATH_DRAWN = """() => [...document.querySelectorAll('.md-content .arithmatex')]
  .every((el) => el.querySelector('mjx-container > svg'))"""


def wait_for_math(page) -> None:
    """Wait until every formula in the page's content holds its drawing."""
    page.wait_for_function(MATH_DRAWN)


# Text a reader sees in the page's content, outside code, scripts and rendered math.
VISIBLE_TEXT = """() => {
  const root = document.querySelector('.md-content') || document.body;
  const skip = 'pre, code, kbd, script, style, textarea, mjx-container, .mask-explorer';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility({ visibilityProperty: true })) continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}"""

# Every image on the page, after waiting for any still loading.
IMAGES = """async () => {
  const images = [...document.images];
  for (const img of images) img.loading = 'eager';
  await Promise.all(images.map((img) => img.complete ? null :
    new Promise((resolve) => { img.onload = img.onerror = resolve; })));
  return images.map((img) => ({
    src: img.currentSrc || img.src,
    alt: (img.getAttribute('alt') || '').trim(),
    width: img.naturalWidth,
  }));
}"""


def math_counts(page) -> dict[str, int]:
    """How many formulas the page marks, and how many hold a drawing."""
    return page.evaluate(
        """() => ({
          marked: document.querySelectorAll('.md-content .arithmatex').length,
          unrendered: [...document.querySelectorAll('.md-content .arithmatex')]
            .filter((el) => !el.querySelector('mjx-container > svg')).length,
          rendered: document.querySelectorAll('.md-content mjx-container').length,
        })"""
    )


# Every formula a reader can see (closed <details> opened first), whose box or
# drawing is 4 px or less across or high: a formula shrunk out of sight.
TINY_MATH = """() => {
  for (const details of document.querySelectorAll('.md-content details')) details.open = true;
  const tiny = [];
  for (const math of document.querySelectorAll('.md-content mjx-container')) {
    if (!math.checkVisibility()) continue;  // in a tab that is not selected
    for (const el of [math, math.querySelector('svg')]) {
      const box = el.getBoundingClientRect();
      if (box.width <= 4 || box.height <= 4) {
        tiny.push(`${el.tagName} ${box.width}x${box.height}: ` +
          (math.querySelector('math')?.textContent ?? '').slice(0, 60));
      }
    }
  }
  return {
    seen: [...document.querySelectorAll('.md-content mjx-container')]
      .filter((el) => el.checkVisibility()).length,
    tiny,
  };
}"""
