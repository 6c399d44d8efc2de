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

// PDF downloads (scorecards): a PDF takes a moment to make. While it is being
// made the link shows that it is busy and ignores further clicks, so a double
// click never starts two. The link carries ?download=<token>; the PDF response
// sets the cookie pdf_download=<token> (reports/views.py), which tells the page
// the file has arrived. Without JavaScript the link is an ordinary download.
(() => {
  const COOKIE = "pdf_download";
  const GIVE_UP_MS = 120000;
  const isPdfLink = (el) => el.matches("a[data-pdf-download], a[href*='scorecard.pdf']");
  const cookie = () => (document.cookie.split("; ").find((c) => c.startsWith(COOKIE + "=")) || "").slice(COOKIE.length + 1);
  const done = (link) => {
    link.classList.remove("disabled");
    link.removeAttribute("aria-disabled");
    link.removeAttribute("aria-busy");
    if (link.dataset.idleHtml !== undefined) link.innerHTML = link.dataset.idleHtml;
    delete link.dataset.busy;
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || !isPdfLink(link)) return;
    if (link.dataset.busy) {
      event.preventDefault();
      return;
    }
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const token = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    const url = new URL(link.href, window.location.href);
    url.searchParams.set("download", token);
    link.dataset.busy = "1";
    link.dataset.idleHtml = link.innerHTML;
    link.classList.add("disabled");
    link.setAttribute("aria-disabled", "true");
    link.setAttribute("aria-busy", "true");
    const spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-1";
    spinner.setAttribute("aria-hidden", "true");
    if (link.dataset.pendingText) link.textContent = link.dataset.pendingText;
    link.prepend(spinner);
    const started = Date.now();
    const timer = window.setInterval(() => {
      if (cookie() === token || Date.now() - started > GIVE_UP_MS) {
        window.clearInterval(timer);
        done(link);
      }
    }, 250);
    window.location.assign(url.toString());
  });
})();
