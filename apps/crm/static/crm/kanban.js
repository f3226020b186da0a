// The pipeline board: drag a card onto another stage's column to move it. The server answers
// with the whole board (htmx swaps it in); the arrow buttons on each card do the same from the
// keyboard or without drag and drop.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".kanban-cards.drop-target").forEach(function (el) {
      el.classList.remove("drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-cards");
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-cards");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-cards");
    if (!column || !dragged) return;
    event.preventDefault();
    var card = dragged;
    if (card.parentElement === column) return;
    column.appendChild(card); // show the move at once; the server's board replaces it
    window.htmx.ajax("POST", "/crm/opportunities/" + card.dataset.id + "/move/", {
      source: card,
      target: "#board",
      swap: "outerHTML",
      values: { stage: column.dataset.stage },
    });
  });

  // A refused move (someone else changed the opportunity meanwhile): show the board as it is.
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "board") window.location.reload();
  });
})();
