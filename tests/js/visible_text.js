// What a person reads: the text, tables' cells apart, empty inputs' placeholders, shadow roots' texts, no icon names.
() => {
  let text = document.body.innerText;
  document.querySelectorAll('[data-testid="stIconMaterial"]').forEach((icon) => {
    const name = icon.textContent.trim();
    if (name) text = text.split('\n').filter((line) => line.trim() !== name).join('\n');
  });
  document.querySelectorAll('table').forEach((table) => {  // a data grid's cells read as one run of text
    // A data grid draws its number and true/false cells on a canvas through its own (Spanish) formatter; its
    // hidden table for screen readers holds the raw values ("76.5999", "false"), which no one sees.
    const grid = !!table.closest('[data-testid="stDataFrame"]');
    const raw = /^(-?[0-9]+([.][0-9]+)?(e-?[0-9]+)?|true|false)$/;
    const cells = [...table.querySelectorAll('th, td')].map((cell) => cell.textContent.trim())
      .map((cell) => (grid && raw.test(cell) ? '' : cell));
    const flat = table.innerText;
    text = flat && text.includes(flat) ? text.replace(flat, cells.join('\t')) : text + '\n' + cells.join('\t');
  });
  const parts = [text];
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach((el) => {
    if (el.offsetParent !== null && !el.value) parts.push(el.placeholder);
  });
  document.querySelectorAll('*').forEach((el) => {
    if (!el.shadowRoot) return;
    el.shadowRoot.querySelectorAll('*').forEach((inner) => {
      if (inner.children.length === 0 && inner.textContent.trim()) parts.push(inner.textContent);
      if (inner.title) parts.push(inner.title);
    });
  });
  return parts.join('\n');
}
