// The language picker: choosing a language applies it at once. Without JavaScript the form's
// own button does the same.
document.querySelectorAll("form.language").forEach((form) => {
  const select = form.querySelector("select");
  const button = form.querySelector("button");
  if (!select || !button) return;
  button.hidden = true;
  select.addEventListener("change", () => form.requestSubmit());
});
