// Small enhancements; every page works without this file.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher changes language as soon as one is chosen.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // Characters left in the composer.
  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const output = document.getElementById(area.dataset.counter);
    const update = () => { output.textContent = String(area.maxLength - area.value.length); };
    area.addEventListener("input", update);
    update();
  }
  // Destructive buttons ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
