"""End to end, runs and rooms: Chromium against real Streamlit servers (`streamlit run app.py`; the room's on the
session's workshop server, `server.py` with an instructor key) and real databases.

Two networks' curves overlaid in the Runs view (as Plotly drew them) through a reload and a rename, two students
in a room (one solves, one sees a solution once the instructor allows it and trains), and two fresh servers sharing
one PostgreSQL (their first visitors come by deep links; the second, with one training slot, gives a closed tab's
slot to the next in line). (A Fashion-MNIST run, then Draw and the workspace link after a reload:
tests/browser/test_spanish_browser.py, in Spanish.)
Trainings use the shortest time budget (5 s) to keep this quick.
"""

import re

import pytest
from browsing import errors_on, js, new_page, open_page, settle, shot, streamlit_server, visitor_tab
from conftest import INSTRUCTOR_KEY

from cnn_core.base import texts

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


def train_briefly(page, base: str | None, dataset_label: str | None = None, query: str = "",
                  member: bool = False) -> str | None:
    """Train for 5 seconds on the Train page; returns the workspace code from the URL (a room's ``member``: checks
    that the address has none, and returns None).

    ``base=None`` goes there through the menu, staying in the same browser session; ``query`` is added
    to the page's address otherwise (a workspace link, an architecture).
    """
    if base is None:
        page.get_by_role("link", name="Train").click(timeout=90_000)  # the 2-core CI machine can be busy
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    else:
        open_page(page, f"{base}/train?lang=en{query}", "text=Train")
    if dataset_label:
        page.get_by_text(dataset_label, exact=True).click()
        settle(page)
    page.get_by_text("training time", exact=True).click()
    slider = page.get_by_role("slider", name="Seconds of training")
    slider.wait_for(timeout=20_000)
    slider.focus()
    page.keyboard.press("Home")  # 5 seconds, the shortest
    settle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector("text=Test accuracy", timeout=120_000)
    if member:  # a room's member: the address never names the workspace, on any page
        assert "ws=" not in page.url, page.url
        return None
    page.wait_for_function("() => location.search.includes('ws=')", timeout=20_000)
    return re.search(r"ws=([A-Za-z0-9_-]{22})", page.url).group(1)


OVERLAY = ".st-key-runs_overlay .js-plotly-plot"  # the curves, not the parameters chart under them
LINE_STYLES = (texts.table("en")["curve.train_epoch"], texts.table("en")["curve.validation"])


def overlaid_runs(page) -> dict[str, int]:
    """The Runs view's overlay as Plotly drew it: each trace name and how many points it plots, summed."""
    page.wait_for_selector(OVERLAY, timeout=60_000)
    page.wait_for_function("(selector) => document.querySelector(selector).data?.length > 0", arg=OVERLAY, timeout=30_000)
    traces = page.evaluate(js("chart_trace_points"), OVERLAY)
    points: dict[str, int] = {}
    for name, n in traces:
        if name not in LINE_STYLES:  # the grey legend entries that say which line is training, which validation
            points[name] = points.get(name, 0) + n
    return points


def legend(page) -> list[str]:
    return page.locator(f"{OVERLAY} .legendtext").evaluate_all("texts => texts.map(t => t.textContent)")  # SVG


def picked_run(page) -> str:
    """What the Runs view's run selector shows: the label in its combo box, as drawn."""
    return page.locator(".st-key-w_run_pick input").input_value()


def test_two_networks_overlay_in_the_runs_view_survive_a_reload_and_a_rename_shows_everywhere(server, visitors):
    url = server  # the shared server: this page is a workspace of its own
    with visitor_tab(visitors) as page:
        ws = train_briefly(page, url)  # the tutorial network, 32-64-128
        assert train_briefly(page, url, query=f"&ws={ws}&preset=small") == ws  # 8-16, in the same workspace
        open_page(page, f"{url}/runs?lang=en&ws={ws}", "text=Runs to compare")
        points = overlaid_runs(page)
        [big] = [n for n in points if "32-64-128 ·" in n]
        [small] = [n for n in points if "8-16 ·" in n]
        assert len(points) == 2 and points[big] > 0 and points[small] > 0  # both runs' curves, on one figure
        assert sorted(legend(page)) == sorted([big, small, *LINE_STYLES])  # whose, and which line is which

        page.reload()  # a reload: a new session that only has the link
        page.wait_for_selector("text=Runs to compare", timeout=60_000)
        assert overlaid_runs(page) == points and f"ws={ws}" in page.url

        assert "8-16 ·" in picked_run(page)  # the newest run is the one picked
        name = page.locator("[class*='st-key-w_rename_'] input")
        name.fill("my small net")
        name.press("Enter")
        page.get_by_role("button", name="Rename", exact=True).click()
        page.wait_for_function(js("some_text_includes"), arg=[f"{OVERLAY} .legendtext", "my small net"],
                               timeout=30_000)
        try:  # the selector, not only the chart and the table, shows the new name (it kept the old one)
            page.wait_for_function(js("value_ends_with"), arg=[".st-key-w_run_pick input", "my small net"],
                                   timeout=15_000)
        except Exception:
            pytest.fail(f"after Rename the run selector still shows {picked_run(page)!r}")
        chips = page.locator(".st-key-w_compare").inner_text()  # the compared runs' chips
        assert "my small net" in chips and "8-16" not in chips
        assert not any("8-16" in n for n in overlaid_runs(page))
        assert errors_on(page) == []
        shot(page, "runs-overlay")


