/* An activity page: places left and the waitlist, live (realtime/rooms.py, room "volunteering:<id>"). */
(function () {
  "use strict";
  var page = document.querySelector("[data-testid=activity]");
  if (!page || !window.LiveRoom) return;
  var status = page.querySelector("[data-testid=live-status]");

  function apply(data) {
    (data.occurrences || []).forEach(function (occ) {
      (occ.shifts || []).forEach(function (shift) {
        var row = page.querySelector('[data-testid=shift][data-shift="' + shift.id + '"][data-occurrence="' + occ.start + '"]');
        if (!row) return;
        var left = row.querySelector("[data-testid=left]");
        left.textContent = shift.left;
        left.setAttribute("data-left", shift.left);
        var waiting = row.querySelector("[data-testid=waiting]");
        if (waiting) waiting.textContent = waiting.textContent.replace(/\d+/, shift.waiting);
        var button = row.querySelector("[data-testid=signup-button]");
        if (button) {
          button.textContent = shift.left > 0 ? button.getAttribute("data-label-open") : button.getAttribute("data-label-full");
          button.setAttribute("data-full", shift.left > 0 ? "false" : "true");
        }
        row.classList.toggle("full", shift.left === 0);
      });
    });
  }

  window.LiveRoom.open(page.getAttribute("data-room"), {
    snapshot: function (message) { apply(message.data || {}); },
    status: function (state) { if (status) status.setAttribute("data-state", state); }
  });
})();
