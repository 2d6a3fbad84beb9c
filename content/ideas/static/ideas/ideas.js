/* Live support counts and comments on an idea page and on a board (realtime/static/realtime/room.js).
 *
 * <div data-room="/ws/ideas/12/"> holds elements [data-supports="12"] and [data-comments="12"]; a board's room
 * ("/ws/ideas/board-3/") sends every idea's counts. New comments arrive as events and are added to the list.
 * LiveRoom (room.js) passes only snapshots newer than the one on screen, and reconnects by itself.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-room]");
  if (!root || !window.LiveRoom) return;
  var status = document.querySelector("[data-live-status]");
  var path = root.getAttribute("data-room");

  function setText(selector, value) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].textContent !== String(value)) nodes[i].textContent = String(value);
    }
  }

  function applyCounts(data) {
    if (data.ideas) {
      data.ideas.forEach(function (idea) {
        setText('[data-supports="' + idea.id + '"]', idea.supports);
        setText('[data-comments="' + idea.id + '"]', idea.comments);
      });
    } else if (data.idea) {
      setText('[data-supports="' + data.idea + '"]', data.supports);
      setText('[data-comments="' + data.idea + '"]', data.comments);
    }
  }

  function addComment(item) {
    var list = document.querySelector("[data-testid=comments]");
    if (!list || document.querySelector('[data-comment="' + item.id + '"]')) return;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.setAttribute("data-comment", item.id);
    var who = document.createElement("b");
    who.textContent = item.author;
    var body = document.createElement("span");
    body.className = "prewrap";
    body.textContent = " " + item.body;
    li.appendChild(who);
    li.appendChild(body);
    var parent = item.parent && document.querySelector('[data-comment="' + item.parent + '"]');
    if (parent) {
      var replies = parent.querySelector(".replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "replies";
        parent.appendChild(replies);
      }
      replies.appendChild(li);
    } else {
      list.appendChild(li);
    }
  }

  function hideComment(id) {
    var node = document.querySelector('[data-comment="' + id + '"]');
    if (node) node.remove();
  }

  window.LiveRoom.open(path, {
    snapshot: function (msg) {
      applyCounts(msg.data || {});
      ((msg.data || {}).latest_comments || []).forEach(addComment);
    },
    events: function (msg) {
      (msg.items || []).forEach(function (item) {
        if (item.kind === "comment") addComment(item);
        else if (item.kind === "comment_hidden") hideComment(item.id);
      });
    },
    status: function (state) {
      root.setAttribute("data-live", state);
      if (status) status.hidden = state !== "paused" && state !== "reconnecting";
    },
  });
})();
