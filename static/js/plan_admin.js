// Plan admin: show only the sections that belong to the chosen kind of plan.
(function () {
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  const sections = document.querySelectorAll("fieldset.kind-section");
  const show = () => {
    sections.forEach((fieldset) => {
      fieldset.hidden = Boolean(kind.value) && !fieldset.classList.contains("kind-" + kind.value);
    });
  };
  kind.addEventListener("change", show);
  show();
})();
