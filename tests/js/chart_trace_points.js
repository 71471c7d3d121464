// [name, number of points] of every trace of the Plotly charts matching `selector`.
(selector) => [...document.querySelectorAll(selector)]
  .flatMap((div) => div.data.map((t) => [t.name, (t.x || []).length]))
