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
 * A result opened from either one carries the words searched (?highlight=word, Pagefind's
 * highlightParam): on that page they are marked, with Pagefind's own highlighter
 * (pagefind-highlight.js, loaded only then), and the first one is scrolled into view.
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
  var HIGHLIGHT = "highlight"; // the query parameter results carry the searched words in

  // The Search page's filters (kind, agent, outcome), as drop-downs over the modal's results.
  var FILTERS =
    "<pagefind-filter-dropdown filter=\"kind\" label=\"Kind\" hide-clear></pagefind-filter-dropdown>" +
    "<pagefind-filter-dropdown filter=\"agent\" label=\"Agent\" hide-clear></pagefind-filter-dropdown>" +
    "<pagefind-filter-dropdown filter=\"outcome\" label=\"Outcome\" hide-clear></pagefind-filter-dropdown>";

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
      highlightParam: HIGHLIGHT,
    });
  }

  function setUpModal(trigger) {
    var root = new URL(trigger.getAttribute("data-dfn-search"), document.baseURI);
    return loadComponents(root).then(function (paths) {
      configure("default", paths);
      // Pagefind's own modal (header and input, body with summary and results, footer),
      // built by the element itself: one given children of our own moved them into its
      // dialog after they had connected, so its header set itself up twice (two close
      // buttons). The filters go into its body once it stands.
      var element = document.createElement("pagefind-modal");
      element.className = "dfn-search-modal";
      document.body.appendChild(element);
      var filters = document.createElement("div");
      filters.className = "dfn-search-filters";
      filters.innerHTML = FILTERS;
      var body = element.querySelector("pagefind-modal-body");
      if (body) body.insertBefore(filters, body.firstChild);
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

  // The Search page: input, summary, filter pane and results of an instance of its own. The
  // pane is expanded (every filter shown, none to open first) and filled as the page loads.
  var PAGE =
    "<pagefind-input instance=\"page\"></pagefind-input>" +
    "<div class=\"dfn-search-page\">" +
    "<pagefind-filter-pane instance=\"page\" expanded></pagefind-filter-pane>" +
    "<div class=\"dfn-search-page__results\"><pagefind-summary instance=\"page\"></pagefind-summary>" +
    "<pagefind-results instance=\"page\"></pagefind-results></div></div>";

  function searchPage(element) {
    var root = new URL(element.getAttribute("data-dfn-root"), document.baseURI);
    loadComponents(root).then(function (paths) {
      configure("page", paths);
      element.innerHTML = PAGE;
      var field = element.querySelector("pagefind-input input");
      var query = new URLSearchParams(window.location.search).get("q");
      var instance = window.PagefindComponents.getInstanceManager().getInstance("page");
      instance.triggerLoad(); // the filters, before anything is typed
      if (query) { // find/?q=word links straight to results
        if (field) field.value = query;
        instance.triggerSearch(query);
      }
      if (field) field.focus();
    }, function () {
      element.textContent = "The search index could not be loaded.";
    });
  }

  var page = document.getElementById("dfn-search");
  if (page) searchPage(page);

  // A page opened from a result: mark the words searched, with Pagefind's highlighter.
  var script = document.currentScript;
  var words = new URLSearchParams(window.location.search).getAll(HIGHLIGHT);
  if (words.length && script) { // only Pagefind's results link here with it: an index exists
    var highlighter = new URL("../../pagefind/pagefind-highlight.js", script.src).href;
    import(highlighter).then(function (module) {
      var Highlight = module.default || window.PagefindHighlight;
      new Highlight({
        highlightParam: HIGHLIGHT,
        addStyles: false, // definitive.css styles .dfn-highlight in both palettes
        markOptions: {
          className: "dfn-highlight",
          exclude: ["[data-pagefind-ignore]", "[data-pagefind-ignore] *", ".headerlink"],
        },
      });
      var first = document.querySelector("mark.dfn-highlight");
      if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
    }, function () { /* no index on this site (definitive serve): nothing to mark */ });
  }
})();
