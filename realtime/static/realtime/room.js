/* Live rooms (realtime/rooms.py): one client for every app's live page.
 *
 *   var room = LiveRoom.open("/ws/ideas/12/", {
 *     snapshot: function (message) { ... message.data ... },   // the room's state, newest version only
 *     events: function (message) { ... message.items ... },    // what happened, in order
 *     status: function (state) { ... }                         // "connecting", "live", "paused", "reconnecting", "closed"
 *   });
 *   room.send({kind: "chat", text: "..."});                     // rooms whose consumer reads what viewers send
 *
 * A dropped connection is retried with exponential back-off and "equal jitter", so a restarted worker is not met
 * by every page at the same instant; 4403 and 4404 (not allowed, no such room) are final.
 */
(function (window) {
  "use strict";

  var BASE_DELAY = 1000;
  var MAX_DELAY = 30000;

  function Room(path, handlers) {
    this.path = path;
    this.handlers = handlers || {};
    this.version = -1;
    this.attempt = 0;
    this.paused = false;
    this.closed = false;
    this.socket = null;
  }

  Room.prototype.state = function (name) {
    if (this.handlers.status) this.handlers.status(name);
  };

  Room.prototype.connect = function () {
    var self = this;
    if (this.closed || !("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    this.state(this.attempt ? "reconnecting" : "connecting");
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + this.path);
    } catch (e) {
      this.retry();
      return;
    }
    this.socket = socket;
    this.version = -1; // versions are per connection
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "snapshot") {
        if (message.version <= self.version) return;
        self.version = message.version;
        if (self.handlers.snapshot) self.handlers.snapshot(message);
      } else if (message.type === "events") {
        // Events are never dropped: a snapshot's version orders snapshots only.
        if (self.handlers.events) self.handlers.events(message);
      } else if (message.type === "status") {
        self.paused = message.live === false;
      } else if (self.handlers.other) {
        self.handlers.other(message);
      }
      self.attempt = 0;
      self.state(self.paused ? "paused" : "live");
    };
    socket.onclose = function (event) {
      self.socket = null;
      if (event.code === 4403 || event.code === 4404) { self.closed = true; self.state("closed"); return; }
      self.retry();
    };
    socket.onerror = function () { /* onclose follows */ };
  };

  Room.prototype.retry = function () {
    var self = this;
    if (this.closed) return;
    this.state("reconnecting");
    var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, this.attempt));
    var delay = ceiling / 2 + Math.random() * ceiling / 2;
    this.attempt += 1;
    window.setTimeout(function () { self.connect(); }, delay);
  };

  Room.prototype.send = function (message) {
    if (!this.socket || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  };

  Room.prototype.close = function () {
    this.closed = true;
    if (this.socket) this.socket.close();
  };

  window.LiveRoom = {
    open: function (path, handlers) {
      var room = new Room(path, handlers);
      window.addEventListener("pagehide", function () { room.close(); });
      room.connect();
      return room;
    }
  };
})(window);
