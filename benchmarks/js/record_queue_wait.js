// Every tickMs, keeps in window.__queue the first queue-wait estimate shown ("about N s", or "under N s" with
// under set), when, and when the queue line went away.
([queuedText, estimatePattern, soonPattern, tickMs]) => {
  clearInterval(window.__queueTimer);
  const q = window.__queue = {estimate: null, under: false, shownAt: null, queued: false, leftAt: null, position: null};
  const about = new RegExp(estimatePattern);
  const under = new RegExp(soonPattern);
  window.__queueTimer = setInterval(() => {
    const main = document.querySelector("[data-testid='stMain']");
    const text = main ? main.innerText : "";
    if (text.includes(queuedText)) {
      q.queued = true;
      const number = text.match(about);
      const m = number || text.match(under);
      if (m && q.estimate === null) {
        q.estimate = Number(m[1]);
        q.under = !number;
        q.shownAt = Date.now();
      }
    } else if (q.queued && q.leftAt === null) {
      q.leftAt = Date.now();
    }
  }, tickMs);
}
