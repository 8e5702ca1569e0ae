// The publishing confirmation: the statement follows the audience as it is being chosen.
// The server sends the statement for the choice (one wording, the server's), and the form's
// hidden `shown` field then names the audience that statement describes. The server publishes
// only when `shown` matches the audience submitted, so a click that beats the statement's
// update is refused and the page shows the right statement instead. Without JavaScript the
// "Update the statement below" button does the same round trip.
(function () {
  const form = document.querySelector("form.publish[data-statement-url]");
  if (!form) return;
  const shown = form.querySelector("input[name=shown]");
  const statement = document.getElementById("statement");
  const parts = {
    once_published: document.getElementById("statement-readers"),
    attachments: document.getElementById("statement-attachments"),
    federation: document.getElementById("statement-federation"),
  };
  const countries = form.querySelector("details");
  let asked = 0;

  function choice() {
    const query = new URLSearchParams();
    const picked = form.querySelector("input[name=visibility]:checked");
    if (picked) query.append("visibility", picked.value);
    form.querySelectorAll("input[name=shared_with]:checked").forEach(function (box) {
      query.append("shared_with", box.value);
    });
    return query;
  }

  async function refresh() {
    const mine = ++asked;
    statement.setAttribute("aria-busy", "true");
    shown.value = "";  // until the new statement is on the page, no audience is confirmed
    const query = choice();
    if (query.get("visibility") === "countries" && countries) countries.open = true;
    try {
      const response = await fetch(form.dataset.statementUrl + "?" + query.toString(),
        { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      if (!response.ok || mine !== asked) return;
      const answer = await response.json();
      if (mine !== asked) return;
      Object.keys(parts).forEach(function (name) { parts[name].textContent = answer[name]; });
      shown.value = answer.audience;
    } finally {
      if (mine === asked) statement.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "visibility" || event.target.name === "shared_with") refresh();
  });
})();
