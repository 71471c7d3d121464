// The address of the first layer's kernels image on the Train page's live view (null while there is none).
() => {
  const c = [...document.querySelectorAll("[data-testid='stImageCaption']")]
    .find((e) => e.innerText.includes('first-layer'));
  const img = c && c.parentElement.querySelector('img');
  return img ? img.src : null;
}
