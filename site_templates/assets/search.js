/* Definitive: Pagefind search in the header box and on the Search page.
 *
 * Our own small client over Pagefind's JS API (pagefind.js: search, filters, mergeIndex), not
 * Pagefind's Component UI: that UI is 46 KB of script and styles (compressed) and loads every
 * filter of every bundle when it starts, used or not; a first query on a 10,000-note site cost
 * 450 KB with it (BENCHMARKS.md, "Search: bytes downloaded for one query"). Here the filters
 * (kind, agent, outcome) load when a visitor opens them, and nothing else loads but what the
 * query needs.
 *
 * The header box (partials/definitive-search.html) is a link to the Search page. Clicking it,
 * or pressing /, s, f or Ctrl/Cmd+K, opens a search dialog (Pagefind's script, WebAssembly and
 * index entry load then, not before: on pointer-over at the earliest). The Search page
 * (#dfn-search) holds the same search form. A big site's index comes in several bundles
 * (pagefind/, pagefind-2/...), listed in pagefind-bundles.json: the first is loaded and the
 * others merged, so every query searches every page. If Pagefind cannot load, the box falls
 * back to its link.
 *
 * A result carries the words searched (?highlight=word, Pagefind's highlightParam): on the
 * page it opens they are marked, with Pagefind's own highlighter (pagefind-highlight.js,
 * loaded only then), and the first one is scrolled into view.
 *
 * Everything from the index (titles, excerpts, filter values) comes from notes that agents
 * write: it goes into the page as text nodes only. Pagefind's excerpts are text with the
 * matched words in <mark> tags and < > escaped; they are split on those tags, and each piece
 * is written as text. Links are kept only when they are http(s) on this site.
 */
