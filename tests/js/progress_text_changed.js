// Whether the progress bar is shown and its text differs from `first`.
(first) => {
  const p = document.querySelector("[data-testid='stProgress']");
  return p && p.innerText !== first;
}
