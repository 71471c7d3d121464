"""Each page's sections, one module (or a few ``inside_*``) per page they serve: architecture, train,
draw, inside, exercises, room, runs. Sections may use shell, charts and base, and a page's module
may use another page's (exercises build networks with the architecture sliders)."""
