// The pages work without this script; with it they are nicer: countdowns that tick,
// previews of the photos chosen, the refund estimate as the form changes, select-all in the
// queue, the import's progress bar, canned replies in the reply box. Every word it shows
// comes from the page (data-i18n-*).
"use strict";
(() => {
  const body = document.body;
  const word = (k) => body.dataset["i18n" + k] || "";

  // Countdowns: <time class="countdown" datetime="…"> says what is left or overdue.
  const span = (ms) => {
    const [d, h, min, sep] = word("Units").split("|"); // "%d天|%d小时|%d分钟|" or "%d d|%d h|%d min| "
    const m = Math.floor(Math.abs(ms) / 60000);
    const parts = [[Math.floor(m / 1440), d], [Math.floor((m % 1440) / 60), h], [m % 60, min]];
    const i = parts.findIndex(([n]) => n > 0);
    if (i < 0) return word("Minute");
    const out = [parts[i]];
    if (i < 2 && parts[i + 1][0] > 0) out.push(parts[i + 1]);
    return out.map(([n, f]) => f.replace("%d", n)).join(sep);
  };
  const tick = () => {
    for (const el of document.querySelectorAll("time.countdown[datetime]")) {
      const ms = Date.parse(el.getAttribute("datetime")) - Date.now();
      el.textContent = (ms < 0 ? word("Overdue") : word("Left")).replace("%s", span(ms));
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("soon", ms >= 0 && ms < 86400000);
    }
  };
  if (document.querySelector("time.countdown")) setInterval(tick, 30000);

  // Previews of chosen photos and videos.
  for (const input of document.querySelectorAll("input[type=file][data-preview]")) {
    const box = document.getElementById(input.dataset.preview);
    input.addEventListener("change", () => {
      box.replaceChildren();
      for (const f of input.files) {
        const el = document.createElement(f.type.startsWith("video/") ? "video" : "img");
        el.src = URL.createObjectURL(f);
        if (el.tagName === "IMG") el.alt = f.name;
        box.append(el);
      }
    });
  }

  // The refund estimate follows the form (the same dry run the server shows on load).
  const apply = document.querySelector("form[data-estimate]");
  if (apply) {
    const target = document.getElementById("estimate");
    let seq = 0;
    apply.addEventListener("change", async (e) => {
      if (e.target.name === "evidence") return;
      const q = new URLSearchParams();
      for (const k of ["sku", "quantity", "type", "reason", "refund_method", "lang"]) {
        const el = apply.elements[k];
        if (el && el.value) q.set(k, el.value);
      }
      const mine = ++seq;
      const res = await fetch(apply.dataset.estimate + "?" + q, { headers: { Accept: "text/html" } });
      if (res.ok && mine === seq) target.innerHTML = await res.text();
    });
  }

  // A rejection reason picked from the list starts the note.
  for (const sel of document.querySelectorAll("select[name=note_template]")) {
    sel.addEventListener("change", () => {
      const note = sel.form.elements.note;
      if (note && sel.value && !note.value.startsWith(sel.value)) note.value = sel.value + (note.value ? " " + note.value : "");
    });
  }

  // Select all the cases of the queue's page.
  const all = document.querySelector("input[data-select-all]");
  if (all) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll("input[name=case]")) box.checked = all.checked;
    });
  }

  // The import's progress, until it is done.
  const bar = document.querySelector("progress[data-poll]");
  if (bar) {
    const poll = async () => {
      const res = await fetch(bar.dataset.poll, { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const job = await res.json(); // {done, total (0: unknown), rows, finished}
      if (job.total > 0) {
        bar.max = job.total;
        bar.value = job.done;
      }
      const count = document.getElementById("import-count");
      if (count && bar.dataset.count) count.textContent = bar.dataset.count.replace("%d", job.rows);
      if (job.finished) location.reload();
      else setTimeout(poll, 500);
    };
    setTimeout(poll, 500);
  }

  // Canned replies next to the reply box: picking one from the list puts it in the box
  // (without the script the link reloads the page with the box filled), and "/" with a
  // shortcut then Tab, Enter or a space replaces the shortcut with its reply.
  const reply = document.querySelector("textarea[data-replies]");
  const replyList = reply && document.getElementById(reply.dataset.replies);
  if (reply && replyList) {
    const links = [...replyList.querySelectorAll("a[data-reply-body]")];
    const put = (text, from, to) => {
      reply.setRangeText(text, from, to, "end");
      reply.dispatchEvent(new Event("input", { bubbles: true }));
      reply.focus();
    };
    for (const a of links) {
      a.addEventListener("click", (e) => {
        e.preventDefault();
        put(a.dataset.replyBody, reply.selectionStart, reply.selectionEnd);
      });
    }
    reply.addEventListener("keydown", (e) => {
      if (e.key !== "Tab" && e.key !== "Enter" && e.key !== " ") return;
      const end = reply.selectionStart;
      const m = /(^|\s)\/(\S+)$/.exec(reply.value.slice(0, end));
      const hit = m && links.find((a) => a.dataset.shortcut === m[2]);
      if (!hit) return;
      e.preventDefault();
      put(hit.dataset.replyBody, end - m[2].length - 1, end);
    });
  }

  // Buttons that end or refuse ask once more.
  for (const b of document.querySelectorAll("button[data-confirm]")) {
    b.addEventListener("click", (e) => {
      if (!confirm(b.dataset.confirm)) e.preventDefault();
    });
  }
})();
