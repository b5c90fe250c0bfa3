// Plan admin: show only the sections that belong to the chosen kind of plan. The admin loads its
// media in <head>, so both parts wait for the page to be parsed.
document.addEventListener("DOMContentLoaded", function () {
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  // The plan's own sections; a component row's sections follow that row's kind (below).
  const sections = [...document.querySelectorAll("fieldset.kind-section")].filter((f) => !f.closest(".inline-group"));
  const show = () => {
    sections.forEach((fieldset) => {
      fieldset.hidden = Boolean(kind.value) && !fieldset.classList.contains("kind-" + kind.value);
    });
  };
  kind.addEventListener("change", show);
  show();
});

// Each further component (the stacked inline): only the section of the kind chosen on its row.
document.addEventListener("DOMContentLoaded", function () {
  const group = document.getElementById("components-group");
  if (!group) return;
  const show = (row) => {
    const kind = row.querySelector("select[name$='-kind']");
    if (!kind) return;
    row.querySelectorAll("fieldset.kind-section").forEach((fieldset) => {
      fieldset.hidden = Boolean(kind.value) && !fieldset.classList.contains("kind-" + kind.value);
    });
  };
  group.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-kind']")) show(event.target.closest(".inline-related"));
  });
  group.querySelectorAll(".inline-related").forEach(show);
  document.addEventListener("formset:added", (event) => {
    if (event.target.closest("#components-group")) show(event.target);
  });
});
