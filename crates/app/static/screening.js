// Live decision for the screening form: after each change, the server evaluates the form as it
// stands (nothing is stored) and returns the decision as HTML for the panel beside it.
// Without this script the Evaluate button does the same.
(function () {
  var form = document.querySelector("form.guided");
  var out = document.getElementById("decision");
  if (!form || !out || !window.fetch) return;
  var timer = null;
  function preview() {
    var body = new URLSearchParams(new FormData(form));
    body.set("action", "evaluate");
    fetch(form.getAttribute("data-preview"), { method: "POST", credentials: "same-origin", body: body })
      .then(function (r) { return r.text(); })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(preview, 500);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
