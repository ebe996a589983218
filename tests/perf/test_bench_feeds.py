"""Load benchmark of `planner serve`: 200 feeds on loopback, wrk in its own process, compared with nginx.

Full fetches (200 with the body) and revalidations (If-None-Match -> 304) are measured for requests per second and
p99 latency, against planner's server and, in the same run, against nginx (Debian) serving the same .ics files as
static files. Targets (issue 4): at least 1,000 full fetches/s and 3,000 revalidations/s on a 2-core machine, with
zero errors. Only 127.0.0.1 is used, every run is bounded in time, and every process started here is stopped here.

wrk and nginx come from Debian: installed with apt-get when missing (as root), else the benchmark skips and says
why. Figures are printed and written to tests/perf/results/feeds.json.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ical_fixtures import ROOT, sample_plan, sample_profile  # noqa: E402

from planner.feeds import ensure_tokens  # noqa: E402
from planner.render.ical import render_ical  # noqa: E402

FEEDS = 200
CONNECTIONS = 32
DURATION_S = 5
WARMUP_S = 1
TARGET_FULL_RPS = 1000
TARGET_REVALIDATE_RPS = 3000
RESULTS = ROOT / "tests" / "perf" / "results" / "feeds.json"

# wrk script: cycles through the paths file (one "path<TAB>etag" per line); with REVALIDATE=1 it sends the ETag
# as If-None-Match. Counts statuses per thread and prints one JSON line at the end.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths, etags, counts, i = {}, {}, {}, 0
  for line in io.lines(args[1]) do
    local p, e = line:match("([^\t]+)\t(.+)")
    paths[#paths + 1] = p
    etags[#etags + 1] = e
  end
  revalidate = args[2] == "1"
end
function request()
  i = i % #paths + 1
  if revalidate then
    return wrk.format("GET", paths[i], {["If-None-Match"] = etags[i]})
  end
  return wrk.format("GET", paths[i])
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local statuses = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      statuses[#statuses + 1] = string.format('"%d": %d', status, n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "p50_us": %d, "p99_us": %d, "max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(statuses, ", ")))
end
"""


def _ensure_tools() -> None:
    """wrk and nginx on PATH, installing them from Debian if we may; pytest.skip with the reason otherwise."""
    missing = [tool for tool, path in (("wrk", shutil.which("wrk")), ("nginx", _nginx())) if path is None]
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"{' and '.join(missing)} missing and cannot apt-get install them here (need Debian and root)")
    packages = ["wrk" if tool == "wrk" else "nginx-light" for tool in missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *packages]
    if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.skip(f"apt-get install {' '.join(packages)} failed: {done.stderr.strip()[-300:]}")


def _nginx() -> str | None:
    """nginx's path: Debian puts it in /usr/sbin, which a non-login PATH may lack."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited early: {proc.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not start within 30 s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT if proc.args[0] == sys.executable else signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _write_feeds(root: Path) -> dict[str, Path]:
    """200 runner folders with a full race plan each (about 100 KB of iCalendar), as `planner batch` leaves them."""
    profile = sample_profile()
    base = sample_plan(profile)
    folders = {}
    for n in range(FEEDS):
        runner = f"runner-{n:03d}"
        plan = replace(base, athlete=replace(base.athlete, id=runner, name=f"Runner {n:03d}"))
        folder = root / runner
        folder.mkdir(parents=True)
        (folder / "plan.json").write_text(plan.to_json(), encoding="utf-8")
        (folder / "plan.ics").write_bytes(render_ical(plan, profile))
        folders[runner] = folder
    return folders


def _paths_file(base_url: str, paths: list[str], out: Path) -> Path:
    """Each path with the ETag the server gives it (fetched once), for the revalidation run."""
    lines = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            lines.append(f"{path}\t{response.headers['etag']}")
    out.write_text("\n".join(lines) + "\n")
    return out


def _wrk(base_url: str, script: Path, paths: Path, revalidate: bool, seconds: int) -> dict:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), base_url,
               "--", str(paths), "1" if revalidate else "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def _measure(name: str, base_url: str, paths: list[str], tmp: Path, script: Path) -> dict:
    listing = _paths_file(base_url, paths, tmp / f"{name}-paths.tsv")
    out = {}
    for mode, revalidate in (("full", False), ("revalidate", True)):
        _wrk(base_url, script, listing, revalidate, WARMUP_S)
        out[mode] = _wrk(base_url, script, listing, revalidate, DURATION_S)
    return out


def _nginx_config(tmp: Path, root: Path, port: int) -> Path:
    user = "user root;\n" if os.geteuid() == 0 else ""  # pytest's tmp folders are private to us
    temp = tmp / "nginx-temp"
    temp.mkdir()
    config = tmp / "nginx.conf"
    config.write_text(f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ text/calendar ics; }}
    charset utf-8;
    charset_types text/calendar;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
""")
    return config


