/* Inside every frame: report the height to the embedding page, hand a finished login to it, and
   accept a search from it. Messages go to the parent's exact origin, never "*", and come only from
   the parent window at that origin. */
(function () {
  "use strict";
  var body = document.body;
  if (window.parent === window) return;
  var allowed = [];
  try { allowed = JSON.parse(body.getAttribute("data-allowed-origins") || "[]"); } catch (e) {}

  // As frame-ancestors matches (and widgets/origins.py): same scheme and port (the default one if
  // none is listed), same host, or any subdomain of a listed *.example.com but not example.com.
  var LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
  var ORIGIN = new RegExp("^(https?)://(\\*\\.)?(" + LABEL + "(?:\\." + LABEL + ")*)" +
                          "(?::([0-9]{1,5}))?$");
  function parse(origin) {
    var m = ORIGIN.exec(typeof origin === "string" ? origin : "");
    return m && { scheme: m[1], star: !!m[2], host: m[3],
                  port: +(m[4] || (m[1] === "https" ? 443 : 80)) };
  }
  function matches(origin, source) {
    var seen = parse(origin), listed = parse(source);
    if (!seen || seen.star || !listed || seen.scheme !== listed.scheme ||
        seen.port !== listed.port) return false;
    return listed.star ? seen.host.slice(-listed.host.length - 1) === "." + listed.host
                       : seen.host === listed.host;
  }

  var parentOrigin = body.getAttribute("data-parent-origin") || "";
  if (!parentOrigin) {
    // A plain <iframe> without embed.js: trust the embedding origin only if the partner allows it.
    var seen = location.ancestorOrigins && location.ancestorOrigins.length
      ? location.ancestorOrigins[0]
      : (document.referrer ? new URL(document.referrer).origin : "");
    if (allowed.some(function (source) { return matches(seen, source); })) parentOrigin = seen;
  }
  if (!parentOrigin) return;

  function send(message) { window.parent.postMessage(message, parentOrigin); }

  var root = document.querySelector(".frame-root") || body;
  var last = 0;
  function report() {
    var style = getComputedStyle(body);
    var height = Math.ceil(root.getBoundingClientRect().height +
      parseFloat(style.marginTop) + parseFloat(style.marginBottom) +
      parseFloat(style.paddingTop) + parseFloat(style.paddingBottom));
    if (height !== last) { last = height; send({ type: "storefront:resize", height: height }); }
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(root);
  window.addEventListener("load", report);
  report();

  var done = document.querySelector("[data-handoff]");
  if (done) {
    send({ type: "storefront:handoff", url: done.getAttribute("data-handoff"),
           token: done.getAttribute("data-token") });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data;
    if (!data || data.type !== "storefront:search" || typeof data.q !== "string") return;
    var input = document.querySelector(".frame-search input[name=q]");
    if (input) { input.value = data.q.slice(0, 300); input.form.submit(); }
  });
})();
