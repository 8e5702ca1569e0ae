// Drag-and-drop ordering of a course's lessons. Without JavaScript the up/down buttons do the same.
(function () {
  const list = document.querySelector("ol.lessons[data-reorder-url]");
  if (!list) return;
  const csrf = list.closest("section").querySelector("input[name=csrf_token]").value;
  const status = document.createElement("p");
  status.className = "hint";
  status.setAttribute("role", "status");
  list.after(status);
  let dragged = null;
  let before = null;

  function order() {
    return Array.from(list.children).map(function (item) { return Number(item.dataset.id); });
  }

  function refreshArrows() {
    const items = Array.from(list.children);
    items.forEach(function (item, index) {
      const buttons = item.querySelectorAll("button[type=submit]");
      if (buttons.length === 2) {
        buttons[0].disabled = index === 0;
        buttons[1].disabled = index === items.length - 1;
      }
    });
  }

  async function save() {
    status.textContent = "Saving the new order…";
    const response = await fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ order: order() }),
    });
    if (response.ok) {
      status.textContent = "Order saved.";
      refreshArrows();
    } else {
      status.textContent = "The order could not be saved; reloading the course as it is.";
      window.location.reload();
    }
  }

  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("li");
    before = order().join(",");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  list.addEventListener("dragover", function (event) {
    const target = event.target.closest("li");
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    const box = target.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    target.parentNode.insertBefore(dragged, after ? target.nextSibling : target);
  });
  list.addEventListener("drop", function (event) { event.preventDefault(); });
  list.addEventListener("dragend", function () {
    const changed = dragged && order().join(",") !== before;
    dragged = null;
    if (changed) save();
  });
})();
