// Sends the Draw page's drawing the moment a stroke ends (mounted by ui/sections/draw.py).
//
// Why a script: streamlit-drawable-canvas waits 200 ms after the pen lifts before it sends the drawing (a
// debounce in its script, with no option to change it): most of the page's answer time. Its own toolbar button
// "Update the app with this drawing" sends at once; this clicks it for the user when a stroke ends on a canvas.
//
// PINNED to the version ranges in requirements.txt: streamlit-drawable-canvas>=0.13,<0.14 (the canvas's shadow
// root, its .dc-toolbar-card and .dc-icon-button classes, the send button being the first one) and
// streamlit>=1.53,<2 (the st-key-... class on the canvas's container). If they change, nothing breaks: the
// canvas sends after its own debounce (tests/browser/test_browser.py's drawing test still passes, only slower).
export default function () {
  let drawing = null;
  const hostOf = (event) => event.composedPath().find(
    (el) => el instanceof Element && el.shadowRoot && el.closest('[class*="st-key-canvas"]'));
  const down = (event) => { drawing = hostOf(event) || null; };
  const up = () => {
    const host = drawing;
    drawing = null;
    if (!host) return;
    setTimeout(() => {  // after the canvas has added the stroke and scheduled its own, later, send
      const send = host.shadowRoot.querySelector(".dc-toolbar-card .dc-icon-button");
      if (send) send.click();
    }, 0);
  };
  document.addEventListener("pointerdown", down, true);
  document.addEventListener("pointerup", up, true);
  return () => {
    document.removeEventListener("pointerdown", down, true);
    document.removeEventListener("pointerup", up, true);
  };
}
