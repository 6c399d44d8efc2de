// Small progressive enhancements; every page also works without JavaScript.
(function () {
  "use strict";

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

  // A confirmation loaded in place (removing evidence): "ยกเลิก" just closes it.
  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-dismiss-confirm]");
    if (!cancel) return;
    const box = cancel.closest(".evidence-confirm");
    if (box && box.closest("#round-panel")) {
      event.preventDefault();
      box.remove();
    }
  });

  // --- htmx failures: say so beside the control, and put it back to what the server saved ------------

  const MESSAGES = {
    400: "ข้อมูลที่ส่งไม่ถูกต้อง (400) ระบบไม่ได้บันทึก หน้าจอกลับไปแสดงค่าที่บันทึกไว้",
    403: "คุณไม่มีสิทธิ์ทำรายการนี้ หรือหน้านี้เปิดไว้นานเกินไป (403) ระบบไม่ได้บันทึก หน้าจอกลับไปแสดงค่าที่บันทึกไว้",
    404: "ไม่พบรายการนี้แล้ว (404) ระบบไม่ได้บันทึก กรุณาโหลดหน้านี้ใหม่",
    413: "ไฟล์หรือข้อมูลใหญ่เกินกว่าที่รับได้ (413) ระบบไม่ได้บันทึก",
    429: "มีการส่งข้อมูลถี่เกินไป (429) ระบบไม่ได้บันทึก กรุณารอสักครู่แล้วลองอีกครั้ง",
    server: "เกิดข้อผิดพลาดที่เซิร์ฟเวอร์ ({status}) ระบบอาจไม่ได้บันทึกรายการนี้ หน้าจอกลับไปแสดงค่าที่บันทึกไว้ก่อนหน้า กรุณาโหลดหน้านี้ใหม่เพื่อดูผลล่าสุด",
    network: "เชื่อมต่อเซิร์ฟเวอร์ไม่ได้ ระบบยังไม่ได้บันทึกรายการนี้ กรุณาตรวจสอบการเชื่อมต่อแล้วลองอีกครั้ง",
  };

  function formOf(elt) {
    if (!elt) return null;
    return elt.tagName === "FORM" ? elt : elt.closest("form");
  }

  function showError(elt, text) {
    const form = formOf(elt);
    const anchor = form || elt;
    if (!anchor) return;
    if (form) form.reset(); // the values the page was rendered with: what the server saved
    anchor.querySelectorAll(":scope > .htmx-error").forEach((n) => n.remove());
    const box = document.createElement("div");
    box.className = "alert alert-danger htmx-error small mt-2 mb-0";
    box.setAttribute("role", "alert");
    box.textContent = text;
    anchor.appendChild(box);
  }

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const text = MESSAGES[status] || MESSAGES.server.replace("{status}", String(status));
    showError(event.detail.elt, text);
  });
  document.addEventListener("htmx:sendError", (event) => showError(event.detail.elt, MESSAGES.network));
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = formOf(event.detail.elt);
    if (form) form.querySelectorAll(":scope > .htmx-error").forEach((n) => n.remove());
    // A step's save answers with its row only (and its message in it): the last save's message is the one shown.
    document.querySelectorAll("#round-panel .step-flash").forEach((n) => n.remove());
  });

  // --- an expired session: keep what was typed, sign in, come back, fill it in again ------------------

  const UNSAVED = "kpi-unsaved:" + location.pathname;
  const LOGIN_PATH = "/accounts/login/";

  function visibleValues(form) {
    const values = [];
    let files = 0;
    for (const el of form.elements) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
      if (el.type === "file") { files += el.files ? el.files.length : 0; continue; }
      if (el.type === "checkbox" || el.type === "radio") values.push([el.name, el.value, el.checked]);
      else values.push([el.name, el.value, null]);
    }
    return { values, files };
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    let path = "";
    try { path = new URL(xhr.responseURL).pathname; } catch (e) { return; }
    if (xhr.status !== 401 && !path.endsWith(LOGIN_PATH)) return;
    event.detail.shouldSwap = false;
    // detail.elt is the swap target here; the form that sent the request is in requestConfig.
    const form = formOf((event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt);
    if (form) {
      const saved = visibleValues(form);
      sessionStorage.setItem(UNSAVED, JSON.stringify({ action: form.getAttribute("action"), ...saved }));
    }
    location.assign(LOGIN_PATH + "?next=" + encodeURIComponent(location.pathname + location.search));
  });

  function restoreUnsaved() {
    const raw = sessionStorage.getItem(UNSAVED);
    if (!raw) return;
    sessionStorage.removeItem(UNSAVED);
    let saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    const form = Array.from(document.querySelectorAll("form")).find((f) => f.getAttribute("action") === saved.action);
    const note = document.createElement("div");
    note.className = "alert alert-warning small mt-2 mb-0 unsaved-restored";
    note.setAttribute("role", "alert");
    let text = "หมดเวลาการเข้าสู่ระบบก่อนบันทึก: ระบบยังไม่ได้บันทึกรายการนี้";
    if (form) {
      for (const [name, value, checked] of saved.values) {
        for (const el of form.elements) {
          if (el.name !== name) continue;
          if (checked === null) el.value = value;
          else if (el.value === value) el.checked = checked;
        }
      }
      const details = form.querySelector("details");
      if (details) details.open = true;
      text += " ค่าที่คุณกรอกไว้ถูกนำกลับมาแล้ว กรุณาตรวจสอบแล้วกดบันทึกอีกครั้ง";
      if (saved.files) text += " (ไฟล์ที่เลือกไว้ " + saved.files + " ไฟล์ ต้องเลือกใหม่)";
      note.textContent = text;
      form.appendChild(note);
      form.scrollIntoView({ block: "center" });
    } else {
      const typed = saved.values.filter((v) => v[2] === null && v[1]).map((v) => v[1]).join(" / ");
      note.textContent = text + (typed ? " ข้อความที่กรอกไว้: " + typed : "");
      const main = document.getElementById("main");
      if (main) main.prepend(note);
    }
  }

  // --- Buddhist Era calendar over a plain text field (dd/mm/2565) ---------------------------------------

  const MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
    "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"];
  const DAYS = ["อา", "จ", "อ", "พ", "พฤ", "ศ", "ส"];
  // The browser side of the Buddhist Era: the server's one rule is core/thai.py (BE_OFFSET), which
  // reads and writes the dates this calendar shows; keep the two equal.
  const BE = 543;
  const THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙";

  function parseTyped(text) {
    const v = String(text || "").replace(/[๐-๙]/g, (d) => String(THAI_DIGITS.indexOf(d))).trim();
    let m = v.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
    if (m) return new Date(+m[1] >= 2400 ? +m[1] - BE : +m[1], +m[2] - 1, +m[3]);
    m = v.match(/^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/);
    if (m) return new Date(+m[3] >= 2400 ? +m[3] - BE : +m[3], +m[2] - 1, +m[1]);
    return null;
  }
  function iso(d) {
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function typed(d) {
    return String(d.getDate()).padStart(2, "0") + "/" + String(d.getMonth() + 1).padStart(2, "0") + "/" + (d.getFullYear() + BE);
  }

  function openCalendar(input, button) {
    closeCalendars();
    const min = input.dataset.min || "", max = input.dataset.max || "";
    const chosen = parseTyped(input.value);
    let shown = chosen && !isNaN(chosen) ? new Date(chosen.getFullYear(), chosen.getMonth(), 1) : new Date();
    shown.setDate(1);
    const box = document.createElement("div");
    box.className = "be-calendar card shadow-sm p-2";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "ปฏิทิน (พ.ศ.)");
    button.after(box);

    function render() {
      box.textContent = "";
      const head = document.createElement("div");
      head.className = "d-flex justify-content-between align-items-center mb-1";
      const prev = document.createElement("button");
      const next = document.createElement("button");
      const title = document.createElement("strong");
      prev.type = next.type = "button";
      prev.className = next.className = "btn btn-sm btn-outline-secondary";
      prev.textContent = "‹"; prev.setAttribute("aria-label", "เดือนก่อน");
      next.textContent = "›"; next.setAttribute("aria-label", "เดือนถัดไป");
      title.className = "be-calendar-title small";
      title.textContent = MONTHS[shown.getMonth()] + " " + (shown.getFullYear() + BE);
      prev.onclick = () => { shown = new Date(shown.getFullYear(), shown.getMonth() - 1, 1); render(); };
      next.onclick = () => { shown = new Date(shown.getFullYear(), shown.getMonth() + 1, 1); render(); };
      head.append(prev, title, next);
      const grid = document.createElement("div");
      grid.className = "be-calendar-grid";
      DAYS.forEach((d) => { const s = document.createElement("span"); s.className = "small text-muted"; s.textContent = d; grid.append(s); });
      for (let i = 0; i < shown.getDay(); i++) grid.append(document.createElement("span"));
      const last = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
      for (let day = 1; day <= last; day++) {
        const date = new Date(shown.getFullYear(), shown.getMonth(), day);
        const b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-sm be-day";
        b.textContent = String(day);
        b.setAttribute("aria-label", day + " " + MONTHS[date.getMonth()] + " " + (date.getFullYear() + BE));
        if (chosen && iso(chosen) === iso(date)) b.classList.add("btn-primary");
        if ((min && iso(date) < min) || (max && iso(date) > max)) b.disabled = true;
        b.onclick = () => { input.value = typed(date); closeCalendars(); input.focus(); };
        grid.append(b);
      }
      box.append(head, grid);
    }
    render();
    const first = box.querySelector(".be-day.btn-primary, .be-day:not([disabled])");
    if (first) first.focus();
  }
  function closeCalendars() { document.querySelectorAll(".be-calendar").forEach((n) => n.remove()); }

  function enhanceDates(root) {
    root.querySelectorAll("input[data-be-date]:not([data-be-ready])").forEach((input) => {
      input.setAttribute("data-be-ready", "");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary be-calendar-button mt-1";
      button.textContent = "ปฏิทิน";
      button.setAttribute("aria-label", "เลือกวันที่จากปฏิทิน (พ.ศ.)");
      button.onclick = () => (button.nextElementSibling && button.nextElementSibling.classList.contains("be-calendar")
        ? closeCalendars() : openCalendar(input, button));
      input.after(button);
    });
  }
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeCalendars(); });
  document.addEventListener("click", (event) => {
    // A month button re-renders the calendar, so its target may be gone from the page by now.
    if (!event.target.isConnected || event.target.closest(".be-calendar, .be-calendar-button")) return;
    closeCalendars();
  });
  document.addEventListener("htmx:load", (event) => enhanceDates(event.detail.elt));

  function ready() { enhanceDates(document); restoreUnsaved(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();

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
