"""Secret feed tokens and the plans they point at (shared/design/ical-feeds.md, "Serving").

A feed URL is a secret, like a calendar's private address: ``/feeds/<token>.ics`` with a random token of 192 bits.
Tokens live in a manifest, ``feeds.json``, in the output folder (one runner's folder, or a batch folder holding one
folder per runner). They stay the same across regenerations and change only when rotated, which makes the old URL
stop working. The manifest is replaced atomically and read-modify-write cycles hold a lock, so a batch writing
tokens from several processes, or ``planner feeds rotate`` run while the server reads, never sees half a file.

One token per runner, whichever folder is served: `planner generate -o X/sam --base-url URL` keeps sam's token in
X/sam/feeds.json, and `planner serve X` (or `planner batch` into X) keeps X/feeds.json. Whichever manifest gets the
runner first mints the token; the other adopts it (from the runner's own folder inside X, or from X above a
runner's folder), so sam's page links to the same URL whichever folder the server is given. A rotation replaces
the token in both manifests and rewrites the pages that linked to the old URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import PlannerError

MANIFEST_NAME = "feeds.json"
MANIFEST_FORMAT = "planner-feeds/1"
TOKEN_BYTES = 24  # 192 bits; at least 128 are needed so a token cannot be guessed
# token_urlsafe's alphabet; 22 characters carry 132 bits, the least we accept from a hand-edited manifest
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,128}$")
PLAN_FILE = "plan.ics"
# Files that may link to a runner's feed, rewritten when their token is rotated: the runner's pages (plan.html)
# in the runner's folder, and the group overview (index.html) and summary.csv in a batch folder.
LINKING_PATTERNS = ("*.html", "summary.csv")


class FeedError(PlannerError):
    """The output folder or its feed manifest cannot be used: no plans, a damaged feeds.json, an unknown runner."""

    exit_code = 2


@dataclass(frozen=True)
class Feed:
    """One runner's feed: who, the secret token, and the folder holding plan.ics (and plan.html)."""

    athlete_id: str
    token: str
    folder: Path


def new_token() -> str:
    """A fresh random token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


# --- the manifest -----------------------------------------------------------------------------------------------------

def manifest_path(out_dir: Path) -> Path:
    return Path(out_dir) / MANIFEST_NAME


def load_tokens(out_dir: Path) -> dict[str, str]:
    """Athlete id -> token from DIR/feeds.json; empty when there is no manifest yet.

    Raises:
        FeedError: the manifest is not readable JSON of the expected shape (names the file and the key).
    """
    path = manifest_path(out_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path}: cannot be read ({exc})") from None
    return parse_manifest(text, str(path))


def parse_manifest(text: str, source: str = MANIFEST_NAME) -> dict[str, str]:
    """Athlete id -> token from the text of a feeds.json. Raises FeedError naming what is wrong."""
    fix = "fix it, or delete it to issue new feed URLs to every runner"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}; {fix}") \
            from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise FeedError(f"{source}: format: expected {MANIFEST_FORMAT!r}; {fix}")
    tokens = data.get("tokens")
    if not isinstance(tokens, dict):
        raise FeedError(f"{source}: tokens: expected an object of athlete id -> token; {fix}")
    seen: dict[str, str] = {}
    for athlete_id, token in tokens.items():
        if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
            raise FeedError(f"{source}: tokens.{athlete_id}: not a feed token (22+ characters of A-Z a-z 0-9 _ -); "
                            f"run `planner feeds rotate {Path(source).parent} {athlete_id}` for a new one")
        if token in seen:
            raise FeedError(f"{source}: tokens.{athlete_id}: same token as {seen[token]}; "
                            f"run `planner feeds rotate {Path(source).parent} {athlete_id}` for a new one")
        seen[token] = athlete_id
    return dict(sorted(tokens.items()))


def _write_manifest(out_dir: Path, tokens: dict[str, str]) -> None:
    """Write feeds.json atomically: a private temp file in the same folder, then os.replace."""
    out_dir = Path(out_dir)
    text = json.dumps({"format": MANIFEST_FORMAT, "tokens": dict(sorted(tokens.items()))}, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".feeds-", suffix=".json.tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)  # the tokens are secrets
        os.replace(tmp, manifest_path(out_dir))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked_all(folders: Iterable[Path]) -> Iterator[None]:
    """Hold the manifest locks of several folders, always taken in the same order (no two rotations deadlock)."""
    with contextlib.ExitStack() as stack:
        for folder in sorted({Path(os.path.abspath(f)) for f in folders}):
            stack.enter_context(_locked(folder))
        yield


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on DIR/.feeds.lock for a read-modify-write of the manifest (POSIX; no-op elsewhere)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FeedError(f"{out_dir}: no such folder; give the output folder of `planner generate` or `planner batch`")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: atomic replace still keeps readers safe
        yield
        return
    try:
        handle = open(out_dir / ".feeds.lock", "a")
    except OSError as exc:
        raise FeedError(f"{out_dir}: cannot write the feed manifest here ({exc.strerror})") from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _safe_name(athlete_id: str) -> bool:
    """Whether an athlete id can name a folder directly inside another (no separator, not . or ..)."""
    return athlete_id not in ("", ".", "..") and not any(c and c in athlete_id for c in (os.sep, os.altsep, "\0"))


def _tokens_in(folder: Path) -> dict[str, str]:
    """The tokens of another folder's manifest, or none when it has no usable one (it is that folder's business)."""
    try:
        return load_tokens(folder)
    except (FeedError, OSError):
        return {}


def _holds_runner(folder: Path, athlete_id: str) -> bool:
    """Whether ``folder`` is (or is about to be) the folder of ``athlete_id``'s plan, as a batch folder above it
    sees it: its plan.json names the runner, or, with no plan in it yet, its name is the runner's id."""
    folder = Path(folder)
    if (folder / "plan.json").is_file() or (folder / PLAN_FILE).is_file():
        return _athlete_id(folder) == athlete_id
    return folder.name == athlete_id


