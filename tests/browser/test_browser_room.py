"""End to end, the workshop room as an instructor runs it: Chromium against the session's workshop server (a real
`streamlit run server.py` with an instructor key, conftest's ``workshop_server``).

The server listens on 127.0.0.1, as on a laptop: the Room page must warn that no phone can open that address
and build the link and QR code on the machine's network address. Thirty students are seeded in the database
the server uses; the projected board must show every one of them. Closing asks, keeps the room, and a
student's open tab sees it closed without a reload. No trainings: the runs are written straight to the store.
"""

import os
import re

import pytest
from browsing import VIEWPORT, errors_on, new_page, open_page, shot, visitor_tab
from conftest import INSTRUCTOR_KEY
from conftest import app_store as store

from cnn_core.base import netaddr, texts
from cnn_core.store.storage import NewRun
from ui.sections.room import BOARD_REFRESH_S, solutions_key
from ui.shell import address

pytestmark = pytest.mark.browser
EN = texts.table("en")
ONLY_HERE = EN["address.server_loopback"].format(address="127.0.0.1")  # true of these test servers: said


def seed(room: str, n: int) -> None:
    """``n`` members, each with one run of a set work, the best last."""
    db = store()
    for i in range(n):
        ws = db.create_workspace()
        assert db.join_room(room, ws, f"student{i:02d}")
        db.add_run(ws, NewRun(name="r", source="trained", dataset="mnist", classes=list("0123456789"),
                              architecture={}, model=os.urandom(64), params=20_000 + 7_000 * i,
                              train_config={"epochs": 1.0, "time_budget_s": None}, test_accuracy=0.9 + i / 400,
                              seconds=20.0, images_per_s=3000.0))


