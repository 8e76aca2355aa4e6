// Quick exit: leave without leaving this page in the back button's history. Without
// JavaScript the link still goes to /exit, which ends the session and leaves.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.quick-exit");
  if (!link) return;
  event.preventDefault();
  window.location.replace(link.href);
});
document.addEventListener("keydown", function (event) {
  // Escape pressed three times quickly also leaves.
  if (event.key !== "Escape") return;
  var now = Date.now();
  var presses = (window.__exitPresses || []).filter(function (t) { return now - t < 1500; });
  presses.push(now);
  window.__exitPresses = presses;
  if (presses.length >= 3) {
    var link = document.querySelector("a.quick-exit");
    if (link) window.location.replace(link.href);
  }
});
