// The Markdown editor, on top of a form that works without it (Preview and Save are plain buttons).
// - live preview: the server renders it with the same sanitiser a save uses (POST /preview);
// - a toolbar (a WAI-ARIA toolbar: Tab reaches it once, arrow keys move inside; Ctrl+B/I/K in the text);
// - pasting or dropping an image uploads it as an attachment and inserts its Markdown; a new
//   document is first saved as a draft through the API, and the form then edits that draft;
// - the text is kept in localStorage while typing and offered back after a closed tab or a lost session.
(function () {
  "use strict";
  const body = document.querySelector("textarea[data-preview-url]");
  if (!body) return;
  const form = body.form;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const target = document.getElementById("preview");
  const status = document.getElementById("editor-status");
  const titleInput = form.querySelector("input[name=title]");
  const summaryInput = form.querySelector("[name=summary]");
  const versionInput = form.querySelector("input[name=version]");
  let draftKey = "rndd-editor:" + body.dataset.draftKey;

  function say(message) { if (status) status.textContent = message; }

  // The page's words for the script (data-messages, from content/_editor_messages.html); English
  // when the page gives none. `%(name)s` is filled in from `values`.
  let messages = {};
  try { messages = JSON.parse(body.dataset.messages || "{}"); } catch (error) { messages = {}; }
  function t(key, english, values) {
    let text = typeof messages[key] === "string" ? messages[key] : english;
    Object.keys(values || {}).forEach(function (name) { text = text.split("%(" + name + ")s").join(values[name]); });
    return text;
  }

  // ---- Live preview -------------------------------------------------------------------------
  let previewTimer = null;
  async function refreshPreview() {
    if (!target) return;
    const data = new FormData();
    data.append("body_markdown", body.value);
    data.append("csrf_token", csrf);
    const response = await fetch(body.dataset.previewUrl, { method: "POST", body: data,
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
    if (response.ok) target.innerHTML = (await response.json()).html;  // sanitised server-side
  }

  // ---- Kept in the browser ------------------------------------------------------------------
  const loadedText = body.value;
  function keep() {
    try {
      localStorage.setItem(draftKey, JSON.stringify({
        text: body.value, title: titleInput ? titleInput.value : "", base: loadedText, at: Date.now(),
      }));
    } catch (error) { /* storage full or disabled: the form still works */ }
  }
  function kept() {
    try { return JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (error) { return null; }
  }
  function forget() { try { localStorage.removeItem(draftKey); } catch (error) { /* nothing kept */ } }

  function offerKeptText() {
    const entry = kept();
    if (!entry || typeof entry.text !== "string") return;
    if (entry.text === body.value) { forget(); return; }  // saved: nothing to offer
    const box = document.createElement("div");
    box.className = "flash warning kept-text";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    const when = { date: new Date(entry.at).toLocaleString() };
    text.textContent = entry.base === body.value
      ? t("kept", "Text you were writing here on %(date)s was kept in this browser.", when)
      : t("kept_changed", "Text you were writing here on %(date)s was kept in this browser (the saved text has changed since).", when);
    const restore = document.createElement("button");
    restore.type = "button"; restore.className = "primary"; restore.textContent = t("restore", "Restore it");
    const discard = document.createElement("button");
    discard.type = "button"; discard.textContent = t("discard", "Discard it");
    restore.addEventListener("click", function () {
      body.value = entry.text;
      if (titleInput && entry.title && !titleInput.value) titleInput.value = entry.title;
      box.remove(); changed(); body.focus();
    });
    discard.addEventListener("click", function () { forget(); box.remove(); body.focus(); });
    box.append(text, restore, " ", discard);
    form.before(box);
  }

  function changed() {
    keep();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 300);
  }

  // ---- Editing the text ---------------------------------------------------------------------
  function replaceSelection(text, selectFrom, selectTo) {
    const start = body.selectionStart;
    body.focus();
    body.setRangeText(text, start, body.selectionEnd, "end");
    if (selectFrom !== undefined) body.setSelectionRange(start + selectFrom, start + selectTo);
    changed();
  }
  function wrap(before, after, placeholder) {
    const chosen = body.value.slice(body.selectionStart, body.selectionEnd) || placeholder;
    replaceSelection(before + chosen + after, before.length, before.length + chosen.length);
  }
  function prefixLines(prefix) {
    // Whole lines: from the start of the first selected line to the end of the last.
    const start = body.value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    let end = body.value.indexOf("\n", body.selectionEnd);
    if (end === -1) end = body.value.length;
    body.setSelectionRange(start, end);
    const lines = body.value.slice(start, end).split("\n");
    const text = lines.map(function (line, i) {
      return (typeof prefix === "function" ? prefix(i) : prefix) + line;
    }).join("\n");
    replaceSelection(text, text.length, text.length);
  }
  function block(text) {
    const before = body.value.slice(0, body.selectionStart);
    const gap = before === "" || before.endsWith("\n\n") ? "" : (before.endsWith("\n") ? "\n" : "\n\n");
    replaceSelection(gap + text + "\n", gap.length + text.length + 1, gap.length + text.length + 1);
  }
  function footnote() {
    let n = 1;
    while (body.value.includes("[^" + n + "]")) n += 1;
    const mark = "[^" + n + "]";
    replaceSelection(mark, mark.length, mark.length);
    body.value = body.value.replace(/\s*$/, "") + "\n\n" + mark + ": ";
    body.setSelectionRange(body.value.length, body.value.length);  // type the note at the end
    changed();
  }
  function link() {
    const chosen = body.value.slice(body.selectionStart, body.selectionEnd) || t("link_text", "link text");
    const text = "[" + chosen + "](https://)";
    replaceSelection(text, chosen.length + 3, chosen.length + 11);  // select "https://"
  }

  const TOOLS = [
    { label: t("heading", "Heading"), text: "H", run: function () { prefixLines("## "); } },
    { label: t("bold", "Bold (Ctrl+B)"), text: "B", key: "b", run: function () { wrap("**", "**", t("bold_text", "bold text")); } },
    { label: t("italic", "Italic (Ctrl+I)"), text: "I", key: "i", run: function () { wrap("_", "_", t("italic_text", "italic text")); } },
    { label: t("link", "Link (Ctrl+K)"), text: t("link_button", "Link"), key: "k", run: link },
    { label: t("bulleted", "Bulleted list"), text: "• " + t("list_button", "List"), run: function () { prefixLines("- "); } },
    { label: t("numbered", "Numbered list"), text: "1. " + t("list_button", "List"), run: function () { prefixLines(function (i) { return (i + 1) + ". "; }); } },
    { label: t("table", "Table"), text: t("table", "Table"), run: function () {
      const column = t("column", "Column"), cell = t("cell", "Cell");
      const width = Math.max(column.length, cell.length, 6);
      const pad = function (word) { return word + " ".repeat(width - word.length); };
      block("| " + pad(column) + " | " + pad(column) + " |\n| " + "-".repeat(width) + " | " + "-".repeat(width) +
        " |\n| " + pad(cell) + " | " + pad(cell) + " |"); } },
    { label: t("quote", "Quote"), text: t("quote", "Quote"), run: function () { prefixLines("> "); } },
    { label: t("code", "Code"), text: t("code", "Code"), run: function () {
      const chosen = body.value.slice(body.selectionStart, body.selectionEnd);
      if (chosen.includes("\n") || !chosen) block("```\n" + (chosen || t("code_text", "code")) + "\n```");
      else wrap("`", "`", t("code_text", "code"));
    } },
    { label: t("footnote", "Footnote"), text: t("note_button", "Note"), run: footnote },
  ];

  function buildToolbar() {
    const bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", t("formatting", "Formatting"));
    bar.setAttribute("aria-controls", body.id);
    const buttons = TOOLS.map(function (tool, index) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = tool.text;
      button.title = tool.label;
      button.setAttribute("aria-label", tool.label);
      button.tabIndex = index === 0 ? 0 : -1;
      button.addEventListener("click", function () { tool.run(); });
      bar.append(button);
      return button;
    });
    if (body.dataset.uploadUrl || body.dataset.createUrl) {
      const picker = document.createElement("input");
      picker.type = "file"; picker.accept = "image/png,image/jpeg,image/webp"; picker.hidden = true;
      picker.addEventListener("change", function () { uploadAll(Array.from(picker.files)); picker.value = ""; });
      const button = document.createElement("button");
      button.type = "button"; button.textContent = t("image", "Image"); button.tabIndex = -1;
      button.title = t("image_title", "Image (or paste or drop one into the text)");
      button.setAttribute("aria-label", t("add_image", "Add an image"));
      button.addEventListener("click", function () { picker.click(); });
      bar.append(button, picker);
      buttons.push(button);
    }
    bar.addEventListener("keydown", function (event) {
      const at = buttons.indexOf(document.activeElement);
      if (at === -1) return;
      const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = (moves[event.key] + buttons.length) % buttons.length;
      buttons[at].tabIndex = -1; buttons[next].tabIndex = 0; buttons[next].focus();
    });
    body.before(bar);
    body.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const tool = TOOLS.find(function (t) { return t.key === event.key.toLowerCase(); });
      if (tool) { event.preventDefault(); tool.run(); }
    });
  }

  // ---- Images: paste, drop, pick --------------------------------------------------------------
  async function json(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error((data.error && data.error.message) || t("server_answered", "The server answered %(status)s.", { status: response.status }));
    return data;
  }

  // A new document has no attachments yet: save it as a draft first, then edit that draft.
  async function ensureDocument() {
    if (body.dataset.uploadUrl) return;
    const kind = form.querySelector("[name=kind]");
    const language = form.querySelector("[name=language]");
    if (titleInput && !titleInput.value.trim()) titleInput.value = t("untitled", "Untitled draft");
    const created = await json(body.dataset.createUrl, { method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ title: titleInput ? titleInput.value : t("untitled", "Untitled draft"),
        summary: summaryInput ? summaryInput.value : "", body_markdown: body.value,
        kind: kind ? kind.value : undefined, language: language ? language.value : undefined }) });
    function withId(template) { return template.replace(/\/0(\/|$)/, "/" + created.id + "$1"); }
    const edit = withId(body.dataset.editUrlTemplate);
    body.dataset.uploadUrl = withId(body.dataset.uploadUrlTemplate);
    body.dataset.documentUrl = withId(body.dataset.documentUrlTemplate);
    form.action = edit;
    if (versionInput) versionInput.value = created.version;
    // "Detect" is for a new document only: the draft now has a language, which the edit form posts.
    if (language && !language.value && created.language) language.value = created.language;
    forget();  // the text is kept under the draft's own address from now on
    draftKey = "rndd-editor:" + edit;
    keep();
    history.replaceState(null, "", edit);
    say(t("saved_as_draft", "Saved as a draft, so that images can be attached to it. Save again when you are done."));
  }

  // An upload makes a new version of the document; the form follows it when nobody else saved.
  async function followVersion(before) {
    if (!versionInput || !body.dataset.documentUrl) return;
    const doc = await json(body.dataset.documentUrl, { headers: { "Accept": "application/json" } });
    if (String(doc.version) === String(Number(before) + 1)) versionInput.value = doc.version;
  }

  async function upload(file) {
    const placeholder = "![" + t("uploading", "Uploading %(name)s…", { name: file.name }) + "]()";
    replaceSelection(placeholder, placeholder.length, placeholder.length);
    try {
      await ensureDocument();
      const before = versionInput ? versionInput.value : null;
      const data = new FormData();
      data.append("file", file, file.name || "pasted-image.png");
      if (body.dataset.lessonId) data.append("lesson_id", body.dataset.lessonId);
      const added = await json(body.dataset.uploadUrl, { method: "POST", body: data,
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
      const alt = added.filename.replace(/\.[a-z0-9]+$/i, "").replace(/[[\]]/g, "");
      body.value = body.value.replace(placeholder, "![" + alt + "](/attachments/" + added.id + ")");
      if (before !== null) await followVersion(before);
      say(t("uploaded", "“%(name)s” uploaded and inserted.", { name: added.filename }));
    } catch (error) {
      body.value = body.value.replace(placeholder, "");
      say(t("not_added", "The image was not added: %(error)s", { error: error.message }));
    }
    changed();
  }
  async function uploadAll(files) {
    for (const file of files) await upload(file);
  }
  function images(list) {
    return Array.from(list || []).filter(function (file) { return file.type.startsWith("image/"); });
  }
  function acceptImages() {
    if (!(body.dataset.uploadUrl || body.dataset.createUrl)) return;
    body.addEventListener("paste", function (event) {
      const files = images(event.clipboardData && event.clipboardData.files);
      if (!files.length) return;
      event.preventDefault();
      uploadAll(files);
    });
    body.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) event.preventDefault();
    });
    body.addEventListener("drop", function (event) {
      const files = images(event.dataTransfer && event.dataTransfer.files);
      if (!files.length) return;
      event.preventDefault();
      uploadAll(files);
    });
  }

  buildToolbar();
  acceptImages();
  offerKeptText();
  body.addEventListener("input", changed);
  if (titleInput) titleInput.addEventListener("input", keep);
  if (body.value) refreshPreview();
})();