def test_an_instructor_at_127_0_0_1_gets_a_network_link_a_full_board_and_a_kept_closed_room(
        browser, visitors, workshop_server):
    lan = netaddr.lan_addresses()
    # server.py, as the Docker, Compose and Kubernetes files start the app (the guide's hosted path)
    url = workshop_server
    # The instructor in a tab of the session's warm browser context, the students in contexts of their own.
    with visitor_tab(visitors) as teacher, new_page(browser) as student:
        port = url.rsplit(":", 1)[-1]
        # The sidebar's "Share this network" box on Home: the same warning, the same network address.
        open_page(teacher, f"{url}/?lang=en")
        teacher.get_by_text(EN["share.title"]).first.click()
        teacher.wait_for_selector("[data-testid='stSidebar'] >> text=This page was opened at 127.0.0.1", timeout=30_000)
        shared = teacher.locator("[data-testid='stSidebar'] [data-testid='stCode']").filter(
            has_text="?lang=").first.inner_text().strip()
        assert re.match(rf"http://{re.escape(lan[0] if lan else '127.0.0.1')}:{port}/?\?lang=en&", shared), shared
        open_page(teacher, f"{url}/room?lang=en", "text=Workshop room")
        teacher.get_by_text("Instructor", exact=False).first.click()
        key = teacher.get_by_role("textbox", name="Instructor key")
        key.fill(INSTRUCTOR_KEY)
        key.press("Enter")
        teacher.get_by_role("button", name="Open a new room").click()
        teacher.wait_for_selector("text=Room link", timeout=30_000)

        # 127.0.0.1: a warning, and the link (and so the QR code) on this machine's network address.
        teacher.wait_for_selector("text=This page was opened at 127.0.0.1", timeout=30_000)
        # This test's server answers this machine only (--server.address 127.0.0.1): said, with the command.
        teacher.get_by_text(ONLY_HERE).wait_for(timeout=30_000)  # a warning: it is true of this server
        teacher.locator("[data-testid='stCode']").filter(has_text=address.LISTEN_TO_NETWORK).wait_for(timeout=30_000)
        assert not errors_on(teacher) and teacher.get_by_text(ONLY_HERE).count() == 1
        link = teacher.locator("[data-testid='stCode']").filter(has_text="?room=").first.inner_text().strip()
        room = re.search(r"room=([A-Z0-9]{6})", link).group(1)
        if lan:
            assert link == f"http://{lan[0]}:{port}/room?room={room}&lang=en"
        else:  # a machine on no network: the page says what to do
            assert teacher.locator(f"text={EN['address.none'][:40]}").count() == 1
        assert "127.0.0.1" not in link or not lan
        teacher.locator("[data-testid='stImage']").first.wait_for(timeout=30_000)  # the QR code (drawn after it loads)
        assert teacher.locator("h1").filter(has_text=room).count() == 1  # the code in large type

        # Thirty students: every row on the page, five names on the chart, power-of-ten ticks.
        seed(room, 30)
        teacher.wait_for_selector("text=Board · joined: 30", timeout=30_000)
        board = teacher.locator("[data-testid='stTable']").first
        board.locator("tbody tr").nth(29).wait_for(timeout=30_000)  # the fragment draws the table after the title
        assert board.locator("tbody tr").count() == 30
        width = board.evaluate("e => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().right]")
        assert width[0] <= width[1] and width[2] <= VIEWPORT["width"], width  # no column cut off
        assert board.locator("tbody tr").last.inner_text().startswith("30")
        teacher.wait_for_selector(".js-plotly-plot .annotation-text", timeout=30_000)
        names = teacher.locator(".js-plotly-plot .annotation-text").all_text_contents()
        assert sorted(names) == [f"student{i}" for i in range(25, 30)]
        boxes = [b for b in (a.bounding_box() for a in teacher.locator(".js-plotly-plot .annotation-text").all()) if b]
        assert len(boxes) == 5 and not any(  # five names, none drawn over another
            a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"]
            and b["y"] < a["y"] + a["height"] for n, a in enumerate(boxes) for b in boxes[n + 1:])
        ticks = teacher.locator(".js-plotly-plot .xtick text").all_text_contents()
        assert ticks and all(re.fullmatch(r"1(0|,000)*", x) for x in ticks), ticks
        shot(teacher, "room-board-30")

        # A student joins with the room's link: the address never carries their workspace.
        open_page(student, f"{url}/room?lang=en&room={room}", "text=Join the room")
        student.get_by_role("textbox", name="Nickname (optional)").fill("Bea")
        student.get_by_role("button", name="Join the room").click()
        student.wait_for_selector("text=You are in the room", timeout=30_000)
        student.wait_for_timeout(1000)
        assert "ws=" not in student.url and f"room={room}" in student.url
        # A reload (a phone reloads a tab it comes back to) keeps her in the room, on her one row; the tab, not
        # the address, remembered her workspace (ui/shell/tab_memory.py). Another tab is a new visitor.
        student.reload()
        student.wait_for_selector(f"text={EN['room.member_help'][:40]}", timeout=30_000)
        assert student.get_by_role("button", name=EN["room.rename"]).count() == 1 and "ws=" not in student.url
        teacher.wait_for_selector("text=Board · joined: 31", timeout=30_000)
        with new_page(browser) as other_tab:
            open_page(other_tab, f"{url}/room?lang=en&room={room}", "text=Join the room")
            assert other_tab.get_by_role("button", name=EN["room.join"]).count() == 1
            assert other_tab.locator(f"text={EN['room.member_help'][:40]}").count() == 0
        assert teacher.locator("text=Board · joined: 31").count() == 1  # nobody joined twice
        # Another page, opened afresh in the same tab (a reload there): her workspace comes back from the tab, and
        # no page's address carries it (a student's address is passed around; it would hand over her runs).
        open_page(student, f"{url}/train?lang=en", "[data-testid='stSidebar']")
        student.wait_for_selector(f"text={EN['ws.title']}", timeout=30_000)  # her workspace's own link box
        student.wait_for_timeout(1000)
        assert "ws=" not in student.url, student.url
        open_page(student, f"{url}/room?lang=en", f"text={EN['room.member_help'][:40]}")  # back by the menu
        assert "ws=" not in student.url and f"room={room}" in student.url

        # Another instructor tab allows solutions: this tab's switch shows it within one board refresh, untouched
        # (it showed the old value until the next click). The switch's key carries the value it was drawn with.
        assert teacher.locator(f".st-key-{solutions_key(room, False)} input").is_checked() is False
        store().allow_solutions(room, True)
        switch = teacher.locator(f".st-key-{solutions_key(room, True)} input")
        switch.wait_for(state="attached", timeout=(BOARD_REFRESH_S + 5) * 1000)
        assert switch.is_checked()

        # Closing asks; the closed room stays, with its board; the student's tab sees it within a refresh.
        teacher.get_by_role("button", name="Close the room").click()
        teacher.wait_for_selector(f"text=Close room {room}?", timeout=30_000)
        assert not store().room(room).closed
        teacher.get_by_role("button", name="Yes, close it").click()
        teacher.wait_for_selector(f"text={EN['room.closed_board'][:40]}", timeout=30_000)
        assert store().room(room).closed
        picked = teacher.locator("[data-testid='stSelectbox']").first.evaluate(
            "e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")
        assert room in picked, picked  # still the picked room: closing never jumps
        assert EN["room.closed_mark"] in picked, picked  # and it says so (the browser kept the open room's label)
        past = EN["room.past"].split("{count}")[0]  # "Past rooms (closed): " (the shared server may hold others)
        assert teacher.get_by_text(re.compile("^" + re.escape(past))).count() == 1  # listed among past rooms
        assert teacher.locator("h1").filter(has_text=room).count() == 1
        assert teacher.locator("[data-testid='stTable']").first.locator("tbody tr").count() == 31
        assert teacher.get_by_role("button", name="Download the results (CSV)").count() == 1
        # Within one board refresh (and the page's own rerun), without a reload.
        student.wait_for_selector(f"text={EN['room.closed'][:40]}", timeout=(BOARD_REFRESH_S + 5) * 1000)
        assert "ws=" not in student.url
        assert not errors_on(teacher) and not errors_on(student)
        student.get_by_text(EN["ws.title"]).first.click()  # the workspace link lives in its own box
        box = student.locator("[data-testid='stSidebar'] [data-testid='stCode']").filter(has_text="?ws=")
        assert box.count() == 1 and "ws=" not in student.url
        shot(teacher, "room-closed")
