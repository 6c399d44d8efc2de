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
