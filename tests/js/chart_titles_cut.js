// The texts of chart titles that run past their figure's edge (Plotly never wraps a title).
() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((chart) => {
  const box = chart.getBoundingClientRect();
  return [...chart.querySelectorAll('.gtitle')].filter((title) => {
    const r = title.getBoundingClientRect();
    return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
  }).map((title) => title.textContent);
})
