/* Definitive: Pagefind search on the Search page.
 *
 * The Search page (#dfn-search) gets Pagefind's Default UI with filters. A big site's index
 * comes in several bundles (pagefind/, pagefind-2/...), listed in pagefind-bundles.json: the
 * UI loads the first and merges the others, so every query searches every page.
 */
(function () {
  "use strict";

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element[name] = attributes[name]; });
      element.onload = resolve;
      element.onerror = function () { reject(new Error("cannot load " + (element.src || element.href))); };
      document.head.appendChild(element);
    });
  }

  // Absolute paths of every bundle, the first one first (Pagefind wants bundle paths).
  function bundles(root) {
    var one = [new URL("pagefind/", root).pathname];
    return fetch(new URL("pagefind-bundles.json", root))
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (listing) {
        var names = listing && Array.isArray(listing.bundles) ? listing.bundles : [];
        return names.length ? names.map(function (name) { return new URL(name, root).pathname; }) : one;
      }, function () { return one; });
  }

  function merged(paths) {
    return paths.slice(1).map(function (path) { return { bundlePath: path }; });
  }

  function searchPage(element) {
    var root = new URL(element.getAttribute("data-dfn-root"), document.baseURI);
    Promise.all([
      bundles(root),
      load("script", { src: new URL("pagefind/pagefind-ui.js", root).href }),
    ]).then(function (done) {
      var paths = done[0];
      var ui = new window.PagefindUI({
        element: "#dfn-search", bundlePath: paths[0], mergeIndex: merged(paths),
        showSubResults: true, showImages: false, autofocus: true, resetStyles: false,
      });
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) ui.triggerSearch(query); // find/?q=word links straight to results
    }, function () {
      element.textContent = "The search index could not be loaded.";
    });
  }

  var page = document.getElementById("dfn-search");
  if (page) searchPage(page);
})();
