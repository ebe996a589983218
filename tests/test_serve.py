"""The feed server over real HTTP on 127.0.0.1: 200, 304, 404, traversal, 405, rotation, atomic regeneration."""

from __future__ import annotations

import email.utils
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from ical_fixtures import ROOT, sample_plan, sample_profile, write_plan_folder
from planner.cli_feeds import serve_command
from planner.feeds import MANIFEST_NAME, ensure_tokens, list_feeds, rotate_token
from planner.serve import bind, server_config, strong_etag

RUNNERS = ("ana-lima", "ben-ode")
LATER = "2026-12-20T08:30:00Z"


class LiveServer:
    """uvicorn serving create_app(folder) in a thread, on a free loopback port."""

    def __init__(self, folder: Path):
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(server_config(folder))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def raw_request(port: int, request_line: str, headers: str = "") -> tuple[int, bytes, bytes]:
    """Send bytes exactly as given (no client-side path normalisation); returns status, header block, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(f"{request_line}\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


@pytest.fixture(scope="module")
def plans():
    profile = sample_profile()
    plan = sample_plan(profile, weeks=6)
    return profile, {r: replace(plan, athlete=replace(plan.athlete, id=r, name=r.title())) for r in RUNNERS}


@pytest.fixture
def batch(tmp_path, plans):
    profile, by_runner = plans
    for runner, plan in by_runner.items():
        write_plan_folder(tmp_path / runner, plan, profile)
    tokens = ensure_tokens(tmp_path, list(RUNNERS))
    return tmp_path, tokens


@pytest.fixture
def live(batch):
    folder, tokens = batch
    with LiveServer(folder) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield server, client, folder, tokens


# --- 200 and the headers ----------------------------------------------------------------------------------------------

def test_feed_is_served_with_type_strong_etag_and_last_modified_from_the_plan(live):
    _, client, folder, tokens = live
    response = client.get(f"/feeds/{tokens['ana-lima']}.ics")
    assert response.status_code == 200
    body = (folder / "ana-lima" / "plan.ics").read_bytes()
    assert response.content == body
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert not response.headers["etag"].startswith("W/")
    assert response.headers["last-modified"] == "Wed, 25 Nov 2026 10:00:00 GMT"  # the plan's generated_at
    assert "private" in response.headers["cache-control"]
    assert response.headers["referrer-policy"] == "no-referrer"
    other = client.get(f"/feeds/{tokens['ben-ode']}.ics")
    assert other.content == (folder / "ben-ode" / "plan.ics").read_bytes() != body


def test_head_gives_the_headers_of_get_without_the_body(live):
    _, client, _, tokens = live
    get = client.get(f"/feeds/{tokens['ana-lima']}.ics")
    head = client.head(f"/feeds/{tokens['ana-lima']}.ics")
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "last-modified", "content-type", "content-length"):
        assert head.headers[name] == get.headers[name], name
    assert int(head.headers["content-length"]) == len(get.content)


def test_plan_page_is_served_under_the_token(live):
    _, client, folder, tokens = live
    response = client.get(f"/plans/{tokens['ben-ode']}/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == (folder / "ben-ode" / "plan.html").read_bytes()
    assert response.headers["last-modified"] == "Wed, 25 Nov 2026 10:00:00 GMT"
    download = client.get(f"/plans/{tokens['ben-ode']}/plan.ics")  # the page's relative "Download plan.ics"
    assert download.status_code == 200 and download.content == (folder / "ben-ode" / "plan.ics").read_bytes()
    assert download.headers["content-type"] == "text/calendar; charset=utf-8"
    redirect = client.get(f"/plans/{tokens['ben-ode']}")
    assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith(f"/plans/{tokens['ben-ode']}/")


# --- 304 --------------------------------------------------------------------------------------------------------------

def test_matching_etag_gives_304_without_a_body(live):
    _, client, _, tokens = live
    url = f"/feeds/{tokens['ana-lima']}.ics"
    etag = client.get(url).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(url, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b"" and response.headers["etag"] == etag
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(live):
    _, client, _, tokens = live
    url = f"/feeds/{tokens['ana-lima']}.ics"
    etag = client.get(url).headers["etag"]
    future = "Fri, 01 Jan 2100 00:00:00 GMT"
    past = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(url, headers={"If-None-Match": '"stale"', "If-Modified-Since": future}).status_code == 200
    assert client.get(url, headers={"If-None-Match": etag, "If-Modified-Since": past}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": future}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Wed, 25 Nov 2026 10:00:00 GMT"}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": past}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_last_modified_is_never_later_than_date(live, plans):
    """A plan generated ahead of the server's clock (RFC 9110 8.8.2.1): Last-Modified is sent as the response's
    Date, and revalidating with that date still gets the whole feed, never a 304 for a body not yet seen."""
    _, client, folder, tokens = live
    profile, by_runner = plans
    url = f"/feeds/{tokens['ana-lima']}.ics"
    before = client.get(url)
    assert before.headers.get_list("date") == [before.headers["date"]]  # one Date, the app's own
    assert email.utils.parsedate_to_datetime(before.headers["last-modified"]) <= \
        email.utils.parsedate_to_datetime(before.headers["date"])
    write_plan_folder(folder / "ana-lima", replace(by_runner["ana-lima"], generated_at="2100-01-01T00:00:00Z",
                                                   days=by_runner["ana-lima"].days[:-1]), profile)
    for method in ("GET", "HEAD"):
        response = client.request(method, url)
        assert response.status_code == 200
        assert response.headers["last-modified"] == response.headers["date"], method
    page = client.get(f"/plans/{tokens['ana-lima']}/")  # the page's Last-Modified (plan.json's generated_at) too
    assert page.headers["last-modified"] == page.headers["date"]
    clamped = client.get(url)
    revalidated = client.get(url, headers={"If-Modified-Since": clamped.headers["last-modified"]})
    assert revalidated.status_code == 200 and revalidated.content == clamped.content
    assert client.get(url, headers={"If-Modified-Since": before.headers["last-modified"]}).status_code == 200
    not_modified = client.get(url, headers={"If-None-Match": clamped.headers["etag"]})
    assert not_modified.status_code == 304
    assert email.utils.parsedate_to_datetime(not_modified.headers["last-modified"]) <= \
        email.utils.parsedate_to_datetime(not_modified.headers["date"])
    missing = client.get("/feeds/unknown.ics")
    assert missing.status_code == 404 and missing.headers.get_list("date") == [missing.headers["date"]]


# --- 404 and 405, with nothing to tell runners apart ------------------------------------------------------------------

def test_unknown_tokens_and_traversal_get_the_same_bare_404(live):
    server, _, _, tokens = live
    token = tokens["ana-lima"]
    paths = [
        "/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",  # well-formed, unknown
        f"/feeds/{token[:-1]}.ics", f"/feeds/{token}", f"/feeds/{token}.ICS", f"/feeds/{token}.ics.bak",
        "/feeds/short.ics", "/", "/feeds/", "/plans/", f"/{MANIFEST_NAME}", "/ana-lima/plan.ics",
        "/feeds/../feeds.json", "/feeds/..%2Ffeeds.json", "/feeds/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        f"/feeds/{token}.ics/../../{MANIFEST_NAME}", f"/feeds/{token}%2F..%2F..%2F{MANIFEST_NAME}",
        f"/plans/{token}/plan.json", f"/plans/{token}/plan.csv", f"/plans/{token}/feeds.json",
        f"/plans/{token}/../ana-lima/plan.ics", f"/plans/{token}%2F..%2Fplan.json/", f"/plans/{'C' * 32}/plan.ics",
        "/plans/..%2F..%2Fetc/", "/plans/%2e%2e/", "/feeds/%00.ics", f"/feeds/{token}.ics%00",
        "/plans/ana-lima/", "/feeds/ana-lima.ics",
    ]
    bodies = set()
    for path in paths:
        status, _, body = raw_request(server.port, f"GET {path} HTTP/1.1")
        assert status == 404, path
        bodies.add(body)
    assert bodies == {b"Not Found"}


def test_odd_methods_get_405_whether_or_not_the_token_exists(live):
    server, _, _, tokens = live
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        known = raw_request(server.port, f"{method} /feeds/{tokens['ana-lima']}.ics HTTP/1.1", "Content-Length: 0\r\n")
        unknown = raw_request(server.port, f"{method} /feeds/{'B' * 32}.ics HTTP/1.1", "Content-Length: 0\r\n")
        assert known[0] == unknown[0] == 405, method
        assert known[2] == unknown[2] == b"Method Not Allowed"
        page = raw_request(server.port, f"{method} /plans/{tokens['ana-lima']}/ HTTP/1.1", "Content-Length: 0\r\n")
        assert page[0] == 405, method


# --- regeneration, rotation, new runners ------------------------------------------------------------------------------

def test_regeneration_changes_the_etag_only_when_the_feed_changed(live, plans):
    _, client, folder, tokens = live
    profile, by_runner = plans
    url = f"/feeds/{tokens['ana-lima']}.ics"
    first = client.get(url)
    # same plan regenerated later: byte-identical feed, so the old ETag still gives 304
    write_plan_folder(folder / "ana-lima", replace(by_runner["ana-lima"], generated_at=LATER), profile)
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    # a changed plan: new body, new ETag, newer Last-Modified
    moved = sample_profile(schedule={"start_time": {"default": "18:00"}})
    changed = sample_plan(moved, weeks=6, generated_at=LATER)
    write_plan_folder(folder / "ana-lima", replace(changed, athlete=by_runner["ana-lima"].athlete), moved)
    second = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.content == (folder / "ana-lima" / "plan.ics").read_bytes()
    assert second.headers["etag"] != first.headers["etag"]
    # the plan's generated_at, unless that is still ahead of the server's clock: then the response's Date
    generated = email.utils.parsedate_to_datetime("Sun, 20 Dec 2026 08:30:00 GMT")
    assert email.utils.parsedate_to_datetime(second.headers["last-modified"]) == \
        min(generated, email.utils.parsedate_to_datetime(second.headers["date"]))
    assert email.utils.parsedate_to_datetime(second.headers["last-modified"]) > \
        email.utils.parsedate_to_datetime(first.headers["last-modified"])


def test_if_modified_since_never_gives_304_for_a_changed_body(live, plans):
    """Removing events (rest days added, then dropped, all generated at the same time) or changing a calendar
    property leaves the newest event LAST-MODIFIED where it was; Last-Modified still moves, so a client holding the
    old body and revalidating by date gets the new one."""
    from planner.render.ical import render_ical

    _, client, folder, tokens = live
    profile, by_runner = plans
    plan = by_runner["ana-lima"]
    url = f"/feeds/{tokens['ana-lima']}.ics"
    target = folder / "ana-lima" / "plan.ics"
    held = client.get(url)  # what a subscribed client has
    renamed = replace(plan, athlete=replace(plan.athlete, name="Ana L."))
    for version, flags in ((plan, {"include_rest_days": True}), (plan, {}), (renamed, {})):
        tmp = target.with_name(".plan.ics.tmp")
        tmp.write_bytes(render_ical(version, profile, previous=target.read_bytes(), **flags))
        os.replace(tmp, target)
        revalidated = client.get(url, headers={"If-Modified-Since": held.headers["last-modified"]})
        assert revalidated.status_code == 200, flags
        assert revalidated.content == target.read_bytes() != held.content
        assert revalidated.headers["etag"] != held.headers["etag"]
        assert revalidated.headers["last-modified"] != held.headers["last-modified"]
        assert client.get(url, headers={"If-Modified-Since": revalidated.headers["last-modified"]}).status_code == 304
        held = revalidated
    # regenerated later with nothing changed: the same bytes, so the date held still gives 304
    tmp = target.with_name(".plan.ics.tmp")
    tmp.write_bytes(render_ical(replace(renamed, generated_at=LATER), profile, previous=target.read_bytes()))
    os.replace(tmp, target)
    assert client.get(url, headers={"If-Modified-Since": held.headers["last-modified"]}).status_code == 304


def test_rotation_kills_the_old_url_at_once(live):
    _, client, folder, tokens = live
    old = f"/feeds/{tokens['ben-ode']}.ics"
    assert client.get(old).status_code == 200
    new = rotate_token(folder, "ben-ode")
    assert client.get(old).status_code == 404
    assert client.get(f"/plans/{tokens['ben-ode']}/").status_code == 404
    assert client.get(f"/feeds/{new}.ics").status_code == 200
    assert client.get(f"/feeds/{tokens['ana-lima']}.ics").status_code == 200  # the others keep working


def test_links_on_a_generate_folders_page_work_on_the_server_of_the_folder_above(tmp_path, plans):
    """`planner generate -o X/sam --base-url URL`, then `planner serve X`: the subscribe link on sam's page (a token
    from X/sam/feeds.json) opens sam's feed; after `planner feeds rotate X sam` the page served under the new token
    links to the new feed, and the old one is gone."""
    import re

    from planner.outputs import write_plan
    profile, by_runner = plans
    sam = tmp_path / "sam"
    sam.mkdir()
    own = ensure_tokens(sam, ["ana-lima"])["ana-lima"]  # generate --base-url issues a token before writing
    write_plan(by_runner["ana-lima"], profile, sam, feed_url=f"https://plans.example.org/feeds/{own}.ics")
    write_plan(by_runner["ben-ode"], profile, tmp_path / "ben-ode")
    list_feeds(tmp_path)  # what `planner serve X` does before it starts
    with LiveServer(tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        page = (sam / "plan.html").read_text()
        linked = set(re.findall(r"(?:https|webcal)://plans\.example\.org(/feeds/[\w-]+\.ics)", page))
        assert linked == {f"/feeds/{own}.ics"}
        assert client.get(f"/feeds/{own}.ics").content == (sam / "plan.ics").read_bytes()
        new = rotate_token(tmp_path, "ana-lima")
        assert client.get(f"/feeds/{own}.ics").status_code == 404
        served = client.get(f"/plans/{new}/").text
        assert own not in served and {f"/feeds/{new}.ics"} == set(
            re.findall(r"(?:https|webcal)://plans\.example\.org(/feeds/[\w-]+\.ics)", served))
        assert client.get(f"/feeds/{new}.ics").status_code == 200


def test_a_runner_added_while_serving_is_served_once_it_has_a_token(live, plans):
    _, client, folder, _ = live
    profile, by_runner = plans
    plan = by_runner["ana-lima"]
    write_plan_folder(folder / "cleo-new", replace(plan, athlete=replace(plan.athlete, id="cleo-new")), profile)
    token = ensure_tokens(folder, ["cleo-new"])["cleo-new"]
    assert client.get(f"/feeds/{token}.ics").status_code == 200


def test_damaged_manifest_serves_nothing(live):
    _, client, folder, tokens = live
    (folder / MANIFEST_NAME).write_text("{broken")
    assert client.get(f"/feeds/{tokens['ana-lima']}.ics").status_code == 404


def test_regenerating_while_serving_never_serves_half_a_file(live, plans):
    """A writer swaps plan.ics between two versions (atomically) while requests run: every body is one of them."""
    _, client, folder, tokens = live
    profile, by_runner = plans
    target = folder / "ana-lima" / "plan.ics"
    moved = sample_profile(schedule={"start_time": {"default": "18:00"}})
    versions = [target.read_bytes(), write_plan_folder(folder / "tmp-b", sample_plan(moved, weeks=6), moved)
                .joinpath("plan.ics").read_bytes()]
    stop = threading.Event()

    def writer():
        for i in range(20000):  # bounded; normally stopped by the reader long before
            if stop.is_set():
                return
            tmp = target.with_name(f".plan.ics.{i}.tmp")
            tmp.write_bytes(versions[i % 2])
            os.replace(tmp, target)

    thread = threading.Thread(target=writer)
    thread.start()
    seen = set()
    try:
        for _ in range(150):
            response = client.get(f"/feeds/{tokens['ana-lima']}.ics")
            assert response.status_code == 200
            assert response.content in versions
            assert response.headers["etag"] == strong_etag(response.content)
            seen.add(response.content)
    finally:
        stop.set()
        thread.join()
    assert len(seen) == 2, "the writer never got a new version in between: the test did not test anything"


# --- the command ------------------------------------------------------------------------------------------------------

def _serve_cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve_command)
    return app


def test_serve_command_errors_are_messages_with_exit_code_2(tmp_path, batch):
    result = CliRunner().invoke(_serve_cli(), [str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such folder" in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(_serve_cli(), [str(tmp_path / "empty")])
    assert result.exit_code == 2 and "no plan.ics" in result.output
    folder, _ = batch
    taken = bind("127.0.0.1", 0)
    try:
        result = CliRunner().invoke(_serve_cli(), [str(folder), "--port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    assert result.exit_code == 2 and "cannot listen on 127.0.0.1" in result.output and "--port" in result.output


def test_planner_serve_runs_as_its_own_process_and_stops_on_sigint(batch):
    folder, _ = batch
    probe = bind("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()
    code = "import typer; from planner.cli_feeds import serve_command; typer.run(serve_command)"
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        feeds = list_feeds(folder)
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/feeds/{feeds[0].token}.ics", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "planner serve did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.content == (feeds[0].folder / "plan.ics").read_bytes()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        err = proc.stderr.read().decode()
        assert "Serving 2 plans" in err and feeds[0].token not in err  # no token in the log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
