// Definitive: the folder explorer in the sidebar. Each folder's listing is a small JSON file
// of the site (render/explorer.py), fetched when the folder is opened, so a page stays the
// same size however many notes the vault has. The folders leading to the page shown open
// by themselves.
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

    function show(id, into) {
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
              show(folder[1], details);
            }
          });
          if (folder[3] && relative.indexOf(folder[3]) === 0) details.open = true;
          item.appendChild(details);
          list.appendChild(item);
        });
        notes(data, list);
        into.appendChild(list);
      });
    }

    // A folder's notes, a file at a time: the rest behind a button (thousands in one folder).
    function notes(data, list) {
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
        list.appendChild(item);
      });
      if (data.more === undefined) return;
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dfn-explorer-more";
      button.textContent = "More notes…";
      button.addEventListener("click", function () {
        button.disabled = true;
        listing(root, data.more).then(function (next) {
          list.removeChild(item);
          notes(next, list);
        });
      });
      item.appendChild(button);
      list.appendChild(item);
    }

    show(0, box)
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
