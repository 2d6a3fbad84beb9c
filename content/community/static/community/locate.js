/* "Use my position": asks the browser where the phone is and searches from there. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button) return;
  var form = button.form;
  var status = form.querySelector("[data-locate-status]");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "✕"; return; }
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[data-field=lat]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[data-field=lon]").value = position.coords.longitude.toFixed(6);
      var village = form.querySelector("select[name=village]");
      if (village) village.value = "";
      form.submit();
    }, function () { status.textContent = "✕"; }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
  });
})();
