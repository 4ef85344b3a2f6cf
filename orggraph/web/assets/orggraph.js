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
  var TITLE_PX = 14;
  function titles(cy) {
    var z = cy.zoom();
    cy.batch(function () {
      cy.nodes(".department-box").style({
        "font-size": TITLE_PX / z,
        "text-max-width": 260 / z,
      });
      cy.nodes(".department, .external").style({
        "font-size": Math.max(13, 12 / z),
        "text-max-width": 170 / z,
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
  }
  function attach(cy) {
    if (cy.__orggraph) return;
    cy.__orggraph = true;
    var pending = null;
    function later() {
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; fit(cy); }, 60);
    }
    cy.on("add remove layoutstop", later);
    cy.on("zoom", function () { titles(cy); });
    cy.on("tap", function (e) { light(cy, e.target === cy ? null : e.target); });
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
