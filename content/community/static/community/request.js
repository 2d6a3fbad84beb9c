/* A requester's request page: reloads when the request moves (a reply, a state change) over its room. */
(function () {
  "use strict";
  var article = document.querySelector("[data-room]");
  if (!article || !window.LiveRoom) return;
  var seen = null;
  window.LiveRoom.open(article.dataset.room, {
    snapshot: function (message) {
      var key = message.data.state + ":" + message.data.replies;
      if (seen !== null && key !== seen) window.location.reload();
      seen = key;
    }
  });
})();
