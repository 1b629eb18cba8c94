"""How repositories reach the vehicle: from a directory, or over HTTP.

python-tuf's ``Updater`` downloads through a ``FetcherInterface``. :class:`DirectoryFetcher`
serves ``file://`` URLs straight from a directory (the default: repositories in the data
directory), answering a missing file as HTTP 404 does, which is how the updater learns there is
no newer root. ``http://`` URLs go through python-tuf's own urllib3 fetcher.

:class:`RepositoryServer` is the other end of that network path: ``http.server`` in a thread on
127.0.0.1 (a free port), serving only the directories it is given (``mounts``), never what lies
beside them (the signing keys, the inventory).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from tuf.api.exceptions import DownloadHTTPError

from sdvkit.service.ota._tuf import FetcherInterface, Urllib3Fetcher
from sdvkit.service.ota.errors import OtaInputError

__all__ = ["DirectoryFetcher", "RepositoryServer", "directory_url", "fetcher_for"]

CHUNK_BYTES = 1 << 20
"""Read size of the directory fetcher: the updater enforces its length limit after every chunk."""


def directory_url(directory: Path) -> str:
    """The ``file://`` URL of ``directory``, with the trailing slash the updater expects."""
    return directory.resolve().as_uri() + "/"


class DirectoryFetcher(FetcherInterface):
    """Fetches ``file://`` URLs from the local file system, in chunks, 404 for a missing file."""

    def __init__(self, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.chunk_bytes = chunk_bytes

    def _fetch(self, url: str) -> Iterator[bytes]:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise OtaInputError(f"the directory fetcher reads file:// URLs, not {url}")
        path = Path(url2pathname(unquote(parsed.path)))
        try:
            file = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            raise DownloadHTTPError(f"{path} does not exist", HTTPStatus.NOT_FOUND) from error
        return self._chunks(file)

    def _chunks(self, file: IO[bytes]) -> Iterator[bytes]:
        with file:
            while chunk := file.read(self.chunk_bytes):
                yield chunk


def fetcher_for(url: str) -> FetcherInterface:
    """The fetcher for a repository URL: ``file://`` from a directory, ``http(s)://`` over the network."""
    scheme = urlparse(url).scheme
    if scheme == "file":
        return DirectoryFetcher()
    if scheme in ("http", "https"):
        return Urllib3Fetcher(app_user_agent="sdvkit-ota")
    raise OtaInputError(f"repository URL {url!r}: use file:// or http(s)://")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.server.resolve(self.path)
        if path is None or not path.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        with path.open("rb") as file:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            shutil.copyfileobj(file, self.wfile, CHUNK_BYTES)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a repository server in tests and benches should not write to stderr per request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mounts: Mapping[str, Path]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mounts = {
            "/" + prefix.strip("/") + "/": directory.resolve() for prefix, directory in mounts.items()
        }

    def resolve(self, url_path: str) -> Path | None:
        """The file a request names, if it lies inside one of the mounted directories."""
        request_path = unquote(urlparse(url_path).path)
        for prefix, directory in self.mounts.items():
            if request_path.startswith(prefix):
                candidate = (directory / request_path[len(prefix) :]).resolve()
                if candidate.is_relative_to(directory):
                    return candidate
        return None


class RepositoryServer:
    """Serves directories over HTTP on 127.0.0.1: ``{"image/metadata": path, ...}`` → ``/image/metadata/…``.

    Use as a context manager; :meth:`url` gives the base URL of a mount.
    """

    def __init__(self, mounts: Mapping[str, Path]) -> None:
        if not mounts:
            raise OtaInputError("a repository server needs at least one directory to serve")
        self._server = _Server(mounts)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ota-repository-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, mount: str) -> str:
        """The base URL of ``mount``, with a trailing slash."""
        return f"http://127.0.0.1:{self.port}/{mount.strip('/')}/"

    def start(self) -> RepositoryServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RepositoryServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
