"""The pages' protections over plain HTTP against the running service: CSRF tokens, the
session cookie, sign-in and revocation, security headers. No browser needed."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from service.store import Store
from service.web import (
    SESSION_MAX_AGE_S,
    WebSession,
    decode_session,
    encode_session,
    measures,
    pct,
    safe_next,
)
from tests.e2e.conftest import Server

pytestmark = pytest.mark.timeout(120)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _analysis(server: Server, photo: Path) -> str:
    with server.api() as api:
        response = api.post("/v1/analyses", files={"image": (photo.name, photo.read_bytes())})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_state_changing_forms_need_the_session_token(open_server: Server, sole_photo: Path) -> None:
    analysis_id = _analysis(open_server, sole_photo)
    with httpx.Client(base_url=open_server.url, timeout=60) as browser:
        page = browser.get(f"/analyses/{analysis_id}")
        assert page.status_code == 200
        token = _token(page.text)

        # Another browser (another session) cannot use this page's token, nor none.
        with httpx.Client(base_url=open_server.url, timeout=60) as other:
            other.get("/")
            for data in ({}, {"csrf_token": token}, {"csrf_token": "forged"}):
                refused = other.post(f"/analyses/{analysis_id}/delete", data=data)
                assert refused.status_code == 403
                assert "This form has expired" in refused.text
        with open_server.api() as api:
            assert api.get(f"/v1/analyses/{analysis_id}").status_code == 200

        deleted = browser.post(f"/analyses/{analysis_id}/delete", data={"csrf_token": token})
        assert deleted.status_code == 303
        assert deleted.headers["location"] == "/analyses?deleted=true"
    with open_server.api() as api:
        assert api.get(f"/v1/analyses/{analysis_id}").status_code == 404


def test_upload_without_script_redirects_to_the_result(
    open_server: Server, sole_photo: Path
) -> None:
    with httpx.Client(base_url=open_server.url, timeout=60) as browser:
        token = _token(browser.get("/").text)
        response = browser.post(
            "/analyses",
            data={"csrf_token": token, "view": "auto", "side": "auto", "subject_ref": ""},
            files={"image": (sole_photo.name, sole_photo.read_bytes(), "image/jpeg")},
        )
        assert response.status_code == 303
        result = browser.get(response.headers["location"])
        assert result.status_code == 200
        assert 'class="card result"' in result.text
        overlay = browser.get(response.headers["location"] + "/overlay.png")
        assert overlay.headers["content-type"] == "image/png"
        assert overlay.content.startswith(b"\x89PNG")

        rejected = browser.post(
            "/analyses",
            data={"csrf_token": token},
            files={"image": ("notes.txt", b"not a photo at all", "text/plain")},
        )
        assert rejected.status_code == 415
        assert "Not a photo" in rejected.text
        assert "text/html" in rejected.headers["content-type"]


def test_an_insole_result_says_what_the_line_around_the_imprint_is(
    open_server: Server, insole_photo: Path, sole_photo: Path
) -> None:
    line = "line runs around the foot's imprint, which the arch index is read from"
    with httpx.Client(base_url=open_server.url, timeout=60) as browser:
        insole = browser.get(f"/analyses/{_analysis(open_server, insole_photo)}").text
        outsole = browser.get(f"/analyses/{_analysis(open_server, sole_photo)}").text
    assert line in insole
    assert "A line runs around the imprint the arch index is read from." in insole  # alt
    assert line not in outsole
    assert "imprint the arch index" not in outsole


def test_pages_send_protective_headers_and_a_strict_cookie(open_server: Server) -> None:
    response = httpx.get(open_server.url + "/", timeout=30)
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("solescan_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age" not in cookie  # a browser-session cookie
    assert "expires" not in cookie.lower()
    # Everything the page needs is served by the app itself (no CDN).
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text):
        fetched = httpx.get(open_server.url + asset, timeout=30)
        assert fetched.status_code == 200, asset
    assert not re.search(r'(?:href|src)="https?://', response.text)


def test_unknown_analysis_is_a_404_page(open_server: Server) -> None:
    for path in ("/analyses/00000000-0000-4000-8000-000000000000", "/analyses/not-an-id"):
        response = httpx.get(open_server.url + path, timeout=30)
        assert response.status_code == 404
        assert "Analysis not found" in response.text


def test_sign_in_takes_the_key_from_the_form_only(keyed_server: Server) -> None:
    assert keyed_server.key is not None
    with httpx.Client(base_url=keyed_server.url, timeout=60) as browser:
        first = browser.get("/")
        assert first.status_code == 303
        assert first.headers["location"] == "/signin?next=/"
        token = _token(browser.get("/signin").text)

        in_url = browser.post(f"/signin?key={keyed_server.key}", data={"csrf_token": token})
        assert in_url.status_code == 401
        assert browser.get("/").status_code == 303

        signed_in = browser.post(
            "/signin", data={"csrf_token": token, "key": keyed_server.key, "next": "/analyses"}
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/analyses"
        cookie = browser.cookies["solescan_session"]
        assert keyed_server.key not in cookie
        # New connections land on either worker process: the session holds in both.
        for _ in range(8):
            again = httpx.get(
                keyed_server.url + "/analyses", cookies={"solescan_session": cookie}, timeout=30
            )
            assert again.status_code == 200
        # The token of the signed-out page is worthless once signed in.
        assert browser.post("/signout", data={"csrf_token": token}).status_code == 403

        # Off-site redirects after sign-in are refused.
        assert safe_next("//evil.example/") == "/"
        assert safe_next("https://evil.example/") == "/"


def test_revoking_the_key_signs_the_browser_out(keyed_server: Server) -> None:
    store = Store.open(Settings(data_dir=keyed_server.data_dir).resolved_database_url)
    try:
        key, info = store.create_key("Revoked Clinic")
        with httpx.Client(base_url=keyed_server.url, timeout=60) as browser:
            token = _token(browser.get("/signin").text)
            browser.post("/signin", data={"csrf_token": token, "key": key})
            assert browser.get("/analyses").status_code == 200
            store.revoke_key(info.prefix)
            after = browser.get("/analyses")
            assert after.status_code == 303
            assert after.headers["location"].startswith("/signin")
    finally:
        store.close()


def test_session_cookie_is_signed_and_expires() -> None:
    secret = b"x" * 32
    session = WebSession.new(key_id=7, key_prefix="1a2b3c4d")
    value = encode_session(session, secret=secret)
    decoded = decode_session(value, secret=secret)
    assert decoded is not None
    assert (decoded.csrf, decoded.key_id, decoded.key_prefix) == (session.csrf, 7, "1a2b3c4d")

    payload, signature = value.split(".")
    assert decode_session(value, secret=b"y" * 32) is None
    assert decode_session(f"{payload}x.{signature}", secret=secret) is None
    assert decode_session("garbage", secret=secret) is None
    later = time.time() + SESSION_MAX_AGE_S + 60
    assert decode_session(value, secret=secret, now=later) is None


def test_an_undetermined_foot_names_its_closest_reading_not_a_confidence(
    open_server: Server, real_scans: list[dict[str, str]]
) -> None:
    # The right shoe's first scan: the model's closest class is too uncertain to name. Its
    # confidence is that class's probability, so next to "Undetermined" the pages name
    # the class instead of showing the figure as confidence in having no reading.
    scan = next(row for row in real_scans if row["file"].startswith("036893R_20171106"))
    photo = Path(scan["path"])
    with open_server.api() as api:
        response = api.post(
            "/v1/analyses",
            files={"image": (photo.name, photo.read_bytes())},
            data={"view": "print", "side": "right", "subject_ref": "undetermined-wording"},
        )
    assert response.status_code == 201, response.text
    analysis = response.json()
    (foot,) = analysis["feet"]
    assert foot["label"] == "undetermined"
    closest = max(foot["probabilities"], key=foot["probabilities"].get).capitalize()
    percent = round(foot["confidence"] * 100)
    with httpx.Client(base_url=open_server.url, timeout=60) as browser:
        page = browser.get(f"/analyses/{analysis['id']}").text
        listing = browser.get("/analyses", params={"subject_ref": "undetermined-wording"}).text
    assert f"Closest reading: {closest}</span>" in page
    assert f'<span class="confidence-value">{percent}%</span>' in page
    assert f"reading Undetermined (closest: {closest}, {percent}%)." in page  # the alt
    assert f"Undetermined, {percent}% confidence" not in page
    badge = re.search(r'<span class="badge badge-undetermined small">(.*?)</span></div>', listing)
    assert badge, listing
    assert "Undetermined" in badge.group(1)
    assert "%" not in badge.group(1)


def test_a_print_page_gives_the_lean_the_print_is_judged_by() -> None:
    # A print blank under the arch (model.explain.sole_lean): its page gives the balance
    # over the heel, the ball and the toes; an outsole's page the whole sole's.
    metrics = {"mlwi_total": 0.34, "mlwi_without_midfoot": -0.29, "mlwi_midfoot": 0.74}
    print_balance = measures(metrics, view="print")[0]
    assert print_balance.value == "\u22120.29"
    assert print_balance.note.startswith("over the heel, the ball and the toes;")
    outsole_balance = measures(metrics, view="outsole")[0]
    assert outsole_balance.value == "+0.34"
    assert outsole_balance.note.startswith("over the whole sole;")
    # A print's result stored by an earlier solescan has the whole sole's figure only.
    stored = measures({"mlwi_total": 0.34, "mlwi_midfoot": 0.74}, view="print")[0]
    assert (stored.value, stored.note.split(";")[0]) == ("+0.34", "over the whole sole")


def test_the_pages_give_a_probability_the_percentage_the_analysis_texts_give() -> None:
    # The pages read each probability from the stored JSON (0.985 for 0.98503); the
    # explanation's sentences and the overlay read it from the analysis: all say 99%.
    assert pct(0.985) == 99
    assert (pct(None), pct(float("nan")), pct(1.2), pct(-0.1)) == (0, 0, 100, 0)
