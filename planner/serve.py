"""The feed server: an ASGI app (Starlette) serving each runner's plan.ics and plan.html under a secret token.

``GET|HEAD /feeds/<token>.ics``  the iCalendar feed: strong ETag from the body, ``If-None-Match`` -> 304 (it wins
                                 over ``If-Modified-Since``), Last-Modified from the calendar's own LAST-MODIFIED,
                                 which the plan moves whenever the file changes.
``GET|HEAD /plans/<token>/``     the HTML plan, and ``/plans/<token>/plan.ics`` its "Download plan.ics" link.

Anything else, an unknown token, or a path that tries to leave the folder gets the same bare 404; other methods on
those routes get 405. Nothing in a response tells which runners exist. Tokens are looked up in DIR/feeds.json,
re-read whenever it changes, so a rotated token stops working at once. No path is ever built from the request: a
token only selects a folder found when the manifest was read.

Last-Modified is never later than the response's Date (RFC 9110 8.8.2.1): a plan generated "in the future" by this
server's clock is sent with Last-Modified = Date, while If-Modified-Since is still compared with the plan's own
time, so such a feed is sent whole until the clock reaches it, never answered 304 for a body the client has not
seen. The app sends Date itself, from the same clock (``server_config`` turns uvicorn's own Date off).

Writers replace plan files atomically (temp file + rename), and each request reads a file once, through one open
file descriptor, so a regeneration while serving never serves half a file. Bodies are cached by (inode, mtime_ns,
size): a rename gives a new inode, so a replaced file is never mistaken for the cached one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .feeds import MANIFEST_NAME, TOKEN_PATTERN, FeedError, find_plans, list_feeds, load_tokens

log = logging.getLogger(__name__)

MEDIA_TYPES = {".ics": b"text/calendar; charset=utf-8", ".html": b"text/html; charset=utf-8"}
# Feeds are secrets: no shared cache may keep them, and clients revalidate (a 304 costs next to nothing).
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"private, no-cache"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # links out of plan.html must not carry the token in the Referer
)
_LAST_MODIFIED = re.compile(rb"^LAST-MODIFIED:(\d{8}T\d{6}Z)\r?$", re.MULTILINE)
_COMPONENT = re.compile(rb"\nBEGIN:", re.IGNORECASE)


@dataclass(frozen=True)
class Served:
    """A file as served: its body, the validators computed from it, and its response headers, all made once."""

    key: tuple[int, int, int]  # (inode, mtime_ns, size) of the file this body was read from
    body: bytes
    etag: str
    last_modified: dt.datetime | None
    headers_304: list[tuple[bytes, bytes]]
    headers_200: list[tuple[bytes, bytes]]
    modified_second: int | None = None  # last_modified as Unix seconds, to compare with the clock

    @classmethod
    def of(cls, key: tuple[int, int, int], body: bytes, media_type: bytes,
           last_modified: dt.datetime | None) -> "Served":
        etag = strong_etag(body)
        validators = [*COMMON_HEADERS, (b"etag", etag.encode("ascii"))]
        if last_modified is not None:
            validators.append((b"last-modified", email.utils.format_datetime(last_modified, usegmt=True).encode()))
        full = [*validators, (b"content-type", media_type), (b"content-length", str(len(body)).encode())]
        second = int(last_modified.timestamp()) if last_modified is not None else None
        return cls(key, body, etag, last_modified, validators, full, second)

    def headers(self, status: int, now: int, date: bytes) -> list[tuple[bytes, bytes]]:
        """The response headers at Unix second ``now`` (HTTP-date ``date``): Last-Modified no later than Date."""
        headers = self.headers_304 if status == 304 else self.headers_200
        if self.modified_second is None or self.modified_second <= now:
            return headers
        return [(name, date if name == b"last-modified" else value) for name, value in headers]


class Clock:
    """The wall clock in whole seconds, with its HTTP-date formatted once a second (the Date header)."""

    def __init__(self) -> None:
        self._second = -1
        self._date = b""

    def now(self) -> tuple[int, bytes]:
        second = int(time.time())
        if second != self._second:
            self._date = email.utils.formatdate(second, usegmt=True).encode("ascii")
            self._second = second
        return second, self._date


class DateHeader:
    """ASGI middleware: every response carries Date from ``clock``, the one Last-Modified is held to."""

    def __init__(self, app, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clock = self.clock

        async def send_dated(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(b"date", clock.now()[1]), *message.get("headers", ())]}
            await send(message)

        await self.app(scope, receive, send_dated)


class _Prepared(Response):
    """A response from headers encoded when the file was read: the hot path formats nothing."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status_code
        self.raw_headers = raw_headers
        self.body = body
        self.background = None


