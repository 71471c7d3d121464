// Each trace of the Plotly chart matching `selector`, as the browser drew it: its name and its points.
(selector) => document.querySelector(selector).data.map((t) => ({name: t.name, x: t.x, y: t.y}))
