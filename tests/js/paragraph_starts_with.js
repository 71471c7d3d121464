// Whether a paragraph of the page starts with `start`.
(start) => [...document.querySelectorAll('p')].some((p) => p.innerText.startsWith(start))
