// Questions and answers on a lesson page: ask, answer, accept and (editors) hide or restore through /api/qa/,
// then show the page again as the server renders it.
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=qa]");
  if (!root) return;
  var tokenInput = root.querySelector("input[name=csrfmiddlewaretoken]");

  function send(url, body, errorBox, done) {
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        if (answer.ok) { window.location.reload(); return; }
        if (errorBox) errorBox.textContent = answer.data.message || "";
        if (done) done();
      })
      .catch(function () {
        if (errorBox) errorBox.textContent = root.dataset.failed || "…";
        if (done) done();
      });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest(".qa-form");
    if (!form) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    send(form.dataset.url, { body: form.elements.body.value, format: "text" }, form.querySelector(".qa-error"), function () {
      button.disabled = false;
    });
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    button.disabled = true;
    var body = button.dataset.action === "accept"
      ? { answer_id: parseInt(button.dataset.answer, 10) }
      : { action: button.dataset.to, reason: "" };
    send(button.dataset.url, body, null, function () { button.disabled = false; });
  });
})();
