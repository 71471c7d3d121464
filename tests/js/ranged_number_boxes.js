// [label, min, max] of each number box, to compare with a range its label gives («Kernel (de 1 a 32)»).
() => [...document.querySelectorAll('[data-testid="stNumberInput"]')].map((box) => {
  const input = box.querySelector('input');
  const label = box.querySelector('label') ? box.querySelector('label').innerText : '';
  return [label, input.getAttribute('min'), input.getAttribute('max')];
})
