/* The leader's check-in screen: fetch a fresh code every few seconds so the code on screen is always current. */
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=checkin-qr]");
  if (!box) return;
  var every = Math.max(5, parseInt(box.getAttribute("data-rotate"), 10) / 3) * 1000;
  function refresh() {
    fetch(box.getAttribute("data-code-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        box.innerHTML = data.svg;
        box.setAttribute("data-scan-url", data.url);
      })
      .catch(function () {});
  }
  window.setInterval(refresh, every);
})();
