/* A station's page, live: capacities and open/closed follow the station room (ws/community/stations/<pk>/);
 * when the hours say the state changes, the page asks the REST snapshot again. */
(function () {
  "use strict";
  var article = document.querySelector("[data-room]");
  if (!article || !window.LiveRoom) return;
  var badge = document.querySelector("[data-testid=station-open]");
  var liveStatus = document.querySelector("[data-live-status]");
  var timer = null;

  function apply(data) {
    if (!data || data.station === null) return;
    (data.offers || []).forEach(function (offer) {
      var cell = document.querySelector("[data-capacity='" + offer.id + "']");
      if (cell) cell.textContent = offer.capacity === null ? "–" : String(offer.capacity);
    });
    if (badge) {
      badge.dataset.open = data.open_now ? "1" : "0";
      badge.textContent = data.open_now ? badge.dataset.textOpen : badge.dataset.textClosed;
      badge.classList.toggle("open", data.open_now);
      badge.classList.toggle("closed", !data.open_now);
    }
    if (timer) clearTimeout(timer);
    if (data.next_change) {
      var wait = new Date(data.next_change).getTime() - Date.now() + 1000;
      if (wait > 0 && wait < 2147483647) timer = setTimeout(refresh, wait);
    }
  }

  function refresh() {
    fetch(article.dataset.snapshot, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(apply)
      .catch(function () {});
  }

  window.LiveRoom.open(article.dataset.room, {
    snapshot: function (message) { apply(message.data); },
    status: function (state) { if (liveStatus) liveStatus.dataset.state = state; }
  });
})();
