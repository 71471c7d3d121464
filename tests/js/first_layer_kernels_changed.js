// Whether the address of the first layer's kernels image (null while there is none) is no longer `first`.
(first) => {
  const c = [...document.querySelectorAll("[data-testid='stImageCaption']")]
    .find((e) => e.innerText.includes('first-layer'));
  const img = c && c.parentElement.querySelector('img');
  return (img ? img.src : null) !== first;
}
