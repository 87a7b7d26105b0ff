"""`digest serve`: the built site on 127.0.0.1, rebuilt on change, reloading the open page."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from digest.errors import DigestError
from digest.serve import BUILD_ENDPOINT, SCRIPT_ID, editor_file, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage

PAPER = "papers/2310.00212.html"
DIGEST_FILE = Path("content/arxiv/2023-10-03/cs.CL.md")
OLD_TITLE = "Pairwise Proximal Policy Optimization"
NEW_TITLE = "Zebra Proximal Policy Optimization"
TIMEOUT = 15.0


@dataclass
class Running:
    site: Path
    url: str
    stop: threading.Event
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def get(self, path: str) -> tuple[int, str]:
        """Status and text of a GET; the path is sent as it is (no normalising)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def page(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            assert response.status == 200
            text: str = response.read().decode("utf-8")
            return text

    def build(self) -> str:
        with urllib.request.urlopen(self.url + BUILD_ENDPOINT.lstrip("/"), timeout=5) as response:
            assert response.headers["Cache-Control"] == "no-store"
            text: str = response.read().decode("ascii")
            return text

    def until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            assert time.monotonic() < deadline, f"not within {TIMEOUT} s: {what}"
            time.sleep(0.1)


@pytest.fixture
def running(seed_site: Path) -> Iterator[Running]:
    """`digest serve` on a free port, in a thread, stopped at the end of the test."""
    urls: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve(seed_site / "site.toml", port=0, ready=urls.append, stop=stop)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="test-serve")
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not urls:
        assert not errors, errors
        assert time.monotonic() < deadline, "the server did not become ready"
        time.sleep(0.05)
    server = Running(seed_site, urls[0], stop, thread, errors)
    try:
        yield server
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "serve() did not return after stop.set()"
    assert not errors, errors


