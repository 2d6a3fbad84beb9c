/* A stream's page: the player (hls.js, or the phone's own HLS, or a plain video file), the live room (chat,
 * reactions, viewer count, pinned product, quiz with countdown and top 10; realtime/room.js), heartbeats for
 * watch credit, and after the stream the replay: chat and pinned products shown in time beside the video.
 * Everything is decided on the server; this page only shows what the room says and sends what the person does.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-testid=stream]");
  if (!root) return;
  var i18n = JSON.parse((document.getElementById("stream-i18n") || {}).textContent || "{}");
  var replayData = document.getElementById("stream-replay");
  var replay = replayData ? JSON.parse(replayData.textContent) : null;
  var video = root.querySelector("video.player");
  var chatList = root.querySelector(".chat-list");
  var pinned = root.querySelector("[data-testid=pinned]");
  var quizBox = root.querySelector("[data-testid=quiz]");
  var topBox = root.querySelector("[data-testid=top]");
  var viewers = root.querySelector("[data-testid=viewers]");
  var chatError = root.querySelector("[data-testid=chat-error]");
  var tokenInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var signedIn = root.dataset.signedIn === "1";
  var moderate = root.dataset.moderate === "1";
  var api = root.dataset.api;
  var room = null;

  function text(template, n) { return (template || "").replace("{n}", n); }
  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  // --- the player ------------------------------------------------------------------------------------
  function startPlayer() {
    var url = root.dataset.source;
    if (!video || !url) return;
    if (root.dataset.hls === "1") {
      if (window.Hls && window.Hls.isSupported()) {
        var hls = new window.Hls({ liveDurationInfinity: true });
        hls.loadSource(url);
        hls.attachMedia(video);
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = url; // Safari and most phones play HLS themselves
      }
    } else {
      video.src = url;
    }
    if (root.dataset.live === "1") {
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
    }
  }

  // --- chat ---------------------------------------------------------------------------------------------
  function post(path, body) {
    return fetch(api + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      body: JSON.stringify(body || {})
    });
  }

  function chatItem(message) {
    var li = el("li");
    li.dataset.id = message.id;
    li.dataset.testid = "chat-message";
    li.setAttribute("data-testid", "chat-message");
    li.appendChild(el("span", "author", message.author));
    li.appendChild(el("span", "text", message.text));
    if (moderate && !replay) {
      var del = el("button", "link", i18n.delete);
      del.type = "button";
      del.addEventListener("click", function () { post("messages/" + message.id + "/delete"); });
      var mute = el("button", "link", i18n.mute);
      mute.type = "button";
      mute.addEventListener("click", function () { post("streams/" + root.dataset.stream + "/mute", { user_id: message.author_id }); });
      li.appendChild(del);
      li.appendChild(mute);
    }
    return li;
  }

  function chatAppend(message) {
    if (!chatList || chatList.querySelector('li[data-id="' + message.id + '"]')) return;
    chatList.appendChild(chatItem(message));
    while (chatList.children.length > 200) chatList.removeChild(chatList.firstChild);
    chatList.scrollTop = chatList.scrollHeight;
  }

  function chatReplace(messages) {
    if (!chatList) return;
    chatList.textContent = "";
    messages.forEach(chatAppend);
  }

  function chatRemove(id) {
    var li = chatList && chatList.querySelector('li[data-id="' + id + '"]');
    if (li) li.parentNode.removeChild(li);
  }

  // --- pinned product -----------------------------------------------------------------------------------
  function showPinned(product) {
    if (!pinned) return;
    pinned.textContent = "";
    if (!product) { pinned.hidden = true; delete pinned.dataset.product; return; }
    pinned.dataset.product = product.id;
    if (product.image) { var img = el("img"); img.src = product.image; img.alt = ""; pinned.appendChild(img); }
    var body = el("div");
    body.appendChild(el("strong", "name", product.name));
    body.appendChild(el("div", "price", "¥" + product.price));
    body.appendChild(el("div", "muted", product.seller + " · " + i18n.stock + " " + product.stock));
    pinned.appendChild(body);
    pinned.hidden = false;
  }

  if (pinned) {
    pinned.addEventListener("click", function () {
      var id = parseInt(pinned.dataset.product, 10);
      if (!id) return;
      if (room) room.send({ type: "click", product: id });
    });
  }

  // --- quiz ---------------------------------------------------------------------------------------------
  var quizTimer = null;
  var answered = {};
  function showQuiz(quiz) {
    if (!quizBox) return;
    if (!quiz) { quizBox.hidden = true; return; }
    var closes = Date.parse(quiz.closes_at);
    var closed = quiz.closed || Date.now() >= closes;
    if (quizBox.dataset.round === String(quiz.id) && !closed) return;
    quizBox.dataset.round = quiz.id;
    quizBox.querySelector(".quiz-text").textContent = quiz.text;
    var choices = quizBox.querySelector(".quiz-choices");
    choices.textContent = "";
    quiz.choices.forEach(function (choice, n) {
      var button = el("button", "button", choice);
      button.type = "button";
      button.dataset.choice = n;
      button.disabled = closed || !signedIn || answered[quiz.id] !== undefined;
      if (quiz.correct === n) button.className += " right";
      button.addEventListener("click", function () {
        if (!room) return;
        answered[quiz.id] = n;
        room.send({ type: "answer", round: quiz.id, choice: n });
        Array.prototype.forEach.call(choices.children, function (b) { b.disabled = true; });
      });
      choices.appendChild(button);
    });
    var left = quizBox.querySelector(".quiz-left");
    if (quizTimer) window.clearInterval(quizTimer);
    function tick() {
      var seconds = Math.max(0, Math.ceil((closes - Date.now()) / 1000));
      left.textContent = seconds > 0 ? text(i18n.left, seconds) : i18n.closed;
      if (seconds <= 0) {
        window.clearInterval(quizTimer);
        Array.prototype.forEach.call(choices.children, function (b) { b.disabled = true; });
      }
    }
    tick();
    quizTimer = window.setInterval(tick, 250);
    quizBox.hidden = false;
  }

  function showTop(rows) {
    if (!topBox) return;
    var list = topBox.querySelector(".top-list");
    list.textContent = "";
    rows.forEach(function (row) {
      var li = el("li", "", row.name + " · " + row.points + " " + i18n.points);
      li.setAttribute("data-testid", "top-row");
      list.appendChild(li);
    });
    topBox.hidden = rows.length === 0;
  }

  function showReactions(counts) {
    Object.keys(counts || {}).forEach(function (kind) {
      var span = root.querySelector('[data-count="' + kind + '"]');
      if (span) span.textContent = counts[kind];
    });
  }

  root.querySelectorAll("[data-reaction]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (room && signedIn) room.send({ type: "reaction", reaction: button.dataset.reaction });
    });
  });

  // --- the live room --------------------------------------------------------------------------------------
  function onSnapshot(message) {
    var data = message.data;
    if (viewers) viewers.textContent = data.viewers;
    if (!replay) {
      chatReplace(data.chat || []);
      showPinned(data.pinned);
      showQuiz(data.quiz);
    }
    showTop(data.top || []);
    showReactions(data.reactions);
    if (data.status !== root.dataset.status && data.status === "ended" && root.dataset.status === "live") {
      if (chatError) chatError.textContent = i18n.ended;
    }
  }

  function onEvents(message) {
    message.items.forEach(function (item) {
      if (replay) return;
      if (item.kind === "chat") chatAppend(item);
      else if (item.kind === "chat-deleted") chatRemove(item.id);
      else if (item.kind === "pin") showPinned(item.product);
      else if (item.kind === "quiz") showQuiz(item);
      else if (item.kind === "reaction") { var counts = {}; counts[item.reaction] = item.count; showReactions(counts); }
      else if (item.kind === "status" && item.status === "ended" && chatError) chatError.textContent = i18n.ended;
    });
  }

  function onOther(message) {
    if (message.type === "error" && chatError) {
      chatError.textContent = message.message;
    } else if (message.type === "answer" && quizBox) {
      quizBox.querySelector(".quiz-result").textContent = message.correct ? text(i18n.right, message.points) : i18n.wrong;
    }
  }

  if (window.LiveRoom && root.dataset.socket) {
    room = window.LiveRoom.open(root.dataset.socket, { snapshot: onSnapshot, events: onEvents, other: onOther });
  }

  var form = root.querySelector("[data-testid=chat-form]");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[name=text]");
      var value = input.value.trim();
      if (!value || !room) return;
      if (chatError) chatError.textContent = "";
      if (room.send({ type: "chat", text: value })) input.value = "";
    });
  }

  // --- watch credit: a heartbeat while the video plays (live: while the page is shown) --------------------
  if (signedIn) {
    window.setInterval(function () {
      if (!room || document.hidden) return;
      var live = root.dataset.status === "live";
      if (!live && (!video || video.paused)) return;
      room.send({ type: "heartbeat" });
    }, 15000);
  }

  // --- the replay: chat and pinned products in time with the recording ------------------------------------
  if (replay && video) {
    var shown = -1;
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      var visible = replay.chat.filter(function (m) { return m.offset <= now; });
      if (visible.length !== shown) { shown = visible.length; chatReplace(visible); }
      var pin = null;
      replay.pins.forEach(function (p) { if (p.offset <= now) pin = p.product; });
      showPinned(pin);
    });
    root.querySelectorAll("[data-seek]").forEach(function (button) {
      button.addEventListener("click", function () {
        video.currentTime = parseFloat(button.dataset.seek);
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
      });
    });
  } else if (replay) {
    chatReplace(replay.chat);
  }

  startPlayer();
})();
