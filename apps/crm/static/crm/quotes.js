// Quote form: "Add more lines" adds rows in place (without JavaScript it asks the server for
// more), and each line's amount and the totals follow what is typed. The server has the last
// word: it rounds each line to the fen, half up, exactly as shown here.
(function () {
  "use strict";

  // Decimal text to an integer count of `scale` units, or null (no floating point in sums).
  function scaled(text, places) {
    var value = String(text || "").replace(/[,\s]/g, "");
    var match = /^(\d*)(?:\.(\d*))?$/.exec(value);
    if (!match || value === "" || value === ".") { return null; }
    var fraction = (match[2] || "");
    if (fraction.length > places) { return null; }
    while (fraction.length < places) { fraction += "0"; }
    return Number((match[1] || "0") + fraction);
  }

  // a / b rounded half up (both positive integers, within safe range).
  function divideHalfUp(a, b) {
    return Math.floor((2 * a + b) / (2 * b));
  }

  function formatFen(fen) {
    var yuan = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return yuan + "." + ("0" + (fen % 100)).slice(-2);
  }

  function lineAmounts(row) {
    var quantity = scaled(row.querySelector(".quote-quantity").value, 4);  // × 10^4
    var price = scaled(row.querySelector(".quote-price").value, 2);         // fen
    var discountText = row.querySelector(".quote-discount").value;
    var discount = discountText.trim() === "" ? 0 : scaled(discountText, 2); // × 10^2 percent
    var rate = scaled(row.querySelector(".quote-rate").value, 3);            // × 10^3
    if (quantity === null || price === null || discount === null || rate === null || discount > 10000) { return null; }
    var raw = quantity * price * (10000 - discount);                          // fen × 10^8
    if (!Number.isSafeInteger(raw)) { return null; }
    var net = divideHalfUp(raw, 100000000);
    var vat = divideHalfUp(net * rate, 1000);
    return { net: net, vat: vat };
  }

  function update(form) {
    var net = 0;
    var vat = 0;
    var complete = true;
    form.querySelectorAll("#quote-lines-body tr.quote-line").forEach(function (row) {
      var output = row.querySelector(".quote-line-net");
      var product = row.querySelector(".quote-product").value.trim();
      var quantity = row.querySelector(".quote-quantity").value.trim();
      var price = row.querySelector(".quote-price").value.trim();
      if (!product && !quantity && !price) { output.textContent = "—"; return; }
      var amounts = lineAmounts(row);
      if (amounts === null) { output.textContent = "—"; complete = false; return; }
      output.textContent = formatFen(amounts.net);
      net += amounts.net;
      vat += amounts.vat;
    });
    form.querySelector("#quote-net").textContent = complete ? formatFen(net) : "—";
    form.querySelector("#quote-vat").textContent = complete ? formatFen(vat) : "—";
    form.querySelector("#quote-gross").textContent = complete ? formatFen(net + vat) : "—";
  }

  function addLines(form, count) {
    var body = form.querySelector("#quote-lines-body");
    var template = form.querySelector("#quote-line-template");
    var next = 0;
    body.querySelectorAll("input.quote-product").forEach(function (input) {
      var index = parseInt(input.name.split("-")[1], 10);
      if (index >= next) { next = index + 1; }
    });
    var first = null;
    for (var i = 0; i < count; i += 1) {
      body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__index__/g, String(next + i)));
    }
    body.querySelectorAll("tr.quote-line").forEach(function (row, position) {
      row.querySelector(".quote-line-no").textContent = String(position + 1);
    });
    first = form.querySelector("#line-" + next + "-product");
    if (first) { first.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("quote-form");
    if (!form) { return; }
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    var more = form.querySelector("#quote-add-line");
    if (more) {
      more.addEventListener("click", function (event) {
        event.preventDefault();
        addLines(form, 5);
      });
    }
    update(form);
  });
})();
