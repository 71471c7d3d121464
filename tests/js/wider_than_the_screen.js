// How many pixels the page, or its main area, is wider than the window.
() => Math.max(document.documentElement.scrollWidth - window.innerWidth,
  ...[...document.querySelectorAll('[data-testid="stMain"]')].map((m) => m.scrollWidth - m.clientWidth))
