// Test probe (not shipped): counts the change events that reach the
// document, per field name, in body[data-changes], for map_test.go.
document.addEventListener("change", function (e) {
  var name = e.target.name || e.target.id || "?";
  var counts = JSON.parse(document.body.getAttribute("data-changes") || "{}");
  counts[name] = (counts[name] || 0) + 1;
  document.body.setAttribute("data-changes", JSON.stringify(counts));
});