def _adoptable(out_dir: Path, athlete_id: str, plans: dict[str, Path] | None) -> list[str]:
    """Tokens this runner already has in a neighbouring manifest, best first: the runner's own folder inside
    ``out_dir`` (``plans`` when the caller found them, else the folder named by the id), then the folder above
    ``out_dir`` when ``out_dir`` is this runner's own folder."""
    out_dir = Path(out_dir)
    folders: list[Path] = []
    if plans is not None and athlete_id in plans and Path(plans[athlete_id]) != out_dir:
        folders.append(Path(plans[athlete_id]))
    if _safe_name(athlete_id) and (out_dir / athlete_id).is_dir():
        folders.append(out_dir / athlete_id)
    if _holds_runner(out_dir, athlete_id):
        folders.append(out_dir.parent)
    found = []
    for folder in folders:
        token = _tokens_in(folder).get(athlete_id)
        if token is not None and token not in found:
            found.append(token)
    return found


def ensure_tokens(out_dir: Path, athlete_ids: list[str], plans: dict[str, Path] | None = None) -> dict[str, str]:
    """Give every runner in ``athlete_ids`` a feed token, keeping the ones they already have.

    A runner with no token in ``out_dir``'s manifest who has one in a neighbouring manifest keeps that one (see the
    module's docstring): in their own folder inside ``out_dir`` (a batch or parent folder over `planner generate`
    folders), or in the folder above ``out_dir`` (a runner's folder inside a batch folder). Only runners found in
    neither get a new random token.

    Args:
        out_dir: the output folder (a runner's folder, or the batch folder) that holds feeds.json.
        athlete_ids: the runners whose plans are in it.
        plans: athlete id -> plan folder under ``out_dir`` (``find_plans``), when the caller has it: their folders'
            manifests are looked at too. Without it, only ``out_dir/<id>/`` is.

    Returns:
        Athlete id -> token for exactly ``athlete_ids``. The manifest is rewritten (atomically) only when a token was
        added; tokens of runners not named are kept.

    Raises:
        FeedError: the folder does not exist or the manifest is damaged.
    """
    with _locked(out_dir):
        tokens = load_tokens(out_dir)
        missing = sorted({i for i in athlete_ids if i not in tokens})
        if missing:
            used = set(tokens.values())
            for athlete_id in missing:
                adopted = [t for t in _adoptable(out_dir, athlete_id, plans) if t not in used]
                token = adopted[0] if adopted else new_token()
                while token in used:  # 2^-192: only a broken random source gets here
                    token = new_token()
                tokens[athlete_id] = token
                used.add(token)
            _write_manifest(out_dir, tokens)
    return {athlete_id: tokens[athlete_id] for athlete_id in athlete_ids}


