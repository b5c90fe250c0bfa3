// Horizontal bar charts drawn as SVG from the page's own data (no library, no CDN):
// one bar pair per plan, enrolled persons and amount paid, each scaled to its own maximum.
(function () {
  const box = document.getElementById("chart");
  const source = document.getElementById("chart-data");
  if (!box || !source) return;
  const rows = JSON.parse(source.textContent);
  // One series only (the what-if simulator: amounts before and after) when the box says so.
  const single = box.dataset.series === "paid";
  if (!rows.length) { box.textContent = "没有数据。"; return; }
  const ns = "http://www.w3.org/2000/svg";
  const rowHeight = 34, label = 185, width = 660;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * rowHeight + 24}`);
  svg.setAttribute("width", "100%");
  const max = (key) => Math.max(1, ...rows.map((r) => r[key]));
  const scale = { enrolled: single ? 1 : max("enrolled"), paid: max("paid") };
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
  };
  rows.forEach((r, i) => {
    const y = i * rowHeight + 4;
    add("text", { x: 0, y: y + 18, "font-size": 11 }, r.label.length > 15 ? r.label.slice(0, 14) + "…" : r.label);
    [...(single ? [] : [["enrolled", "#1a5fb4", 0, r.enrolled.toLocaleString("zh-CN") + " 人"]]),
     ["paid", "#c64600", 14, r.paid.toLocaleString("zh-CN", { minimumFractionDigits: 2 }) + " 元"]].forEach(([key, color, dy, text]) => {
      const w = Math.max(1, (r[key] / scale[key]) * (width - label - 120));
      add("rect", { x: label, y: y + dy, width: w, height: 12, fill: color });
      add("text", { x: label + w + 4, y: y + dy + 10, "font-size": 10 }, text);
    });
  });
  if (!single) add("text", { x: label, y: rows.length * rowHeight + 18, "font-size": 11, fill: "#1a5fb4" }, "■ 参保人次");
  add("text", { x: single ? label : label + 90, y: rows.length * rowHeight + 18, "font-size": 11, fill: "#c64600" }, "■ 赔付金额");
  box.appendChild(svg);
})();
