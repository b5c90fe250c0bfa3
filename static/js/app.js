// Claim form: show the fields that belong to the chosen kind, and keep the 试算 box current.
(function () {
  const form = document.getElementById("claim-form");
  if (!form) return;
  const kind = form.querySelector("[name=kind]");
  const box = document.getElementById("estimate");
  const showKind = () => {
    form.querySelectorAll("[data-kinds]").forEach((el) => {
      el.hidden = kind && kind.value ? !el.dataset.kinds.split(" ").includes(kind.value) : false;
    });
  };
  let timer = null;
  const estimate = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(form.dataset.estimateUrl, { method: "POST", body: new FormData(form),
        headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (response.ok) box.innerHTML = await response.text();
    }, 400);
  };
  if (kind) kind.addEventListener("change", showKind);
  form.addEventListener("input", estimate);
  form.addEventListener("change", estimate);
  const button = document.getElementById("estimate-button");
  if (button) button.addEventListener("click", estimate);
  showKind();
  estimate();
})();
