"""Feed tokens (feeds.json), URLs, plan discovery, and the `planner feeds` commands."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ical_fixtures import sample_plan, sample_profile, write_plan_folder
from planner.cli_feeds import feeds_app
from planner.feeds import (MANIFEST_NAME, FeedError, ensure_tokens, feed_urls, find_plans, list_feeds, load_tokens,
                           plan_url, rotate_feed, rotate_token)

RUNNERS = ("ana-lima", "ben-ode", "chloe-park")


@pytest.fixture(scope="module")
def small_plan():
    profile = sample_profile()
    return profile, sample_plan(profile, weeks=2)


@pytest.fixture
def batch_dir(tmp_path, small_plan) -> Path:
    """A batch output folder: one folder per runner, each with plan.json, plan.ics, plan.html."""
    from dataclasses import replace
    profile, plan = small_plan
    for runner in RUNNERS:
        athlete = replace(plan.athlete, id=runner, name=runner.replace("-", " ").title())
        write_plan_folder(tmp_path / runner, replace(plan, athlete=athlete), profile)
    (tmp_path / "index.html").write_text("<p>group</p>")
    (tmp_path / "empty-folder").mkdir()
    return tmp_path


def token_bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


# --- tokens -----------------------------------------------------------------------------------------------------------

def test_tokens_are_random_long_and_kept_across_calls(tmp_path):
    first = ensure_tokens(tmp_path, ["ana-lima", "ben-ode"])
    assert set(first) == {"ana-lima", "ben-ode"}
    assert len(set(first.values())) == 2
    assert all(token_bits(t) >= 128 for t in first.values())
    again = ensure_tokens(tmp_path, ["ben-ode", "ana-lima", "chloe-park"])
    assert again["ana-lima"] == first["ana-lima"] and again["ben-ode"] == first["ben-ode"]
    assert load_tokens(tmp_path) == {**first, "chloe-park": again["chloe-park"]}
    assert list(again) == ["ben-ode", "ana-lima", "chloe-park"]  # exactly the ids asked for, in that order


def test_manifest_is_private_sorted_json_and_untouched_when_nothing_is_new(tmp_path):
    ensure_tokens(tmp_path, ["zed", "amy"])
    path = tmp_path / MANIFEST_NAME
    data = json.loads(path.read_text())
    assert data["format"] == "planner-feeds/1" and list(data["tokens"]) == ["amy", "zed"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.stat()
    ensure_tokens(tmp_path, ["amy"])
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".feeds.lock") == [MANIFEST_NAME]


def _add_tokens(args):
    folder, ids = args
    ensure_tokens(Path(folder), ids)


def test_concurrent_writers_lose_no_token(tmp_path):
    groups = [[f"runner-{g}-{i}" for i in range(5)] for g in range(8)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_add_tokens, [(str(tmp_path), ids) for ids in groups])
    assert sorted(load_tokens(tmp_path)) == sorted(i for ids in groups for i in ids)


def test_rotate_replaces_one_token_only(batch_dir):
    before = ensure_tokens(batch_dir, list(RUNNERS))
    new = rotate_token(batch_dir, "ben-ode")
    after = load_tokens(batch_dir)
    assert new != before["ben-ode"] and after["ben-ode"] == new and token_bits(new) >= 128
    assert after["ana-lima"] == before["ana-lima"] and after["chloe-park"] == before["chloe-park"]


def test_rotate_an_unknown_runner_names_the_known_ones(batch_dir):
    with pytest.raises(FeedError) as info:
        rotate_token(batch_dir, "nobody")
    assert "'nobody'" in info.value.message and "ana-lima, ben-ode, chloe-park" in info.value.message
    assert info.value.exit_code == 2
    assert not (batch_dir / MANIFEST_NAME).exists()


@pytest.mark.parametrize("text, where", [
    ("{not json", "not valid JSON"),
    ('{"format": "other/9", "tokens": {}}', "format"),
    ('{"format": "planner-feeds/1", "tokens": []}', "tokens"),
    ('{"format": "planner-feeds/1", "tokens": {"ana": "short"}}', "tokens.ana"),
    ('{"format": "planner-feeds/1", "tokens": {"a": "AAAAAAAAAAAAAAAAAAAAAAAA", "b": "AAAAAAAAAAAAAAAAAAAAAAAA"}}',
     "same token"),
])
def test_damaged_manifest_is_reported_with_file_and_key(tmp_path, text, where):
    (tmp_path / MANIFEST_NAME).write_text(text)
    with pytest.raises(FeedError) as info:
        ensure_tokens(tmp_path, ["ana"])
    assert str(tmp_path / MANIFEST_NAME) in info.value.message and where in info.value.message


# --- one token per runner, whichever folder is served -------------------------------------------------------------

def test_a_generate_folders_token_is_adopted_by_the_folder_above(tmp_path, small_plan):
    """`planner generate -o X/sam --base-url URL` then `planner serve X`: X's manifest takes sam's token from
    X/sam/feeds.json instead of minting another, so the links on sam's page work on X's server."""
    profile, plan = small_plan
    write_plan_folder(tmp_path / "sam", plan, profile)
    own = ensure_tokens(tmp_path / "sam", [plan.athlete.id])[plan.athlete.id]  # what generate --base-url does
    write_plan_folder(tmp_path / "ana-lima", _as(plan, "ana-lima"), profile)
    feeds = {f.athlete_id: f for f in list_feeds(tmp_path)}  # what serve X does
    assert feeds[plan.athlete.id].token == own and feeds[plan.athlete.id].folder == tmp_path / "sam"
    assert load_tokens(tmp_path)[plan.athlete.id] == own
    assert feeds["ana-lima"].token != own and token_bits(feeds["ana-lima"].token) >= 128  # no token to adopt: new
    assert stat.S_IMODE((tmp_path / MANIFEST_NAME).stat().st_mode) == 0o600
    assert list_feeds(tmp_path) == list(feeds.values())


def test_a_batch_adopts_the_token_of_a_runner_folder_named_by_the_id(tmp_path, small_plan):
    profile, plan = small_plan
    (tmp_path / "ana-lima").mkdir()
    own = ensure_tokens(tmp_path / "ana-lima", ["ana-lima"])["ana-lima"]
    assert ensure_tokens(tmp_path, ["ana-lima", "ben-ode"])["ana-lima"] == own  # what batch does, before planning


def test_a_runner_folder_inside_a_served_folder_adopts_its_token(tmp_path, small_plan):
    """The other order: `planner batch` or `planner serve X` first, then `planner generate -o X/<id> --base-url`."""
    profile, plan = small_plan
    for runner in ("ana-lima", "ben-ode"):
        write_plan_folder(tmp_path / runner, _as(plan, runner), profile)
    served = {f.athlete_id: f.token for f in list_feeds(tmp_path)}
    assert ensure_tokens(tmp_path / "ben-ode", ["ben-ode"]) == {"ben-ode": served["ben-ode"]}
    assert load_tokens(tmp_path / "ben-ode") == {"ben-ode": served["ben-ode"]}
    # a folder named for the runner that holds no plan yet (the first generate into it) adopts it too
    (tmp_path / "cleo").mkdir()
    cleo = ensure_tokens(tmp_path, ["cleo"])["cleo"]
    assert ensure_tokens(tmp_path / "cleo", ["cleo"])["cleo"] == cleo
    # but not a folder holding another runner's plan, nor a token the manifest already gives someone else
    write_plan_folder(tmp_path / "dan", _as(plan, "ana-lima-2"), profile)
    ensure_tokens(tmp_path, ["dan"])
    assert ensure_tokens(tmp_path / "dan", ["dan"])["dan"] != load_tokens(tmp_path)["dan"]
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / MANIFEST_NAME).write_text(json.dumps(
        {"format": "planner-feeds/1", "tokens": {"eve": served["ana-lima"]}}))
    eve = ensure_tokens(tmp_path, ["eve"])["eve"]
    assert eve != served["ana-lima"] and token_bits(eve) >= 128


def test_a_damaged_manifest_next_door_is_not_adopted_and_not_fatal(tmp_path, small_plan):
    profile, plan = small_plan
    write_plan_folder(tmp_path / "ana-lima", _as(plan, "ana-lima"), profile)
    (tmp_path / "ana-lima" / MANIFEST_NAME).write_text("{broken")
    token = ensure_tokens(tmp_path, ["ana-lima"])["ana-lima"]
    assert token_bits(token) >= 128
    assert (tmp_path / "ana-lima" / MANIFEST_NAME).read_text() == "{broken"


BASE = "https://plans.example.org"


def _page_with_feed(folder: Path, plan, profile, token: str) -> bytes:
    """plan.html as `planner generate --base-url` writes it: subscribe links in https and webcal form."""
    from planner.render.html import render_html
    page = render_html(plan, profile, feed_url=feed_urls(BASE, token)[0]).encode()
    (folder / "plan.html").write_bytes(page)
    return page


def test_rotation_rewrites_the_pages_that_linked_to_the_old_url(batch_dir, small_plan):
    profile, plan = small_plan
    tokens = ensure_tokens(batch_dir, list(RUNNERS))
    pages = {r: _page_with_feed(batch_dir / r, _as(plan, r), profile, tokens[r]) for r in RUNNERS}
    old = tokens["ben-ode"]
    assert all(url.encode() in pages["ben-ode"] for url in feed_urls(BASE, old))
    group = "".join(f'<a href="{feed_urls(BASE, t)[0]}">{r}</a>' for r, t in tokens.items())
    (batch_dir / "index.html").write_text(group)
    (batch_dir / "summary.csv").write_text(f"id,feed_url\nben-ode,{feed_urls(BASE, old)[0]}\n")
    before = {p: p.stat().st_ino for p in batch_dir.rglob("*.html")}

    rotation = rotate_feed(batch_dir, "ben-ode")
    new = rotation.token
    assert load_tokens(batch_dir)["ben-ode"] == new != old
    page = (batch_dir / "ben-ode" / "plan.html").read_bytes()
    assert old.encode() not in page and page == pages["ben-ode"].replace(old.encode(), new.encode())
    assert all(url.encode() in page for url in feed_urls(BASE, new))  # https and webcal
    assert (batch_dir / "index.html").read_text() == group.replace(old, new)
    assert old not in (batch_dir / "summary.csv").read_text()
    assert set(rotation.pages) == {batch_dir / "ben-ode" / "plan.html", batch_dir / "index.html",
                                   batch_dir / "summary.csv"}
    # replaced whole (a new file renamed into place), and the other runners' pages left alone
    assert (batch_dir / "ben-ode" / "plan.html").stat().st_ino != before[batch_dir / "ben-ode" / "plan.html"]
    for runner in ("ana-lima", "chloe-park"):
        assert (batch_dir / runner / "plan.html").read_bytes() == pages[runner]
        assert (batch_dir / runner / "plan.html").stat().st_ino == before[batch_dir / runner / "plan.html"]
    assert not [p for p in batch_dir.rglob("*.tmp")]


def test_rotation_in_a_runners_own_folder_rewrites_its_page(tmp_path, small_plan):
    profile, plan = small_plan
    folder = write_plan_folder(tmp_path / "out", plan, profile)
    old = ensure_tokens(folder, [plan.athlete.id])[plan.athlete.id]
    _page_with_feed(folder, plan, profile, old)
    rotation = rotate_feed(folder, plan.athlete.id)
    assert rotation.pages == (folder / "plan.html",)
    page = (folder / "plan.html").read_text()
    assert old not in page and all(url in page for url in feed_urls(BASE, rotation.token))


def test_a_page_that_cannot_be_rewritten_is_reported_and_the_rotation_stands(batch_dir, small_plan, monkeypatch):
    import planner.outputs
    profile, plan = small_plan
    old = ensure_tokens(batch_dir, ["ana-lima"])["ana-lima"]
    page = _page_with_feed(batch_dir / "ana-lima", _as(plan, "ana-lima"), profile, old)

    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(planner.outputs, "write_atomic", refuse)
    result = CliRunner().invoke(feeds_app, ["rotate", str(batch_dir), "ana-lima"])
    assert result.exit_code == 2
    new = load_tokens(batch_dir)["ana-lima"]
    assert new != old and f"/feeds/{new}.ics" in result.output  # the old URL is dead all the same
    assert f"{batch_dir / 'ana-lima' / 'plan.html'}: still links to the old URL and cannot be rewritten " \
           "(Permission denied)" in result.output
    assert "--base-url again" in result.output
    assert (batch_dir / "ana-lima" / "plan.html").read_bytes() == page


def test_rotation_keeps_one_token_in_both_manifests(tmp_path, small_plan):
    """A runner's token lives in X/feeds.json and in X/<id>/feeds.json (generate --base-url): rotating from either
    folder replaces it in both, so a later `planner generate -o X/<id> --base-url` links to the live URL."""
    profile, plan = small_plan
    for runner in ("ana-lima", "ben-ode"):
        write_plan_folder(tmp_path / runner, _as(plan, runner), profile)
    ensure_tokens(tmp_path / "ben-ode", ["ben-ode"])
    served = {f.athlete_id: f.token for f in list_feeds(tmp_path)}
    first = rotate_feed(tmp_path, "ben-ode")
    assert load_tokens(tmp_path)["ben-ode"] == load_tokens(tmp_path / "ben-ode")["ben-ode"] == first.token
    assert set(first.manifests) == {tmp_path / MANIFEST_NAME, tmp_path / "ben-ode" / MANIFEST_NAME}
    second = rotate_feed(tmp_path / "ben-ode", "ben-ode")
    assert load_tokens(tmp_path)["ben-ode"] == load_tokens(tmp_path / "ben-ode")["ben-ode"] == second.token
    assert second.token not in (first.token, served["ben-ode"])
    assert load_tokens(tmp_path)["ana-lima"] == served["ana-lima"]
    assert not (tmp_path / "ana-lima" / MANIFEST_NAME).exists()  # runners without a manifest of their own get none
    for manifest in (tmp_path / MANIFEST_NAME, tmp_path / "ben-ode" / MANIFEST_NAME):
        assert stat.S_IMODE(manifest.stat().st_mode) == 0o600


def _as(plan, runner: str):
    from dataclasses import replace
    return replace(plan, athlete=replace(plan.athlete, id=runner, name=runner.replace("-", " ").title()))


# --- URLs -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base", ["https://plans.example.org", "https://plans.example.org/",
                                  " https://plans.example.org "])
def test_feed_urls_in_https_and_webcal_form(base):
    assert feed_urls(base, "tok_EN-123") == ("https://plans.example.org/feeds/tok_EN-123.ics",
                                             "webcal://plans.example.org/feeds/tok_EN-123.ics")
    assert plan_url(base, "tok_EN-123") == "https://plans.example.org/plans/tok_EN-123/"


def test_feed_urls_keep_a_path_and_port():
    assert feed_urls("http://127.0.0.1:8000/coach/", "t") == ("http://127.0.0.1:8000/coach/feeds/t.ics",
                                                              "webcal://127.0.0.1:8000/coach/feeds/t.ics")


@pytest.mark.parametrize("base", ["plans.example.org", "ftp://x.org", "https://", "https://x.org/?a=1"])
def test_bad_base_url_is_refused(base):
    with pytest.raises(FeedError, match="base URL"):
        feed_urls(base, "t")


# --- discovery --------------------------------------------------------------------------------------------------------

def test_find_plans_in_a_batch_folder(batch_dir):
    assert find_plans(batch_dir) == {r: batch_dir / r for r in RUNNERS}


def test_find_plans_in_a_single_runner_folder(tmp_path, small_plan):
    profile, plan = small_plan
    write_plan_folder(tmp_path / "out", plan, profile)
    assert find_plans(tmp_path / "out") == {"maya-okafor": tmp_path / "out"}


def test_find_plans_falls_back_to_the_folder_name_without_plan_json(batch_dir):
    (batch_dir / "ana-lima" / "plan.json").unlink()
    (batch_dir / "ana-lima").rename(batch_dir / "ana-renamed")
    assert "ana-renamed" in find_plans(batch_dir)


def test_two_folders_with_the_same_runner_are_refused(batch_dir):
    os.makedirs(batch_dir / "zz-copy")
    for name in ("plan.json", "plan.ics"):
        (batch_dir / "zz-copy" / name).write_bytes((batch_dir / "ben-ode" / name).read_bytes())
    with pytest.raises(FeedError, match="ben-ode/ and zz-copy/ both hold plans of 'ben-ode'"):
        find_plans(batch_dir)


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(FeedError, match="no such folder"):
        find_plans(tmp_path / "nope")
    with pytest.raises(FeedError, match="no plan.ics here"):
        list_feeds(tmp_path)


def test_list_feeds_issues_tokens_to_every_plan(batch_dir):
    feeds = list_feeds(batch_dir)
    assert [f.athlete_id for f in feeds] == list(RUNNERS)
    assert {f.athlete_id: f.token for f in feeds} == load_tokens(batch_dir)
    assert list_feeds(batch_dir) == feeds


# --- the commands -----------------------------------------------------------------------------------------------------

def test_cli_list_prints_every_runner_with_both_urls(batch_dir):
    result = CliRunner().invoke(feeds_app, ["list", str(batch_dir), "--base-url", "https://plans.example.org"])
    assert result.exit_code == 0, result.output
    tokens = load_tokens(batch_dir)
    for runner in RUNNERS:
        https, webcal = feed_urls("https://plans.example.org", tokens[runner])
        assert f"{runner}\n  feed:   {https}\n  webcal: {webcal}\n" in result.output


def test_cli_rotate_prints_the_new_url_and_the_old_one_is_gone(batch_dir):
    old = ensure_tokens(batch_dir, ["chloe-park"])["chloe-park"]
    result = CliRunner().invoke(feeds_app, ["rotate", str(batch_dir), "chloe-park"])
    assert result.exit_code == 0, result.output
    new = load_tokens(batch_dir)["chloe-park"]
    assert new != old and f"http://127.0.0.1:8000/feeds/{new}.ics" in result.output and old not in result.output
    assert "No page linked to the old URL" in result.output  # the fixture's pages have no subscribe links


def test_cli_rotate_says_which_pages_it_updated(batch_dir, small_plan):
    profile, plan = small_plan
    old = ensure_tokens(batch_dir, ["chloe-park"])["chloe-park"]
    _page_with_feed(batch_dir / "chloe-park", _as(plan, "chloe-park"), profile, old)
    result = CliRunner().invoke(feeds_app, ["rotate", str(batch_dir), "chloe-park", "--base-url", BASE])
    assert result.exit_code == 0, result.output
    assert f"Updated to link to the new URL: {batch_dir / 'chloe-park' / 'plan.html'}" in result.output
    assert old not in (batch_dir / "chloe-park" / "plan.html").read_text()


def test_cli_errors_are_one_message_and_exit_code_2(tmp_path, batch_dir):
    result = CliRunner().invoke(feeds_app, ["rotate", str(batch_dir), "nobody"])
    assert result.exit_code == 2 and "no runner 'nobody'" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(feeds_app, ["list", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such folder" in result.output
    result = CliRunner().invoke(feeds_app, ["list", str(batch_dir), "--base-url", "example.org"])
    assert result.exit_code == 2 and "base URL 'example.org'" in result.output


def test_cli_commands_have_help():
    for command in ([], ["list"], ["rotate"]):
        result = CliRunner().invoke(feeds_app, [*command, "--help"])
        assert result.exit_code == 0 and len(result.output) > 100, command
