// Whether no script run is going or asked for, the page is connected, nothing stale, every chart drawn ('unknown': no mark).
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState === undefined) return 'unknown';
  return app.dataset.testScriptState === 'notRunning' && app.dataset.testConnectionState === 'CONNECTED'
    && !document.querySelector('[data-stale="true"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every((c) => c.querySelector('.js-plotly-plot'));
}
