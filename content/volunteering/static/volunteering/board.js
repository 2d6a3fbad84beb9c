/* The unit's volunteer leaderboard, live (room "volunteer_board:<unit id>"). */
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=volunteer-board]");
  if (!box || !window.LiveRoom) return;
  function fill(list, rows) {
    list.textContent = "";
    rows.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = r.name + " · " + r.hours + " h " + "★".repeat(r.stars);
      list.appendChild(li);
    });
  }
  window.LiveRoom.open(box.getAttribute("data-room"), {
    snapshot: function (message) {
      var data = message.data || {};
      fill(box.querySelector("[data-testid=board-weekly]"), data.weekly || []);
      fill(box.querySelector("[data-testid=board-all-time]"), data.all_time || []);
    }
  });
})();
