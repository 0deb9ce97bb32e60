// Koers voor coaches: the only script. Print buttons, and opening the application a link
// points at (the caseload's "next step"); the pages work without it.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
function openTarget() {
  if (!location.hash) return;
  var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  var details = el && el.querySelector("details");
  if (details) details.open = true;
}
window.addEventListener("hashchange", openTarget);
document.addEventListener("DOMContentLoaded", openTarget);