def join(page, url: str, room: str, nickname: str) -> None:
    open_page(page, f"{url}/room?lang=en&room={room}", "text=Join the room")
    page.get_by_role("textbox", name="Nickname (optional)").fill(nickname)
    page.get_by_role("button", name="Join the room").click()
    page.wait_for_selector("text=You are in the room", timeout=30_000)


def to_exercises(page) -> None:
    """Through the menu: the same session, the same workspace (the room's address never names it)."""
    page.get_by_role("link", name="Exercises").click(timeout=90_000)
    page.locator(".st-key-check_input_gray button").wait_for(timeout=60_000)


def test_two_students_join_one_solves_and_one_sees_a_solution_once_the_instructor_allows_and_trains(
        browser, workshop_server):
    ex = texts.table("en")
    url = workshop_server  # a room of its own on the workshop server
    with new_page(browser) as teacher, new_page(browser) as ana, new_page(browser) as bea:
        open_page(teacher, f"{url}/room?lang=en", "text=Workshop room")
        teacher.get_by_text("Instructor", exact=False).first.click()
        key = teacher.get_by_role("textbox", name="Instructor key")
        key.fill(INSTRUCTOR_KEY)
        key.press("Enter")
        teacher.get_by_role("button", name="Open a new room").click()
        teacher.wait_for_selector("text=Room link", timeout=30_000)
        link = teacher.locator("[data-testid='stCode']").filter(has_text="?room=").first.inner_text().strip()
        room = re.search(r"room=([A-Z0-9]{6})", link).group(1)
        teacher.locator("[data-testid='stImage']").first.wait_for(timeout=30_000)  # the QR code (drawn after it loads)
        for page, nickname in ((ana, "Ana"), (bea, "Bea")):
            join(page, url, room, nickname)
        teacher.wait_for_selector("text=Board · joined: 2", timeout=30_000)

        # Ana solves an exercise; in a new room nobody gets a solution, and the page says why.
        to_exercises(ana)
        assert ana.locator("[class*='st-key-reveal_']").count() == 0
        assert ana.get_by_text(ex["ex.solutions_withheld"].format(code=room)).count() > 0
        ana.locator(".st-key-ex_input_gray_0 input").fill("784")
        ana.locator(".st-key-ex_input_gray_0 input").press("Enter")
        settle(ana)
        ana.locator(".st-key-check_input_gray button").click()
        ana.wait_for_selector("text=1 of", timeout=30_000)

        # The instructor allows solutions: Bea's next visit offers them, asks first, and counts one as seen.
        teacher.get_by_text(ex["room.solutions"]).click()
        settle(teacher)
        to_exercises(bea)
        bea.locator(".st-key-reveal_relu button").click()
        bea.locator(".st-key-reveal_yes_relu button").click()
        bea.wait_for_selector(f"text={ex['ex.revealed'][:30]}", timeout=30_000)

        train_briefly(bea, None, member=True)  # through the menu: the same session, the same workspace
        # The teacher's board refreshes itself: Bea's point appears in the scatter, labelled, and each
        # student's exercises in their own columns (one solved and none seen, none solved and one seen: a
        # swapped column shows).
        teacher.wait_for_selector(".js-plotly-plot text:has-text('Bea')", timeout=60_000)
        board = teacher.locator("[data-testid='stTable']").first
        header = board.locator("thead th").all_inner_texts()
        rows = {r[header.index(ex["room.col_nickname"])]: r for r in
                (row.locator("th, td").all_inner_texts() for row in board.locator("tbody tr").all())}
        solved, seen = header.index(ex["room.col_solved"]), header.index(ex["room.col_revealed"])
        assert {n: (r[solved], r[seen]) for n, r in rows.items()} == {"Ana": ("1", "0"), "Bea": ("0", "1")}, \
            (header, rows)
        assert not errors_on(teacher) and not any(errors_on(p) for p in (ana, bea))
        shot(teacher, "room")