@dataclass(frozen=True)
class Rotation:
    """What ``rotate_feed`` did: the new token, the manifests that now hold it, the files whose links it rewrote,
    and the files it could not rewrite (each with why), which still link to the old, dead URL."""

    athlete_id: str
    token: str
    manifests: tuple[Path, ...]
    pages: tuple[Path, ...]
    stale: tuple[str, ...] = ()


def _neighbours(out_dir: Path, athlete_id: str, plans: dict[str, Path]) -> list[Path]:
    """Folders besides ``out_dir`` that may hold the runner's token and pages linking to their feed: their plan
    folder inside ``out_dir``, or the folder above when ``out_dir`` is the runner's own folder and that folder's
    manifest has them (a batch folder, with its index.html)."""
    folder = plans.get(athlete_id)
    if folder is not None and Path(folder) != out_dir:
        return [Path(folder)]
    parent = out_dir.parent
    if folder is not None and athlete_id in _tokens_in(parent):
        return [parent]
    return []


def _rewrite_links(folders: Iterable[Path], old: Iterable[str], new: str) -> tuple[list[Path], list[str]]:
    """Replace each old token by the new one in the files of ``folders`` that may link to a feed
    (LINKING_PATTERNS), each written atomically. Tokens are random strings of 128+ bits: a byte replace is exact.

    Returns:
        The files rewritten, and a line for each file that could not be (it still links to the old URL).
    """
    from .outputs import write_atomic

    olds = [t.encode("ascii") for t in old]
    changed: list[Path] = []
    stale: list[str] = []
    for path in sorted({p for folder in folders for pattern in LINKING_PATTERNS for p in Path(folder).glob(pattern)}):
        try:
            data = path.read_bytes()
        except IsADirectoryError:
            continue
        except OSError as exc:
            stale.append(f"{path}: cannot be read ({exc.strerror}), so it may still link to the old URL")
            continue
        updated = data
        for token in olds:
            updated = updated.replace(token, new.encode("ascii"))
        if updated == data:
            continue
        try:
            write_atomic(path, updated)
        except OSError as exc:
            stale.append(f"{path}: still links to the old URL and cannot be rewritten ({exc.strerror})")
            continue
        changed.append(path)
    return changed, stale


def rotate_feed(out_dir: Path, athlete_id: str) -> Rotation:
    """Replace one runner's token: the old feed URL stops working at once; the pages that linked to it are rewritten.

    The token is replaced in ``out_dir``'s manifest and in the neighbouring one that also holds the runner (their
    own folder's inside ``out_dir``, or the batch folder's above it), so one token stays the runner's everywhere.
    Then each file that linked to the old URL (LINKING_PATTERNS, in ``out_dir`` and that neighbouring folder: the
    runner's plan.html, a batch folder's index.html and summary.csv) is rewritten, atomically, with the new token.
    A file that cannot be rewritten is reported in ``Rotation.stale``; the rotation stands.

    Raises:
        FeedError: ``athlete_id`` has neither a token nor a plan in ``out_dir`` (the message lists who has).
    """
    out_dir = Path(out_dir)
    plans = find_plans(out_dir)
    others = _neighbours(out_dir, athlete_id, plans)
    with _locked_all([out_dir, *others]):
        tokens = load_tokens(out_dir)
        if athlete_id not in tokens and athlete_id not in plans:
            listed = ", ".join(sorted(set(tokens) | set(plans))) or "none"
            raise FeedError(f"{out_dir}: no runner {athlete_id!r} here (runners: {listed})")
        theirs = {folder: _tokens_in(folder) for folder in others}
        old = sorted({t[athlete_id] for t in (tokens, *theirs.values()) if athlete_id in t})
        taken = set(tokens.values()).union(*(t.values() for t in theirs.values()))
        token = new_token()
        while token in taken:
            token = new_token()
        tokens[athlete_id] = token
        _write_manifest(out_dir, tokens)
        manifests = [manifest_path(out_dir)]
        for folder, their_tokens in theirs.items():
            if athlete_id in their_tokens:
                _write_manifest(folder, {**their_tokens, athlete_id: token})
                manifests.append(manifest_path(folder))
        pages, stale = _rewrite_links([out_dir, *others], old, token) if old else ([], [])
    return Rotation(athlete_id, token, tuple(manifests), tuple(pages), tuple(stale))


