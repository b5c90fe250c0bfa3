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
      // The figures only: photos chosen on a member's form are sent once, with the claim itself.
      const data = new FormData(form);
      for (const [name, value] of Array.from(data.entries())) if (value instanceof File) data.delete(name);
      const response = await fetch(form.dataset.estimateUrl, { method: "POST", body: data,
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

// Background jobs: poll each progress box every 2 s until the job ends; reload once when it does,
// so the page that started it shows the finished state (a report, a download).
document.querySelectorAll("[data-job-status-url]").forEach((box) => {
  if (box.querySelector(".job-state.done, .job-state.failed")) return;
  const poll = async () => {
    let data;
    try {
      const response = await fetch(box.dataset.jobStatusUrl, { credentials: "same-origin" });
      if (!response.ok) return setTimeout(poll, 4000);
      data = await response.json();
    } catch (e) {
      return setTimeout(poll, 4000);
    }
    box.querySelector("progress").value = data.percent;
    box.querySelector(".job-state").textContent = data.status_label;
    box.querySelector(".job-state").className = "badge job-state " + data.status;
    box.querySelector(".job-count").textContent = data.total ? data.done + " / " + data.total : "";
    box.querySelector(".job-message").textContent = data.message;
    if (data.finished) return window.location.reload();
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 1000);
});

// Payout batches: nothing is ticked for the clerk; "select all" and a running count and total.
(function () {
  const all = document.querySelector("[data-check-all]");
  const boxes = Array.from(document.querySelectorAll("input[name=claims][data-amount]"));
  const out = document.getElementById("selection");
  if (!boxes.length || !out) return;
  const cents = (v) => Math.round(parseFloat(v) * 100);
  const update = () => {
    const chosen = boxes.filter((b) => b.checked);
    const total = chosen.reduce((sum, b) => sum + cents(b.dataset.amount), 0);
    out.textContent = chosen.length
      ? `已选 ${chosen.length} 笔，合计 ${(total / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2 })} 元`
      : "尚未选择。请逐笔核对后勾选要支付的申领。";
  };
  boxes.forEach((b) => b.addEventListener("change", update));
  if (all) all.addEventListener("change", () => { boxes.forEach((b) => { b.checked = all.checked; }); update(); });
})();

// Forms that undo work ask first: data-confirm holds the question.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
