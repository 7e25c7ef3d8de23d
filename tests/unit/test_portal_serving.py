"""The ingress serves the portal's build at /portal/ with its config.json and security
headers, caches fingerprinted assets for good, and serves nothing when there is no build."""

from __future__ import annotations

from pathlib import Path

from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()


def a_build(folder: Path) -> Path:
    (folder / "assets").mkdir()
    (folder / "index.html").write_text("<!doctype html><title>Azora</title>")
    (folder / "assets" / "index-Ab12Cd.js").write_text("console.log('portal')")
    return folder


def test_the_portal_page_comes_with_a_policy_that_allows_only_its_own_origin(
    tmp_path: Path,
) -> None:
    with in_memory_client(RecordingTransport(), SECRET, portal_dir=str(a_build(tmp_path))) as c:
        page = c.get("/portal/")
    assert page.status_code == 200
    assert "<title>Azora</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache"


def test_fingerprinted_assets_are_cached_for_good(tmp_path: Path) -> None:
    with in_memory_client(RecordingTransport(), SECRET, portal_dir=str(a_build(tmp_path))) as c:
        asset = c.get("/portal/assets/index-Ab12Cd.js")
        missing = c.get("/portal/assets/nothing.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("cache-control", "")


def test_config_json_points_the_portal_at_its_own_origin_and_says_if_dev_payments_show(
    tmp_path: Path,
) -> None:
    build = str(a_build(tmp_path))
    with in_memory_client(RecordingTransport(), SECRET, portal_dir=build) as plain:
        off = plain.get("/portal/config.json")
    with in_memory_client(
        RecordingTransport(), SECRET, portal_dir=build, dev_payment_controls=True
    ) as dev:
        on = dev.get("/portal/config.json")
    assert off.json() == {"apiBase": "", "devPayments": False}
    assert on.json() == {"apiBase": "", "devPayments": True}
    assert off.headers["cache-control"] == "no-store"


def test_the_root_leads_to_the_portal_and_neither_is_in_the_api_contract(tmp_path: Path) -> None:
    with in_memory_client(RecordingTransport(), SECRET, portal_dir=str(a_build(tmp_path))) as c:
        root = c.get("/", follow_redirects=False)
        paths = c.get("/openapi.json").json()["paths"]
    assert root.status_code == 307
    assert root.headers["location"] == "/portal/"
    assert not [path for path in paths if path == "/" or path.startswith("/portal")]


def test_without_a_build_nothing_is_served_and_the_api_still_is(tmp_path: Path) -> None:
    with in_memory_client(RecordingTransport(), SECRET, portal_dir=str(tmp_path)) as c:
        assert c.get("/portal/").status_code == 404
        assert c.get("/portal/config.json").status_code == 404
        assert c.get("/openapi.json").status_code == 200
