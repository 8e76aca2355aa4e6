// Security keys (WebAuthn): the browser side of adding a key and of logging in with one.
// A form marked data-webauthn="create" or "get" carries the server's options (JSON) in
// data-options; on submit we ask the key, put its answer in the hidden "credential" field
// and send the form. Without WebAuthn the page's message is shown and nothing is sent;
// the authenticator app's code always works instead.
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBytes(d.id), transports: d.transports };
    });
  }

  function creationOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.user.id = toBytes(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return { publicKey: o };
  }

  function answer(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      out.response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function showUnsupported() {
    var note = document.querySelector("[data-webauthn-unsupported]");
    if (note) note.hidden = false;
  }

  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    var supported = window.PublicKeyCredential && navigator.credentials;
    if (!supported) showUnsupported();
    form.addEventListener("submit", function (event) {
      if (form.elements.credential.value) return; // the answer is in: send it
      event.preventDefault();
      if (!supported) { showUnsupported(); return; }
      if (!form.reportValidity()) return;
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var options = JSON.parse(form.getAttribute("data-options"));
      var asked = form.getAttribute("data-webauthn") === "create"
        ? navigator.credentials.create(creationOptions(options))
        : navigator.credentials.get(requestOptions(options));
      asked.then(function (cred) {
        form.elements.credential.value = answer(cred);
        form.submit();
      }, function () {
        // Cancelled, timed out or refused: send the form without an answer, so the page
        // comes back with a fresh challenge and a message.
        form.submit();
      });
    });
  });
})();
