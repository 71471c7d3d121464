// The Draw page's canvas, two things its component has no option for (mounted by ui/sections/canvas.py).
//
// Why a script: neither is an option of the component, nor of Streamlit.
//
// 1. Send the drawing the moment a stroke ends. streamlit-drawable-canvas waits 200 ms after the pen lifts
//    before it sends the drawing (a debounce in its script): most of the page's answer time. Its own toolbar
//    button "Update the app with this drawing" sends at once; this clicks it for the user when a stroke ends.
//
// 2. Clear the canvas in the browser, at the click on the app's Clear button. Clear used to give the canvas a
//    new key on the server: until the server's answer replaced it, the old canvas stayed on screen and took
//    the next stroke, which then vanished with it (a stroke drawn during a busy server's rerun: no ink, no
//    answer). Now the same canvas is emptied by its own "Reset canvas & history" button, which sends the
//    empty drawing, before the click even leaves the browser; whatever is drawn after it goes to that same
//    canvas. The server does nothing on Clear, so there is no answer to wait for and nothing to race with.
//
// PINNED to the version ranges in requirements.txt: streamlit-drawable-canvas>=0.13,<0.14 (the canvas's shadow
// root, its .dc-toolbar-card and .dc-icon-button classes, the send button being the card's first child and the
// reset button its last) and streamlit>=1.53,<2 (the st-key-... classes on the canvas's and the button's
// containers). If they change, strokes are sent after the canvas's own debounce (slower, still right), and
// Clear no longer clears: tests/browser/test_browser_canvas.py fails.
export default function () {
  let drawing = null;
  const isCanvas = (el) => el instanceof Element && el.shadowRoot && el.closest('[class*="st-key-canvas_"]');
  const hostOf = (event) => event.composedPath().find(isCanvas);
  const toolbarButton = (host, which) => host.shadowRoot.querySelector(`.dc-toolbar-card > .dc-icon-button:${which}`);
  const down = (event) => { drawing = hostOf(event) || null; };
  const up = () => {
    const host = drawing;
    drawing = null;
    if (!host) return;
    setTimeout(() => {  // after the canvas has added the stroke and scheduled its own, later, send
      const send = toolbarButton(host, "first-child");
      if (send) send.click();
    }, 0);
  };
  const clear = (event) => {
    if (!event.composedPath().some((el) => el instanceof Element && el.matches(".st-key-clear_canvas button"))) return;
    document.querySelectorAll('[class*="st-key-canvas_"] *').forEach((el) => {
      if (!isCanvas(el)) return;
      const reset = toolbarButton(el, "last-child");
      if (reset) reset.click();
    });
  };
  document.addEventListener("pointerdown", down, true);
  document.addEventListener("pointerup", up, true);
  document.addEventListener("click", clear, true);  // capture: before Streamlit hears of the click
  return () => {
    document.removeEventListener("pointerdown", down, true);
    document.removeEventListener("pointerup", up, true);
    document.removeEventListener("click", clear, true);
  };
}
