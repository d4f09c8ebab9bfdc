"""A CCA joins a screenshot and a file to the FSD the widget's form opened: with the file picker
and by drag and drop, with the upload's progress in view, the desk's reason for a refused file,
the files listed again after a reload, and the desk finding them on the FSD."""

from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.api.fsd.test_attachments_from_widget import PDF, png
from tests.browser.conftest import create_account
from tests.browser.test_feedback import REPLY_MS, fill_fsd_form
from tests.browser.test_widget_layout import box, in_viewport, no_serious_violation, shot

PASSWORD = "mot-de-passe-du-desk-2026"
BIG = 3 * 1024 * 1024  # below the desk's 5 MB, long enough to see it travel when throttled


def drop(zone: Locator, name: str, data: bytes, mime: str) -> None:
    """Drag a file from the desktop and drop it on the zone, as a user does."""
    transfer = zone.page.evaluate_handle(
        """([name, bytes, type]) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
          return transfer;
        }""",
        [name, list(data), mime],
    )
    for event in ("dragenter", "dragover", "drop"):
        zone.dispatch_event(event, {"dataTransfer": transfer})


def progress_values(page: Page, panel: Locator) -> None:
    """Record every value the panel's progress bars take (read back by `seen_progress`)."""
    panel.evaluate(
        """(panel) => {
          window.progressSeen = [];
          new MutationObserver((changes) => {
            for (const change of changes) {
              if (change.target.tagName === "PROGRESS") {
                window.progressSeen.push(Number(change.target.getAttribute("value")));
              }
            }
          }).observe(panel, { attributes: true, subtree: true, attributeFilter: ["value"] });
        }"""
    )


def desk_sees(stack: Any, number: int) -> list[str]:
    """The names of the files SN1 finds on the FSD."""
    create_account(stack, "sn1-web", PASSWORD, "sn1")
    with httpx.Client(base_url=stack.api_url, timeout=10) as desk:
        login = desk.post("/api/v1/auth/token", json={"username": "sn1-web", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        fsd = desk.get(f"/api/v1/fsd/{number}", headers=headers).json()
    return [attachment["filename"] for attachment in fsd["attachments"]]


def test_a_cca_joins_a_screenshot_and_a_file_to_the_fsd(page: Page, stack: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})

    def at_a_choice() -> None:
        shot(page, "fsd-form")
        no_serious_violation(page)
        expect(page.get_by_role("button", name="Annuler la fiche").last).to_be_visible()

    number = fill_fsd_form(page, stack, at_a_choice)
    panel = page.get_by_role("group", name=f"Pièces jointes de la fiche n° {number}")
    expect(panel).to_be_visible()
    files = panel.locator(".chat-upload__file")

    # The file picker.
    with page.expect_file_chooser() as chosen:
        panel.get_by_role("button", name="Choisir des fichiers").click()
    chosen.value.set_files({"name": "capture.png", "mimeType": "image/png", "buffer": png()})
    expect(files.nth(0)).to_contain_text("capture.png", timeout=REPLY_MS)
    expect(files.nth(0)).to_contain_text("jointe")

    # Drag and drop: a PDF, then a text file that only calls itself an image.
    zone = panel.locator(".chat-upload__zone")
    drop(zone, "export.pdf", PDF, "application/pdf")
    expect(files.nth(1)).to_contain_text("jointe", timeout=REPLY_MS)
    drop(zone, "faux.png", b"<p>pas une image</p>", "image/png")
    expect(files.nth(2)).to_contain_text("Ce type de fichier n'est pas accepté", timeout=REPLY_MS)
    expect(files.nth(2).get_by_role("button", name="Réessayer l'envoi de faux.png")).to_be_visible()

    # A long upload shows its progress on the way (the upload throttled to 1 MB/s).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 1 << 20},
    )
    progress_values(page, panel)
    drop(zone, "capture-longue.png", b"\x89PNG\r\n\x1a\n" + bytes(BIG), "image/png")
    expect(files.nth(3).locator("progress")).to_be_visible()
    expect(files.nth(3)).to_contain_text("envoi en cours")
    expect(files.nth(3)).to_contain_text("jointe (3 Mo)", timeout=REPLY_MS)
    seen = page.evaluate("window.progressSeen")
    assert any(0 < value < 100 for value in seen), seen
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    assert in_viewport(page, page.locator("#chat-input"))
    shot(page, "fsd-attachments")
    no_serious_violation(page)

    assert desk_sees(stack, number) == ["capture.png", "export.pdf", "capture-longue.png"]

    # After a reload, the files already joined are listed again; on a phone too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    panel = page.get_by_role("group", name=f"Pièces jointes de la fiche n° {number}")
    expect(panel.locator(".chat-upload__file")).to_have_count(3, timeout=REPLY_MS)
    expect(panel).to_contain_text("capture-longue.png")
    panel.scroll_into_view_if_needed()
    assert box(panel)["x"] + box(panel)["width"] <= 390
    shot(page, "fsd-attachments-mobile")
