"""The app's own browser scripts (ui/*/static/*.js) in Chromium: what they cost the page.

The texts script (ui/shell/static/component_texts.js) watches the whole page for
Streamlit's English. Counted here by how often it looks at the upload boxes
(once per pass): while the Inside page's player animates a sweep, many changes
a second, it must not look at all. Fails (never skips) without Chromium,
Playwright or the real datasets.
"""

from __future__ import annotations

import pytest
from browsing import errors_on, open_page

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

# Counts the texts script's passes over the page: each pass asks for the upload boxes once.
COUNT_PASSES = """(() => {
  window.cnnTextPasses = 0;
  const original = Document.prototype.querySelectorAll;
  Document.prototype.querySelectorAll = function (selector) {
    if (typeof selector === 'string' && selector.includes('stFileUploaderDropzone')) window.cnnTextPasses += 1;
    return original.call(this, selector);
  };
})();"""

# Records the player's counter ("Position 12 of 784") as it changes; true once ``n`` different ones were shown.
FRAMES_SHOWN = """(n) => {
  const counter = document.querySelector('.cnnp-counter');
  if (!counter) return false;
  (window.cnnFramesSeen ||= new Set()).add(counter.textContent);
  return window.cnnFramesSeen.size >= n;
}"""


def test_the_texts_script_does_not_look_at_the_page_while_the_player_animates(server, page):
    page.add_init_script(COUNT_PASSES)
    open_page(page, f"{server}/inside?lang=en", "text=torch.nn.functional.conv2d gives")
    page.wait_for_function("() => window.cnnTextPasses > 0", timeout=60_000)  # the script runs on this page
    page.get_by_role("button", name="▶ Play").first.click()
    page.locator(".cnnp-player canvas").wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=30_000)  # Play's rerun done
    page.wait_for_function(FRAMES_SHOWN, arg=2, timeout=30_000)
    before = page.evaluate("() => window.cnnTextPasses")
    page.wait_for_function(FRAMES_SHOWN, arg=12, timeout=30_000)  # ten more frames drawn by the player
    passes = page.evaluate("() => window.cnnTextPasses") - before
    assert passes <= 1, f"{passes} passes over the page during ten frames of the player"
    page.get_by_role("button", name="⏸ Pause").first.click()
    assert errors_on(page) == []
