/* Autosave for forms marked data-autosave="<id of a status element>".
   An optional enhancement: without JavaScript every Save button still saves the draft.
   A few seconds after typing stops, the form's fields (with its CSRF token, without any
   file) are posted to the form's own action with the header X-Autosave: 1; the server
   saves the draft and answers 204. After a failure it stops and says so: the Save
   buttons, which also keep what was typed when a session expired, take over. */
(function () {
  "use strict";
  var DELAY = 3000;
  if (!window.fetch || !window.FormData || !document.querySelectorAll) { return; }

  function clock() {
    var options = { hour: "2-digit", minute: "2-digit" };
    try {
      return new Date().toLocaleTimeString(document.documentElement.lang || undefined, options);
    } catch (e) {
      return new Date().toLocaleTimeString(undefined, options);
    }
  }

  function setup(form) {
    var status = document.getElementById(form.getAttribute("data-autosave"));
    var timer = null, busy = false, again = false, stopped = false;

    function say(text) { if (status) { status.textContent = text; } }

    function fields() {
      var data = new FormData(form), files = [];
      data.forEach(function (value, name) {
        if (typeof File !== "undefined" && value instanceof File) { files.push(name); }
      });
      files.forEach(function (name) { data.delete(name); });
      return data;
    }

    function done(ok) {
      busy = false;
      if (ok) {
        say((form.getAttribute("data-saved-text") || "Draft saved at {time}")
          .replace("{time}", clock()));
        if (again) { again = false; schedule(); }
      } else {
        stopped = true;
        say(form.getAttribute("data-failed-text") || "Not saved automatically.");
      }
    }

    function save() {
      timer = null;
      if (stopped) { return; }
      if (busy) { again = true; return; }
      busy = true;
      fetch(form.action, {
        method: "POST", body: fields(), credentials: "same-origin", redirect: "manual",
        headers: { "X-Autosave": "1" }
      }).then(function (r) { done(r.status === 204); }, function () { done(false); });
    }

    function schedule(event) {
      if (stopped || (event && event.target && event.target.type === "file")) { return; }
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, DELAY);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () {
      stopped = true;  // the button's own save follows; no autosave may race it
      if (timer) { clearTimeout(timer); }
    });
  }

  var forms = document.querySelectorAll("form[data-autosave]");
  for (var i = 0; i < forms.length; i++) { setup(forms[i]); }
}());
