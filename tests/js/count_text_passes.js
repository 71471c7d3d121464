// Counts the texts script's passes over the page in window.cnnTextPasses: each pass asks for the upload boxes once.
() => {
  window.cnnTextPasses = 0;
  const original = Document.prototype.querySelectorAll;
  Document.prototype.querySelectorAll = function (selector) {
    if (typeof selector === 'string' && selector.includes('stFileUploaderDropzone')) window.cnnTextPasses += 1;
    return original.call(this, selector);
  };
}
