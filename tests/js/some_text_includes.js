// Whether an element matching `selector` has a text content that includes `text` (SVG text has no innerText).
([selector, text]) => [...document.querySelectorAll(selector)].some((e) => e.textContent.includes(text))
