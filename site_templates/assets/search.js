/* Definitive: Pagefind search in the header box and on the Search page.
 *
 * The header box (partials/definitive-search.html) is a link to the Search page. Clicking it,
 * or pressing /, s, f or Ctrl/Cmd+K, loads Pagefind's Component UI (script and styles from
 * the first bundle, nothing before that) and opens its search modal. The Search page
 * (#dfn-search) gets the same Component UI, laid out as a page with a filter pane, as an
 * instance of its own ("page"). A big site's index comes in several bundles (pagefind/,
 * pagefind-2/...), listed in pagefind-bundles.json: both load the first and merge the others,
 * so every query searches every page. If anything fails to load, the box falls back to its
 * link.
 *
 * Not Pagefind's Default UI: it writes filter values into the page as HTML, and those come
 * from notes (an agent's title, a file name), so a title like <img src=x onerror=...> ran on
 * the Search page. The Component UI writes titles and filter values as text. Nothing here
 * builds HTML from index data either.
 */
(function () {
  "use strict";

  var modal = null; // promise of the <pagefind-modal>, once set up
  var components = null; // promise of the Component UI's bundle paths, once loaded

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

  // The Component UI (script, styles) and the bundle paths, loaded once for the page.
  function loadComponents(root) {
    if (!components) {
      var first = new URL("pagefind/", root);
      components = Promise.all([
        bundles(root),
        load("link", { rel: "stylesheet", href: new URL("pagefind-component-ui.css", first).href }),
        load("script", { src: new URL("pagefind-component-ui.js", first).href }),
      ]).then(function (done) { return done[0]; });
      components.catch(function () { components = null; });
    }
    return components;
  }

  function configure(name, paths) {
    window.PagefindComponents.configureInstance(name, {
      bundlePath: paths[0],
      mergeIndex: merged(paths),
    });
  }

  function setUpModal(trigger) {
    var root = new URL(trigger.getAttribute("data-dfn-search"), document.baseURI);
    return loadComponents(root).then(function (paths) {
      configure("default", paths);
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

  // The Search page: input, summary, filter pane and results of an instance of its own.
  var PAGE =
    "<pagefind-input instance=\"page\"></pagefind-input>" +
    "<div class=\"dfn-search-page\">" +
    "<pagefind-filter-pane instance=\"page\" open=\"kind,agent,outcome\"></pagefind-filter-pane>" +
    "<div class=\"dfn-search-page__results\"><pagefind-summary instance=\"page\"></pagefind-summary>" +
    "<pagefind-results instance=\"page\"></pagefind-results></div></div>";

  function searchPage(element) {
    var root = new URL(element.getAttribute("data-dfn-root"), document.baseURI);
    loadComponents(root).then(function (paths) {
      configure("page", paths);
      element.innerHTML = PAGE;
      var field = element.querySelector("pagefind-input input");
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) { // find/?q=word links straight to results
        if (field) field.value = query;
        window.PagefindComponents.getInstanceManager().getInstance("page").triggerSearch(query);
      }
      if (field) field.focus();
    }, function () {
      element.textContent = "The search index could not be loaded.";
    });
  }

  var page = document.getElementById("dfn-search");
  if (page) searchPage(page);
})();
