// The page's clock of one press on Train in window.__firstPoint: click, WebSocket messages, progress bar, first point.
(progressSelector, firstPointSelector) => {
  const t = window.__firstPoint = {armed: false, received: [], sent: []};
  document.addEventListener("click", (event) => {
    if (!t.armed && event.target.closest(".st-key-start")) {
      t.armed = true; t.click = event.timeStamp; t.clickIndex = t.received.length; t.clickSent = t.sent.length;
    }
  }, true);
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        t.received.push([performance.now(), event.data.byteLength ?? event.data.size ?? event.data.length]);
      });
    }
    send(data) {
      t.sent.push(performance.now());
      return super.send(data);
    }
  };
  new MutationObserver(() => {
    if (!t.armed) return;
    if (t.progress === undefined && document.querySelector(progressSelector)) t.progress = performance.now();
    if (t.point === undefined && document.querySelector(firstPointSelector)) {
      t.point = performance.now();
      requestAnimationFrame(() => setTimeout(() => { t.painted = performance.now(); }, 0));
    }
  }).observe(document, {subtree: true, childList: true});
}
