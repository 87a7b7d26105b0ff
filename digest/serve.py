"""`digest serve`: the built site on 127.0.0.1, rebuilt when its inputs change.

Three kinds of thread share one `_Preview`:

- the HTTP server's (one per request), which serves files from inside the output folder only,
  looked up by path on every request: each build swaps a new folder in under the same name;
- two watchers (watchfiles): one on the content and templates folders, one on the folders that
  hold site.toml, content/ and templates/ (so that an editor's save-by-rename, or a templates
  folder made later, is seen). The output folder is never watched: writing it must not start
  another build;
- the builder, which rebuilds after a change and then bumps the build counter.

Pages reload themselves: every HTML response (never the file on disk) gets a small script that
polls `/__digest__/build` once a second and reloads the page when the counter changes.
"""

from __future__ import annotations

import errno
import io
import os
import re
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse
import webbrowser
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import watchfiles

from digest.build import build
from digest.config import CONFIG_FILE, Config, load_config
from digest.errors import DigestError, count, printable

HOST = "127.0.0.1"
BUILD_ENDPOINT = "/__digest__/build"
"""Answers the build counter as text; the reload script polls it."""
_RESERVED = "/__digest__/"
SCRIPT_ID = "digest-serve-reload"
_RELOAD_SCRIPT = f"""<script id="{SCRIPT_ID}">/* digest serve: reloads the page when the site is rebuilt */
(function () {{
  var seen = "__BUILD__";
  function poll() {{
    fetch("{BUILD_ENDPOINT}", {{cache: "no-store"}})
      .then(function (r) {{ return r.ok ? r.text() : seen; }})
      .then(function (build) {{ if (build !== seen) {{ location.reload(); }} else {{ setTimeout(poll, 1000); }} }},
            function () {{ setTimeout(poll, 1000); }});
  }}
  setTimeout(poll, 1000);
}})();
</script>
"""
"""Put before `</body>` of every HTML response (__BUILD__: the build the page comes from)."""


