// Live evaluation of the screening form: after each pause in typing, ask the server for the
// rules' decision (nothing is stored) and show a short summary. The page works without it.
(function () {
  var form = document.querySelector("form.screening");
  var out = document.getElementById("decision");
  if (!form || !out || !window.fetch) return;
  var area = form.querySelector("textarea[name=record]");
  var timer = null;
  function summary(d) {
    var p = document.createElement("div");
    var h = document.createElement("h2");
    h.textContent = "Decision (live, not saved): " + String(d.decision).replace(/_/g, " ") + (d.eligible_from ? " from " + d.eligible_from : "");
    p.appendChild(h);
    var ul = document.createElement("ul");
    (d.reasons || []).forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = r.effect + ": " + r.message + " [" + r.rule_id + "; " + r.source + "]";
      ul.appendChild(li);
    });
    p.appendChild(ul);
    var note = document.createElement("p");
    note.className = "muted";
    note.textContent = "Press Evaluate for every criterion with its evidence and source.";
    p.appendChild(note);
    return p;
  }
  function problems(body) {
    var p = document.createElement("div");
    p.className = "notice error";
    var lines = (body.errors || []).map(function (e) { return e.field + ": " + e.message; });
    p.textContent = lines.length ? lines.join("; ") : (body.detail || "The record cannot be evaluated yet.");
    return p;
  }
  function evaluate() {
    var record;
    try { record = JSON.parse(area.value); } catch (e) { return; }
    fetch(form.getAttribute("data-evaluate"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ record: record })
    }).then(function (r) {
      return r.json().then(function (body) {
        out.replaceChildren(r.ok ? summary(body) : problems(body));
      });
    }).catch(function () {});
  }
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(evaluate, 600);
  });
})();
