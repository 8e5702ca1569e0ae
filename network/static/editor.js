// Live Markdown preview: asks the server for the same sanitised HTML a save would store.
(function () {
  const body = document.querySelector("textarea[data-preview-url]");
  const target = document.getElementById("preview");
  if (!body || !target) return;
  const csrf = document.querySelector("input[name=csrf_token]").value;
  let timer = null;
  async function refresh() {
    const data = new FormData();
    data.append("body_markdown", body.value);
    data.append("csrf_token", csrf);
    const response = await fetch(body.dataset.previewUrl, { method: "POST", body: data,
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
    if (response.ok) target.innerHTML = (await response.json()).html;  // sanitised server-side
  }
  body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  if (body.value) refresh();
})();
