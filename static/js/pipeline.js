// The pipeline board's drag-and-drop. Progressive enhancement: every card carries a plain "Move" form that works
// without this script; here a card dropped on another column posts that same form with fetch (the CSRF token
// from the form), then the board is re-fetched from the server so every column total is the server's figure.
// Dropping on Lost asks for the reason first. No inline script: this file is loaded with <script src defer>.
(function () {
  "use strict";

  var board = document.getElementById("pipeline-board");
  var status = document.getElementById("pipeline-status");
  if (!board || !window.fetch || !window.DOMParser) {
    return;
  }
  var dragged = null;

  function say(text, kind) {
    if (!status) {
      return;
    }
    status.textContent = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (kind || "success") + " py-2";
    alert.textContent = text;
    status.appendChild(alert);
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) {
      return input.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function refreshBoard() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("pipeline-board");
        if (fresh) {
          board.innerHTML = fresh.innerHTML;
          board.setAttribute("data-refreshed", String(Date.now()));
        } else {
          window.location.reload();
        }
      });
  }

  function move(card, stage) {
    var form = card.querySelector("form.move-form");
    if (!form) {
      return;
    }
    var reason = "";
    if (stage === board.getAttribute("data-lost-stage")) {
      reason = window.prompt("Why was this deal lost?");
      if (reason === null || !reason.trim()) {
        say("The deal was not moved: a lost deal needs a reason.", "warning");
        return;
      }
    }
    var data = new FormData(form);
    data.set("stage", stage);
    data.set("lost_reason", reason);
    card.classList.add("opacity-50");
    board.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        say(result.body.message || result.body.error, result.ok ? "success" : "danger");
        return refreshBoard();
      })
      .catch(function () {
        say("The deal could not be moved. Use the Move form on the card.", "danger");
        card.classList.remove("opacity-50");
      })
      .finally(function () {
        board.removeAttribute("aria-busy");
      });
  }

  function zoneOf(target) {
    return target && target.closest ? target.closest("[data-drop-stage]") : null;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest("[data-deal][draggable=true]") : null;
    if (!card) {
      return;
    }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
    card.classList.add("opacity-50");
  });

  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("opacity-50");
    }
    dragged = null;
    board.querySelectorAll(".border-primary[data-drop-stage]").forEach(function (zone) {
      zone.classList.remove("border-primary", "border-2");
    });
  });

  board.addEventListener("dragover", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("border-primary", "border-2");
  });

  board.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("border-primary", "border-2");
    }
  });

  board.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("border-primary", "border-2");
    var card = dragged;
    dragged = null;
    var stage = zone.getAttribute("data-drop-stage");
    if (stage !== card.getAttribute("data-stage")) {
      move(card, stage);
    } else {
      card.classList.remove("opacity-50");
    }
  });
})();
