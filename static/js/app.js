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

// A table wider than the screen scrolls inside its .table-responsive box. Such a box is made
// reachable with Tab (the arrow keys then scroll it) and named after its section's heading, for
// keyboard and screen-reader users; a box that fits the screen is left alone.
function focusScrollingTables() {
  for (const box of document.querySelectorAll(".table-responsive")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      const heading = box.closest("section, article, main")?.querySelector("h1, h2, h3, figcaption");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (heading ? heading.textContent : document.title).trim());
      box.dataset.scrollFocus = "1";
    } else if (!scrolls && box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollFocus;
    }
  }
}
document.addEventListener("DOMContentLoaded", focusScrollingTables);
window.addEventListener("resize", focusScrollingTables);
document.addEventListener("htmx:afterSettle", focusScrollingTables);
