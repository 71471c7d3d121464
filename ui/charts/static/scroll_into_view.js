// Brings an element to the top of the window (mounted by ui/charts/player.py's scroll_into_view).
//
// Why a script: Streamlit has no call that scrolls the page. The target arrives as JSON in the application/json
// script element with class cnn-scroll just before this script: {"selector": ".st-key-…", "nonce": n}. The
// element may come a moment after this script; a second look after the layout settles keeps it in place.
// The nonce makes each call's element new, so the browser runs the script again for a new request.
(() => {
  document.querySelectorAll("script.cnn-scroll:not([data-done])").forEach((request) => {
    request.dataset.done = "1";
    const {selector} = JSON.parse(request.textContent);
    let tries = 0;
    const go = () => {
      const target = document.querySelector(selector);
      if (!target) {
        if (tries++ > 100) return;
        setTimeout(go, 50);
        return;
      }
      target.scrollIntoView({block: "start"});
      setTimeout(() => {
        const top = target.getBoundingClientRect().top;
        if (top < 0 || top > window.innerHeight / 2) target.scrollIntoView({block: "start"});
      }, 400);
    };
    go();
  });
})();
