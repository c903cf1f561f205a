// The deal form. Progressive enhancement: offer only the contacts of the chosen account (each option carries
// its account id in data-account), and show the chosen stage's defaults (data-probability-defaults and
// data-category-defaults on the stage select, "stage:value" pairs). No inline script: loaded with <script src defer>.
(function () {
  "use strict";

  var account = document.getElementById("id_account");
  var contact = document.getElementById("id_primary_contact");
  if (account && contact) {
    var filterContacts = function () {
      Array.prototype.forEach.call(contact.options, function (option) {
        var other = Boolean(option.value && account.value && option.dataset.account !== account.value);
        option.hidden = other;
        option.disabled = other;
      });
      if (contact.selectedOptions.length && contact.selectedOptions[0].disabled) {
        contact.value = "";
      }
    };
    account.addEventListener("change", filterContacts);
    filterContacts();
  }

  var stage = document.getElementById("id_stage");
  var probability = document.getElementById("id_probability");
  var category = document.getElementById("id_forecast_category");
  if (stage && probability && category) {
    var parse = function (text) {
      var map = {};
      (text || "").split(",").forEach(function (pair) {
        var at = pair.indexOf(":");
        map[pair.slice(0, at)] = pair.slice(at + 1);
      });
      return map;
    };
    var probabilities = parse(stage.dataset.probabilityDefaults);
    var categories = parse(stage.dataset.categoryDefaults);
    var showDefaults = function () {
      probability.placeholder = "Stage default: " + probabilities[stage.value];
      if (category.options.length) {
        category.options[0].text = "Follow the stage (" + categories[stage.value] + ")";
      }
    };
    stage.addEventListener("change", showDefaults);
    showDefaults();
  }
})();
