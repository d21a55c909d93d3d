"""The browser pages, driven in a real headless Chromium against the running service."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, PageWatch, Server, copy_to

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LABEL_NAMES = {"Neutral", "Overpronation", "Underpronation", "Undetermined"}
Shot = Callable[..., Path]
_THROTTLED = {
    "offline": False,
    "latency": 20,
    "downloadThroughput": 50_000_000,
    "uploadThroughput": 60_000,
}
_UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
RECORD_PROGRESS = """() => {
  window.__progress = [];
  new MutationObserver(() => {
    for (const line of document.querySelectorAll('.upload-state')) {
      if (window.__progress.at(-1) !== line.textContent) window.__progress.push(line.textContent);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _upload_via_api(server: Server, photo: Path, **fields: str) -> dict[str, Any]:
    with server.api() as api:
        response = api.post(
            "/v1/analyses",
            files={"image": (photo.name, photo.read_bytes(), "image/jpeg")},
            data=fields,
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _overlay_loaded(page: Page, analysis_id: str) -> bool:
    return bool(
        page.eval_on_selector(
            f"#analysis-{analysis_id} .overlay img",
            "img => img.complete && img.naturalWidth > 0",
        )
    )


def _readme_screenshot(page: Page, url: str, analysis_id: str, path: Path) -> None:
    """The top of a result page, small enough for the README (docs/screenshots/)."""
    page.set_viewport_size({"width": 1100, "height": 1000})
    page.goto(url)
    page.wait_for_function(
        "id => document.querySelector(`#analysis-${id} .overlay img`).naturalWidth > 0",
        arg=analysis_id,
    )
    raw = page.screenshot()
    image = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=256)
    image.save(path, optimize=True)
    assert path.stat().st_size < 400_000
    page.set_viewport_size(DESKTOP)


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 375 px screen"


def test_upload_photos_and_see_each_result_with_its_overlay(
    page: Page,
    open_server: Server,
    sole_photo: Path,
    pair_photo: Path,
    shot: Shot,
    screenshot_dir: Path,
) -> None:
    subject = f"e2e-{uuid.uuid4().hex[:6]}"
    page.goto(open_server.url + "/")
    expect(page.get_by_role("heading", name="Screen a patient's shoes")).to_be_visible()
    shot("upload-form")

    page.set_input_files("#photos", [str(sole_photo), str(pair_photo)])
    expect(page.locator("[data-file-list] li")).to_have_count(2)
    page.get_by_label("Patient reference").fill(subject)
    shot("photos-chosen")

    # A slow uplink (about 60 KB/s) so that the upload progress can be seen; every state
    # the progress line shows is recorded.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", _THROTTLED)
    page.evaluate(RECORD_PROGRESS)
    page.get_by_role("button", name="Analyse").click()
    expect(page.locator(".upload-item progress").first).to_be_visible()
    expect(page.locator(".upload-item .upload-state").first).to_have_text(
        re.compile(r"Uploading… [1-9]\d?%")
    )
    shot("uploading")
    expect(page.locator(".result")).to_have_count(2, timeout=90_000)
    cdp.send("Network.emulateNetworkConditions", _UNTHROTTLED)
    states = page.evaluate("() => window.__progress")
    uploading = [s for s in states if re.fullmatch(r"Uploading… \d+%", s)]
    assert len(set(uploading)) >= 3, states  # the percentage moved
    assert "Analysing…" in states
    expect(page.locator("[data-form-status]")).to_have_text("2 photos analysed.")

    with open_server.api() as api:
        stored = api.get("/v1/analyses", params={"subject_ref": subject}).json()["items"]
    assert len(stored) == 2
    by_feet = {len(item["feet"]): item for item in stored}
    single, pair = by_feet[1], by_feet[2]

    for analysis in (single, pair):
        card = page.locator(f"#analysis-{analysis['id']}")
        expect(card).to_be_visible()
        page.wait_for_function(
            "id => { const i = document.querySelector(`#analysis-${id} .overlay img`);"
            " return i && i.complete && i.naturalWidth > 0; }",
            arg=analysis["id"],
        )
        alt = card.locator(".overlay img").get_attribute("alt") or ""
        for foot in analysis["feet"]:
            assert foot["side"].capitalize() in alt
        assert "arrow pointing to the inner (medial) edge" in alt
        feet = card.locator("section.foot")
        expect(feet).to_have_count(len(analysis["feet"]))
        for index, foot in enumerate(analysis["feet"]):
            section = feet.nth(index)
            expect(section.locator(".badge")).to_have_text(foot["label"].capitalize())
            percent = round(foot["confidence"] * 100)
            expect(section.locator(".confidence-value")).to_have_text(f"{percent}%")
            assert section.locator("meter").first.get_attribute("value") is not None
            expect(section.locator(".disclaimer")).to_have_text(foot["explanation"]["disclaimer"])
            for item in foot["explanation"]["helps"]:
                expect(section.locator(".helps")).to_contain_text(item)
            for sentence in foot["explanation"]["evidence"]:
                expect(section.locator(".evidence")).to_contain_text(sentence)
        expect(card.locator(".meta")).to_contain_text(subject)
    expect(page.locator(f"#analysis-{pair['id']} .comparison")).to_contain_text(
        "Left and right compared"
    )
    shot("results")

    page.set_viewport_size(PHONE)
    _no_horizontal_scroll(page)
    shot("results-phone")

    # The result page of one photo, as the README shows it.
    _readme_screenshot(
        page,
        f"{open_server.url}/analyses/{single['id']}",
        single["id"],
        screenshot_dir / "readme-result.png",
    )


def test_a_rejected_photo_says_what_to_retake(
    page: Page, open_server: Server, no_sole_photo: Path, text_file: Path, shot: Shot
) -> None:
    subject = f"e2e-{uuid.uuid4().hex[:6]}"
    page.goto(open_server.url + "/")
    page.set_input_files("#photos", [str(text_file), str(no_sole_photo)])
    page.get_by_label("Patient reference").fill(subject)
    page.get_by_role("button", name="Analyse").click()
    problems = page.locator(".upload-item .problem, .results > .problem")
    expect(problems).to_have_count(2, timeout=60_000)

    not_a_photo = page.locator("[data-problem=unsupported_format]")
    expect(not_a_photo.locator("h2")).to_have_text("Not a photo")
    expect(not_a_photo).to_contain_text("This file is not a photo format solescan can read")
    no_sole = page.locator("[data-problem=no_sole_found]")
    expect(no_sole.locator("h2")).to_have_text("No sole found")
    expect(no_sole).to_contain_text("Photograph the bottom of the shoe")
    expect(no_sole).to_contain_text("fill")
    expect(page.locator("[data-form-status]")).to_have_text("0 photos analysed, 2 not analysed.")
    shot("rejected")
    page.set_viewport_size(PHONE)
    _no_horizontal_scroll(page)
    shot("rejected-phone")

    with open_server.api() as api:  # rejected photos are not stored
        assert api.get("/v1/analyses", params={"subject_ref": subject}).json()["items"] == []


def test_confirm_or_correct_the_reading_and_see_it_saved(
    page: Page, open_server: Server, pair_photo: Path, shot: Shot
) -> None:
    analysis = _upload_via_api(open_server, pair_photo, subject_ref="e2e-review")
    left, right = analysis["feet"]
    corrected = next(
        label for label in ("neutral", "overpronation", "underpronation") if label != right["label"]
    )
    page.goto(f"{open_server.url}/analyses/{analysis['id']}")
    assert _overlay_loaded(page, analysis["id"]) or page.wait_for_function(
        "id => document.querySelector(`#analysis-${id} .overlay img`).naturalWidth > 0",
        arg=analysis["id"],
    )
    review = page.locator(f"#review-{analysis['id']}")
    expect(review.locator("[data-review-status]")).to_have_text("Not reviewed yet.")
    # The model's reading is preselected: saving as is confirms it.
    expect(review.locator(f"input[name=label_0][value={left['label']}]")).to_be_checked()
    review.locator(f"input[name=label_1][value={corrected}]").check()
    # The photo was of the other kind than the model read: the clinician says so too.
    other_view = "insole" if analysis["view"] != "insole" else "outsole"
    review.get_by_label("Photo of").select_option(other_view)
    review.get_by_label("Note").fill("Gait analysis agrees on the left.")
    review.get_by_label("Clinician").fill("dr-lee")
    shot("review-filled")
    review.get_by_role("button", name="Save review").click()

    status = page.locator(f"#review-{analysis['id']} [data-review-status]")
    expect(status).to_contain_text("Saved.")
    expect(status).to_contain_text(f"Left foot confirmed as {left['label']}")
    expect(status).to_contain_text(f"Right foot corrected to {corrected}")
    view_name = {"insole": "insole", "outsole": "shoe sole"}[other_view]
    expect(status).to_contain_text(f"Photo corrected to {view_name}")
    expect(status).to_be_focused()
    shot("review-saved")

    with open_server.api() as api:
        stored = api.get(f"/v1/analyses/{analysis['id']}").json()["feedback"]
    assert [(f["index"], f["label"]) for f in stored["feet"]] == [
        (0, left["label"]),
        (1, corrected),
    ]
    assert stored["note"] == "Gait analysis agrees on the left."
    assert stored["clinician"] == "dr-lee"
    assert stored["view"] == other_view

    page.reload()
    review = page.locator(f"#review-{analysis['id']}")
    expect(review.locator(f"input[name=label_1][value={corrected}]")).to_be_checked()
    expect(review.get_by_label("Photo of")).to_have_value(other_view)
    expect(review.locator("[data-review-status]")).to_contain_text("Reviewed.")
    expect(review.get_by_label("Note")).to_have_value("Gait analysis agrees on the left.")


def test_list_reopen_and_delete_an_analysis(
    page: Page, open_server: Server, sole_photo: Path, shot: Shot
) -> None:
    subject = f"e2e-{uuid.uuid4().hex[:6]}"
    kept = _upload_via_api(open_server, sole_photo, subject_ref=subject)
    doomed = _upload_via_api(open_server, sole_photo, subject_ref=subject)

    page.goto(open_server.url + "/analyses")
    expect(page.get_by_role("heading", name="Recent analyses")).to_be_visible()
    page.get_by_label("Patient reference").fill(subject)
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.analyses tbody tr")
    expect(rows).to_have_count(2)
    # Newest first.
    expect(rows.first).to_have_attribute("data-analysis-id", doomed["id"])
    shot("list")
    page.set_viewport_size(PHONE)
    _no_horizontal_scroll(page)
    shot("list-phone")
    page.set_viewport_size(DESKTOP)

    page.locator(f"#analysis-{kept['id']}").get_by_role("link", name="Open").click()
    expect(page).to_have_url(f"{open_server.url}/analyses/{kept['id']}")
    page.wait_for_function(
        "id => document.querySelector(`#analysis-${id} .overlay img`).naturalWidth > 0",
        arg=kept["id"],
    )
    shot("reopened")
    page.go_back()

    page.locator(f"#analysis-{doomed['id']}").get_by_role("button", name="Delete").click()
    expect(page.locator(f"[data-deleted='{doomed['id']}']")).to_be_visible()
    shot("deleted")
    with open_server.api() as api:
        assert api.get(f"/v1/analyses/{doomed['id']}").status_code == 404
        assert api.get(f"/v1/analyses/{kept['id']}").status_code == 200

    page.reload()
    expect(page.locator("table.analyses tbody tr")).to_have_count(1)

    # On the result page, delete leaves a notice in place of the analysis.
    page.goto(f"{open_server.url}/analyses/{kept['id']}")
    page.get_by_role("button", name="Delete analysis").click()
    expect(page.locator(f"[data-deleted='{kept['id']}']")).to_be_visible()
    page.goto(f"{open_server.url}/analyses?subject_ref={subject}")
    expect(page.get_by_text(f"No analyses for patient {subject}.")).to_be_visible()


def test_sign_in_with_the_clinic_key_once_per_session(
    page: Page, keyed_server: Server, sole_photo: Path, watch: PageWatch, shot: Shot
) -> None:
    assert keyed_server.key is not None
    page.goto(keyed_server.url + "/analyses")
    expect(page).to_have_url(f"{keyed_server.url}/signin?next=/analyses")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot("sign-in")

    page.get_by_label("Clinic key").fill("ssk_wrong_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    expect(page.get_by_label("Clinic key")).to_have_attribute("aria-invalid", "true")
    shot("sign-in-refused")

    page.get_by_label("Clinic key").fill(keyed_server.key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{keyed_server.url}/analyses")
    expect(page.locator(".site-footer")).to_contain_text("Signed in for Riverside Podiatry")

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["solescan_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["expires"] == -1  # ends with the browser session
    assert keyed_server.key not in session["value"]
    assert page.evaluate("document.cookie") == ""  # out of reach of scripts

    page.goto(keyed_server.url + "/")
    page.set_input_files("#photos", str(copy_to(sole_photo, sole_photo.parent, "signed-in.jpg")))
    page.get_by_role("button", name="Analyse").click()
    result = page.locator(".result")
    expect(result).to_have_count(1, timeout=60_000)
    analysis_id = result.get_attribute("data-analysis-id")
    page.wait_for_function(
        "id => document.querySelector(`#analysis-${id} .overlay img`).naturalWidth > 0",
        arg=analysis_id,
    )
    shot("signed-in-result")
    with keyed_server.api() as api:
        assert api.get(f"/v1/analyses/{analysis_id}").status_code == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{keyed_server.url}/signin")
    page.goto(f"{keyed_server.url}/analyses/{analysis_id}")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    # The key never travelled in a URL, and no script could keep it.
    assert not [url for url in watch.urls if keyed_server.key in url]
    stored = "Object.keys(localStorage).length + Object.keys(sessionStorage).length"
    assert page.evaluate(stored) == 0


def test_controls_are_labelled_and_usable_by_keyboard(
    page: Page, open_server: Server, sole_photo: Path, shot: Shot
) -> None:
    analysis = _upload_via_api(open_server, sole_photo)
    for path in ("/", "/analyses", f"/analyses/{analysis['id']}"):
        page.goto(open_server.url + path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button, meter')]
                .filter(el => el.type !== 'hidden')
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                              && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
                .map(el => el.outerHTML.slice(0, 80))"""
        )
        assert unlabelled == [], path
        missing_alt = page.evaluate(
            "() => [...document.images].filter(i => !i.hasAttribute('alt')).length"
        )
        assert missing_alt == 0, path
        assert page.locator("h1").count() == 1, path

    page.goto(open_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # Reach the photo picker and the options by keyboard alone, in reading order.
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert focused[:4] == ["photos", "view", "side", "subject_ref"], focused
    width = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#view')).outlineWidth)"
    )
    assert width >= 2
    shot("keyboard-focus")
