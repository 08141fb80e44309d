/* Definitive: Pagefind search in the header box and on the Search page.
 *
 * The header box (partials/definitive-search.html) is a link to the Search page. Clicking it,
 * or pressing /, s, f or Ctrl/Cmd+K, loads Pagefind's Component UI (script and styles from
 * the first bundle, nothing before that) and opens its search modal. The Search page
 * (#dfn-search) gets Pagefind's Default UI with filters. A big site's index comes in several
 * bundles (pagefind/, pagefind-2/...), listed in pagefind-bundles.json: both UIs load the
 * first and merge the others, so every query searches every page. If anything fails to load,
 * the box falls back to its link.
 */
(function () {
  "use strict";

  var modal = null; // promise of the <pagefind-modal>, once set up

  // Pagefind's default modal, plus the Search page's filters (kind, agent, outcome).
  var MODAL =
    "<pagefind-modal-header><pagefind-input></pagefind-input></pagefind-modal-header>" +
    "<pagefind-modal-body><div class=\"dfn-search-filters\">" +
    "<pagefind-filter-dropdown filter=\"kind\" label=\"Kind\" hide-clear></pagefind-filter-dropdown>" +
    "<pagefind-filter-dropdown filter=\"agent\" label=\"Agent\" hide-clear></pagefind-filter-dropdown>" +
    "<pagefind-filter-dropdown filter=\"outcome\" label=\"Outcome\" hide-clear></pagefind-filter-dropdown>" +
    "</div><pagefind-summary></pagefind-summary><pagefind-results></pagefind-results>" +
    "</pagefind-modal-body>" +
    "<pagefind-modal-footer><pagefind-keyboard-hints></pagefind-keyboard-hints></pagefind-modal-footer>";

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

  function setUpModal(trigger) {
    var root = new URL(trigger.getAttribute("data-dfn-search"), document.baseURI);
    var first = new URL("pagefind/", root);
    return Promise.all([
      bundles(root),
      load("link", { rel: "stylesheet", href: new URL("pagefind-component-ui.css", first).href }),
      load("script", { src: new URL("pagefind-component-ui.js", first).href }),
    ]).then(function (done) {
      var paths = done[0];
      window.PagefindComponents.configureInstance("default", {
        bundlePath: paths[0],
        mergeIndex: merged(paths),
      });
      var element = document.createElement("pagefind-modal");
      element.className = "dfn-search-modal";
      element.innerHTML = MODAL;
      document.body.appendChild(element);
      return element;
    });
  }

  function prepare(trigger) {
    if (!modal) {
      modal = setUpModal(trigger);
      modal.catch(function () { modal = null; });
    }
    return modal;
  }

  function open(trigger) {
    trigger.setAttribute("aria-busy", "true");
    prepare(trigger).then(
      function (element) { trigger.removeAttribute("aria-busy"); element.open(); },
      function () { window.location.href = trigger.href; } // no index here: the Search page
    );
  }

  // Whether keys go into a field (a text input, not a checkbox or Material's palette radio).
  function typing(element) {
    if (!element) return false;
    if (element.isContentEditable || /^(TEXTAREA|SELECT)$/.test(element.tagName)) return true;
    return element.tagName === "INPUT" &&
      !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(element.type);
  }

  function headerTrigger() {
    return document.querySelector("[data-dfn-search]");
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-dfn-search]");
    if (!trigger || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(trigger);
  });

  // Fetch the UI while the pointer is on its way to the box, so the modal opens at once.
  document.addEventListener("pointerover", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-dfn-search]");
    if (trigger) prepare(trigger);
  });

  document.addEventListener("keydown", function (event) {
    var trigger = headerTrigger();
    if (!trigger || event.defaultPrevented || event.altKey) return;
    if (typing(document.activeElement)) return;
    var key = event.key;
    var mod = event.ctrlKey || event.metaKey;
    if (mod ? key.toLowerCase() !== "k" : ["/", "s", "f"].indexOf(key) < 0) return;
    event.preventDefault();
    open(trigger);
  });

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
