// Whether the Inside overview's detail is shown whole inside the window (to the pixel, from its top).
() => {
  const el = document.querySelector('.st-key-overview_detail');
  if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.top > -1 && r.bottom <= window.innerHeight;
}
