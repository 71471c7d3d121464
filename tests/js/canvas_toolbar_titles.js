// The titles of the canvas toolbars' buttons (drawn in their components' shadow roots).
() => [...document.querySelectorAll('[class*="st-key-canvas"] *')]
  .filter((el) => el.shadowRoot)
  .flatMap((el) => [...el.shadowRoot.querySelectorAll('.dc-icon-button')].map((b) => b.title))
