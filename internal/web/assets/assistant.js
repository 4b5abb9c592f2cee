// The assistant's chat box, nicer with a script: the question goes to the API and the
// answer is appended as a bubble, without reloading the page. Without the script the
// form posts to /assistant and the page shows the conversation again.
(function () {
  "use strict";
  var form = document.getElementById("assistant-form");
  var log = document.getElementById("assistant-log");
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!form || !log || !meta || !window.fetch) return;
  function bubble(text, mine) {
    var p = document.createElement("p");
    p.className = "bubble " + (mine ? "mine" : "theirs");
    p.textContent = text;
    log.appendChild(p);
    p.scrollIntoView({ block: "end" });
  }
  form.addEventListener("submit", function (ev) {
    var text = form.elements.text.value.trim();
    if (!text) return;
    ev.preventDefault();
    bubble(text, true);
    form.elements.text.value = "";
    fetch("/api/v1/assistant/messages", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": meta.content },
      body: JSON.stringify({ text: text, session: form.elements.session.value, lang: form.elements.lang.value })
    }).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.json();
    }).then(function (r) {
      form.elements.session.value = r.session;
      bubble(r.answer, false);
    }).catch(function () {
      form.elements.text.value = text;
      form.submit(); // the page answers without the script
    });
  });
})();
