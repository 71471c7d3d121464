// Every tickMs, keeps in window.__queue the first queue-wait estimate shown ("about N s"; "a few seconds" is kept
// as at most soonS, with under set), when, every later change of it (trace: [ms, seconds, under]), and when the
// queue line went away.
([queuedText, estimatePattern, soonText, soonS, tickMs]) => {
  clearInterval(window.__queueTimer);
  const q = window.__queue = {estimate: null, under: false, shownAt: null, queued: false, leftAt: null,
                              position: null, trace: []};
  const about = new RegExp(estimatePattern);
  window.__queueTimer = setInterval(() => {
    const main = document.querySelector("[data-testid='stMain']");
    const text = main ? main.innerText : "";
    if (text.includes(queuedText)) {
      q.queued = true;
      const m = text.match(about);
      if (m || text.includes(soonText)) {
        const seconds = m ? Number(m[1]) : soonS;
        const last = q.trace[q.trace.length - 1];
        if (!last || last[1] !== seconds || last[2] !== !m) {
          q.trace.push([Date.now(), seconds, !m]);
        }
        if (q.estimate === null) {
          q.estimate = seconds;
          q.under = !m;
          q.shownAt = Date.now();
        }
      }
    } else if (q.queued && q.leftAt === null) {
      q.leftAt = Date.now();
    }
  }, tickMs);
}
