// The lead list: the header checkbox ticks or clears every lead of the page for the bulk-assign form.
// No inline script: loaded with <script src defer> (managers only).
(function () {
  "use strict";

  var all = document.getElementById("select-all");
  if (!all) {
    return;
  }
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="leads"][form="bulk-assign"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
