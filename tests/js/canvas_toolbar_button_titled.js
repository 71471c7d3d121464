// Whether a canvas toolbar (in its component's shadow root) has a button titled `title`.
(title) => [...document.querySelectorAll('[class*="st-key-canvas"] *')]
  .some((el) => el.shadowRoot && [...el.shadowRoot.querySelectorAll('.dc-icon-button')]
    .some((button) => button.getAttribute('title') === title))
