// Whether the Inside page's dot-product text ("… conv2d gives …") is shown and is none of the texts in `seen`.
(seen) => {
  const el = [...document.querySelectorAll('p')].find((p) => p.innerText.includes('conv2d gives'));
  return el && !seen.includes(el.innerText);
}
