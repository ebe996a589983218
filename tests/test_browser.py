"""plan.html in a real browser: headless Chromium (Debian's, from `make setup-browser`).

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: file descriptors 3 and 4,
NUL-separated JSON), so the tests need nothing beyond the standard library and can see what a page really does:
every network request it makes, every console message and exception, the laid-out DOM. Screenshots at 1280 and
390 px wide and a printed PDF are written under the test's tmp dir (the path is printed; run with -s to see it).
Skipped, with the reason, only when no Chromium binary is installed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from planner.render.html import render_html

from test_render_html import hand_plan, make_profile  # tests/ is on sys.path under pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# What a machine with no network needs: no sandbox (root in a container), no GPU, no background traffic.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--no-default-browser-check")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = find_chromium()
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found: run `make setup-browser`")]


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe, with one page (tab) attached."""

    def __init__(self, binary: str, user_data_dir: Path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:  # runs in the child: the protocol lives on fds 3 (in) and 4 (out)
            # Through high numbers first, in case either pipe end already sits on 3 or 4.
            os.dup2(to_child_r, 63)
            os.dup2(from_child_w, 64)
            os.dup2(63, 3)
            os.dup2(64, 4)

        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes, pass_fds=(3, 4))
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.page(f"{domain}.enable")

    # --- protocol -------------------------------------------------------------------------------------------
    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_child, data):]

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_child], [], [], remaining)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError(f"chromium closed the protocol pipe (exit code {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float = 60.0) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def page(self, method: str, params: dict | None = None, timeout: float = 60.0) -> dict:
        return self.call(method, params, session=self.session, timeout=timeout)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while True:
            for message in self.events[seen:]:
                if message.get("method") == event:
                    return message
            seen = len(self.events)
            message = self._receive(deadline)
            if "method" in message:
                self.events.append(message)

    # --- what the tests use ------------------------------------------------------------------------------
    def open(self, path: Path, width: int, height: int = 900, mobile: bool = False) -> None:
        """Load a file at a window width; afterwards ``self.events`` holds what the page did."""
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.events.clear()
        self.page("Page.navigate", {"url": path.as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, out: Path, *, full_page: bool = True, max_height: int = 16000) -> Path:
        params: dict = {"format": "png"}
        if full_page:
            size = self.page("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"],
                                "height": min(size["height"], max_height), "scale": 1})
        out.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", params)["data"]))
        return out

    def pdf(self, out: Path) -> Path:
        data = self.page("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, timeout=120)
        out.write_bytes(base64.b64decode(data["data"]))
        return out

    def problems(self, page_url: str) -> tuple[list[str], list[str]]:
        """(requests other than the page itself, console errors / warnings / exceptions) since the last open."""
        requests, console = [], []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent" and params["request"]["url"] != page_url:
                requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled":
                console.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                console.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                console.append(f"{params['entry']['source']} {params['entry']['level']}: {params['entry']['text']}")
        return requests, console

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


# --- pages under test ------------------------------------------------------------------------------------------

NASTY_NAME = '<script>alert("pwn")</script> Zoë O\'Brien & 山田 花子 🏃‍♀️'
NASTY_RACE = '"Quotes" & <b>bold</b> Ünïcødé 東京マラソン 🎉'


def _nasty_plan():
    profile = make_profile(name=NASTY_NAME, id="nasty",
                           goal={"race": "half", "race_date": "2027-04-11", "race_name": NASTY_RACE},
                           health={"pain": [{"area": "shin", "severity": 5, "since": "2026-11-10"}]})
    return hand_plan(profile), profile


def _year_in_miles():
    profile = make_profile(units="mi", current={"weekly_distance": 20, "long_run": 8},
                           goal={"weekly_distance": 30}, weeks=52,
                           shoes=[{"name": "Ghost 15", "distance": 180, "replace_at": 400}])
    return hand_plan(profile, weeks=52), profile


# The half-marathon example profile through the engine (a real plan, as `planner generate` makes it), and two
# plans built by hand: odd names with pain, and a year in miles.
PAGES = ("maya-half", "nasty-names", "52-weeks-miles")
HAND_MADE = {"nasty-names": _nasty_plan, "52-weeks-miles": _year_in_miles}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    instance = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def screens(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plan-html-screens")
    print(f"\nscreenshots and PDFs of plan.html: {folder}")
    return folder


@pytest.fixture(scope="module")
def pages(screens, example_plan):
    """``pages(name) -> (path, plan, profile)``: each page rendered once, when a test first needs it."""
    made: dict[str, tuple[Path, object, object]] = {}

    def get(name: str):
        if name not in made:
            if name in HAND_MADE:
                plan, profile = HAND_MADE[name]()
            else:  # an example profile, solved once per session by tests/conftest.py
                profile, plan = example_plan(Path(__file__).resolve().parents[1] / "profiles" / f"{name}.yaml")
            path = screens / f"{name}.html"
            path.write_text(render_html(plan, profile, feed_url="https://plans.example.org/feeds/t0k3n.ics",
                                        today=plan.start_date + dt.timedelta(days=16)), encoding="utf-8")
            made[name] = (path, plan, profile)
        return made[name]
    return get


WEEK_TOTALS_JS = ("[...document.querySelectorAll('section.week')].map(s => "
                  "[s.id, s.querySelector('.week-total .total').textContent])")


# --- tests -------------------------------------------------------------------------------------------------------

def test_the_harness_sees_requests_and_console_errors(browser, tmp_path):
    """The checks below mean something: a page that fetches and logs errors is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body>'
                   '<img src="http://127.0.0.1:9/pixel.png" alt="">'
                   '<script>console.error("broken on purpose"); undefinedFunction();</script></body></html>')
    browser.open(bad, 800)
    requests, console = browser.problems(bad.as_uri())
    assert requests == ["http://127.0.0.1:9/pixel.png"]
    assert any("broken on purpose" in line for line in console)
    assert any(line.startswith("exception") for line in console)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("width", [1280, 390])
def test_page_loads_offline_clean_and_complete(browser, pages, screens, name, width):
    path, plan, profile = pages(name)
    browser.open(path, width, height=900 if width > 500 else 844, mobile=width < 500)
    requests, console = browser.problems(path.as_uri())
    assert requests == [], f"the page fetched {requests}"
    assert console == [], f"console: {console}"
    shown = browser.evaluate(WEEK_TOTALS_JS)
    unit = profile.units
    expected = [[f"week-{w.number}",
                 f"{(w.distance_km / 1.609344 if unit == 'mi' else w.distance_km):.1f}\u00a0{unit}"]
                for w in plan.weeks]
    assert shown == expected
    # Nothing wider than the window: a phone never scrolls the page sideways.
    assert browser.evaluate("document.documentElement.scrollWidth") <= width
    wide_chart = browser.evaluate("getComputedStyle(document.querySelector('.chart-wide')).display")
    calendar = browser.evaluate("getComputedStyle(document.querySelector('table.cal')).display")
    if width < 500:
        assert wide_chart == "none" and calendar == "block"
    else:
        assert wide_chart == "block" and calendar == "table"
    assert browser.evaluate("document.scripts.length") == 0
    browser.screenshot(screens / f"{name}-{width}.png")
    assert (screens / f"{name}-{width}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", PAGES)
def test_nothing_overflows_a_360_px_phone(browser, pages, name):
    path, plan, profile = pages(name)
    browser.open(path, 360, height=740, mobile=True)
    assert browser.evaluate("document.documentElement.scrollWidth") <= 360
    # Every day is still there, one below the other, with its weekday visible.
    assert browser.evaluate("[...document.querySelectorAll('td.day .wd')].filter("
                            "e => getComputedStyle(e).display !== 'none').length") == 7 * len(plan.weeks)


# Each chip of the week index as laid out: its text and background colours, anything drawn over the background,
# the phase name shown with its run of weeks, and whether it is visible.
WEEK_CHIPS_JS = """[...document.querySelectorAll('.week-index a')].map(a => {
  const style = getComputedStyle(a), name = a.closest('.wi-phase').querySelector('.wi-name');
  const box = name.getBoundingClientRect();
  return {href: a.getAttribute('href'), recovery: a.classList.contains('is-recovery'), color: style.color,
          background: style.backgroundColor, image: style.backgroundImage, border: style.borderTopStyle,
          phase: name.textContent.trim(), phaseShown: getComputedStyle(name).display !== 'none' && box.width > 0
            && box.height > 0 && getComputedStyle(name).visibility === 'visible'};
})"""


def _luminance(css: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, two: str) -> float:
    """WCAG contrast ratio of two opaque CSS colours (``rgb(r, g, b)``)."""
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ["maya-half", "52-weeks-miles"])
@pytest.mark.parametrize("width", [1280, 360])
def test_week_index_chips_are_readable_and_name_their_phase_in_words(browser, pages, name, width):
    """Numbers at >= 4.5:1 on a plain background (nothing striped over them, recovery weeks included), and each
    chip's phase written beside its run of weeks; recovery chips differ by their outline, not by colour alone."""
    from planner.render.html import PHASE_LABELS
    path, plan, profile = pages(name)
    browser.open(path, width, height=740 if width < 500 else 900, mobile=width < 500)
    chips = browser.evaluate(WEEK_CHIPS_JS)
    assert [c["href"] for c in chips] == [f"#week-{w.number}" for w in plan.weeks]
    assert any(c["recovery"] for c in chips) and not all(c["recovery"] for c in chips)
    for chip, week in zip(chips, plan.weeks):
        assert chip["image"] == "none", chip
        assert re.fullmatch(r"rgb\(\d+, \d+, \d+\)", chip["background"]), chip  # opaque
        assert contrast(chip["color"], chip["background"]) >= 4.5, chip
        assert chip["phase"].lower() == PHASE_LABELS[week.phase].lower() and chip["phaseShown"], chip
        assert chip["recovery"] == week.recovery and chip["border"] == ("dashed" if week.recovery else "solid")
    assert browser.evaluate("document.documentElement.scrollWidth") <= width


def test_names_are_shown_as_typed(browser, pages):
    path, plan, profile = pages("nasty-names")
    browser.open(path, 1280)
    assert browser.evaluate("document.querySelector('h1').textContent") == NASTY_NAME
    assert browser.evaluate("document.querySelector('.goal-name').textContent") == NASTY_RACE
    assert browser.evaluate("document.title") == f"Training plan: {NASTY_NAME}"
    assert browser.evaluate("document.querySelectorAll('b, img, script').length") == 0
    assert browser.evaluate("document.querySelector('.alert-pain h2').textContent.trim()") == "Pain: read this first"


def test_print_layout(browser, pages, screens):
    path, plan, profile = pages("maya-half")
    browser.open(path, 1280)
    browser.page("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        assert browser.evaluate("getComputedStyle(document.querySelector('table.cal')).display") == "table"
        breaks = browser.evaluate("[...document.querySelectorAll('section.week')].map("
                                  "s => getComputedStyle(s).breakBefore)")
        assert breaks == ["auto" if i % 2 or i == 0 else "page" for i in range(len(plan.weeks))]
    finally:
        browser.page("Emulation.setEmulatedMedia", {"media": ""})
    pdf = browser.pdf(screens / "maya-half-devtools.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages_in_pdf = len(re.findall(rb"/Type\s*/Page\b", pdf))
    # One or two weeks a page, plus the overview before and the paces and safety pages after.
    assert len(plan.weeks) / 2 <= pages_in_pdf <= len(plan.weeks) + 6


def test_chromium_print_to_pdf_flag(pages, screens, tmp_path):
    """The plain command line a runner (or CI) would use: chromium --headless --print-to-pdf."""
    path, plan, profile = pages("nasty-names")
    out = screens / "nasty-names.pdf"
    result = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={out}", path.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= len(plan.weeks) / 2
