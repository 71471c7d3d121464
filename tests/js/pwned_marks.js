// What an injected payload would have set: window.__pwned of the page and of each iframe it may read.
() => [window.__pwned, ...Array.from(document.querySelectorAll('iframe')).map((f) => {
  try { return f.contentWindow.__pwned; } catch (e) { return null; }
})].filter((v) => v !== undefined && v !== null)