def test_feed_server_under_load_against_nginx(tmp_path):
    _ensure_tools()
    started = time.perf_counter()
    plans = tmp_path / "plans"
    folders = _write_feeds(plans)
    tokens = ensure_tokens(plans, sorted(folders))
    paths = [f"/feeds/{tokens[runner]}.ics" for runner in sorted(folders)]
    static = tmp_path / "static"
    (static / "feeds").mkdir(parents=True)
    for runner, folder in folders.items():
        shutil.copyfile(folder / "plan.ics", static / "feeds" / f"{tokens[runner]}.ics")
    script = tmp_path / "feeds.lua"
    script.write_text(WRK_SCRIPT)
    setup_s = time.perf_counter() - started
    load = os.getloadavg()[0]  # other work on the machine takes cores from both servers alike

    results = {}
    port = _free_port()
    code = "import sys; from planner.serve import run_server; run_server(sys.argv[1], '127.0.0.1', int(sys.argv[2]))"
    server = subprocess.Popen([sys.executable, "-c", code, str(plans), str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(f"http://127.0.0.1:{port}/", server, "planner serve")
        results["planner"] = _measure("planner", f"http://127.0.0.1:{port}", paths, tmp_path, script)
    finally:
        _stop(server)

    port = _free_port()
    nginx = subprocess.Popen([_nginx(), "-c", str(_nginx_config(tmp_path, static, port))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(f"http://127.0.0.1:{port}/", nginx, "nginx")
        results["nginx"] = _measure("nginx", f"http://127.0.0.1:{port}", paths, tmp_path, script)
    finally:
        _stop(nginx)

    size = sum((static / "feeds" / f"{tokens[r]}.ics").stat().st_size for r in folders) / len(folders)
    fast = [m for m in ("uvloop", "httptools") if importlib.util.find_spec(m) is not None]
    stack = "uvicorn with " + ("+".join(fast) if fast else "asyncio+h11 (no uvloop/httptools: expect half the rate)")
    print(f"\nfeeds benchmark: {FEEDS} feeds of {size / 1024:.0f} KiB on average, wrk -t1 -c{CONNECTIONS} "
          f"-d{DURATION_S}s on 127.0.0.1, {os.cpu_count()} cores, load average {load:.1f} before the run; "
          f"planner on {stack}; nginx with 1 worker (setup {setup_s:.1f} s)")
    print(f"{'server':8} {'mode':11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  statuses")
    for server_name, modes in results.items():
        for mode, r in modes.items():
            errors = sum(r["errors"].values())
            print(f"{server_name:8} {mode:11} {r['rps']:9.0f} {r['p50_us'] / 1000:8.2f} {r['p99_us'] / 1000:8.2f} "
                  f"{errors:7d}  {r['statuses']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"feeds": FEEDS, "average_bytes": size, "connections": CONNECTIONS,
                                   "seconds": DURATION_S, "server_stack": stack, "load_average": load,
                                   "results": results}, indent=2) + "\n")

    for server_name, modes in results.items():
        for mode, r in modes.items():
            assert sum(r["errors"].values()) == 0, (server_name, mode, r["errors"])
            expected = "200" if mode == "full" else "304"
            assert set(r["statuses"]) == {expected}, (server_name, mode, r["statuses"])
    ours = results["planner"]
    assert ours["full"]["rps"] >= TARGET_FULL_RPS, f"full fetches: {ours['full']['rps']:.0f}/s"
    assert ours["revalidate"]["rps"] >= TARGET_REVALIDATE_RPS, f"revalidations: {ours['revalidate']['rps']:.0f}/s"