def menu_names_pages(page) -> None:
    """The menu names the pages as the app does, never by their files' names in pages/."""
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Architecture" in nav and "Exercises" in nav, nav
    assert "exercises" not in nav, nav


@pytest.mark.postgres
def test_two_servers_on_one_postgresql_see_the_same_workspace_and_a_closed_tab_frees_its_slot(
        browser, visitors, postgres_server_url, tmp_path):
    """A run kept through one replica is in the workspace another replica opens. The run is a model file used
    on the Train page (a run of its own, kept like a trained one; trainings keep runs in the tests above).

    Both replicas are fresh, and their first visitor comes by a deep link (to Train; a workspace link to Runs):
    Streamlit's legacy pages/ mode must not leak the file names of pages/ into their menus. The second replica
    (`MAX_CONCURRENT=1`, `ORPHAN_GRACE_S=2`) trains one at a time and lets a training go 2 s after its visitor has:
    one visitor trains, a second queues, the first closes the tab, and the slot goes to the second."""
    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from scripts.pgserver import fresh_database

    model_file = tmp_path / "replica.cnn.zip"
    checkpoint.save(model_file, build_model(PRESETS["tutorial"]), list("0123456789"), dataset="mnist")
    database = fresh_database(postgres_server_url)
    # Replicas as the deployment files start them (server.py) and as a laptop does (app.py): the same app.
    with streamlit_server("server.py", CNN_PLAYGROUND_DATABASE_URL=database) as one, \
            streamlit_server(CNN_PLAYGROUND_DATABASE_URL=database, CNN_PLAYGROUND_MAX_CONCURRENT="1",
                             CNN_PLAYGROUND_ORPHAN_GRACE_S="2") as two, visitor_tab(visitors) as page:
        open_page(page, f"{one}/train?lang=en", "text=Train")
        menu_names_pages(page)
        assert page.locator("h1").first.inner_text().endswith("Train")  # the page the link named
        page.locator(".st-key-w_model_upload input[type=file]").set_input_files(str(model_file))
        page.get_by_role("button", name="Use this model").click(timeout=60_000)
        # The address gets its workspace while the script still runs; the run is stored by the time it says so.
        page.wait_for_selector("text=Model loaded", timeout=60_000)
        settle(page)
        page.wait_for_function("() => location.search.includes('ws=')", timeout=60_000)
        ws = re.search(r"ws=([A-Za-z0-9_-]{22})", page.url).group(1)
        open_page(page, f"{two}/runs?lang=en&ws={ws}", "text=Runs to compare")
        assert page.get_by_text("replica").count() >= 1
        assert errors_on(page) == []
        menu_names_pages(page)

        page.get_by_role("link", name="Train").click(timeout=90_000)  # the same session
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
        settle(page)  # the slider's key press must not land in the page's first run
        page.get_by_role("slider", name="Epochs (passes over the data)").focus()
        page.keyboard.press("End")  # the longest run: minutes
        page.get_by_role("button", name="Train", exact=True).click()
        page.locator("[data-testid='stProgress']").wait_for(timeout=60_000)
        with new_page(browser) as second:  # at once: a context of its own (tabs of one renderer wait on each other)
            open_page(second, f"{two}/train?lang=en", "text=Train")
            second.get_by_role("button", name="Train", exact=True).click()
            second.wait_for_selector("text=Queued: position 1", timeout=30_000)
            page.close()  # the first visitor leaves mid-run
            second.locator("[data-testid='stProgress']").wait_for(timeout=30_000)  # their slot went to the next
            assert second.locator("text=Queued").count() == 0


def test_deleting_a_run_closes_its_confirmation_so_a_second_click_deletes_nothing(server, visitors):
    """The confirmation box stayed open after a deletion, now naming the next run: a second click on the same spot
    deleted that one too. Each run has its own box now; the one that deleted closes with its run."""
    from conftest import app_store as store

    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.store import runs as core_runs

    code = store().create_workspace()
    for preset in ("lenet", "small"):
        raw = checkpoint.to_bytes(build_model(PRESETS[preset]), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip"))
    with visitor_tab(visitors) as page:
        open_page(page, f"{server}/runs?lang=en&ws={code}", "text=Delete")
        page.get_by_role("button", name="Delete", exact=True).click()
        page.get_by_role("button", name="Yes, delete it").click()
        page.wait_for_selector("text=and its model were deleted", timeout=30_000)
        settle(page)
        assert not page.get_by_role("button", name="Yes, delete it").is_visible()
        assert [r.name for r in store().runs(code)] == ["lenet"]  # the newest, shown first, went; nothing else
        assert not errors_on(page)
