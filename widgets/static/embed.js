/* embed.js: <script src="https://<storefront host>/widgets/embed.js" data-frame="domain-search"
   data-group="popular" async></script> puts the frame where the script is and sizes it to its
   content. Messages are accepted only from that frame's window at the storefront's origin. */
(function () {
  "use strict";
  var FRAMES = ["user-login", "user-register", "domain-search", "order", "pricing"];
  var PARAMS = ["group", "q", "tld", "years", "promo", "locale"];
  var scripts = document.querySelectorAll("script[data-frame]");
  for (var i = 0; i < scripts.length; i++) mount(scripts[i]);

  function mount(script) {
    if (script.getAttribute("data-mounted")) return;
    var src;
    try { src = new URL(script.src, location.href); } catch (e) { return; }
    if (!/\/widgets\/embed\.js$/.test(src.pathname)) return;
    var frame = script.getAttribute("data-frame");
    if (FRAMES.indexOf(frame) < 0) return;
    script.setAttribute("data-mounted", "1");
    var origin = src.origin;
    var query = new URLSearchParams();
    query.set("parent_origin", location.origin);
    PARAMS.forEach(function (name) {
      var value = script.getAttribute("data-" + name);
      if (value) query.set(name, value);
    });
    var iframe = document.createElement("iframe");
    iframe.src = origin + "/frames/" + frame + "?" + query.toString();
    iframe.title = script.getAttribute("data-title") || frame.replace("-", " ");
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.style.height = (parseInt(script.getAttribute("data-height"), 10) || 160) + "px";
    script.parentNode.insertBefore(iframe, script.nextSibling);

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === "storefront:resize" && typeof data.height === "number" &&
          data.height > 0 && data.height < 20000) {
        iframe.style.height = Math.ceil(data.height) + "px";
      } else if (data.type === "storefront:handoff" && typeof data.url === "string" &&
                 /^https?:\/\//.test(data.url) && typeof data.token === "string") {
        handOff(data.url, data.token);
      }
    });
    // A login in the frame: POST its hand-off token to the storefront from this top window. The
    // browser stamps the POST with this page's Origin, which a link cannot; the storefront trusts
    // only that (storefront/account/handoff.py).
    function handOff(url, token) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = url;
      form.style.display = "none";
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "token";
      field.value = token;
      form.appendChild(field);
      document.body.appendChild(form);
      form.submit();
    }
    // The page may send a search into a domain-search frame: window.storefrontSearch("name").
    if (frame === "domain-search") {
      window.storefrontSearch = function (q) {
        iframe.contentWindow.postMessage({ type: "storefront:search", q: String(q) }, origin);
      };
    }
  }
})();