def serve(
    config_path: Path | None,
    port: int = 8000,
    *,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Build the site, serve it on http://127.0.0.1:PORT/ (0: any free port) and rebuild it when
    the content, the templates or site.toml change, until Ctrl-C or `stop` is set.

    `ready(url)` is called once the site is built and served. Errors before that (site.toml,
    the first build, a port in use) raise `DigestError`; errors of later builds are printed, and
    the previous site keeps being served."""
    stop = stop or threading.Event()
    config = load_config(config_path)
    server = _bind(port)
    try:
        result = build(config)
        preview = _Preview(config_path, config)
        if warning := result.cache_warning():
            _say(warning)
        _say(_summary(result.summary.diagnostics, result.pages, result.seconds, "built"))
        server.RequestHandlerClass = _handler(preview)
        threads = [
            threading.Thread(target=server.serve_forever, args=(0.1,), name="digest-serve-http", daemon=True),
            *preview.threads(),
        ]
        for thread in threads:
            thread.start()
        try:
            preview.wait_watching(timeout=10)
            url = f"http://{HOST}:{server.server_address[1]}/"
            if ready is not None:
                ready(url)
            if open_browser:
                webbrowser.open(url)
            while not stop.wait(0.25):
                pass
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a preview ends
        finally:
            preview.halt()
            if threads[0].is_alive():
                server.shutdown()
            for thread in threads:
                thread.join()
    finally:
        server.server_close()


def _bind(port: int) -> ThreadingHTTPServer:
    """The server, listening on 127.0.0.1 only; the handler is set once the site is built."""
    try:
        return _Server((HOST, port), SimpleHTTPRequestHandler)
    except OverflowError as exc:
        raise DigestError(f"error: port {port} does not exist\n  hint: choose one from 1 to 65535") from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DigestError(f"error: port {port} is in use\n  hint: choose another with --port") from exc
        if exc.errno == errno.EACCES:
            hint = "ports below 1024 need privileges; choose another with --port, e.g. --port 8000"
            raise DigestError(f"error: port {port} may not be used: {exc.strerror}\n  hint: {hint}") from exc
        raise DigestError(
            f"error: cannot serve on {HOST}:{port}: {exc.strerror}\n  hint: choose another port with --port"
        ) from exc


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name, which can take seconds: not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the browser went away mid-answer
            return
        super().handle_error(request, client_address)


_EDITOR_FILE = re.compile(r"^[.#~]|[~#]$|\.(tmp|bak|swp|swx|sw[a-p]|kate-swp)$|^4913$", re.IGNORECASE)
"""Names editors give their temporary and backup files (`.#x.md`, `#x.md#`, `x.md~`, `x.md.tmp`,
`.x.md.swp`, `4913`, `~$x.md`): no reason to rebuild, nor to name as changed. The build skips
names that start with `.` in any case."""


def editor_file(name: str) -> bool:
    """Whether a file called `name` is an editor's temporary or backup file."""
    return bool(_EDITOR_FILE.search(name))


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _summary(diagnostics: Iterable[Any], pages: int, seconds: float, done: str) -> str:
    found = list(diagnostics)
    for diagnostic in found:
        if diagnostic.severity == "error":
            _say(str(diagnostic))
    errors, warnings = count(found, "error"), count(found, "warning")
    problems = f" ({errors} input errors, {warnings} warnings; `digest check` lists them)" if errors or warnings else ""
    return f"{done} {pages} pages in {seconds:.2f} s{problems}"


class _Preview:
    """What the server, the watchers and the builder share."""

    def __init__(self, config_path: Path | None, config: Config) -> None:
        self.config_path = config_path
        self.site_file = Path(os.path.abspath(config_path or CONFIG_FILE))
        self.config = config
        self.output = os.path.realpath(config.output)
        """The folder served, by path: each build puts a new folder there."""
        self.build = 1
        """Bumped after each build that wrote the site; pages reload when it changes."""
        self._lock = threading.Lock()
        self._halted = threading.Event()
        self._dirty = threading.Event()
        self._changed: set[str] = set()
        self._runs: dict[str, threading.Event] = {}
        self._catch_up: set[str] = set()
        self._started = {kind: threading.Event() for kind in ("trees", "tops")}
        self._trees_key = self._trees_identity()
        self._wanted = watchfiles.DefaultFilter()  # True for files worth a rebuild (not editor droppings)
        self._complaint = ""

    # --- threads -----------------------------------------------------------------------------

    def threads(self) -> list[threading.Thread]:
        return [
            threading.Thread(target=self._watching, args=("trees",), name="digest-serve-watch", daemon=True),
            threading.Thread(target=self._watching, args=("tops",), name="digest-serve-watch-top", daemon=True),
            threading.Thread(target=self._building, name="digest-serve-build", daemon=True),
        ]

    def wait_watching(self, timeout: float) -> None:
        """Return once both watchers watch (so that a change made from now on is seen)."""
        deadline = time.monotonic() + timeout
        for started in self._started.values():
            started.wait(max(0.0, deadline - time.monotonic()))

    def halt(self) -> None:
        with self._lock:
            self._halted.set()
            for run in self._runs.values():
                run.set()
        self._dirty.set()

    # --- watching ----------------------------------------------------------------------------

    def _trees(self) -> list[Path]:
        """The folders watched with everything under them: content and templates, if they exist."""
        folders: list[Path] = []
        for folder in (self.config.content, self.config.templates):
            absolute = Path(os.path.abspath(folder))
            if absolute.is_dir() and absolute not in folders:
                folders.append(absolute)
        return folders

    def _tops(self) -> dict[str, Path]:
        """The names watched in their parent folder (their creation, removal or replacement)."""
        names = (self.site_file, self.config.content, self.config.templates)
        return {os.path.abspath(name): Path(os.path.abspath(name)).parent for name in names}

    def _trees_identity(self) -> list[tuple[str, int, int]]:
        identity = []
        for folder in self._trees():
            try:
                status = folder.stat()
            except OSError:
                continue
            identity.append((str(folder), status.st_dev, status.st_ino))
        return identity

    def _watching(self, kind: str) -> None:
        """Watch until halted; start again (on new folders) when the builder asks."""
        while True:
            wanted: Callable[[watchfiles.Change, str], bool]
            with self._lock:
                if self._halted.is_set():
                    return
                run = self._runs[kind] = threading.Event()
                catch_up = kind in self._catch_up
                self._catch_up.discard(kind)
                if kind == "trees":
                    paths, recursive, wanted = self._trees(), True, self._in_tree
                else:
                    tops = self._tops()
                    paths = sorted({p for p in tops.values() if p.is_dir()})
                    recursive = False
                    wanted = self._top_filter(set(tops))
            if not paths:
                self._started[kind].set()
                run.wait()
                continue
            first = True
            try:
                for changes in watchfiles.watch(
                    *paths, watch_filter=wanted, recursive=recursive, stop_event=run, raise_interrupt=False,
                    rust_timeout=200, yield_on_timeout=True,
                ):  # fmt: skip
                    if first:  # the first answer (at the latest a timeout) comes once the watch is set up
                        first = False
                        self._started[kind].set()
                        if catch_up:  # watching again: what changed while no one watched is built now
                            self._mark({str(p) for p in paths})
                    if changes:
                        self._mark({path for _, path in changes})
            except Exception as exc:  # a folder removed under the watcher, too many watches, …
                self._started[kind].set()
                complaint = f"warning: cannot watch for changes ({printable(str(exc))}); trying again"
                if not run.is_set() and complaint != self._complaint:
                    self._complaint = complaint
                    _say(complaint)
                run.wait(1.0)

    def _in_tree(self, change: watchfiles.Change, path: str) -> bool:
        """A change in content/ or templates/ that matters: not an editor's swap file, nor the
        output folder when it lives inside one of them."""
        if not self._wanted(change, path) or editor_file(os.path.basename(path)):
            return False
        for output in {self.output, os.path.abspath(self.config.output)}:
            name = os.path.basename(output)
            if path == output or path.startswith(output + os.sep):
                return False
            if os.path.basename(path).startswith((f".{name}.tmp-", f".{name}.old-")):  # a build's staging
                return False
        return True

    @staticmethod
    def _top_filter(names: set[str]) -> Callable[[watchfiles.Change, str], bool]:
        return lambda change, path: os.path.abspath(path) in names

    def _mark(self, paths: set[str]) -> None:
        with self._lock:
            self._changed |= paths
        self._dirty.set()

    # --- building ----------------------------------------------------------------------------

    def _building(self) -> None:
        while True:
            self._dirty.wait()
            if self._halted.is_set():
                return
            self._dirty.clear()
            with self._lock:
                changed, self._changed = self._changed, set()
            try:
                self._rebuild(changed)
            except Exception:  # a bug: say so, and keep the preview running
                _say("error: the rebuild failed:\n" + traceback.format_exc().rstrip())
            self._follow_folders()

    def _rebuild(self, changed: set[str]) -> None:
        what = ", ".join(sorted(self._shown(p) for p in changed)) or "the site"
        try:
            config = load_config(self.config_path)
            result = build(config, jobs=1)  # no worker processes forked from a threaded server
        except DigestError as exc:
            _say(f"{exc}\n  (after a change to {what}: the previous site is still served)")
            return
        with self._lock:
            self.config = config
            self.output = os.path.realpath(result.output)
            self.build += 1
        if warning := result.cache_warning():
            _say(warning)
        _say(_summary(result.summary.diagnostics, result.pages, result.seconds, f"rebuilt ({what} changed):"))

    def _follow_folders(self) -> None:
        """Watch the content and templates folders anew when they were made, removed, replaced
        or moved by site.toml."""
        with self._lock:
            if self._halted.is_set():
                return
            key = self._trees_identity()
            if key == self._trees_key:
                return
            self._trees_key = key
            self._catch_up.add("trees")
            run = self._runs.get("trees")
            self._runs.pop("trees", None)
            tops = self._runs.pop("tops", None)
        for event in (run, tops):
            if event is not None:
                event.set()

    def _shown(self, path: str) -> str:
        try:
            shown = os.path.relpath(path, self.config.root)
        except ValueError:
            shown = path
        return printable(shown if not shown.startswith("..") else path)

    # --- serving -----------------------------------------------------------------------------

    def reload_script(self) -> str:
        return _RELOAD_SCRIPT.replace("__BUILD__", str(self.build))


def _inject(page: bytes, script: str) -> bytes:
    """`page` with `script` before its last `</body>` (or at its end)."""
    at = page.lower().rfind(b"</body>")
    data = script.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


def _handler(preview: _Preview) -> type[SimpleHTTPRequestHandler]:
    class Handler(_PreviewHandler):
        site = preview

    return Handler


class _PreviewHandler(SimpleHTTPRequestHandler):
    """Files from inside the output folder, HTML with the reload script; no folder listings."""

    site: _Preview
    server_version = "digest-serve"
    default_request_version = "HTTP/1.0"  # so a request too malformed to parse gets a status line

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=self.site.output, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per build is enough

    def end_headers(self) -> None:
        # A request too malformed to parse (no request line, a path too long) is answered with
        # its error, 400 or 414, before it has a path.
        path = getattr(self, "path", "")
        self.send_header("Cache-Control", "no-store" if path.startswith(_RESERVED) else "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # An error page reloads too: the page asked for may be there after the next build.
        self.error_message_format = _inject(
            self.error_message_format.encode("utf-8"), self.site.reload_script().replace("%", "%%")
        ).decode("utf-8")
        super().send_error(code, message, explain)

    def do_GET(self) -> None:
        if self._answer_build():
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._answer_build(head=True):
            return
        super().do_HEAD()

    def _answer_build(self, head: bool = False) -> bool:
        if urllib.parse.urlsplit(self.path).path != BUILD_ENDPOINT:
            return False
        body = str(self.site.build).encode("ascii")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        return True

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")

    def send_head(self) -> BinaryIO | None:
        self.directory = root = self.site.output  # the current build's folder, not the one of the last request
        request = urllib.parse.urlsplit(self.path).path
        try:
            path = self.translate_path(self.path)
            real = os.path.realpath(path)
            if request.startswith(_RESERVED) or not (real == root or real.startswith(root + os.sep)):
                raise FileNotFoundError(path)
            if os.path.isdir(real):
                if not os.path.isfile(os.path.join(real, "index.html")):
                    raise FileNotFoundError(path)
                if not request.endswith("/"):  # relative links in the folder's page need the slash
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                    self.send_header("Location", "/" + request.lstrip("/") + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                real = os.path.join(real, "index.html")
            elif path.endswith("/"):
                raise FileNotFoundError(path)
            file = open(real, "rb")  # noqa: SIM115 (the caller copies it out, then closes it)
        except (OSError, ValueError):  # not there, not inside, a NUL in the name
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        with_file: BinaryIO = file
        try:
            kind = self.guess_type(real)
            if kind.startswith("text/"):
                kind += "; charset=utf-8"
            if real.endswith((".html", ".htm")):
                body = _inject(file.read(), self.site.reload_script())
                file.close()
                with_file = io.BytesIO(body)
                size = len(body)
            else:
                size = os.fstat(file.fileno()).st_size
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            return with_file
        except BaseException:
            with_file.close()
            file.close()
            raise


__all__ = ["BUILD_ENDPOINT", "HOST", "serve"]