def test_serves_the_built_site_with_the_reload_script(running: Running) -> None:
    assert running.url.startswith("http://127.0.0.1:")
    for path in ("", "index.html", PAPER):
        html = running.page(path)
        assert f'<script id="{SCRIPT_ID}">' in html
        assert BUILD_ENDPOINT in html
        assert html.index(SCRIPT_ID) < html.rindex("</body>")
    assert OLD_TITLE in running.page(PAPER)
    assert running.build() == "1"
    with urllib.request.urlopen(running.url + "assets/style.css", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/css")
        assert SCRIPT_ID.encode() not in response.read()
    # The pages on disk are the site as published: no script of the server's.
    on_disk = (running.site / "public" / "index.html").read_text(encoding="utf-8")
    assert SCRIPT_ID not in on_disk
    assert BUILD_ENDPOINT not in on_disk


def test_a_changed_content_file_is_rebuilt_and_served(running: Running) -> None:
    file = running.site / DIGEST_FILE
    text = file.read_text(encoding="utf-8")
    assert text.count(OLD_TITLE) >= 2  # the table row and the block's title line
    file.write_text(text.replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    running.until(lambda: NEW_TITLE in running.page(PAPER), "the new title served")
    # The new site is served as soon as it is swapped in; the counter moves right after.
    running.until(lambda: running.build() != "1", "the build counter moved, so open pages reload")
    assert OLD_TITLE not in running.page(PAPER)


def test_a_new_template_override_is_rebuilt_and_served(running: Running) -> None:
    templates = running.site / "templates"
    assert not templates.exists()  # made while serving: the watcher must pick the folder up
    templates.mkdir()
    (templates / "home.html").write_text(
        "<!doctype html><html><body><h1>A home of our own</h1></body></html>\n", encoding="utf-8"
    )
    running.until(lambda: "A home of our own" in running.page("index.html"), "the template override served")
    home = running.page("index.html")
    assert SCRIPT_ID in home
    # An edit to the override, now that the folder is watched, is served too.
    (templates / "home.html").write_text("<html><body><h1>Edited again</h1></body></html>\n", encoding="utf-8")
    running.until(lambda: "Edited again" in running.page("index.html"), "the edited override served")


def test_site_toml_changes_rebuild_and_a_broken_one_keeps_the_site(
    running: Running, capsys: pytest.CaptureFixture[str]
) -> None:
    config = running.site / "site.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('title = "Paper digest"', 'title = "Preview digest"'), encoding="utf-8")
    running.until(lambda: "Preview digest" in running.page("index.html"), "the new site title served")
    running.until(lambda: running.build() != "1", "the build counter moved")
    build = running.build()
    config.write_text(text + "\nnot a setting = \n", encoding="utf-8")  # a broken site.toml
    running.until(lambda: "site.toml" in capsys.readouterr().err, "the error printed")
    assert running.build() == build  # no new build: the page does not reload
    assert "Preview digest" in running.page("index.html")  # the previous site is still served


def test_only_files_inside_the_output_folder_are_served(running: Running) -> None:
    public = running.site / "public"
    (running.site / "secret.txt").write_text("do not serve\n", encoding="utf-8")
    os.symlink(running.site / "secret.txt", public / "link.txt")
    os.symlink(running.site, public / "up")
    for path in (
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E/%2e%2e/site.toml",
        "/..%2fsite.toml",
        "/link.txt",
        "/up/secret.txt",
        "/up/",
        "/papers/",  # a folder without index.html: no listing
        "/papers",
        "/nothing-here.html",
        "/index.html%00.txt",
        "/__digest__/other",
    ):
        status, body = running.get(path)
        assert status in (400, 404), path
        assert "do not serve" not in body and "page_size" not in body, path
    status, body = running.get("/index.html?q=1")
    assert status == 200 and SCRIPT_ID in body


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GARBAGE", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414),
        (b"GET / HTTP/9.9", 505),
        (b"GET /\x00 HTTP/1.1", 404),
    ],
    ids=["garbage", "long-path", "version", "nul"],
)
def test_a_malformed_request_is_answered_without_a_traceback(
    running: Running, capfd: pytest.CaptureFixture[str], request_line: bytes, status: int
) -> None:
    answer = b""
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as connection:
        connection.sendall(request_line + b"\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):  # the server closes before reading a long line whole
            while chunk := connection.recv(65536):
                answer += chunk
    assert re.match(rb"HTTP/1\.[01] %d " % status, answer), answer[:200]
    assert "Traceback" not in capfd.readouterr().err
    assert running.get("/index.html")[0] == 200, "and the server goes on"


def test_stop_returns_and_closes_the_port(running: Running) -> None:
    port = running.port
    started = time.monotonic()
    running.stop.set()
    running.thread.join(10)
    assert not running.thread.is_alive()
    assert time.monotonic() - started < 5
    assert not running.errors
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert not [t for t in threading.enumerate() if t.name.startswith("digest-serve")]


def test_a_port_in_use_is_an_error(seed_site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DigestError) as caught:
            serve(seed_site / "site.toml", port=port, stop=threading.Event())
    assert str(caught.value) == f"error: port {port} is in use\n  hint: choose another with --port"
    assert not (seed_site / "public").exists()  # nothing was built


def test_error_pages_reload_too(running: Running) -> None:
    """A page asked for before it exists shows up once a build makes it."""
    try:
        urllib.request.urlopen(running.url + "missing.html", timeout=5)
    except urllib.error.HTTPError as error:
        with error:
            assert error.code == 404
            assert SCRIPT_ID in error.read().decode("utf-8")
    else:
        pytest.fail("a missing page was served")


def test_ctrl_c_stops_cleanly(seed_site: Path) -> None:
    """SIGINT in the main thread (Ctrl-C): serve() returns, with no traceback."""
    program = (
        "import sys\nfrom pathlib import Path\nfrom digest.serve import serve\n"
        "serve(Path('site.toml'), 0, ready=lambda url: print(url, flush=True))\nprint('returned')\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", program], cwd=seed_site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.communicate(timeout=10)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert out.strip() == "returned"
    assert "Traceback" not in err


@pytest.mark.browser
def test_the_open_page_reloads_after_a_rebuild(running: Running, browser: Browser) -> None:
    """In a real browser: the page shows the new title by itself, with no console errors."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        problems: list[str] = []

        def note(message: ConsoleMessage) -> None:
            # The site has no favicon.ico, which a browser asks a server for (not a page on disk).
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
                problems.append(f"{message.text} ({message.location['url']})")

        tab.on("console", note)
        tab.goto(running.url + PAPER)
        assert OLD_TITLE in tab.content()
        file = running.site / DIGEST_FILE
        file.write_text(file.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
        tab.wait_for_function(f"document.body.textContent.includes({NEW_TITLE!r})", timeout=TIMEOUT * 1000)
        assert not problems, problems
    finally:
        context.close()


@pytest.mark.parametrize(
    "name", [".#cs.CL.md", "#cs.CL.md#", "cs.CL.md~", "cs.CL.md.tmp", ".cs.CL.md.swp", "4913", "~$cs.CL.md",
             ".goutputstream-ABC123", "paper.html.kate-swp", "style.css.bak"],
)  # fmt: skip
def test_an_editors_temporary_file_is_no_change(name: str) -> None:
    assert editor_file(name)


@pytest.mark.parametrize("name", ["cs.CL.md", "2023-10-03.txt", "paper.html", "style.css", "site.js", "4914"])
def test_a_digest_or_template_is_a_change(name: str) -> None:
    assert not editor_file(name)
