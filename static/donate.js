/* The donation page's card payment, with Stripe.js (loaded just before this file).
   Without JavaScript the page says that paying by card needs it; no inline script. */
(function () {
  "use strict";
  var form = document.getElementById("donate-form");
  if (!form || typeof window.Stripe !== "function") { return; }
  var stripe = window.Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  var button = form.querySelector("button[type=submit]");
  var status = document.getElementById("donate-status");
  card.mount("#card-element");
  button.disabled = false;

  function say(text) { status.textContent = text || ""; }

  function startPayment() {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || form.dataset.failed); }
        return data.client_secret;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    say(form.dataset.sending);
    startPayment().then(function (secret) {
      return stripe.confirmCardPayment(secret, { payment_method: { card: card } });
    }).then(function (result) {
      if (result.error) { throw new Error(result.error.message || form.dataset.failed); }
      window.location.assign(form.dataset.thanksUrl);
    }).catch(function (error) {
      say(error.message || form.dataset.failed);
      button.disabled = false;
    });
  });
}());
