// Whether the input matching `selector` has a value that ends with `end`.
([selector, end]) => document.querySelector(selector)?.value.endsWith(end)
