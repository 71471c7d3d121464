// Streamlit's and the drawing canvas's own English, put in the reader's language in the browser.
//
// Mounted by ui/shell/component_texts.py as a Streamlit component (st.components.v2) on every page; its data
// (component.data) are the locale files' texts, by name: {canvasTooltips, upload, drop, skip, earlier, tooLarge,
// wrongType, uploadFailed, labels}, every one a string (labels, earlier and canvasTooltips: JSON, so Streamlit
// does not import pandas to check them for a dataframe). Nothing a user typed goes through it.
//
// Why a script at all: these texts have no option to change them and cannot be hidden without losing a
// control (.streamlit/config.toml already removes what an option can: the ⋮ menu with toolbarMode =
// "minimal", the tables' "Download as CSV" with disableDataExport). What is left: the upload button's
// "Upload" and its "Drag and drop a file here", the error a refused file gets under its chip (written by
// the browser before anything reaches the server), the "Skip to main content" link, the table, chart and
// code toolbars' buttons ("Fullscreen", "Search", "Show/hide columns", "Copy to clipboard") and their
// tooltips, and the canvas toolbar's tooltips (inside the canvas's shadow root, out of reach of styles).
//
// PINNED to the version ranges in requirements.txt, streamlit>=1.53,<2 (written against 1.67) and
// streamlit-drawable-canvas>=0.13,<0.14: it finds those texts by Streamlit's data-testid attributes
// (stFileUploaderDropzone, stFileChip, stElementToolbarButton, stSkipToContent), by role="tooltip", by the
// canvas's .dc-icon-button class, and rewrites React's own text nodes in place. None of that is a public
// API: when Streamlit changes it, tests/browser/test_spanish_browser.py and tests/browser/test_spanish_walk.py fail (they
// look for every one of these English texts on every page in Spanish). The style sheet in
// component_texts.py keeps the upload button, the refusal line and the skip link hidden until this script
// has marked them (data-cnn-texts), so if it ever stops matching the reader sees no English, only no button.
//
// Cost: it looks at the page at most once per frame. Mutations are batched with requestAnimationFrame (the
// rewrite still lands before the browser paints that frame, so no English flashes), and mutations inside the
// Inside page's animation player (.cnnp-player, redrawn many times a second) are ignored.
export default function (component) {
  const data = component.data || {};
  const labels = JSON.parse(data.labels || "{}");  // Streamlit's English, or our text in any language → ours now
  // Our upload, drop and skip texts in every language: a language switch leaves React's nodes holding the
  // texts written for the language before, which are rewritten like Streamlit's own English.
  const earlier = JSON.parse(data.earlier || "{}");
  const was = (key, text) => (earlier[key] || []).includes(text);
  const canvasTooltips = JSON.parse(data.canvasTooltips || "{}");

  const textNodes = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  };
  // Assign only a different text: writing even the same text is a change, which would wake the observer again
  // and again (in English "Upload" stays "Upload": that loop once froze the page).
  const setText = (node, wanted) => {
    if (wanted !== null && wanted !== undefined && node.nodeValue !== wanted) node.nodeValue = wanted;
  };
  const label = (text) => (Object.prototype.hasOwnProperty.call(labels, text) ? labels[text] : null);

  // A file the browser refused before sending it (too big for the server, not a .zip): Streamlit writes
  // "Error: File must be 200.0MB or smaller." under the chip and in its hover tooltip. One table of its
  // English, matched whole, to what the reader is told instead; the line stays hidden until it is theirs.
  const UPLOAD_ERRORS = [
    [/^File must be .* or smaller\.$/, data.tooLarge],
    [/^(?:.* files are not allowed|File type not allowed)\.$/, data.wrongType],
    [/^(?:Only one file is allowed|File size is too small|Unexpected error\. Please try again|Upload failed)\.?$/,
      data.uploadFailed],
  ];
  const ours = new Set([data.tooLarge, data.wrongType, data.uploadFailed]);
  const uploadError = (text) => {
    for (const [english, said] of UPLOAD_ERRORS) if (english.test(text)) return said;
    return null;
  };

  const watched = new WeakSet();
  const observers = [];

  const canvasToolbars = () => {
    document.querySelectorAll('[class*="st-key-canvas"] *').forEach((host) => {
      if (!host.shadowRoot) return;  // the canvas draws its toolbar in a shadow root
      if (!watched.has(host.shadowRoot)) {
        watched.add(host.shadowRoot);
        watch(host.shadowRoot);
      }
      host.shadowRoot.querySelectorAll(".dc-icon-button").forEach((button) => {
        const original = button.dataset.label || button.getAttribute("aria-label");
        const wanted = Object.prototype.hasOwnProperty.call(canvasTooltips, original) ? canvasTooltips[original] : null;
        if (wanted === null || button.title === wanted) return;
        button.dataset.label = original;
        button.title = wanted;
        button.setAttribute("aria-label", wanted);
      });
    });
  };

  const uploadBoxes = () => {
    document.querySelectorAll('[data-testid="stFileUploaderDropzone"]').forEach((zone) => {
      textNodes(zone).forEach((node) => {
        const text = node.nodeValue.trim();
        if (text === "Upload" || was("upload.button", text)) setText(node, data.upload);
        else if (/^Drag and drop (a file|files) here$/.test(text) || was("upload.drop", text)) setText(node, data.drop);
      });
      zone.querySelectorAll("button:not([data-cnn-texts])").forEach((b) => { b.dataset.cnnTexts = "1"; });
    });
    document.querySelectorAll('[data-testid="stFileChip"] [role="alert"]').forEach((line) => {
      textNodes(line).forEach((node) => {  // React's own text nodes, "Error: " and the message: kept, rewritten
        const text = node.nodeValue.trim();
        if (!text || ours.has(text)) return;
        setText(node, text === "Error:" ? "" : (uploadError(text) || data.uploadFailed));  // unknown: try again
      });
      if (!line.dataset.cnnTexts) line.dataset.cnnTexts = "1";
    });
  };

  // Tooltips (the refused file's, on hover; the toolbars' buttons'): known texts only, matched whole.
  const tooltips = () => {
    document.querySelectorAll('[role="tooltip"]').forEach((tip) => {
      textNodes(tip).forEach((node) => {
        const text = node.nodeValue.trim();
        setText(node, uploadError(text) ?? label(text));
      });
    });
  };

  // The toolbars' buttons' screen-reader names ("Fullscreen: table"): the name before ": " only.
  const toolbarButtons = () => {
    document.querySelectorAll('[data-testid="stElementToolbarButton"] button[aria-label]').forEach((button) => {
      const name = button.getAttribute("aria-label");
      const cut = name.indexOf(": ");
      const head = cut < 0 ? name : name.slice(0, cut);
      const wanted = label(head);
      if (wanted && wanted !== head) button.setAttribute("aria-label", wanted + (cut < 0 ? "" : name.slice(cut)));
    });
  };

  const skipLink = () => {  // shown on keyboard focus
    document.querySelectorAll('[data-testid="stSkipToContent"]').forEach((link) => {
      const text = link.textContent;
      if ((text === "Skip to main content" || was("a11y.skip", text)) && data.skip !== text) link.textContent = data.skip;
      if (!link.dataset.cnnTexts) link.dataset.cnnTexts = "1";
    });
  };

  const apply = () => {
    canvasToolbars();
    uploadBoxes();
    tooltips();
    toolbarButtons();
    skipLink();
  };

  let scheduled = 0;
  const inPlayer = (record) => {
    const node = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
    return !!node && !!node.closest(".cnnp-player");
  };
  const changed = (records) => {
    if (scheduled || records.every(inPlayer)) return;
    scheduled = requestAnimationFrame(() => {  // once per frame, before it is painted
      scheduled = 0;
      apply();
    });
  };
  function watch(root) {
    const observer = new MutationObserver(changed);
    observer.observe(root, {childList: true, subtree: true, characterData: true});
    observers.push(observer);
  }

  apply();
  watch(document.body);
  return () => {
    observers.forEach((observer) => observer.disconnect());
    if (scheduled) cancelAnimationFrame(scheduled);
  };
}
