// Sets window.__latency to a promise of the milliseconds from now until the prediction reads `expected` (null after 20 s).
(expected) => {
  window.__latency = new Promise((resolve) => {
    const t0 = performance.now();
    const ok = () => {
      const el = document.querySelector('.st-key-prediction h2');
      return el && el.innerText.trim() === expected;
    };
    const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); resolve(performance.now() - t0); } });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
    setTimeout(() => { obs.disconnect(); resolve(null); }, 20000);
  });
}
