// Whether the main area's first element holds the hints' style sheet (no element of the page's own comes before it).
() => {
  const first = document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]');
  return !!first && !!first.querySelector('style[data-cnn-hints]');
}
