// The Inside page's step-through player (mounted by ui/charts/player.py through one st.html element).
//
// Why a script: a convolution or pooling sweep is played at the chosen speed with no round trip to the
// server, so it keeps its pace however busy the server is; no Streamlit element animates a sequence of
// frames. The whole sweep arrives once, as JSON in an application/json script element next to each
// .cnnp-player element (its id + "-data"), with named fields (see player.show's docstring). Every text is
// set with textContent ("**x**" becomes a bold node), never as HTML.
//
// Streamlit's sanitizer drops a script whose text looks like markup: nothing here may contain a "<" that
// is followed by a letter, "/" or "!" (tests/app/test_player.py checks).
(() => {
  const el = (tag, cls, parent) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  };
  const rich = (node, text) => {  // "**x**" becomes a bold node; everything else stays text
    node.replaceChildren(...text.split("**").map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const b = document.createElement("b");
      b.textContent = part;
      return b;
    }));
  };

  const start = (root) => {
    root.dataset.started = "1";
    const data = JSON.parse(document.getElementById(root.id + "-data").textContent);
    const row = el("div", "cnnp-row", root);
    const panel = (title) => {
      const p = el("div", "cnnp-panel", row);
      el("div", "cnnp-title", p).textContent = title;
      return p;
    };
    // the input map: a picture with the window outlined over it
    const input = data.input;
    const frame = el("div", "cnnp-map", panel(input.title));
    frame.style.width = input.px + "px";
    const img = el("img", "", frame);
    img.src = input.src;
    img.alt = input.title;
    const win = el("div", "cnnp-window", frame);
    const [rows, cols] = input.cells;  // the picture's side, in map cells (padding included)
    win.style.width = (100 * input.window / cols) + "%";
    win.style.height = (100 * input.window / rows) + "%";
    // the number grids
    const grids = data.grids.map((grid) => {
      const box = el("div", "cnnp-grid", panel(grid.title));
      box.style.gridTemplateColumns = `repeat(${grid.side}, ${grid.cell_px}px)`;
      const cells = [];
      for (let i = 0; i < grid.side * grid.side; i++) {
        const c = el("div", "cnnp-cell", box);
        c.style.height = grid.cell_px + "px";
        cells.push(c);
      }
      return cells;
    });
    const paint = (cells, values, mark) => {  // values: {texts, colors, dark}
      cells.forEach((c, i) => {
        c.textContent = values.texts[i];
        c.style.background = values.colors[i];
        c.style.fontSize = values.texts[i].length > 5 ? "10px" : "";  // 1.2e-05 in a 40 px cell
        c.style.color = values.dark[i] ? "#000" : "#fff";
        c.classList.toggle("cnnp-mark", i === mark);
      });
    };
    data.grids.forEach((grid, i) => { if (grid.cells) paint(grids[i], grid.cells, -1); });
    // the output map, filled in up to the current neuron
    const output = data.output;
    const canvas = el("canvas", "cnnp-out", panel(output.title));
    const [outH, outW] = output.shape;
    const scale = Math.max(1, Math.floor(output.px / Math.max(outH, outW)));
    canvas.width = outW * scale;
    canvas.height = outH * scale;
    canvas.style.width = Math.min(output.px, outW * scale) + "px";
    const ctx = canvas.getContext("2d");
    const lines = data.frames[0].lines.map(() => el("p", "cnnp-line", root));
    const counter = el("div", "cnnp-counter", root);

    const show = (f) => {
      const [top, left] = f.window;
      win.style.left = (100 * left / cols) + "%";
      win.style.top = (100 * top / rows) + "%";
      f.grids.forEach((values, i) => { if (values) paint(grids[i], values, f.mark === null ? -1 : f.mark); });
      ctx.fillStyle = output.empty;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      for (let i = 0; i <= f.output_index; i++) {
        ctx.fillStyle = output.colors[i];
        ctx.fillRect((i % outW) * scale, Math.floor(i / outW) * scale, scale, scale);
      }
      ctx.strokeStyle = output.current;
      ctx.lineWidth = Math.max(2, Math.min(3, scale / 3));
      ctx.strokeRect((f.output_index % outW) * scale + 1, Math.floor(f.output_index / outW) * scale + 1,
                     scale - 2, scale - 2);
      f.lines.forEach((text, i) => rich(lines[i], text));
      counter.textContent = f.counter;
    };

    let shown = 0;
    show(data.frames[0]);
    const every = 1000 / data.speed;
    const t0 = performance.now();
    const timer = setInterval(() => {
      if (!root.isConnected) { clearInterval(timer); return; }
      // by the clock, not by counting ticks: a late tick skips ahead instead of slowing the sweep down
      const next = Math.min(data.frames.length - 1, Math.floor((performance.now() - t0) / every));
      if (next !== shown) { shown = next; show(data.frames[shown]); }
      if (shown >= data.frames.length - 1) clearInterval(timer);
    }, Math.max(10, every / 4));
  };

  document.querySelectorAll(".cnnp-player:not([data-started])").forEach(start);
})();
