// Whether the player's red window is shown and no longer at the left position `x`.
(x) => {
  const w = document.querySelector('.cnnp-window');
  return w && w.getBoundingClientRect().x !== x;
}
