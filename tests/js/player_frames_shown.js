// Records the player's counter ("Position 12 of 784") as it changes; true once `n` different ones were shown.
(n) => {
  const counter = document.querySelector('.cnnp-counter');
  if (!counter) return false;
  (window.cnnFramesSeen ||= new Set()).add(counter.textContent);
  return window.cnnFramesSeen.size >= n;
}
