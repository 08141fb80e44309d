/* Definitive's link graph: draws graph.json on a canvas with a small force layout.
 * Self-contained (no library, nothing loaded from other hosts). The global graph page draws
 * every note (fetching graph-view.json); each note's "Local graph" draws its neighbourhood, cut
 * out of the same file (fetched once, then cached), when opened. Repulsion uses a grid of cells so a layout step stays near-linear at 5,000 nodes.
 * Drawn canvases expose data-nodes, data-notes, data-links and data-labels (and the labels
 * themselves as the canvas's dfnLabels property) for tools and tests. */
(function () {
  "use strict";
  var COLOURS = {
    definitive: "#3949ab", meta: "#8e24aa", agent: "#00897b", rule: "#f4511e",
    note: "#757575", attachment: "#c0ca33"
  };
  var cache = {};

  function load(url) {
    if (!cache[url]) cache[url] = fetch(url).then(function (r) { return r.json(); });
    return cache[url];
  }

  // graph-view.json: nodes as [title, url, kind], links as [source index, target index].
  function expand(view) {
    return {
      nodes: view.nodes.map(function (n, i) { return { id: i, title: n[0], url: n[1], kind: n[2] }; }),
      links: view.links.map(function (l) { return { source: l[0], target: l[1] }; })
    };
  }

  // A local graph: the focus and the notes it links to, then the notes linking to it (as the
  // Graph page draws them), capped so a hub's local graph stays readable. Star-shaped.
  var MAX_NEIGHBOURS = 150;
  function subgraph(data, focus) {
    if (focus === null) return data;
    var keep = {}, order = [];
    keep[focus] = 1;
    data.links.forEach(function (l) {
      if (l.source === focus && !(l.target in keep)) { keep[l.target] = 1; order.push(l.target); }
    });
    data.links.forEach(function (l) {
      if (l.target === focus && !(l.source in keep)) { keep[l.source] = 1; order.push(l.source); }
    });
    order = order.slice(0, MAX_NEIGHBOURS);
    var shown = {}; shown[focus] = 1;
    order.forEach(function (id) { shown[id] = 1; });
    return {
      nodes: data.nodes.filter(function (n) { return n.id in shown; }),
      links: data.links.filter(function (l) {
        return (l.source === focus && l.target in shown) || (l.target === focus && l.source in shown);
      })
    };
  }

  function layout(nodes, edges, iterations, onTick, done) {
    var n = nodes.length, k = Math.sqrt(4e5 / Math.max(n, 1)), i = 0;
    var tickEvery = n > 1000 ? 5 : 1;  // redrawing 40,000 edges every step would dominate
    nodes.forEach(function (node, j) {  // phyllotaxis start: deterministic and spread out
      var r = k * Math.sqrt(j + 0.5), a = j * 2.39996;
      node.x = r * Math.cos(a); node.y = r * Math.sin(a); node.vx = 0; node.vy = 0;
    });
    function step() {
      var cell = 2 * k, grid = {}, t = 1 - i / iterations;
      nodes.forEach(function (p) {
        var key = Math.floor(p.x / cell) + "," + Math.floor(p.y / cell);
        (grid[key] = grid[key] || []).push(p);
      });
      nodes.forEach(function (p) {
        var cx = Math.floor(p.x / cell), cy = Math.floor(p.y / cell);
        for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
          var bucket = grid[(cx + dx) + "," + (cy + dy)];
          if (!bucket) continue;
          for (var b = 0; b < bucket.length; b++) {
            var q = bucket[b];
            if (q === p) continue;
            var ex = p.x - q.x, ey = p.y - q.y, d2 = ex * ex + ey * ey + 0.01;
            if (d2 > cell * cell) continue;
            var f = (k * k) / d2;
            p.vx += ex * f * 0.05; p.vy += ey * f * 0.05;
          }
        }
        p.vx -= p.x * 0.002; p.vy -= p.y * 0.002;  // gravity keeps components together
      });
      edges.forEach(function (e) {
        var ex = e.b.x - e.a.x, ey = e.b.y - e.a.y, d = Math.sqrt(ex * ex + ey * ey) + 0.01;
        var f = (d - k) / d * 0.05;
        e.a.vx += ex * f; e.a.vy += ey * f; e.b.vx -= ex * f; e.b.vy -= ey * f;
      });
      nodes.forEach(function (p) {
        var limit = k * t + 1, speed = Math.sqrt(p.vx * p.vx + p.vy * p.vy);
        if (speed > limit) { p.vx *= limit / speed; p.vy *= limit / speed; }
        p.x += p.vx; p.y += p.vy; p.vx *= 0.5; p.vy *= 0.5;
      });
      i++;
      if (i % tickEvery === 0 || i === iterations) onTick();
      if (i < iterations) window.requestAnimationFrame(step); else done();
    }
    window.requestAnimationFrame(step);
  }

  // Labels: the most linked notes (hubs) carry their names at the fitted zoom, more of them as
  // the view zooms in; a label that would overlap one already drawn is left out, and every
  // label stays inside the canvas. The note under the pointer and a local graph's own note
  // are always named.
  var LABEL_PX = 12, MAX_LABELS = 250, TITLE_CHARS = 32;

  function draw(canvas, data, focus, status) {
    var graph = subgraph(data, focus);
    var byId = {};
    var nodes = graph.nodes.map(function (n) {
      var node = { id: n.id, url: n.url, kind: n.kind, title: n.title, degree: 0 };
      byId[n.id] = node; return node;
    });
    var edges = [];
    graph.links.forEach(function (l) {
      var a = byId[l.source], b = byId[l.target];
      if (a && b && a !== b) { edges.push({ a: a, b: b }); a.degree++; b.degree++; }
    });
    var ranked = nodes.slice().sort(function (a, b) {
      return b.degree - a.degree || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);
    });
    var ctx = canvas.getContext("2d"), ratio = window.devicePixelRatio || 1;
    var view = { x: 0, y: 0, scale: 1 }, fitted = 1, hover = null, moved = false;
    // Dot sizes shrink with the graph, so 5,000 notes stay dots rather than one blob.
    var small = nodes.length > 1000 ? 1 : 2.5, grow = nodes.length > 1000 ? 0.08 : 0.25;
    function radius(p) {
      var r = (small + Math.min(p.degree, 30) * grow) * ratio;
      return p.id === focus ? r * 1.8 : r;
    }
    function resize() {
      canvas.width = canvas.clientWidth * ratio; canvas.height = canvas.clientHeight * ratio;
    }
    function fit() {  // every node inside the canvas, a margin around them
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      nodes.forEach(function (p) {
        x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y);
      });
      var margin = 28 * ratio;
      var w = Math.max(x1 - x0, 1), h = Math.max(y1 - y0, 1);
      view.scale = Math.min((canvas.width - 2 * margin) / w, (canvas.height - 2 * margin) / h, 3 * ratio);
      view.scale = Math.max(view.scale, 1e-3);
      view.x = (x0 + x1) / 2; view.y = (y0 + y1) / 2;
      fitted = view.scale;
    }
    function toScreen(p) {
      return [(p.x - view.x) * view.scale + canvas.width / 2,
              (p.y - view.y) * view.scale + canvas.height / 2];
    }
    function labels() {
      var style = getComputedStyle(canvas), size = LABEL_PX * ratio, pad = 3 * ratio;
      var halo = getComputedStyle(document.body).getPropertyValue("--md-default-bg-color") || "#fff";
      ctx.font = size + "px " + style.fontFamily;
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      var zoom = view.scale / fitted;
      var tries = Math.min(ranked.length, Math.max(10, 2 * Math.sqrt(nodes.length)) * zoom * zoom);
      var order = [];
      if (hover) order.push(hover);
      if (focus !== null && byId[focus] && byId[focus] !== hover) order.push(byId[focus]);
      for (var i = 0; i < tries; i++) order.push(ranked[i]);
      var placed = [], drawn = {}, label = [];
      for (var j = 0; j < order.length && placed.length < MAX_LABELS; j++) {
        var p = order[j];
        if (drawn[p.id]) continue;
        var s = toScreen(p);
        if (s[0] < 0 || s[1] < 0 || s[0] > canvas.width || s[1] > canvas.height) continue;
        var text = p === hover || p.title.length <= TITLE_CHARS ? p.title : p.title.slice(0, TITLE_CHARS - 1) + "…";
        var w = ctx.measureText(text).width, r = radius(p) + pad;
        var x = s[0] + r;
        if (x + w > canvas.width - pad) x = s[0] - r - w;  // no room on the right: on the left
        x = Math.max(pad, Math.min(x, canvas.width - w - pad));
        var y = Math.max(size / 2 + pad, Math.min(s[1], canvas.height - size / 2 - pad));
        var box = [x - pad, y - size / 2 - pad, x + w + pad, y + size / 2 + pad];
        var clash = placed.some(function (b) {
          return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3];
        });
        if (clash && p !== hover) continue;
        placed.push(box); drawn[p.id] = 1; label.push([text, x, y, box]);
      }
      ctx.lineWidth = 3 * ratio; ctx.strokeStyle = halo; ctx.fillStyle = style.color;
      label.reverse().forEach(function (l) {  // the pointer's own label last, on top
        ctx.strokeText(l[0], l[1], l[2]); ctx.fillText(l[0], l[1], l[2]);
      });
      canvas.dataset.labels = String(label.length);
      // For tools and tests: each label drawn and its box, in canvas pixels.
      canvas.dfnLabels = label.map(function (l) { return { text: l[0], box: l[3] }; });
    }
    function render() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = edges.length > 5000 ? "rgba(120,120,120,0.08)" : "rgba(120,120,120,0.35)";
      ctx.lineWidth = ratio;
      ctx.beginPath();
      edges.forEach(function (e) {
        var a = toScreen(e.a), b = toScreen(e.b);
        ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]);
      });
      ctx.stroke();
      nodes.forEach(function (p) {
        var s = toScreen(p);
        ctx.fillStyle = COLOURS[p.kind] || "#999";
        ctx.beginPath(); ctx.arc(s[0], s[1], radius(p), 0, 6.2832); ctx.fill();
      });
      labels();
    }
    function nearest(event) {
      var rect = canvas.getBoundingClientRect(), best = null, bestD = 100 * ratio * ratio;
      var mx = (event.clientX - rect.left) * ratio, my = (event.clientY - rect.top) * ratio;
      nodes.forEach(function (p) {
        var s = toScreen(p), d = (s[0] - mx) * (s[0] - mx) + (s[1] - my) * (s[1] - my);
        if (d < bestD) { bestD = d; best = p; }
      });
      return best;
    }
    var drag = null;
    canvas.addEventListener("mousedown", function (e) { drag = { x: e.clientX, y: e.clientY, moved: false }; });
    window.addEventListener("mouseup", function () { setTimeout(function () { drag = null; }, 0); });
    canvas.addEventListener("mousemove", function (e) {
      if (drag && e.buttons) {
        view.x -= (e.clientX - drag.x) * ratio / view.scale;
        view.y -= (e.clientY - drag.y) * ratio / view.scale;
        drag.moved = drag.moved || Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 2;
        moved = moved || drag.moved;
        drag.x = e.clientX; drag.y = e.clientY;
      } else {
        hover = nearest(e); canvas.title = hover ? hover.title : "";
      }
      render();
    });
    canvas.addEventListener("mouseleave", function () { hover = null; render(); });
    canvas.addEventListener("wheel", function (e) {  // zoom around the pointer
      e.preventDefault();
      var rect = canvas.getBoundingClientRect();
      var mx = (e.clientX - rect.left) * ratio - canvas.width / 2;
      var my = (e.clientY - rect.top) * ratio - canvas.height / 2;
      var wx = view.x + mx / view.scale, wy = view.y + my / view.scale;
      view.scale *= e.deltaY < 0 ? 1.15 : 1 / 1.15;
      view.x = wx - mx / view.scale; view.y = wy - my / view.scale;
      moved = true; render();
    }, { passive: false });
    canvas.addEventListener("click", function (e) {
      if (drag && drag.moved) return;
      var p = nearest(e);
      if (p && p.id !== focus) window.location.href = canvas.dataset.base + p.url;
    });
    window.addEventListener("resize", function () {
      if (!canvas.clientWidth) return;
      resize(); if (!moved) fit(); render();
    });
    resize();
    var iterations = nodes.length > 2000 ? 80 : 200;
    layout(nodes, edges, iterations, function () { if (!moved) fit(); render(); }, function () {
      var files = nodes.filter(function (p) { return p.kind === "attachment"; }).length;
      canvas.dataset.nodes = String(nodes.length);
      canvas.dataset.notes = String(nodes.length - files);
      canvas.dataset.links = String(edges.length);
      if (status) {
        status.textContent = count(nodes.length - files, "note") +
          (files ? ", " + count(files, "attachment") : "") + " and " + count(edges.length, "link") + " drawn.";
      }
    });
  }

  function count(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function legend(element) {
    if (!element) return;
    Object.keys(COLOURS).forEach(function (kind) {
      var span = document.createElement("span"), dot = document.createElement("i");
      dot.style.background = COLOURS[kind];
      span.appendChild(dot); span.appendChild(document.createTextNode(kind));
      element.appendChild(span);
    });
  }

  function start() {
    var global = document.getElementById("dfn-graph");
    if (global) {
      legend(document.getElementById("dfn-graph-legend"));
      // The Graph page's canvas fills the window below it (at least 320 px).
      var top = global.getBoundingClientRect().top + window.scrollY;
      global.style.height = Math.max(320, window.innerHeight - top - 16) + "px";
      var status = document.getElementById("dfn-graph-status");
      load(global.dataset.graph).then(function (view) {
        draw(global, expand(view), null, status);
      }).catch(function () {  // e.g. opened from file://, where browsers refuse fetch()
        status.textContent = "Could not load graph.json: serve the site over HTTP.";
      });
    }
    document.querySelectorAll(".dfn-local-graph").forEach(function (details) {
      details.addEventListener("toggle", function () {
        var canvas = details.querySelector("canvas");
        if (!details.open || canvas.dataset.started) return;
        canvas.dataset.started = "1";
        load(canvas.dataset.graph).then(function (view) {
          var data = expand(view), focus = null;
          data.nodes.forEach(function (n) { if (n.url === canvas.dataset.focus) focus = n.id; });
          if (focus !== null) draw(canvas, data, focus, null);
        }).catch(function () {
          details.insertAdjacentText("beforeend", "Could not load the graph: serve the site over HTTP.");
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
