// Finance pages: the voucher and invoice forms (add lines, live totals, Enter moves on), the
// payment form's allocated total, and the print button.
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

  // Invoice form: each line's amount with VAT, and the invoice's totals (the server has the last word).
  function rateOf(select) {
    var value = select ? select.value : "";
    return value === "exempt" || value === "" ? 0 : Math.round(parseFloat(value) * 10000);
  }

  function updateInvoiceTotals(form) {
    var untaxed = 0;
    var tax = 0;
    form.querySelectorAll("#voucher-lines-body tr.invoice-line").forEach(function (row) {
      var quantity = parseFloat(String((row.querySelector("input[name$='-quantity']") || {}).value || "").replace(/[,\s]/g, ""));
      var price = parseFloat(String((row.querySelector("input[name$='-unit_price']") || {}).value || "").replace(/[,\s]/g, ""));
      var output = row.querySelector("output.line-total");
      if (!isFinite(quantity) || !isFinite(price)) { output.textContent = "—"; return; }
      var lineUntaxed = Math.round(quantity * price * 100);
      var lineTax = Math.round(lineUntaxed * rateOf(row.querySelector("select[name$='-vat_rate']")) / 10000);
      untaxed += lineUntaxed;
      tax += lineTax;
      output.textContent = formatFen(lineUntaxed + lineTax);
    });
    form.querySelector("#invoice-untaxed").textContent = formatFen(untaxed);
    form.querySelector("#invoice-tax").textContent = formatFen(tax);
    form.querySelector("#invoice-total").textContent = formatFen(untaxed + tax);
  }

  function setUpInvoiceForm(form) {
    form.addEventListener("input", function () { updateInvoiceTotals(form); });
    form.addEventListener("change", function () { updateInvoiceTotals(form); });
    form.addEventListener("click", function (event) {
      if (event.target.id === "add-line") {
        event.preventDefault();
        addLine(form);
        updateInvoiceTotals(form);
      }
    });
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && target.closest && target.closest("#voucher-lines-body") && target.tagName !== "BUTTON") {
        event.preventDefault();
        focusNext(form, target);
      }
    });
    updateInvoiceTotals(form);
  }

  // Payment form: the sum of what is allocated.
  function setUpPaymentForm(form) {
    var output = form.querySelector("#allocated-total");
    if (!output) { return; }
    function update() {
      var total = 0;
      form.querySelectorAll("input[name^='allocate-']").forEach(function (input) { total += parseAmount(input.value); });
      output.textContent = formatFen(total);
    }
    form.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("voucher-form");
    if (form) { setUpVoucherForm(form); }
    var invoiceForm = document.getElementById("invoice-form");
    if (invoiceForm) { setUpInvoiceForm(invoiceForm); }
    var paymentForm = document.getElementById("payment-form");
    if (paymentForm) { setUpPaymentForm(paymentForm); }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
