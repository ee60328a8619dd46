// The architecture page: draws the graph with the vendored Mermaid, and shows a domain's details when selected.
(function () {
  "use strict";

  function selectDomain(name) {
    document.querySelectorAll("section.domain").forEach(function (section) {
      section.hidden = section.dataset.domain !== name;
    });
    document.getElementById("no-selection").hidden = true;
    document.querySelectorAll("#domain-list button").forEach(function (button) {
      button.classList.toggle("selected", button.dataset.domain === name);
    });
    history.replaceState(null, "", "#" + name);
  }
  window.selectDomain = selectDomain; // Mermaid's `click <node> call selectDomain(...)` calls it

  document.querySelectorAll("#domain-list button").forEach(function (button) {
    button.addEventListener("click", function () { selectDomain(button.dataset.domain); });
  });

  var source = JSON.parse(document.getElementById("mermaid-source").textContent);
  mermaid.initialize({ startOnLoad: false, securityLevel: "loose", theme: "neutral" });
  mermaid.render("architecture-graph", source).then(function (result) {
    var graph = document.getElementById("graph");
    graph.innerHTML = result.svg;
    if (result.bindFunctions) { result.bindFunctions(graph); }
    document.body.dataset.graph = "ready";
    if (location.hash.length > 1) { selectDomain(location.hash.slice(1)); }
  }, function (error) {
    document.getElementById("graph").textContent = "The graph could not be drawn: " + error;
    document.body.dataset.graph = "failed";
  });
})();
