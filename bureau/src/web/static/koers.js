// Koers voor coaches: the only script. Print buttons (the page works without it).
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
