#include "node/board_page.h"

namespace govbus {

namespace {

// Kept as one literal so the page ships inside the binary: nothing to install beside the node.
constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GovBus 电子监察</title>
<style>
  body { font: 14px/1.5 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; }
  header { background: #8b1a1a; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { opacity: .85; font-size: 12px; flex: 1; }
  header button { background: #fff; color: #8b1a1a; border: 0; border-radius: 3px; padding: 3px 10px; cursor: pointer; }
  main { padding: 12px 16px; display: grid; gap: 16px; grid-template-columns: minmax(420px, 3fr) minmax(300px, 2fr); }
  section h2 { font-size: 15px; border-bottom: 2px solid #8b1a1a; margin: 0 0 6px; padding-bottom: 2px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; white-space: nowrap; }
  th { font-weight: 600; color: #555; font-size: 12px; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .red { color: #c00; font-weight: 700; } .yellow { color: #b58900; font-weight: 700; }
  .zero { color: #bbb; font-weight: 400; }
  .code { color: #888; font-size: 12px; }
  .tree td:first-child { cursor: default; }
  .error { background: #fee; color: #900; padding: 8px 16px; }
  .totals span { margin-right: 18px; }
</style>
</head>
<body>
<header>
  <h1 data-l="title"></h1>
  <div class="meta" id="meta"></div>
  <button id="lang"></button>
</header>
<div class="error" id="error" hidden></div>
<main>
  <section>
    <h2 data-l="regions"></h2>
    <div class="totals" id="totals"></div>
    <table class="tree"><thead><tr>
      <th data-l="region"></th><th data-l="open"></th><th data-l="yellow"></th><th data-l="red"></th>
      <th data-l="pastLegal"></th><th data-l="closedLate"></th><th data-l="lateReports"></th><th data-l="halted"></th><th data-l="complaints"></th>
    </tr></thead><tbody id="tree"></tbody></table>
    <h2 style="margin-top:16px" data-l="overdue"></h2>
    <table><thead><tr><th data-l="case"></th><th data-l="item"></th><th data-l="handler"></th><th data-l="due"></th><th data-l="card"></th></tr></thead>
    <tbody id="overdue"></tbody></table>
  </section>
  <section>
    <h2 data-l="delegations"></h2>
    <table><thead><tr><th data-l="item"></th><th data-l="from"></th><th data-l="to"></th><th data-l="mode"></th><th data-l="until"></th></tr></thead>
    <tbody id="delegations"></tbody></table>
    <h2 style="margin-top:16px" data-l="openComplaints"></h2>
    <table><thead><tr><th data-l="complaint"></th><th data-l="against"></th><th data-l="age"></th></tr></thead>
    <tbody id="complaints"></tbody></table>
  </section>
</main>
<script>
"use strict";
const L = {
  zh: { title: "电子监察看板", regions: "辖区办件（红黄牌）", region: "区域", open: "在办", yellow: "黄牌", red: "红牌",
        pastLegal: "超法定时限", closedLate: "超期办结", lateReports: "迟报", due: "办结时限", provisional: "暂定", halted: "暂停", complaints: "投诉", overdue: "超期办件", case: "办件", item: "事项",
        handler: "承办", card: "牌", delegations: "委托与下放", from: "委托方", to: "受托方", mode: "方式",
        until: "有效期至", openComplaints: "未办结投诉", complaint: "投诉", against: "被投诉", age: "已过",
        entrust: "委托", devolve: "下放", subtree: "含下级", none: "无", forever: "长期", switchTo: "English",
        node: "节点", updated: "更新于", total: "合计", days: "天", hours: "小时", minutes: "分钟", unreachable: "无法读取节点 API：" },
  en: { title: "Supervision board", regions: "Cases by region (red/yellow cards)", region: "Region", open: "Open",
        yellow: "Yellow", red: "Red", pastLegal: "Past legal limit", closedLate: "Decided late",
        lateReports: "Reported late", due: "Due", provisional: "provisional", halted: "Halted", complaints: "Complaints",
        overdue: "Overdue cases", case: "Case", item: "Item", handler: "Handler", card: "Card",
        delegations: "Delegations", from: "From", to: "To", mode: "Mode", until: "Until",
        openComplaints: "Open complaints", complaint: "Complaint", against: "Against", age: "Age",
        entrust: "entrust", devolve: "devolve", subtree: "with subtree", none: "none", forever: "open-ended",
        switchTo: "中文", node: "Node", updated: "updated", total: "Total", days: "d", hours: "h", minutes: "min",
        unreachable: "Cannot read the node API: " },
};
let lang = localStorage.getItem("govbus.lang") || "zh";
let last = null;
const t = (k) => L[lang][k] || k;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (n, cls) => `<td class="n ${n ? cls || "" : "zero"}">${n || 0}</td>`;
const day = (ms) => ms ? new Date(ms).toISOString().slice(0, 10) : t("forever");
// A due date is the end (24:00, UTC+8) of its last counted day: show that day in China time.
const due = (d) => d.due_at_ms ? new Date(d.due_at_ms + 8 * 3600000 - 1).toISOString().slice(0, 10) +
  (d.provisional ? ` (${t("provisional")})` : "") : "—";
const age = (ms) => ms >= 86400000 ? `${Math.floor(ms / 86400000)} ${t("days")}`
  : ms >= 3600000 ? `${Math.floor(ms / 3600000)} ${t("hours")}` : `${Math.floor(ms / 60000)} ${t("minutes")}`;

function label() {
  document.querySelectorAll("[data-l]").forEach((e) => { e.textContent = t(e.dataset.l); });
  document.getElementById("lang").textContent = t("switchTo");
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

function render() {
  label();
  if (!last) return;
  const [board, tree, dels] = last;
  const names = {}, children = {};
  for (const n of tree.nodes) {
    names[n.code] = n.name;
    if (n.parent) (children[n.parent] = children[n.parent] || []).push(n.code);
  }
  const who = (c) => `${esc(names[c] || "")} <span class="code">${esc(c)}</span>`;
  document.getElementById("meta").innerHTML =
    `${t("node")} ${who(board.root)} · ${t("updated")} ${new Date(board.now_ms).toLocaleString()}`;
  const tot = board.total;
  document.getElementById("totals").innerHTML =
    `<span>${t("total")}: ${t("open")} <b>${tot.open}</b></span><span class="yellow">${t("yellow")} ${tot.yellow}</span>` +
    `<span class="red">${t("red")} ${tot.red}</span><span>${t("complaints")} ${tot.open_complaints}</span>`;
  const rows = [];
  const walk = (code, depth) => {
    const c = board.subtree[code] || {};
    rows.push(`<tr><td style="padding-left:${6 + depth * 18}px">${who(code)}</td>${num(c.open)}${num(c.yellow, "yellow")}` +
              `${num(c.red, "red")}${num(c.past_legal, "red")}${num(c.closed_late, "red")}${num(c.late_reports, "red")}` +
              `${num(c.halted)}${num(c.open_complaints)}</tr>`);
    for (const k of (children[code] || []).sort()) walk(k, depth + 1);
  };
  walk(board.root, 0);
  document.getElementById("tree").innerHTML = rows.join("");
  document.getElementById("overdue").innerHTML = board.overdue.length
    ? board.overdue.slice(0, 200).map((o) => `<tr><td>${esc(o.case_id)}</td><td>${esc(o.item)}</td><td>${who(o.handler)}</td>` +
        `<td>${esc(due(o.deadline))}</td><td class="${esc(o.deadline.card)}">${esc(t(o.deadline.card))}</td></tr>`).join("")
    : `<tr><td colspan="5" class="zero">${t("none")}</td></tr>`;
  document.getElementById("delegations").innerHTML = dels.delegations.length
    ? dels.delegations.map((d) => `<tr><td>${esc(d.item_name || d.item)} <span class="code">${esc(d.item)}</span></td>` +
        `<td>${who(d.author)}</td><td>${who(d.grantee)}${d.scope === "subtree" ? " · " + t("subtree") : ""}</td>` +
        `<td>${t(d.mode)}</td><td>${day(d.valid_until_ms)}</td></tr>`).join("")
    : `<tr><td colspan="5" class="zero">${t("none")}</td></tr>`;
  document.getElementById("complaints").innerHTML = board.open_complaints.length
    ? board.open_complaints.map((c) => `<tr><td>${esc(c.complaint_id)}</td><td>${who(c.against)}</td><td>${age(c.age_ms)}</td></tr>`).join("")
    : `<tr><td colspan="3" class="zero">${t("none")}</td></tr>`;
}

async function refresh() {
  try {
    const get = async (p) => { const r = await fetch(p); if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`); return r.json(); };
    last = await Promise.all([get("/v1/supervision"), get("/v1/tree"), get("/v1/delegations")]);
    document.getElementById("error").hidden = true;
  } catch (e) {
    const box = document.getElementById("error");
    box.textContent = t("unreachable") + e.message;
    box.hidden = false;
  }
  render();
}

document.getElementById("lang").onclick = () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("govbus.lang", lang);
  render();
};
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view boardPageHtml() { return kPage; }

}  // namespace govbus
