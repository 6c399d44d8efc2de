// Small progressive enhancements; every page also works without JavaScript.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});
document.addEventListener("click", (event) => {
  const toggler = event.target.closest("[data-toggle-target]");
  if (!toggler) return;
  const target = document.querySelector(toggler.dataset.toggleTarget);
  const open = target.classList.toggle("show");
  toggler.setAttribute("aria-expanded", open ? "true" : "false");
});

// Phones stack table rows into blocks (static/css/app.css): give each cell its column's header as a label.
function labelTableCells(table) {
  if (!table.tHead) return;
  const grid = [];
  Array.from(table.tHead.rows).forEach((row, r) => {
    grid[r] = grid[r] || [];
    let c = 0;
    for (const cell of row.cells) {
      while (grid[r][c]) c++;
      for (let dr = 0; dr < cell.rowSpan; dr++) {
        grid[r + dr] = grid[r + dr] || [];
        for (let dc = 0; dc < cell.colSpan; dc++) grid[r + dr][c + dc] = cell.textContent.trim().replace(/\s+/g, " ");
      }
      c += cell.colSpan;
    }
  });
  const labels = [];
  grid.forEach((row) => row.forEach((text, c) => {
    labels[c] = labels[c] || [];
    if (text && !labels[c].includes(text)) labels[c].push(text);
  }));
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let c = 0;
      for (const cell of row.cells) {
        if (!cell.hasAttribute("data-label") && labels[c]) cell.setAttribute("data-label", labels[c].join(" "));
        c += cell.colSpan;
      }
    }
  }
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("main table.table:not(.dash-table):not(.section-table)").forEach(labelTableCells);
});

// Button labels wrap only between words: each word becomes an unbreakable span (Chromium's Thai
// dictionary would otherwise split "ตรวจสอบ" into "ตรวจ" and "สอบ").
function keepWordsWhole(el) {
  for (const node of Array.from(el.childNodes)) {
    if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
    const parts = node.textContent.split(/(\s+)/);
    const frag = document.createDocumentFragment();
    for (const part of parts) {
      if (!part) continue;
      if (/^\s+$/.test(part)) { frag.appendChild(document.createTextNode(part)); continue; }
      const span = document.createElement("span");
      span.className = "nobr";
      span.textContent = part;
      frag.appendChild(span);
    }
    node.replaceWith(frag);
  }
  el.classList.add("btn-words");
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".btn").forEach(keepWordsWhole);
});
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  if (root.matches && root.matches(".btn")) keepWordsWhole(root);
  if (root.querySelectorAll) root.querySelectorAll(".btn:not(.btn-words)").forEach(keepWordsWhole);
  if (root.querySelectorAll) root.querySelectorAll("table.table:not(.dash-table):not(.section-table)").forEach(labelTableCells);
});
