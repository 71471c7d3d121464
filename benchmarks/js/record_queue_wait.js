// Every tickMs, keeps in window.__queue the first queue-wait estimate shown, when, and when the queue line went away.
([queuedText, estimatePattern, tickMs]) => {
  clearInterval(window.__queueTimer);
  const q = window.__queue = {estimate: null, shownAt: null, queued: false, leftAt: null, position: null};
  const pattern = new RegExp(estimatePattern);
  window.__queueTimer = setInterval(() => {
    const main = document.querySelector("[data-testid='stMain']");
    const text = main ? main.innerText : "";
    if (text.includes(queuedText)) {
      q.queued = true;
      const m = text.match(pattern);
      if (m && q.estimate === null) { q.estimate = Number(m[1]); q.shownAt = Date.now(); }
    } else if (q.queued && q.leftAt === null) {
      q.leftAt = Date.now();
    }
  }, tickMs);
}
