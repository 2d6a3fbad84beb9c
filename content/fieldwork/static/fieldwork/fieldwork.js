/* Field work pages: check in by the phone's location; questionnaires' skip logic (the server checks it too). */
(function () {
  "use strict";
  document.querySelectorAll("form.fw-locate").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located) return;
      event.preventDefault();
      if (!navigator.geolocation) { form.submit(); return; }
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.latitude.value = position.coords.latitude;
        form.elements.longitude.value = position.coords.longitude;
        form.dataset.located = "1";
        form.submit();
      }, function () { form.submit(); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
  var survey = document.querySelector("form.fw-survey");
  if (!survey) return;
  var questions = Array.prototype.slice.call(survey.querySelectorAll(".fw-question"));
  function apply() {
    questions.forEach(function (q) { q.hidden = false; q.disabled = false; });
    questions.forEach(function (q, index) {
      if (q.hidden || !q.dataset.skipWhen) return;
      var chosen = q.querySelector("input:checked");
      if (!chosen || chosen.value !== q.dataset.skipWhen) return;
      var to = q.dataset.skipTo ? parseInt(q.dataset.skipTo, 10) - 1 : questions.length;
      for (var i = index + 1; i < to && i < questions.length; i++) {
        questions[i].hidden = true;
        questions[i].disabled = true; // a disabled fieldset's answers are not sent
      }
    });
  }
  survey.addEventListener("change", apply);
  apply();
})();
