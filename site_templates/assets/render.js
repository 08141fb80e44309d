// Definitive: what a note shows beyond HTML, typeset in the browser from the site's own files
// (no other host is ever asked): $math$ with KaTeX, ```mermaid diagrams with mermaid. Each
// library is loaded only on a page that has something for it (render/markdown.py marks math
// as .dfn-math, diagrams as pre.dfn-mermaid); without JavaScript the source stays readable.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? script.src.replace(/[^/]*$/, "") : "";
  var loaded = {};

  function load(path) {
    if (!loaded[path]) {
      loaded[path] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = base + path;
        tag.onload = resolve;
        tag.onerror = reject;
        document.head.appendChild(tag);
      });
    }
    return loaded[path];
  }

  function stylesheet(path) {
    if (loaded[path]) return;
    loaded[path] = true;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = base + path;
    document.head.appendChild(link);
  }

  function math() {
    var nodes = document.querySelectorAll(".dfn-math:not([data-dfn-typeset])");
    if (!nodes.length) return;
    stylesheet("vendor/katex/katex.min.css");
    load("vendor/katex/katex.min.js").then(function () {
      nodes.forEach(function (node) {
        var display = node.classList.contains("dfn-math-display");
        try {
          // trust stays off: no \href or \includegraphics from a note
          window.katex.render(node.textContent, node, {
            displayMode: display,
            throwOnError: false,
            output: "htmlAndMathml",
          });
        } catch (error) {
          /* left as its source */
        }
        node.setAttribute("data-dfn-typeset", "");
      });
    });
  }

  function diagrams() {
    var nodes = document.querySelectorAll("pre.dfn-mermaid:not([data-dfn-typeset])");
    if (!nodes.length) return;
    load("vendor/mermaid/mermaid.min.js").then(function () {
      var scheme = document.body.getAttribute("data-md-color-scheme");
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict", // no click handlers
        // Labels as SVG text, never parsed as HTML (an HTML label is put in the page to be
        // measured, an agent's <img onerror> included; the policy blocks it, but why try).
        htmlLabels: false,
        flowchart: { htmlLabels: false },
        class: { htmlLabels: false },
        theme: scheme === "slate" ? "dark" : "default",
      });
      nodes.forEach(function (node) {
        node.setAttribute("data-dfn-typeset", "");
      });
      window.mermaid.run({ nodes: nodes, suppressErrors: true });
    });
  }

  function typeset() {
    math();
    diagrams();
  }

  // Material's instant navigation swaps pages without loading them: it announces each one.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(typeset);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typeset);
  } else {
    typeset();
  }
})();
