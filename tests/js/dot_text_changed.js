// Whether the Inside page's dot-product text ("… conv2d gives …") is shown and differs from `before`.
(before) => {
  const el = [...document.querySelectorAll('p')].find((p) => p.innerText.includes('conv2d gives'));
  return el && el.innerText !== before;
}
