// The palette editor: keeps each colour picker and its text field in step, repaints the live
// preview through CSS custom properties (style.setProperty is allowed by our CSP; inline styles
// and scripts are not), and shows the WCAG contrast of each text pair as the colours change.
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var form = document.querySelector("[data-palette-form]");
  var preview = document.getElementById("palette-preview");
  var logo = document.getElementById("logo-preview");  // the logo on the header colour

  document.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
    var colour = swatch.getAttribute("data-colour");
    if (HEX.test(colour)) swatch.style.setProperty("background-color", colour);
  });
  if (!form || !preview) return;

  function channel(hex) {
    var c = parseInt(hex, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  function luminance(colour) {
    return 0.2126 * channel(colour.substr(1, 2)) + 0.7152 * channel(colour.substr(3, 2)) +
      0.0722 * channel(colour.substr(5, 2));
  }
  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function colours() {
    var result = {};
    form.querySelectorAll("input[data-slot]").forEach(function (input) {
      var value = input.value.trim();
      if (HEX.test(value)) result[input.getAttribute("data-slot")] = value.toLowerCase();
    });
    return result;
  }

  function repaint() {
    var chosen = colours();
    Object.keys(chosen).forEach(function (slot) {
      preview.style.setProperty("--pv-" + slot.replace(/_/g, "-"), chosen[slot]);
      if (logo) logo.style.setProperty("--pv-" + slot.replace(/_/g, "-"), chosen[slot]);
    });
    document.querySelectorAll("[data-live-contrast] li").forEach(function (item) {
      var fg = chosen[item.getAttribute("data-fg")], bg = chosen[item.getAttribute("data-bg")];
      var out = item.querySelector("[data-ratio]");
      if (!fg || !bg) { out.textContent = "—"; return; }
      var r = ratio(fg, bg);
      out.textContent = r.toFixed(2) + ":1" + (r < 4.5 ? " (below 4.5:1)" : " ✓");
      item.classList.toggle("low", r < 4.5);
    });
  }

  form.querySelectorAll("input[data-picker-for]").forEach(function (picker) {
    var text = document.getElementById(picker.getAttribute("data-picker-for"));
    if (!text) return;
    picker.addEventListener("input", function () { text.value = picker.value; repaint(); });
    text.addEventListener("input", function () {
      var value = text.value.trim();
      if (HEX.test(value)) picker.value = value.toLowerCase();
      repaint();
    });
  });
  repaint();
})();
