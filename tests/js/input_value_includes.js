// Whether an input matching `selector` has a value that includes `option`.
([selector, option]) => [...document.querySelectorAll(selector)].some((el) => el.value.includes(option))
