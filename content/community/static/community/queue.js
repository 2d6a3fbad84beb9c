/* The staff queue, live: counts follow the unit's room; a new request shows a notice with a link to reload. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-room]");
  if (!panel || !window.LiveRoom) return;
  var notice = panel.querySelector("[data-testid=live-new]");
  window.LiveRoom.open(panel.dataset.room, {
    snapshot: function (message) {
      ["open", "new", "amber", "red"].forEach(function (name) {
        var cell = panel.querySelector("[data-count=" + name + "]");
        if (cell && message.data[name] !== undefined) cell.textContent = String(message.data[name]);
      });
    },
    events: function (message) {
      if (message.items.some(function (item) { return item.kind === "new" || item.kind === "escalated" || item.kind === "reopened"; })) {
        notice.hidden = false;
      }
    }
  });
})();
