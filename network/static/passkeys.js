// Passkeys (WebAuthn): add one on /account/security, sign in with one on the login pages.
// Buttons carry their endpoints and CSRF token as data attributes and stay hidden without WebAuthn.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
    return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toBase64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: fromBase64url(item.id) }); });
  }

  async function post(url, csrf, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error((answer.error && answer.error.message) || "The hub refused the request.");
    return answer;
  }

  function credentialJSON(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined, response: response,
    };
  }

  async function register(button, status) {
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf, {});
    options.challenge = fromBase64url(options.challenge);
    options.user.id = fromBase64url(options.user.id);
    options.excludeCredentials = withIds(options.excludeCredentials);
    const credential = await navigator.credentials.create({ publicKey: options });
    const name = document.querySelector("[data-passkey-name]");
    status.textContent = "Checking the new passkey…";
    return post(button.dataset.verifyUrl, button.dataset.csrf, {
      credential: credentialJSON(credential), name: name ? name.value : "",
    });
  }

  async function signIn(button, status) {
    const purpose = { purpose: button.dataset.purpose };
    const options = await post(button.dataset.optionsUrl, button.dataset.csrf, purpose);
    options.challenge = fromBase64url(options.challenge);
    options.allowCredentials = withIds(options.allowCredentials);
    const credential = await navigator.credentials.get({ publicKey: options });
    status.textContent = "Checking the passkey…";
    return post(button.dataset.verifyUrl, button.dataset.csrf, Object.assign(purpose, {
      credential: credentialJSON(credential), next: button.dataset.next || "",
    }));
  }

  function wire(selector, ceremony) {
    document.querySelectorAll(selector).forEach(function (button) {
      const status = button.parentElement.querySelector("[data-passkey-status]") ||
        document.querySelector("[data-passkey-status]");
      button.hidden = false;
      button.addEventListener("click", async function () {
        button.disabled = true;
        status.textContent = "Waiting for your passkey…";
        try {
          const answer = await ceremony(button, status);
          window.location.assign(answer.redirect);
        } catch (error) {
          status.textContent = error.name === "NotAllowedError"
            ? "The passkey request was cancelled or timed out." : error.message;
          button.disabled = false;
        }
      });
    });
  }

  wire("[data-passkey-register]", register);
  wire("[data-passkey-signin]", signIn);
})();
