/* Live leaderboard: show the REST snapshot, then follow the websocket stream.
 *
 * <section data-leaderboard data-snapshot-url=".../leaderboard" data-me-url=".../me" data-ws-path="/ws/contests/x/">
 * Messages are applied only when their version is newer than the one on screen. When the socket drops, the
 * board stays as it is, the state reads "reconnecting", and the page reconnects by itself with exponential
 * back-off and jitter. While Redis is away the server says {"type": "status", "live": false}: the state reads
 * "live updates paused" until {"live": true}. No framework, no CDN.
 */
(function () {
  "use strict";

  var BASE_DELAY = 500;
  var MAX_DELAY = 30000;

  // The one way points are written, the same as the server's `points` filter (realtime/templatetags/points.py):
  // whole points without decimals, others with exactly two, thousands grouped: 126 · 126.40 · 7,412.40.
  function formatPoints(score) {
    if (score === null || score === undefined || score === "") return "\u2014";
    var n = Number(score);
    if (!isFinite(n)) return String(score);
    var cents = Math.round(Math.abs(n) * 100);
    var whole = Math.floor(cents / 100);
    var rest = cents % 100;
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var text = rest === 0 ? digits : digits + "." + (rest < 10 ? "0" : "") + rest;
    return (n < 0 && cents !== 0 ? "-" : "") + text;
  }
  window.formatPoints = formatPoints;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Board(root) {
    this.root = root;
    this.version = -1;
    this.scores = {};
    this.attempt = 0;
    this.socket = null;
    this.closed = false;
    this.list = root.querySelector("[data-board-list]");
    this.leaderName = root.querySelector("[data-testid=leader-name]");
    this.leaderScore = root.querySelector("[data-testid=leader-score]");
    this.state = root.querySelector("[data-testid=connection-state]");
    this.updated = root.querySelector("[data-updated]");
    this.you = root.querySelector("[data-you]");
    this.paused = this.state !== null && this.state.getAttribute("data-state") === "paused";
    var initial = root.getAttribute("data-version");
    if (initial !== null && initial !== "") this.version = parseInt(initial, 10);
  }

  Board.prototype.setState = function (state) {
    if (!this.state) return;
    this.state.setAttribute("data-state", state);
    this.state.textContent = this.state.getAttribute("data-label-" + state) || state;
    this.root.setAttribute("data-connection", state);
  };

  Board.prototype.render = function (message) {
    if (typeof message.version !== "number" || message.version <= this.version) return false;
    this.version = message.version;
    var entries = message.entries || [];
    var previous = this.scores;
    this.scores = {};
    var fragment = document.createDocumentFragment();
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      var key = String(entry.user);
      this.scores[key] = String(entry.score);
      var row = el("li", { "data-testid": "board-row", "data-user": key, class: "board-row" });
      if (previous[key] !== undefined && previous[key] !== String(entry.score)) row.className += " bump";
      if (previous[key] === undefined && this.version > 0) row.className += " new";
      row.appendChild(el("span", { class: "rank", "data-testid": "row-rank" }, String(entry.rank)));
      row.appendChild(el("span", { class: "name", "data-testid": "row-name" }, entry.name));
      row.appendChild(el("span", { class: "score", "data-testid": "row-score" }, formatPoints(entry.score)));
      fragment.appendChild(row);
    }
    if (this.list) {
      this.list.textContent = "";
      this.list.appendChild(fragment);
      this.list.setAttribute("data-empty", entries.length ? "false" : "true");
    }
    var leader = entries[0];
    if (this.leaderName) this.leaderName.textContent = leader ? leader.name : "—";
    if (this.leaderScore) this.leaderScore.textContent = leader ? formatPoints(leader.score) : "—";
    // People see when the board last changed, never the version number (it only orders messages).
    if (this.updated && message.sent_at) {
      var sent = new Date(message.sent_at);
      if (!isNaN(sent.getTime())) {
        this.updated.setAttribute("datetime", message.sent_at);
        this.updated.textContent = sent.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
      }
    }
    this.root.dispatchEvent(new CustomEvent("leaderboard:rendered", { detail: message }));
    this.root.setAttribute("data-version", String(this.version));
    return true;
  };

  Board.prototype.renderYou = function (message) {
    if (!this.you || !message || message.type !== "you") return;
    this.you.hidden = false;
    var rank = this.you.querySelector("[data-testid=you-rank]");
    var score = this.you.querySelector("[data-testid=you-score]");
    if (rank) rank.textContent = message.rank === null || message.rank === undefined ? "—" : String(message.rank);
    if (score) score.textContent = formatPoints(message.score);
    var list = this.you.querySelector("[data-neighbours]");
    if (list && message.neighbours) {
      // The three above and the three below, with the viewer in between.
      var rows = message.neighbours.slice();
      // The viewer's own row: their name, or on a team board their branch's name, as the server says.
      var me = { rank: message.rank, name: message.name || this.you.getAttribute("data-me-label") || "", score: message.score, me: true };
      var at = 0;
      while (at < rows.length && (rows[at].rank < me.rank || (rows[at].rank === me.rank && Number(rows[at].score) > Number(me.score)))) at++;
      rows.splice(at, 0, me);
      list.textContent = "";
      for (var i = 0; i < rows.length; i++) {
        var n = rows[i];
        var row = el("li", { "data-testid": n.me ? "neighbour-me" : "neighbour-row", class: n.me ? "board-row mine" : "board-row" });
        row.appendChild(el("span", { class: "rank" }, String(n.rank)));
        row.appendChild(el("span", { class: "name" }, n.name));
        row.appendChild(el("span", { class: "score" }, formatPoints(n.score)));
        list.appendChild(row);
      }
    }
  };

  Board.prototype.fetchJSON = function (url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  };

  Board.prototype.loadSnapshot = function () {
    var self = this;
    var url = this.root.getAttribute("data-snapshot-url");
    if (!url) return Promise.resolve();
    return this.fetchJSON(url).then(function (message) { self.render(message); }, function () {});
  };

  Board.prototype.loadMe = function () {
    var self = this;
    var url = this.root.getAttribute("data-me-url");
    if (!url) return;
    this.fetchJSON(url).then(function (message) { if (message) self.renderYou(message); }, function () {});
  };

  Board.prototype.connect = function () {
    var self = this;
    if (this.closed || !("WebSocket" in window)) return;
    var path = this.root.getAttribute("data-ws-path");
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    this.setState(this.attempt ? "reconnecting" : "connecting");
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + path);
    } catch (e) {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "leaderboard") {
        self.render(message);
      } else if (message.type === "you") self.renderYou(message);
      else if (message.type === "status") self.paused = message.live === false; // the one sign of a pause
      self.attempt = 0;
      self.setState(self.paused ? "paused" : "live");
    };
    socket.onclose = function (event) {
      self.socket = null;
      if (event.code === 4403 || event.code === 4404) { self.setState("closed"); return; }
      self.retry();
    };
    socket.onerror = function () { /* onclose follows */ };
  };

  Board.prototype.retry = function () {
    var self = this;
    if (this.closed) return;
    this.setState("reconnecting");
    var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, this.attempt));
    var delay = ceiling / 2 + Math.random() * ceiling / 2; // "equal jitter": never hammer the server in step
    this.attempt += 1;
    window.setTimeout(function () { self.connect(); }, delay);
  };

  Board.prototype.start = function () {
    var self = this;
    this.setState(this.paused ? "paused" : "connecting");
    this.loadMe();
    this.loadSnapshot().then(function () { self.connect(); });
    window.addEventListener("pagehide", function () { self.closed = true; if (self.socket) self.socket.close(); });
  };

  function clock(node) {
    function tick() {
      var now = new Date();
      node.textContent = now.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  // The big screen's facts (how many on the board, points together) follow the board: each new board version
  // asks the stats endpoint again, one request at a time, the last change always fetched.
  function Facts(root, board) {
    var url = root.getAttribute("data-stats-url");
    var busy = false;
    var again = false;
    function load() {
      if (busy) { again = true; return; }
      busy = true;
      board.fetchJSON(url).then(function (stats) {
        var participants = root.querySelector("[data-stat=participants]");
        var total = root.querySelector("[data-stat=total]");
        if (participants) participants.textContent = String(stats.participants);
        if (total) total.textContent = formatPoints(stats.total);
      }, function () {}).then(function () {
        busy = false;
        if (again) { again = false; load(); }
      });
    }
    board.root.addEventListener("leaderboard:rendered", function (event) {
      if (event.detail && event.detail.version > 0) load();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var roots = document.querySelectorAll("[data-leaderboard]");
    for (var i = 0; i < roots.length; i++) {
      var board = new Board(roots[i]);
      roots[i].leaderboard = board;
      var facts = document.querySelector("[data-stats-url]");
      if (facts && i === 0) Facts(facts, board);
      board.start();
    }
    var clocks = document.querySelectorAll("[data-clock]");
    for (var j = 0; j < clocks.length; j++) clock(clocks[j]);
  });
})();
