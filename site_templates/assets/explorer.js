// Definitive: the folder explorer in the sidebar. Each folder's listing is a small JSON file
// of the site (render/explorer.py), fetched when the folder is opened, so a page stays the
// same size however many notes the vault has. The folders leading to the page shown open
// by themselves, and the page is highlighted: in a big folder, listed a part at a time, the
// part holding the page is fetched directly (the first part says where each part starts).
(function () {
  "use strict";

  function listing(root, id) {
    return fetch(root + id + ".json").then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  function fill(box) {
    if (box.getAttribute("data-dfn-filled")) return;
    box.setAttribute("data-dfn-filled", "");
    var root = box.getAttribute("data-dfn-explorer");
    var base = new URL(box.getAttribute("data-dfn-base"), location.href);
    var here = location.pathname;
    var relative = here.indexOf(base.pathname) === 0 ? here.slice(base.pathname.length) : "";

    // The page's place below a folder's URL prefix, when it is a note of that very folder.
    function own(prefix) {
      var rest = decodeURI(relative);
      if (rest.indexOf(prefix) !== 0) return null;
      rest = rest.slice(prefix.length);
      return rest.replace(/\/$/, "").indexOf("/") === -1 ? rest : null;
    }

    function show(id, into, prefix) {
      return listing(root, id).then(function (data) {
        var list = document.createElement("ul");
        list.className = "dfn-explorer-list";
        data.folders.forEach(function (folder) {
          var item = document.createElement("li");
          var details = document.createElement("details");
          var summary = document.createElement("summary");
          summary.textContent = folder[0];
          summary.title = folder[2] + (folder[2] === 1 ? " note" : " notes");
          details.appendChild(summary);
          var loaded = false;
          details.addEventListener("toggle", function () {
            if (details.open && !loaded) {
              loaded = true;
              show(folder[1], details, folder[3]);
            }
          });
          if (folder[3] && relative.indexOf(folder[3]) === 0) details.open = true;
          item.appendChild(details);
          list.appendChild(item);
        });
        var shown = {};
        notes(id, data, list, null, shown);
        into.appendChild(list);
        // Notes are in URL order: the page, if it is one of this folder's, is in the last
        // part starting at or before its URL. Fetch that part, after the "More" button.
        var mine = data.parts ? own(prefix) : null;
        var part = null;
        (data.parts || []).forEach(function (p) {
          if (mine !== null && prefix + mine >= p[0]) part = p[1];
        });
        if (part === null || shown[part]) return null;
        return listing(root, part).then(function (next) {
          if (!shown[part]) notes(part, next, list, null, shown);
        });
      });
    }

    // A folder's notes, a file at a time: the rest behind a button (thousands in one folder).
    // `shown` holds the parts already on screen, so a part fetched for the page shown is not
    // listed twice when the reader pages up to it.
    function notes(id, data, list, before, shown) {
      shown[id] = true;
      data.notes.forEach(function (note) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = new URL(note[1], base).href;
        link.textContent = note[0];
        if (link.pathname === here) {
          link.className = "dfn-explorer-current";
          link.setAttribute("aria-current", "page");
        }
        item.appendChild(link);
        list.insertBefore(item, before);
      });
      if (data.more === undefined || shown[data.more]) return;
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dfn-explorer-more";
      button.textContent = "More notes…";
      button.addEventListener("click", function () {
        button.disabled = true;
        listing(root, data.more).then(function (next) {
          var after = item.nextSibling;
          list.removeChild(item);
          if (!shown[data.more]) notes(data.more, next, list, after, shown);
        });
      });
      item.appendChild(button);
      list.insertBefore(item, before);
    }

    show(0, box, "")
      .then(function () {
        box.hidden = false;
      })
      .catch(function () {
        /* no explorer data (an old site): the nav and hubs remain */
      });
  }

  function start() {
    document.querySelectorAll("[data-dfn-explorer]").forEach(fill);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
