// Reports the player's position to the server, which decides how far the learner got and whether the
// lesson is complete. Nothing here can mark anything complete by itself.
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=lesson]");
  if (!root || !root.dataset.signedIn) return;
  var player = root.querySelector("[data-testid=player]");
  var bar = root.querySelector("[data-testid=lesson-progress-bar]");
  var label = root.querySelector("[data-testid=lesson-progress]");
  var done = root.querySelector("[data-testid=lesson-done]");
  var message = root.querySelector("[data-testid=lesson-message]");
  var completeButton = root.querySelector("[data-testid=complete]");
  var tokenInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var i18n = JSON.parse(document.getElementById("lesson-i18n").textContent);
  var sending = false;
  var pending = false;
  var lastSent = -1;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function show(state) {
    if (!state) return;
    bar.style.width = state.percent + "%";
    label.textContent = state.percent + "%";
    if (state.completed) {
      done.hidden = false;
      if (completeButton) completeButton.hidden = true;
      message.textContent = "";
    }
    root.dataset.percent = state.percent;
    root.dataset.completed = state.completed ? "1" : "";
  }

  function report(force) {
    if (!player) return;
    if (sending) { pending = pending || force; return; }
    var position = player.currentTime || 0;
    if (!force && Math.abs(position - lastSent) < 1) return;
    sending = true;
    post(root.dataset.progressUrl, { position_seconds: position })
      .then(function (r) { if (r.ok) { lastSent = position; show(r.data); } })
      .catch(function () { message.textContent = i18n.failed; })
      .finally(function () {
        sending = false;
        if (pending) { pending = false; report(true); }
      });
  }

  if (player) {
    var resume = parseFloat(root.dataset.resume || "0");
    player.addEventListener("loadedmetadata", function () {
      if (resume > 1 && resume < (player.duration || 0) - 1) player.currentTime = resume;
    });
    player.addEventListener("timeupdate", function () { report(false); });
    player.addEventListener("pause", function () { report(true); });
    player.addEventListener("ended", function () { setTimeout(function () { report(true); }, 300); });
    setInterval(function () { if (!player.paused) report(false); }, 5000);
  }
  if (completeButton) {
    completeButton.addEventListener("click", function () {
      post(root.dataset.completeUrl).then(function (r) {
        if (r.ok) { show(r.data); return; }
        var left = r.data && r.data.extra && r.data.extra.seconds_left;
        message.textContent = left ? i18n.left.replace("{n}", left) : (r.data && r.data.message) || "";
      });
    });
  }
})();