def rotate_token(out_dir: Path, athlete_id: str) -> str:
    """Replace one runner's token (``rotate_feed``) and return the new one.

    Raises:
        FeedError: as ``rotate_feed``.
    """
    return rotate_feed(out_dir, athlete_id).token


# --- URLs -------------------------------------------------------------------------------------------------------------

def _base(base_url: str) -> tuple[str, str]:
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise FeedError(f"base URL {base_url!r} must look like https://plans.example.org "
                        "(http or https, a host, optionally a path)")
    return parts.scheme, parts.netloc + parts.path.rstrip("/")


def feed_urls(base_url: str, token: str) -> tuple[str, str]:
    """The feed's (https, webcal) URLs for a server reachable at ``base_url``.

    The first keeps the base URL's scheme (http only for local testing); the second is the ``webcal://`` form that
    Google's and Apple's subscribe links want.
    """
    scheme, rest = _base(base_url)
    path = f"/feeds/{token}.ics"
    return f"{scheme}://{rest}{path}", f"webcal://{rest}{path}"


def plan_url(base_url: str, token: str) -> str:
    """The URL of the runner's HTML plan, ``/plans/<token>/``."""
    scheme, rest = _base(base_url)
    return f"{scheme}://{rest}/plans/{token}/"


# --- discovery --------------------------------------------------------------------------------------------------------

def _athlete_id(folder: Path) -> str:
    """The athlete id of the plan in ``folder``: from plan.json, else the folder's name."""
    try:
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        athlete_id = data["athlete"]["id"]
        if isinstance(athlete_id, str) and athlete_id:
            return athlete_id
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        pass
    return folder.name


def find_plans(out_dir: Path) -> dict[str, Path]:
    """Athlete id -> folder holding plan.ics: DIR itself (one runner's output) or each DIR/<id>/ (a batch).

    Raises:
        FeedError: DIR is not a folder, or two folders hold plans of the same runner.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FeedError(f"{out_dir}: no such folder; give the output folder of `planner generate` or `planner batch`")
    if (out_dir / PLAN_FILE).is_file():
        return {_athlete_id(out_dir): out_dir}
    found: dict[str, Path] = {}
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (folder / PLAN_FILE).is_file():
            continue
        athlete_id = _athlete_id(folder)
        if athlete_id in found:
            raise FeedError(f"{out_dir}: {found[athlete_id].name}/ and {folder.name}/ both hold plans of "
                            f"{athlete_id!r}; remove one")
        found[athlete_id] = folder
    return found


def list_feeds(out_dir: Path) -> list[Feed]:
    """Every plan under ``out_dir`` with its token (issuing tokens to plans that have none yet), sorted by id.

    Raises:
        FeedError: no plan under ``out_dir``, or a damaged manifest.
    """
    plans = find_plans(out_dir)
    if not plans:
        raise FeedError(f"{out_dir}: no plan.ics here or in its folders; run `planner generate` or `planner batch` "
                        "first")
    tokens = ensure_tokens(out_dir, sorted(plans), plans)
    return [Feed(athlete_id, tokens[athlete_id], plans[athlete_id]) for athlete_id in sorted(plans)]
