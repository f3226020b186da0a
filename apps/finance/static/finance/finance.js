// Finance pages: the voucher form (add lines, live totals, Enter moves on) and the print button.
(function () {
  "use strict";

  function parseAmount(text) {
    var value = parseFloat(String(text || "").replace(/[,\s]/g, ""));
    return isFinite(value) ? Math.round(value * 100) : 0; // in fen, so sums are exact
  }

  function formatFen(fen) {
    var negative = fen < 0;
    var abs = Math.abs(fen);
    var yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ("0" + (abs % 100)).slice(-2);
    return (negative ? "-" : "") + yuan + "." + cents;
  }

  function updateTotals(form) {
    var debit = 0;
    var credit = 0;
    form.querySelectorAll("input[name$='-debit']").forEach(function (input) {
      if (input.name.indexOf("__prefix__") === -1) { debit += parseAmount(input.value); }
    });
    form.querySelectorAll("input[name$='-credit']").forEach(function (input) {
      if (input.name.indexOf("__prefix__") === -1) { credit += parseAmount(input.value); }
    });
    var difference = form.querySelector("#total-difference");
    form.querySelector("#total-debit").textContent = formatFen(debit);
    form.querySelector("#total-credit").textContent = formatFen(credit);
    if (debit === credit) {
      difference.textContent = debit ? difference.getAttribute("data-balanced") : "0.00";
      difference.className = debit ? "balanced" : "";
    } else {
      difference.textContent = formatFen(debit - credit);
      difference.className = "unbalanced";
    }
  }

  function addLine(form) {
    var total = form.querySelector("input[name='lines-TOTAL_FORMS']");
    var template = form.querySelector("#line-template");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var body = form.querySelector("#voucher-lines-body");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var select = form.querySelector("#id_lines-" + index + "-account");
    if (select) { select.focus(); }
  }

  function focusNext(form, current) {
    var fields = Array.prototype.filter.call(
      form.querySelectorAll("#voucher-lines-body input, #voucher-lines-body select"),
      function (el) { return !el.disabled && el.type !== "hidden"; }
    );
    var position = fields.indexOf(current);
    if (position >= 0 && position + 1 < fields.length) {
      fields[position + 1].focus();
    } else if (position + 1 === fields.length) {
      addLine(form);
    }
  }

  function setUpVoucherForm(form) {
    form.addEventListener("input", function (event) {
      if (event.target.matches("input.amount")) { updateTotals(form); }
    });
    form.addEventListener("change", function () { updateTotals(form); });
    form.addEventListener("click", function (event) {
      if (event.target.id === "add-line") {
        event.preventDefault();
        addLine(form);
      }
    });
    // Enter inside a line moves to the next field instead of submitting half a voucher.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && target.closest && target.closest("#voucher-lines-body") && target.tagName !== "BUTTON") {
        event.preventDefault();
        focusNext(form, target);
      }
    });
    updateTotals(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("voucher-form");
    if (form) { setUpVoucherForm(form); }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
