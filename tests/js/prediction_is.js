// Whether the Draw page's prediction reads `expected`.
(expected) => {
  const h = document.querySelector('.st-key-prediction h2');
  return h !== null && h.innerText.trim() === expected;
}