def strong_etag(body: bytes) -> str:
    """A strong ETag: 128 bits of the body's SHA-256, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _ics_last_modified(body: bytes) -> dt.datetime | None:
    """The calendar's own LAST-MODIFIED in a plan.ics (RFC 7986; render_ical moves it whenever anything in the
    file changes), or None when it has none.

    Only the calendar's properties, before its first component, are looked at: the events' LAST-MODIFIED say when
    each event changed, and an event removed or a calendar property changed leaves the newest of them as it was.
    A file without the calendar's stamp (written before planner had it) gets no Last-Modified at all rather than
    one that could answer 304 for a changed body; its strong ETag still revalidates it.
    """
    found = _COMPONENT.search(body, 1)  # the file starts with BEGIN:VCALENDAR; its first component ends the header
    match = _LAST_MODIFIED.search(body, 0, found.start() if found else len(body))
    if match is None:
        return None
    return dt.datetime.strptime(match.group(1).decode("ascii"), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)


def _plan_generated_at(folder: Path) -> dt.datetime | None:
    """``generated_at`` of the plan.json in ``folder``, or None when it cannot be read."""
    try:
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        stamp = dt.datetime.fromisoformat(str(data["generated_at"]).replace("Z", "+00:00"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc).replace(microsecond=0)


class FileCache:
    """Bodies of served files, re-read only when the file behind the path changed."""

    def __init__(self) -> None:
        self._entries: dict[str, Served] = {}

    def get(self, path: str) -> Served | None:
        """The file at ``path`` (a plan.ics or plan.html) as served, or None when it cannot be read."""
        try:
            st = os.stat(path)
        except OSError:
            self._entries.pop(path, None)
            return None
        cached = self._entries.get(path)
        if cached is not None and cached.key == (st.st_ino, st.st_mtime_ns, st.st_size):
            return cached
        try:
            with open(path, "rb") as handle:  # one descriptor: the body and its key come from the same file
                st = os.fstat(handle.fileno())
                body = handle.read()
        except OSError:
            return None
        suffix = os.path.splitext(path)[1]
        if suffix == ".ics":
            last_modified = _ics_last_modified(body)
        else:
            last_modified = _plan_generated_at(Path(path).parent)
        served = Served.of((st.st_ino, st.st_mtime_ns, st.st_size), body, MEDIA_TYPES[suffix], last_modified)
        self._entries[path] = served
        return served


class FeedIndex:
    """Token -> plan folder, rebuilt whenever DIR/feeds.json changes (a rotation, a batch adding runners)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self._manifest = self.out_dir / MANIFEST_NAME
        self._key: tuple[int, int, int] | None = None
        self._folders: dict[str, str] = {}

    def folder(self, token: str) -> str | None:
        """The folder whose plan the token opens, or None."""
        try:
            st = os.stat(self._manifest)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if key != self._key:
            self._folders = self._load()
            self._key = key
        return self._folders.get(token)

    def _load(self) -> dict[str, str]:
        try:
            tokens = load_tokens(self.out_dir)
            plans = find_plans(self.out_dir)
        except FeedError as exc:
            # fail closed: with a damaged manifest no token is trusted until it is fixed
            log.warning("serving no feeds: %s", exc)
            return {}
        return {token: str(plans[athlete_id]) for athlete_id, token in tokens.items() if athlete_id in plans}


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored; ``*`` matches."""
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _not_modified(request: Request, served: Served) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # when both are sent, If-None-Match decides (RFC 9110 13.2.2)
        return _etag_matches(match, served.etag)
    since = request.headers.get("if-modified-since")
    if since and served.last_modified is not None:
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return served.last_modified <= when
    return False


def _respond(request: Request, served: Served, clock: Clock) -> Response:
    # If-Modified-Since is compared with the plan's own time, even when Last-Modified is clamped to Date: a client
    # holding a clamped date from an earlier response then never gets 304 for a body changed within that second
    now, date = clock.now()
    if _not_modified(request, served):
        return _Prepared(304, served.headers(304, now, date), b"")
    return _Prepared(200, served.headers(200, now, date), b"" if request.method == "HEAD" else served.body)


def create_app(out_dir: Path) -> Starlette:
    """The ASGI app serving the plans under ``out_dir`` (a runner's folder or a batch folder).

    Tokens come from ``out_dir/feeds.json``; plans without a token there are not served (``list_feeds`` or
    ``run_server`` issue tokens). Nothing is read at import or creation time, so the app may start before the plans
    are written. The app sends the Date header itself: run it with the server's own Date off (``server_config``).
    """
    index = FeedIndex(Path(out_dir))
    cache = FileCache()
    clock = Clock()

    def lookup(token: str, filename: str) -> Served:
        folder = index.folder(token) if TOKEN_PATTERN.match(token) else None
        served = cache.get(os.path.join(folder, filename)) if folder is not None else None
        if served is None:
            raise HTTPException(404)
        return served

    async def feed(request: Request) -> Response:
        name: str = request.path_params["name"]
        if not name.endswith(".ics"):
            raise HTTPException(404)
        return _respond(request, lookup(name[:-4], "plan.ics"), clock)

    async def plan_page(request: Request) -> Response:
        return _respond(request, lookup(request.path_params["token"], "plan.html"), clock)

    async def plan_download(request: Request) -> Response:
        # the page's "Download plan.ics" link is relative: it lands here
        return _respond(request, lookup(request.path_params["token"], "plan.ics"), clock)

    async def bare_error(request: Request, exc: Exception) -> Response:
        # the same short body for every 404 and 405, whatever was asked for
        status = getattr(exc, "status_code", 404)
        headers = {k.decode(): v.decode() for k, v in COMMON_HEADERS}
        headers.update(getattr(exc, "headers", None) or {})
        text = "Method Not Allowed" if status == 405 else "Not Found"
        return PlainTextResponse(text, status_code=status if status in (404, 405) else 404, headers=headers)

    routes = [
        Route("/feeds/{name}", feed, methods=["GET", "HEAD"]),
        Route("/plans/{token}/", plan_page, methods=["GET", "HEAD"]),
        Route("/plans/{token}/plan.ics", plan_download, methods=["GET", "HEAD"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: bare_error},
                     middleware=[Middleware(DateHeader, clock=clock)])


def server_config(out_dir: Path, **overrides):
    """uvicorn's Config for the app serving ``out_dir``: access log off (request lines would write the secret tokens
    to the log), uvicorn's Server and Date headers off (the app sends Date from the clock Last-Modified is held to;
    uvicorn's, updated once a second, could be older)."""
    import uvicorn

    options = {"access_log": False, "log_level": "warning", "lifespan": "off", "server_header": False,
               "date_header": False, **overrides}
    return uvicorn.Config(create_app(Path(out_dir)), **options)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port. Raises FeedError with what to do when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise FeedError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = "; another program uses that port: pick another with --port" if exc.errno == 98 else ""
        raise FeedError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None
    sock.set_inheritable(True)
    return sock


def run_server(out_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the plans under ``out_dir`` until interrupted (Ctrl-C, after which it returns normally).

    Issues feed tokens to plans that have none, binds host:port, and runs uvicorn with access logs off (request
    lines would write the secret tokens to the log).

    Raises:
        FeedError: no plans under ``out_dir``, a damaged manifest, or the address cannot be bound.
    """
    import uvicorn

    list_feeds(Path(out_dir))  # fails early, with a message, when there is nothing to serve
    sock = bind(host, port)
    config = server_config(Path(out_dir))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly and re-raised Ctrl-C for us: stopping is the normal way out
    finally:
        sock.close()
