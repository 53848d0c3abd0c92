// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  function debounce(fn, ms) {
    let timer;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  // Instant search: the customer list reloads its results as you type.
  const search = document.querySelector("form#customer-search");
  if (search) {
    const results = () => document.getElementById("results");
    const refresh = debounce(async () => {
      const url = "/customers?" + new URLSearchParams(new FormData(search)).toString();
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.getElementById("results");
      if (fresh && results()) {
        results().replaceWith(fresh);
        history.replaceState(null, "", url);
      }
    }, 200);
    search.addEventListener("input", refresh);
  }

  // Duplicate check (查重) while a new customer's name or credit code is typed.
  const newCustomer = document.querySelector("form#new-customer");
  if (newCustomer) {
    const warning = document.getElementById("dup-warning");
    const check = debounce(async () => {
      const params = new URLSearchParams();
      const name = newCustomer.elements["name"].value.trim();
      const code = newCustomer.elements["credit_code"].value.trim();
      if (!name && !code) { warning.hidden = true; return; }
      if (name) params.set("name", name);
      if (code.length === 18) params.set("credit_code", code);
      const response = await fetch("/api/v1/customers/check-duplicate?" + params, { credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      if (body.duplicate) {
        warning.querySelector("[data-name]").textContent = body.existing_name + (body.existing_owner ? "（" + body.existing_owner + "）" : "");
        warning.hidden = false;
      } else {
        warning.hidden = true;
      }
    }, 250);
    newCustomer.addEventListener("input", check);
  }

  // The pipeline board: drop a card on the next column to ask it to advance.
  document.querySelectorAll(".cardlet[draggable=true]").forEach((card) => {
    card.addEventListener("dragstart", (e) => {
      e.dataTransfer.setData("text/plain", card.dataset.form);
    });
  });
  document.querySelectorAll(".column[data-stage]").forEach((column) => {
    column.addEventListener("dragover", (e) => { e.preventDefault(); column.classList.add("drop"); });
    column.addEventListener("dragleave", () => column.classList.remove("drop"));
    column.addEventListener("drop", (e) => {
      e.preventDefault();
      column.classList.remove("drop");
      const form = document.getElementById(e.dataTransfer.getData("text/plain"));
      if (form) form.submit();
    });
  });

  // Forms: the score and grade follow the answers.
  const formFill = document.querySelector("form#fill-form");
  if (formFill) {
    const live = document.getElementById("live-score");
    const update = debounce(async () => {
      const response = await fetch("/forms/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(formFill)),
      });
      if (!response.ok) return;
      const body = await response.json();
      live.querySelector("[data-score]").textContent = body.score;
      live.querySelector("[data-grade]").textContent = body.grade || "—";
      live.querySelector("[data-flags]").textContent = body.red_flags.join("、") || "—";
      document.querySelectorAll("[data-item-error]").forEach((el) => { el.textContent = ""; });
      (body.errors || []).forEach((err) => {
        const el = document.querySelector('[data-item-error="' + err.field + '"]');
        if (el) el.textContent = err.message;
      });
    }, 150);
    formFill.addEventListener("input", update);
    formFill.addEventListener("change", update);
  }

})();
