// Every tickMs, keeps in window.__queue the first queue-wait estimate shown ("about N s"; "a few seconds" is kept
// as at most soonS, with under set), when, and when the queue line went away.
([queuedText, estimatePattern, soonText, soonS, tickMs]) => {
  clearInterval(window.__queueTimer);
  const q = window.__queue = {estimate: null, under: false, shownAt: null, queued: false, leftAt: null, position: null};
  const about = new RegExp(estimatePattern);
  window.__queueTimer = setInterval(() => {
    const main = document.querySelector("[data-testid='stMain']");
    const text = main ? main.innerText : "";
    if (text.includes(queuedText)) {
      q.queued = true;
      const m = text.match(about);
      if (q.estimate === null && (m || text.includes(soonText))) {
        q.estimate = m ? Number(m[1]) : soonS;
        q.under = !m;
        q.shownAt = Date.now();
      }
    } else if (q.queued && q.leftAt === null) {
      q.leftAt = Date.now();
    }
  }, tickMs);
}
