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
})();