(function () {
  "use strict";

  var HIGHLIGHT = "highlight"; // the query parameter results carry the searched words in
  var FILTERS = ["kind", "agent", "outcome"]; // shown first, in this order; others after
  var LABELS = { kind: "Kind", agent: "Agent", outcome: "Outcome" };
  var PAGE_SIZE = 5; // results shown at once (as Pagefind's own UIs); "More results": 5 more
  var DEBOUNCE = 300; // ms after the last key before searching (as Pagefind's own UI)
  var pagefinds = {}; // root URL -> promise of the Pagefind API with every bundle merged
  var dialog = null; // promise of the header's search dialog, once set up

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
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

  // Pagefind's API over every bundle: the first bundle's pagefind.js, the others merged. Its
  // web worker (pagefind-worker.js, 12 KB compressed) is kept: without it, decompressing and
  // searching 4 bundles at 10,000 notes blocked the page for 0.4-0.6 s per query (measured
  // on a busy 2-core machine).
  function pagefind(root) {
    var key = root.href;
    if (!pagefinds[key]) {
      pagefinds[key] = bundles(root).then(function (paths) {
        return import(new URL(paths[0] + "pagefind.js", root).href).then(function (api) {
          return api.options({ highlightParam: HIGHLIGHT }).then(function () {
            return api.init();
          }).then(function () {
            return Promise.all(paths.slice(1).map(function (path) {
              return api.mergeIndex(path, { highlightParam: HIGHLIGHT });
            }));
          }).then(function () { return api; });
        });
      });
      pagefinds[key].catch(function () { delete pagefinds[key]; });
    }
    return pagefinds[key];
  }

  // An excerpt as nodes: Pagefind's <mark> tags become our own <mark>, everything else text.
  function excerpt(html) {
    var paragraph = element("p", "dfn-finder__excerpt");
    var marked = false;
    String(html).split(/(<mark>|<\/mark>)/).forEach(function (piece) {
      if (piece === "<mark>") { marked = true; return; }
      if (piece === "</mark>") { marked = false; return; }
      if (!piece) return;
      var text = piece.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      paragraph.appendChild(marked ? element("mark", "", text) : document.createTextNode(text));
    });
    return paragraph;
  }

  // A result's link, when it is an http(s) address of this site.
  function address(url) {
    try {
      var parsed = new URL(url, document.baseURI);
      return /^https?:$/.test(parsed.protocol) && parsed.origin === window.location.origin ? url : null;
    } catch (error) {
      return null;
    }
  }

  // The search form: field, filters (loaded when opened), status, results. One per place it
  // shows (the dialog, the Search page), each with its own state.
  function Finder(root, container, extra) {
    var self = this;
    this.root = root;
    this.selected = new Map(); // filter name -> values ticked (Maps: a value may be any text)
    this.searchID = 0;
    this.term = "";
    this.results = [];
    this.shown = 0;
    this.filtersLoaded = false;

    // Not a <form>: nothing is submitted, and a form in a page's article is what the XSS
    // tests look for (a note may not hold one).
    var form = element("div", "dfn-finder");
    form.setAttribute("role", "search");
    this.field = element("input", "dfn-finder__input");
    this.field.type = "search";
    this.field.placeholder = "Search";
    this.field.autocomplete = "off";
    this.field.spellcheck = false;
    this.field.setAttribute("aria-label", "Search");
    form.appendChild(this.field);
    if (extra) form.appendChild(extra); // the dialog's close button

    var body = element("div", "dfn-finder__body");
    this.filters = element("details", "dfn-finder__filters");
    var summary = element("summary", "dfn-finder__filters-toggle", "Filter by kind, agent, outcome");
    this.filters.appendChild(summary);
    this.groups = element("div", "dfn-finder__groups");
    this.filters.appendChild(this.groups);
    this.filters.addEventListener("toggle", function () {
      if (self.filters.open) self.loadFilters();
    });
    body.appendChild(this.filters);

    var main = element("div", "dfn-finder__main");
    this.status = element("p", "dfn-finder__status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.list = element("ol", "dfn-finder__results");
    this.more = element("button", "dfn-finder__more", "More results");
    this.more.type = "button";
    this.more.hidden = true;
    this.more.addEventListener("click", function () { self.show(); });
    main.appendChild(this.status);
    main.appendChild(this.list);
    main.appendChild(this.more);
    body.appendChild(main);

    container.appendChild(form);
    container.appendChild(body);

    var wait = null;
    this.field.addEventListener("input", function () {
      clearTimeout(wait);
      var id = ++self.searchID;
      wait = setTimeout(function () { if (id === self.searchID) self.search(id); }, DEBOUNCE);
    });
    this.field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { clearTimeout(wait); self.search(0); } // now, not in 300 ms
    });
    // Arrow keys move between the field and the results (Enter opens the one focused).
    container.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var links = Array.prototype.slice.call(self.list.querySelectorAll("a.dfn-finder__link"));
      var at = links.indexOf(document.activeElement);
      if (document.activeElement !== self.field && at < 0) return;
      event.preventDefault();
      var next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) self.field.focus();
      else if (next < links.length) links[next].focus();
    });
  }

  Finder.prototype.chosen = function () {
    var filters = {};
    this.selected.forEach(function (values, name) {
      if (values.length) filters[name] = { any: values.slice() };
    });
    return filters;
  };

  // Search the field's words (id: the input that asked; 0 searches now, whatever was typed).
  Finder.prototype.search = function (id) {
    var self = this;
    if (!id) id = ++this.searchID;
    var term = this.field.value.trim();
    var filters = this.chosen();
    if (!term && !Object.keys(filters).length) {
      this.term = "";
      this.results = [];
      this.list.textContent = "";
      this.status.textContent = "";
      this.more.hidden = true;
      return Promise.resolve();
    }
    this.status.textContent = "Searching…";
    return pagefind(this.root).then(function (api) {
      return api.search(term || null, { filters: filters });
    }).then(function (response) {
      if (id !== self.searchID || !response) return;
      self.term = term;
      self.results = response.results || [];
      self.shown = 0;
      self.list.textContent = "";
      var count = self.results.length;
      var what = term ? " for “" + term + "”" : "";
      self.status.textContent = count ? count + (count === 1 ? " result" : " results") + what
        : "No results" + what;
      if (self.filtersLoaded) self.counts(response.filters || {});
      return self.show();
    }, function () {
      if (id === self.searchID) self.status.textContent = "The search index could not be loaded.";
    });
  };

  // Show the next page of results (their fragments load now).
  Finder.prototype.show = function () {
    var self = this;
    var page = this.results.slice(this.shown, this.shown + PAGE_SIZE);
    this.shown += page.length;
    this.more.hidden = this.shown >= this.results.length;
    var id = this.searchID;
    var items = page.map(function () {
      var item = element("li", "dfn-finder__result");
      self.list.appendChild(item);
      return item;
    });
    return Promise.all(page.map(function (result, i) {
      return result.data().then(function (data) {
        if (id !== self.searchID) return;
        var href = address(data.url);
        var title = (data.meta && data.meta.title) || data.url;
        var link = element(href ? "a" : "span", "dfn-finder__link", title);
        if (href) link.href = href;
        items[i].appendChild(link);
        items[i].appendChild(excerpt(data.excerpt || ""));
      });
    }));
  };

  // The filters, loaded the first time they are opened: every value, as checkboxes.
  Finder.prototype.loadFilters = function () {
    var self = this;
    if (this.filtersLoaded || this.loadingFilters) return;
    this.loadingFilters = true;
    this.groups.textContent = "Loading filters…";
    pagefind(this.root).then(function (api) { return api.filters(); }).then(function (all) {
      self.filtersLoaded = true;
      self.groups.textContent = "";
      self.boxes = new Map(); // filter name -> Map of value -> its count's element
      var names = Object.keys(all).sort(function (a, b) {
        var i = FILTERS.indexOf(a), j = FILTERS.indexOf(b);
        return (i < 0 ? 99 : i) - (j < 0 ? 99 : j) || (a < b ? -1 : a > b ? 1 : 0);
      });
      names.forEach(function (name) { self.group(name, all[name]); });
      if (self.term) self.search(0); // counts for the words already searched
    }, function () {
      self.groups.textContent = "The filters could not be loaded.";
    }).then(function () { self.loadingFilters = false; });
  };

  Finder.prototype.group = function (name, values) {
    var self = this;
    var set = element("fieldset", "dfn-finder__group");
    set.setAttribute("data-filter", name);
    set.appendChild(element("legend", "", LABELS[name] || name));
    var boxes = new Map();
    this.boxes.set(name, boxes);
    Object.keys(values).sort(function (a, b) { return a.localeCompare(b); }).forEach(function (value) {
      var label = element("label", "dfn-finder__option");
      var box = element("input");
      box.type = "checkbox";
      box.name = name;
      box.value = value;
      box.addEventListener("change", function () {
        if (!self.selected.has(name)) self.selected.set(name, []);
        var chosen = self.selected.get(name);
        var at = chosen.indexOf(value);
        if (box.checked && at < 0) chosen.push(value);
        if (!box.checked && at >= 0) chosen.splice(at, 1);
        self.search(0);
      });
      // With words searched, the counts are the query's, filled in once it is searched again.
      var count = element("span", "dfn-finder__count", self.term ? "" : String(values[value]));
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + value + " "));
      label.appendChild(count);
      boxes.set(value, count);
      set.appendChild(label);
    });
    this.groups.appendChild(set);
  };

  // Each value's count among the current results (Pagefind's filtered counts).
  Finder.prototype.counts = function (filtered) {
    var own = Object.prototype.hasOwnProperty;
    (this.boxes || new Map()).forEach(function (boxes, name) {
      var counts = own.call(filtered, name) ? filtered[name] : {};
      boxes.forEach(function (count, value) {
        count.textContent = String(own.call(counts, value) ? counts[value] : 0);
      });
    });
  };

  // --- the header's dialog ----------------------------------------------------------------

  function setUpDialog(trigger) {
    var root = new URL(trigger.getAttribute("data-dfn-search"), document.baseURI);
    return pagefind(root).then(function () {
      var modal = element("dialog", "dfn-search-modal");
      modal.setAttribute("aria-label", "Search");
      var close = element("button", "dfn-finder__close", "Close");
      close.type = "button";
      close.addEventListener("click", function () { modal.close(); });
      var finder = new Finder(root, modal, close);
      modal.addEventListener("click", function (event) {
        if (event.target === modal) modal.close(); // a click on the backdrop
      });
      modal.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); modal.close(); }
      });
      document.body.appendChild(modal);
      return { modal: modal, finder: finder };
    });
  }

  function prepare(trigger) {
    if (!dialog) {
      dialog = setUpDialog(trigger);
      dialog.catch(function () { dialog = null; });
    }
    return dialog;
  }

  function open(trigger) {
    trigger.setAttribute("aria-busy", "true");
    prepare(trigger).then(
      function (set) {
        trigger.removeAttribute("aria-busy");
        if (!set.modal.open) set.modal.showModal();
        set.finder.field.focus();
      },
      function () { window.location.href = trigger.href; } // no index here: the Search page
    );
  }

  // Whether keys go into a field (a text input, not a checkbox or Material's palette radio).
  function typing(node) {
    if (!node) return false;
    if (node.isContentEditable || /^(TEXTAREA|SELECT)$/.test(node.tagName)) return true;
    return node.tagName === "INPUT" &&
      !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/.test(node.type);
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

  // Fetch Pagefind while the pointer is on its way to the box, so the dialog opens at once.
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

  // --- the Search page ----------------------------------------------------------------------

  function searchPage(container) {
    var root = new URL(container.getAttribute("data-dfn-root"), document.baseURI);
    var finder = new Finder(root, container, null);
    container.classList.add("dfn-search-page");
    pagefind(root).catch(function () {
      finder.status.textContent = "The search index could not be loaded.";
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { // find/?q=word links straight to results
      finder.field.value = query;
      finder.search(0);
    }
    finder.field.focus();
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
