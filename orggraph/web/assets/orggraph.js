// orggraph: two small behaviours the Dash components do not have (served from this
// origin, so the Content-Security-Policy allows it; no inline script).
(function () {
  "use strict";

  // 1. dcc.Upload drops a file over its max_size without a word. Tell the server, which
  //    shows the same message as for any refused upload (the organization stays).
  function maxBytes() {
    var el = document.getElementById("upload-limit");
    var n = el ? Number(el.getAttribute("data-max-bytes")) : NaN;
    return isFinite(n) && n > 0 ? n : Infinity;
  }
  function check(files) {
    var max = maxBytes();
    for (var i = 0; files && i < files.length; i++) {
      var f = files[i];
      var dc = window.dash_clientside;
      if (f.size > max && dc && typeof dc.set_props === "function") {
        dc.set_props("upload-rejected", {
          data: { name: String(f.name).slice(0, 200), size: f.size, at: Date.now() },
        });
      }
    }
  }
  function inUpload(target) {
    return target && target.closest && target.closest("#upload-limit");
  }
  document.addEventListener(
    "change",
    function (e) {
      if (e.target && e.target.type === "file" && inUpload(e.target)) check(e.target.files);
    },
    true
  );
  document.addEventListener(
    "drop",
    function (e) {
      if (inUpload(e.target) && e.dataTransfer) check(e.dataTransfer.files);
    },
    true
  );

  // 2. A session that ended (signed out elsewhere, expired): callbacks answer 401; go to
  //    the sign-in page and come back here afterwards.
  var fetch0 = window.fetch;
  window.fetch = function () {
    return fetch0.apply(this, arguments).then(function (r) {
      if (r.status === 401 && r.url.indexOf("/_dash-") !== -1) {
        var next = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(next));
      }
      return r;
    });
  };
  // 3. The network and what-if maps (Cytoscape): department titles keep a readable
  //    screen size at every zoom; the map is fitted to its content whenever its elements
  //    change, or to what is in focus (class "found": a link's "show on map", the find
  //    box); a click lights up the unit and its neighbours and fades the rest, a click on
  //    the background brings everything back.
  var TITLE_PX = 14, UNIT_PX = 13;
  function titles(cy) {
    var z = cy.zoom();
    cy.batch(function () {
      cy.nodes(".department-box").style({
        "font-size": TITLE_PX / z,
        "text-max-width": 260 / z,
      });
      cy.nodes(".department, .external").style({
        "font-size": UNIT_PX / z,
        "text-max-width": 170 / z,
      });
    });
  }
  // People's and teams' names keep one screen size from NAME_ZOOM on, so that zooming in
  // makes room between them (a name that grew with the zoom would never find room);
  // below it they stay small in map units and are not drawn (min-zoomed-font-size).
  // Set once the zoom settles: thousands of nodes are too many to restyle on every step.
  var NAME_PX = 12, NAME_ZOOM = 0.35;
  // Edges: hundreds drawn at once are made lighter (class "dense"), and zoomed in they
  // are drawn thinner ("thin"), so that a department's own work does not bury its people.
  var DENSE = 400, THIN_ZOOM = 1.2;
  function lines(cy) {
    var thin = cy.zoom() > THIN_ZOOM, dense = cy.edges().length > DENSE;
    if (cy.__thin === thin && cy.__dense === dense) return;
    cy.__thin = thin;
    cy.__dense = dense;
    cy.batch(function () {
      cy.edges().toggleClass("thin", thin).toggleClass("dense", dense);
    });
  }
  function names(cy) {
    lines(cy);
    var z = cy.zoom(), on = z >= NAME_ZOOM;
    var f = on ? NAME_PX / z : NAME_PX;
    if (cy.__namePx === f) return;
    cy.__namePx = f;
    cy.batch(function () {
      cy.nodes(".person, .team").style({
        "font-size": f,
        "text-max-width": on ? 110 / z : 90,
      });
    });
  }
  function fit(cy) {
    var found = cy.elements(".found");
    if (found.length) {
      cy.fit(found.union(found.descendants()), 60);
      // A department drawn as one node: keep its neighbours in view too.
      var most = found.nodes().some(function (n) { return n.isParent(); }) ? 1.6 : 0.9;
      if (found.nodes(".department, .external").length) most = 0.9;
      if (cy.zoom() > most) {
        cy.zoom(most);
        cy.center(found);
      }
    } else {
      cy.fit(undefined, 24);
    }
    titles(cy);
    names(cy);
    declutter(cy);
    // Tests and the timing bench wait for this: the map has been fitted to its content.
    var el = cy.container();
    if (el) el.setAttribute("data-fitted", String(Number(el.getAttribute("data-fitted") || 0) + 1));
  }
  function light(cy, target) {
    cy.batch(function () {
      cy.elements().removeClass("faded hl");
      if (!target || target === cy) return;
      var core = target.isNode() ? target.union(target.descendants()) : target.connectedNodes().union(target);
      var lit = core.union(core.connectedEdges()).union(core.connectedEdges().connectedNodes());
      lit = lit.union(lit.ancestors());
      cy.elements().not(lit).addClass("faded");
      target.addClass("hl");
    });
    declutter(cy);
  }
  // Labels that would overlap are not drawn: the most important first (what is in focus,
  // department titles, departments, bottlenecks, then by size), each label only where it
  // collides with none already placed, so names appear as zooming in makes room for them.
  // Overlap is judged on the boxes Cytoscape itself draws labels in, on screen.
  var LABEL_GAP = 2;
  var CELL = 64;
  function rank(n) {
    if (n.hasClass("found") || n.hasClass("hl")) return 0;
    if (n.hasClass("department-box")) return 1;
    if (n.hasClass("department") || n.hasClass("external")) return 2;
    if (n.hasClass("bottleneck")) return 3;
    return 4;
  }
  function declutter(cy) {
    var t0 = performance.now();
    var z = cy.zoom(), w = cy.width(), h = cy.height();
    var opts = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false };
    var shown = [], hide = [], grid = {};
    var candidates = cy.nodes().filter(function (n) {
      if (!n.data("label") || (n.hasClass("faded") && !n.hasClass("found"))) return false;
      // Labels below their smallest screen size are not drawn anyway.
      return n.pstyle("font-size").pfValue * z >= n.pstyle("min-zoomed-font-size").pfValue;
    });
    // Nodes are obstacles for people's names: a name drawn over a colleague hides them.
    // Department labels, bottlenecks and what is in focus are placed regardless: at
    // 10,000 people the largest departments, in the middle, would otherwise go unnamed.
    var bodies = {};
    if (candidates.some(function (n) { return rank(n) === 4; })) {
      cy.nodes().forEach(function (n) {
        if (n.isParent() || (n.hasClass("faded") && !n.hasClass("found"))) return;
        var b = n.renderedBoundingBox({ includeLabels: false, includeOverlays: false });
        if (b.x2 < 0 || b.y2 < 0 || b.x1 > w || b.y1 > h) return;
        var box = { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, id: n.id() };
        for (var i = Math.floor(b.x1 / CELL); i <= Math.floor(b.x2 / CELL); i++) {
          for (var j = Math.floor(b.y1 / CELL); j <= Math.floor(b.y2 / CELL); j++) {
            (bodies[i + "," + j] = bodies[i + "," + j] || []).push(box);
          }
        }
      });
    }
    function hits(g, b, i0, i1, j0, j1, self) {
      for (var i = i0; i <= i1; i++) {
        for (var j = j0; j <= j1; j++) {
          var cell = g[i + "," + j];
          for (var k = 0; cell && k < cell.length; k++) {
            var o = cell[k];
            if (o.id !== self && o.x1 < b.x2 && b.x1 < o.x2 && o.y1 < b.y2 && b.y1 < o.y2) return true;
          }
        }
      }
      return false;
    }
    var order = candidates.toArray().sort(function (a, b) {
      return rank(a) - rank(b) || (b.data("size") || 0) - (a.data("size") || 0) ||
        (a.id() < b.id() ? -1 : 1);
    });
    order.forEach(function (n) {
      var b = n.renderedBoundingBox(opts);
      if (!(b.w > 0) || b.x2 < 0 || b.y2 < 0 || b.x1 > w || b.y1 > h) return;
      var x1 = b.x1 - LABEL_GAP, x2 = b.x2 + LABEL_GAP, y1 = b.y1 - LABEL_GAP, y2 = b.y2 + LABEL_GAP;
      var i0 = Math.floor(x1 / CELL), i1 = Math.floor(x2 / CELL);
      var j0 = Math.floor(y1 / CELL), j1 = Math.floor(y2 / CELL);
      var r = rank(n);
      if (hits(grid, b, i0, i1, j0, j1, null) ||
          (r === 4 && hits(bodies, b, i0, i1, j0, j1, n.id()))) {
        hide.push(n);
        return;
      }
      var box = { x1: x1, y1: y1, x2: x2, y2: y2 };
      for (var i = i0; i <= i1; i++) {
        for (var j = j0; j <= j1; j++) (grid[i + "," + j] = grid[i + "," + j] || []).push(box);
      }
      shown.push(n);
    });
    cy.batch(function () {
      cy.nodes(".nolabel").removeClass("nolabel");
      cy.collection(hide).addClass("nolabel");
    });
    var el = cy.container();
    if (el) {
      el.setAttribute("data-labels", shown.length + " shown, " + hide.length + " hidden");
      el.setAttribute("data-declutter-ms", (performance.now() - t0).toFixed(1));
    }
  }
  // Hover: what a unit or handoff is, plain words first and the technical name second
  // (the element's "tip", written by the server from the side panel's words). Written
  // with textContent only: names come from uploaded files.
  var tipEl = null;
  function tipBox() {
    if (!tipEl) {
      tipEl = document.createElement("div");
      tipEl.id = "map-tip";
      tipEl.className = "map-tip";
      tipEl.setAttribute("role", "tooltip");
      tipEl.style.display = "none";
      document.body.appendChild(tipEl);
    }
    return tipEl;
  }
  function line(parent, cls, text) {
    var d = document.createElement("div");
    d.className = cls;
    d.textContent = String(text);
    parent.appendChild(d);
  }
  function titleOf(n) {
    var t = n.data("tip");
    return t && t.t ? t.t : String(n.data("label") || n.id());
  }
  function showTip(e) {
    var ele = e.target, tip = ele.data("tip");
    if (!tip) return;
    var box = tipBox();
    box.textContent = "";
    var title = ele.isEdge() ? titleOf(ele.source()) + " \u2192 " + titleOf(ele.target()) : tip.t;
    line(box, "tip-title", title || "");
    if (tip.s) line(box, "tip-what", tip.s);
    (tip.p || []).forEach(function (x) { line(box, "tip-plain", x); });
    (tip.x || []).forEach(function (x) { line(box, "tip-tech", x); });
    box.style.display = "block";
    moveTip(e);
  }
  function moveTip(e) {
    if (!tipEl || tipEl.style.display === "none") return;
    var oe = e.originalEvent, x, y;
    if (oe && typeof oe.clientX === "number") {
      x = oe.clientX; y = oe.clientY;
    } else {
      var r = e.cy.container().getBoundingClientRect(), p = e.renderedPosition || { x: 0, y: 0 };
      x = r.left + p.x; y = r.top + p.y;
    }
    // Beside the pointer, kept inside the window.
    var bw = tipEl.offsetWidth, bh = tipEl.offsetHeight;
    var left = x + 14 + bw > window.innerWidth ? x - 14 - bw : x + 14;
    var top = y + 14 + bh > window.innerHeight ? y - 14 - bh : y + 14;
    tipEl.style.left = Math.max(0, left) + "px";
    tipEl.style.top = Math.max(0, top) + "px";
  }
  function hideTip() {
    if (tipEl) tipEl.style.display = "none";
  }
  function attach(cy) {
    if (cy.__orggraph) return;
    cy.__orggraph = true;
    var pending = null;
    function later() {
      cy.__namePx = cy.__thin = cy.__dense = null;
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; fit(cy); }, 60);
    }
    cy.on("add remove layoutstop", later);
    var settle = null;
    cy.on("zoom", function () { titles(cy); });
    cy.on("viewport", function () {
      hideTip();
      if (settle) clearTimeout(settle);
      settle = setTimeout(function () { settle = null; names(cy); declutter(cy); }, 80);
    });
    cy.on("tap", function (e) { light(cy, e.target === cy ? null : e.target); });
    cy.on("mouseover", "node, edge", showTip);
    cy.on("mousemove", "node, edge", moveTip);
    cy.on("mouseout", "node, edge", hideTip);
    cy.on("remove", hideTip);
    // Cytoscape sends no mouseout when the pointer leaves the canvas straight from a node.
    var box = cy.container();
    if (box) box.addEventListener("mouseleave", hideTip);
    later();
  }
  setInterval(function () {
    ["map", "whatif-map"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el && el._cyreg && el._cyreg.cy) attach(el._cyreg.cy);
    });
  }, 300);
})();

// 4. Dash callbacks run in the browser (referenced by name: no inline script).
//    swapElements: dash-cytoscape compares old and new elements pairwise, which takes
//    seconds for thousands; emptying the map first makes each step linear.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  orggraph: {
    swapElements: function (elements, id) {
      var dc = window.dash_clientside;
      if (dc && typeof dc.set_props === "function") dc.set_props(id || "map", { elements: [] });
      return new Promise(function (resolve) {
        setTimeout(function () { resolve(elements || []); }, 0);
      });
    },
  },
});
