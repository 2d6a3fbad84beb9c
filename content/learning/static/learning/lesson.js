// Reports the player's position to the server, which decides how far the learner got and whether the
// lesson is complete. Nothing here can mark anything complete by itself. Reports go over the lesson's
// progress socket while it is open (one connection instead of a request a second), else over HTTP.
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
  var socket = null;
  var answerTo = null;
  var retryDelay = 2000;
  // The server closes with these for good (not signed in, no such lesson): stay on HTTP.
  var FINAL_CLOSE_CODES = [4403, 4404];
  var ANSWER_TIMEOUT_MS = 10000;

  function connect() {
    if (!root.dataset.progressSocket || !window.WebSocket) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + root.dataset.progressSocket);
    ws.onopen = function () { socket = ws; retryDelay = 2000; };
    ws.onmessage = function (event) { answered(JSON.parse(event.data)); };
    ws.onclose = function (event) {
      if (socket === ws) socket = null;
      answered(null);
      if (FINAL_CLOSE_CODES.indexOf(event.code) >= 0) return;
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    };
  }

  function answered(data) {
    var resolve = answerTo;
    answerTo = null;
    if (resolve) resolve(data);
  }

  // One report at a time: over the socket when it is open (null if it closes or stays silent), else HTTP.
  function sendReport(position) {
    var body = { position_seconds: position };
    if (!socket || socket.readyState !== WebSocket.OPEN) return post(root.dataset.progressUrl, body);
    return new Promise(function (resolve) {
      answerTo = resolve;
      setTimeout(function () { if (answerTo === resolve) answered(null); }, ANSWER_TIMEOUT_MS);
      socket.send(JSON.stringify(body));
    }).then(function (data) {
      if (data === null) return post(root.dataset.progressUrl, body);
      return { ok: data.type === "progress", data: data };
    });
  }

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
    sendReport(position)
      .then(function (r) { if (r.ok) { lastSent = position; show(r.data); } })
      .catch(function () { message.textContent = i18n.failed; })
      .finally(function () {
        sending = false;
        if (pending) { pending = false; report(true); }
      });
  }

  if (player) {
    connect();
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
