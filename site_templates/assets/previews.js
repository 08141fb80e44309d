/* Definitive: link previews. Hover a link to another page of the site (or focus it with the
 * keyboard) and a card shows what it leads to: the page's title and its first section, or the
 * section a heading link (page/#skill) or the block a block link (page/#^block-id) points at.
 *
 * The card is read from the linked page itself, fetched once per page (same site only) and
 * parsed with DOMParser, which runs nothing. Those pages are already sanitised, and the card
 * still never takes their HTML: it is rebuilt here, element by element, from a short list of
 * text elements (paragraphs, lists, emphasis, code...), with text nodes and no attribute of
 * the page's but a status badge's colour. A note an agent wrote can put nothing into it but
 * words. Off on touch screens, where there is no hover and a tap follows the link.
 */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(hover: hover) and (pointer: fine)").matches) return;

  var SHOW_AFTER_MS = 300;
  var HIDE_AFTER_MS = 200;
  var CHARACTERS = 650;  // of text in a card
  var BLOCKS = 8;        // elements of a section
  var SKIP = ".headerlink, .footnote-ref, .footnote-backref, .dfn-tag, .dfn-strip a, .dfn-crumbs a";
  var LEAVE_OUT = ".dfn-properties, .dfn-pagebar, .dfn-local-graph, .dfn-strip, .dfn-proof-figures, " +
    ".headerlink, .dfn-block, .dfn-mermaid, script, style, template, svg, img, picture, video, audio, iframe, " +
    "object, embed, canvas, button, input, select, textarea, form, [hidden]";
  // The page's elements a card may have, and what each becomes.
  var KEEP = {
    P: "p", UL: "ul", OL: "ol", LI: "li", BLOCKQUOTE: "blockquote", PRE: "pre", DL: "dl",
    DT: "dt", DD: "dd", TR: "p", H1: "p", H2: "p", H3: "p", H4: "p", H5: "p", H6: "p",
    EM: "em", I: "em", STRONG: "strong", B: "strong", CODE: "code", KBD: "kbd", MARK: "mark",
    SUB: "sub", SUP: "sup", DEL: "del", S: "del", BR: "br", SPAN: "span", A: "span", SMALL: "small"
  };
  var BADGE = /\bdfn-(proven|probation|unreliable|stale|failing|success|partial|failure|unknown)\b/;

  var pages = {};   // page URL -> promise of its parsed document
  var card = null;  // the one preview element
  var shown = null; // the link whose preview is shown or coming
  var timer = 0;

  function destination(link) {
    if (!link || !link.getAttribute("href") || link.target || link.hasAttribute("download")) return null;
    if (!link.closest(".md-content") || link.closest(SKIP)) return null;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return null;
    return /(\/|\.html)$/.test(url.pathname) ? url : null;  // a page, not a file
  }

  function load(url) {
    var key = url.origin + url.pathname;
    if (!pages[key]) {
      pages[key] = fetch(key).then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("html") < 0) throw new Error("no page");
        return response.text();
      }).then(function (text) {
        return new DOMParser().parseFromString(text, "text/html");
      });
    }
    return pages[key];
  }

  // The elements to show: a heading's section, a block, or the page's first section.
  function excerpt(doc, hash) {
    var article = doc.querySelector("article.md-content__inner");
    if (!article) return null;
    var title = article.querySelector("h1");
    var id = "";
    try { id = decodeURIComponent(hash.slice(1)); } catch (error) { id = ""; }
    var target = id ? (doc.getElementById("user-content-" + id) || doc.getElementsByName(id)[0]) : null;
    if (target && !article.contains(target)) target = null;
    var nodes;
    if (target && /^H[2-6]$/.test(target.tagName)) {
      nodes = section(target);
    } else if (target) {
      nodes = [target.closest("li, p, blockquote, table, pre, dd, .admonition, details") || target];
    } else {
      nodes = title ? section(title) : [];
    }
    return { title: title ? title.textContent.replace(/¶$/, "").trim() : "", nodes: nodes };
  }

  function section(heading) {
    var level = heading.tagName === "H1" ? 2 : Number(heading.tagName[1]);
    var nodes = heading.tagName === "H1" ? [] : [heading];
    for (var el = heading.nextElementSibling; el && nodes.length < BLOCKS; el = el.nextElementSibling) {
      if (/^H[1-6]$/.test(el.tagName) && Number(el.tagName[1]) <= level) break;
      if (!el.matches(LEAVE_OUT)) nodes.push(el);
    }
    return nodes;
  }

  // A copy of `node` (its text and its kept elements) into `into`, within `budget` characters.
  function copy(node, into, budget) {
    if (budget.left <= 0) return;
    if (node.nodeType === 3) {
      var text = node.nodeValue;
      if (text.length > budget.left) text = text.slice(0, budget.left).replace(/\s*\S*$/, "") + "…";
      budget.left -= text.length;
      into.appendChild(document.createTextNode(text));
      return;
    }
    if (node.nodeType !== 1 || node.matches(LEAVE_OUT)) return;
    if (node.matches(".dfn-card ul")) {  // a run card: its outcome, article, agent and date
      var list = document.createElement("ul");
      Array.prototype.slice.call(node.children, 0, 3).forEach(function (item) { copy(item, list, budget); });
      into.appendChild(list);
      return;
    }
    if ((node.tagName === "TD" || node.tagName === "TH") && into.textContent) {
      into.appendChild(document.createTextNode(" · "));  // table cells, one row a line
    }
    var tag = KEEP[node.tagName];
    var element = into;  // a container of another kind: its content only
    if (tag) {
      element = document.createElement(tag);
      if (/^H[1-6]$/.test(node.tagName)) element.className = "dfn-preview__heading";
      var badge = node.tagName === "SPAN" && node.classList.contains("dfn-badge") && BADGE.exec(node.className);
      if (badge) element.className = "dfn-badge dfn-" + badge[1];
      into.appendChild(element);
    }
    for (var child = node.firstChild; child && budget.left > 0; child = child.nextSibling) {
      copy(child, element, budget);
    }
  }

  function build(found) {
    var fragment = document.createDocumentFragment();
    var heading = document.createElement("p");
    heading.className = "dfn-preview__title";
    heading.textContent = found.title;
    fragment.appendChild(heading);
    var budget = { left: CHARACTERS };
    found.nodes.forEach(function (node) {
      var holder = document.createElement("div");
      copy(node, holder, budget);
      if (holder.textContent.trim()) fragment.appendChild(holder);
    });
    return fragment;
  }

  function place(link) {
    var rect = link.getBoundingClientRect();
    var width = card.offsetWidth, height = card.offsetHeight, gap = 8;
    var left = Math.min(Math.max(gap, rect.left), window.innerWidth - width - gap);
    var top = rect.bottom + gap;
    if (top + height > window.innerHeight && rect.top - gap - height > 0) top = rect.top - gap - height;
    card.style.left = Math.max(gap, left) + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function show(link, url) {
    shown = link;
    load(url).then(function (doc) {
      if (shown !== link) return;
      var found = excerpt(doc, url.hash);
      if (!found || (!found.title && !found.nodes.length)) return;
      if (!card) {
        card = document.createElement("div");
        card.id = "dfn-preview";
        card.className = "dfn-preview md-typeset";
        card.setAttribute("role", "tooltip");
        card.addEventListener("mouseenter", function () { window.clearTimeout(timer); });
        card.addEventListener("mouseleave", function () { later(hide, HIDE_AFTER_MS); });
        document.body.appendChild(card);
      }
      card.replaceChildren(build(found));
      card.hidden = false;
      place(link);
      link.setAttribute("aria-describedby", card.id);
    }, function () { /* no page there: no preview */ });
  }

  function hide() {
    window.clearTimeout(timer);
    if (shown) shown.removeAttribute("aria-describedby");
    shown = null;
    if (card) card.hidden = true;
  }

  function later(action, ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(action, ms);
  }

  document.addEventListener("mouseover", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (card && card.contains(event.target)) return;
    var url = destination(link);
    if (!url) return;
    if (link === shown && card && !card.hidden) { window.clearTimeout(timer); return; }
    later(function () { show(link, url); }, SHOW_AFTER_MS);
  });
  document.addEventListener("mouseout", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || (event.relatedTarget && link.contains(event.relatedTarget))) return;
    if (link === shown || !shown) later(hide, HIDE_AFTER_MS);
  });
  document.addEventListener("focusin", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    var url = destination(link);
    if (url) { window.clearTimeout(timer); show(link, url); }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === shown) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && shown) hide();
  });
  document.addEventListener("click", function () { if (shown) hide(); });
})();
