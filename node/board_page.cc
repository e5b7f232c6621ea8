#include "node/board_page.h"

namespace govbus {

namespace {

// Kept as one literal so the page ships inside the binary: nothing to install beside the node.
constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>GovBus 电子监察</title>
<style>
  * { box-sizing: border-box; }
  body { font: 14px/1.5 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; }
  header { background: #8b1a1a; color: #fff; padding: 8px 16px; display: flex; gap: 14px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { opacity: .85; font-size: 12px; flex: 1; min-width: 200px; }
  header a, header button { background: #fff; color: #8b1a1a; border: 0; border-radius: 3px; padding: 2px 10px; cursor: pointer; font: inherit; font-size: 13px; text-decoration: none; }
  header form { margin: 0; }
  .filters { padding: 8px 16px 0; display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; }
  .filters select { max-width: 260px; }
  main { padding: 8px 16px; display: grid; gap: 16px; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
  @media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } }
  section h2 { font-size: 15px; border-bottom: 2px solid #8b1a1a; margin: 14px 0 6px; padding-bottom: 2px; }
  section h2:first-child { margin-top: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 5px; border-bottom: 1px solid #eee; vertical-align: top; overflow-wrap: anywhere; }
  th { font-weight: 600; color: #555; font-size: 12px; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.d { white-space: nowrap; }
  .red { color: #c00; font-weight: 700; } .yellow { color: #b58900; font-weight: 700; }
  .zero { color: #bbb; font-weight: 400; }
  .code { color: #888; font-size: 12px; }
  tr.offline td:first-child, .offline-mark { color: #c00; font-weight: 700; }
  .badge { display: inline-block; border-radius: 8px; padding: 0 6px; font-size: 11px; margin-left: 4px; }
  .badge.off { background: #c00; color: #fff; } .badge.on { background: #e6f4ea; color: #1e7a34; }
  .badge.below { background: #fdd; color: #c00; }
  a.case { color: #0645ad; cursor: pointer; text-decoration: underline; }
  .error { background: #fee; color: #900; padding: 8px 16px; }
  .totals span { margin-right: 18px; }
  #detail { position: fixed; top: 0; right: 0; bottom: 0; width: min(560px, 100%); background: #fff; box-shadow: -4px 0 16px rgba(0,0,0,.25); padding: 12px 16px; overflow-y: auto; }
  #detail h3 { margin: 0 0 8px; font-size: 16px; display: flex; justify-content: space-between; }
  #detail ol { padding-left: 18px; margin: 4px 0; }
  #detail li { margin-bottom: 4px; }
  #detail .late { color: #c00; }
  #detail .void { color: #999; text-decoration: line-through; }
</style>
</head>
<body>
<header>
  <h1 data-l="title"></h1>
  <div class="meta" id="meta"></div>
  <a href="/login" id="login" data-l="login"></a>
  <form method="post" action="/logout"><button type="submit" data-l="logout"></button></form>
  <button id="lang" type="button"></button>
</header>
<div class="error" id="error" hidden></div>
<div class="filters">
  <label><span data-l="region"></span> <select id="f-region"></select></label>
  <label><span data-l="item"></span> <select id="f-item"></select></label>
  <label><span data-l="card"></span> <select id="f-card"></select></label>
</div>
<main>
  <section>
    <h2 data-l="regions"></h2>
    <div class="totals" id="totals"></div>
    <table class="tree"><thead><tr>
      <th data-l="region"></th><th data-l="heard"></th><th class="n" data-l="open"></th><th class="n" data-l="yellow"></th><th class="n" data-l="red"></th>
      <th class="n" data-l="pastLegal"></th><th class="n" data-l="closedLate"></th><th class="n" data-l="lateReports"></th><th class="n" data-l="halted"></th><th class="n" data-l="complaints"></th>
    </tr></thead><tbody id="tree"></tbody></table>
    <h2 data-l="cards"></h2>
    <table><thead><tr><th data-l="case"></th><th data-l="item"></th><th data-l="handler"></th><th data-l="due"></th>
      <th class="n" data-l="used"></th><th class="n" data-l="late"></th><th data-l="card"></th></tr></thead>
    <tbody id="cards"></tbody></table>
    <h2 data-l="orders"></h2>
    <table><thead><tr><th data-l="case"></th><th data-l="item"></th><th data-l="handler"></th><th class="n" data-l="urges"></th><th data-l="due"></th><th data-l="card"></th></tr></thead>
    <tbody id="orders"></tbody></table>
  </section>
  <section>
    <h2 data-l="denials"></h2>
    <table><thead><tr><th data-l="case"></th><th data-l="item"></th><th data-l="handler"></th><th data-l="reason"></th></tr></thead>
    <tbody id="denials"></tbody></table>
    <h2 data-l="openComplaints"></h2>
    <table><thead><tr><th data-l="complaint"></th><th data-l="against"></th><th data-l="routedTo"></th><th class="n" data-l="age"></th></tr></thead>
    <tbody id="complaints"></tbody></table>
    <h2 data-l="delegations"></h2>
    <table><thead><tr><th data-l="item"></th><th data-l="from"></th><th data-l="to"></th><th data-l="mode"></th><th data-l="until"></th></tr></thead>
    <tbody id="delegations"></tbody></table>
  </section>
</main>
<aside id="detail" hidden></aside>
<script>
"use strict";
const L = {
  zh: { title: "电子监察看板", regions: "辖区办件（红黄牌）", region: "区域", open: "在办", yellow: "黄牌", red: "红牌",
        pastLegal: "超法定时限", closedLate: "超期办结", lateReports: "迟报", due: "办结时限", provisional: "暂定", halted: "暂停",
        complaints: "投诉", cards: "红黄牌办件", case: "办件", item: "事项", handler: "承办", card: "亮牌", used: "已用/承诺（天）",
        late: "超期（天）", orders: "督办中的办件", urges: "督办次数", denials: "否定报备", reason: "理由",
        delegations: "委托与下放", from: "委托方", to: "受托方", mode: "方式", until: "有效期至", openComplaints: "未办结投诉",
        complaint: "投诉", against: "被投诉", routedTo: "转办至", age: "已过", entrust: "委托", devolve: "下放", subtree: "含下级",
        none: "无", forever: "长期", switchTo: "English", node: "节点", updated: "更新于", total: "合计", days: "天", hours: "小时",
        minutes: "分钟", seconds: "秒", unreachable: "无法读取节点 API：", heard: "最近联系", offline: "离线", online: "在线",
        offlineBelow: "下级离线", never: "从未", ago: "前", all: "全部", green: "绿牌", login: "登录", logout: "退出",
        needLogin: "查看办件详情需要读取令牌：请先登录。", timeline: "办件时间线", close: "关闭", status: "状态",
        received: "收件", pauses: "暂停计时", flagged: "迟报/时间存疑", witnessed: "见证于", supervision_order: "监察指令",
        receiver: "收件方", legalDue: "法定时限", loading: "读取中…", lag: "积压记录" },
  en: { title: "Supervision board", regions: "Cases by region (red/yellow cards)", region: "Region", open: "Open",
        yellow: "Yellow", red: "Red", pastLegal: "Past legal limit", closedLate: "Decided late", lateReports: "Reported late",
        due: "Due", provisional: "provisional", halted: "Halted", complaints: "Complaints", cards: "Red and yellow cards",
        case: "Case", item: "Item", handler: "Handler", card: "Card", used: "Days used/promised", late: "Days overdue",
        orders: "Cases under supervision orders", urges: "Urges", denials: "Denials", reason: "Reason",
        delegations: "Delegations", from: "From", to: "To", mode: "Mode", until: "Until", openComplaints: "Open complaints",
        complaint: "Complaint", against: "Against", routedTo: "Routed to", age: "Age", entrust: "entrust", devolve: "devolve",
        subtree: "with subtree", none: "none", forever: "open-ended", switchTo: "中文", node: "Node", updated: "updated",
        total: "Total", days: "d", hours: "h", minutes: "min", seconds: "s", unreachable: "Cannot read the node API: ",
        heard: "Last heard", offline: "offline", online: "online", offlineBelow: "offline below", never: "never", ago: "ago",
        all: "all", green: "Green", login: "Log in", logout: "Log out",
        needLogin: "Case detail needs the read token: log in first.", timeline: "Case timeline", close: "Close",
        status: "Status", received: "Received", pauses: "Clock pauses", flagged: "Reported late / doubtful times",
        witnessed: "witnessed", supervision_order: "supervision order", receiver: "Receiver", legalDue: "Legal limit",
        loading: "Loading…", lag: "records behind" },
};
// Event, order and status names as the API spells them, in Chinese.
const ZH_NAMES = { received: "收件", accepted: "受理", materialsRequested: "补正告知", materialsSupplied: "补齐材料",
  stepCompleted: "环节办结", suspended: "暂停计时", resumed: "恢复计时", approved: "准予许可", denied: "不予许可",
  closed: "办结", withdrawn: "撤回", transferred: "移交", urge: "督办", correct: "纠错", halt: "叫停", transfer: "转办",
  under_review: "审查中", pending_materials: "待补正", open: "在办" };
const zhName = (k) => lang === "zh" && ZH_NAMES[k] ? `${ZH_NAMES[k]} <span class="code">${esc(k)}</span>` : esc(k);
const params = new URLSearchParams(location.search);
const offlineAfterMs = 1000 * (Number(params.get("offline_after_s")) > 0 ? Number(params.get("offline_after_s")) : 120);
let lang = localStorage.getItem("govbus.lang") || "zh";
let last = null;
const filter = { region: "", item: "", card: "" };
const t = (k) => L[lang][k] || k;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (n, cls) => `<td class="n ${n ? cls || "" : "zero"}">${n || 0}</td>`;
// Dates and times in China time (UTC+8), whatever the browser's zone.
const cn = (ms) => new Date(ms + 8 * 3600000).toISOString();
const dateText = (ms) => { const s = cn(ms); return lang === "zh" ? `${+s.slice(0, 4)}年${+s.slice(5, 7)}月${+s.slice(8, 10)}日` : s.slice(0, 10); };
const timeText = (ms) => ms ? `${dateText(ms)} ${cn(ms).slice(11, 16)}` : "—";
const day = (ms) => ms ? dateText(ms) : t("forever");
// A due date is the end (24:00, UTC+8) of its last counted day: show that day.
const due = (d) => d && d.due_at_ms ? dateText(d.due_at_ms - 1) + (d.provisional ? ` (${t("provisional")})` : "") : "—";
const age = (ms) => ms >= 86400000 ? `${Math.floor(ms / 86400000)} ${t("days")}`
  : ms >= 3600000 ? `${Math.floor(ms / 3600000)} ${t("hours")}`
  : ms >= 60000 ? `${Math.floor(ms / 60000)} ${t("minutes")}` : `${Math.max(0, Math.floor(ms / 1000))} ${t("seconds")}`;

function label() {
  document.querySelectorAll("[data-l]").forEach((e) => { e.textContent = t(e.dataset.l); });
  document.getElementById("lang").textContent = t("switchTo");
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

function options(id, values, current) {
  const sel = document.getElementById(id);
  const html = `<option value="">${esc(t("all"))}</option>` +
    values.map(([v, text]) => `<option value="${esc(v)}"${v === current ? " selected" : ""}>${esc(text)}</option>`).join("");
  if (sel.dataset.html !== html) { sel.innerHTML = html; sel.dataset.html = html; sel.value = current; }
}

function render() {
  label();
  if (!last) return;
  const [board, tree, dels] = last;
  const now = board.now_ms;
  const names = {}, children = {}, parents = {}, nodes = {};
  for (const n of tree.nodes) {
    names[n.code] = n.name; nodes[n.code] = n;
    if (n.parent) { (children[n.parent] = children[n.parent] || []).push(n.code); parents[n.code] = n.parent; }
  }
  const who = (c) => `${esc(names[c] || "")} <span class="code">${esc(c)}</span>`;
  const within = (c) => { for (let x = c; x; x = parents[x]) if (x === filter.region) return true; return !filter.region; };
  const offline = (c) => { const h = nodes[c] && nodes[c].last_heard_ms; return !h || tree.now_ms - h > offlineAfterMs; };
  document.getElementById("meta").innerHTML =
    `${t("node")} ${who(board.root)} · ${t("updated")} ${timeText(now)}`;
  const tot = board.total;
  document.getElementById("totals").innerHTML =
    `<span>${t("total")}: ${t("open")} <b>${tot.open}</b></span><span class="yellow">${t("yellow")} ${tot.yellow}</span>` +
    `<span class="red">${t("red")} ${tot.red}</span><span>${t("complaints")} ${tot.open_complaints}</span>`;
  // Filters: regions from the tree, items from the lists.
  const regionOpts = [], items = {};
  const order = (code, depth) => { regionOpts.push([code, "\u3000".repeat(depth) + (names[code] || code)]); for (const k of (children[code] || []).sort()) order(k, depth + 1); };
  order(tree.root, 0);
  for (const l of [board.overdue, board.yellow || [], board.orders || [], board.denials]) for (const c of l) items[c.item] = c.item_name || c.item;
  options("f-region", regionOpts, filter.region);
  options("f-item", Object.entries(items).sort(), filter.item);
  options("f-card", [["red", t("red")], ["yellow", t("yellow")]], filter.card);
  // The tree with liveness: an offline node in red, and every ancestor of one marked.
  const offBelow = {};
  for (const n of tree.nodes) if (offline(n.code)) for (let x = parents[n.code]; x; x = parents[x]) offBelow[x] = (offBelow[x] || 0) + 1;
  const rows = [];
  const walk = (code, depth) => {
    const c = board.subtree[code] || {};
    const n = nodes[code] || {};
    const off = offline(code);
    const heard = n.last_heard_ms ? `${age(tree.now_ms - n.last_heard_ms)} ${t("ago")}` : t("never");
    const lag = n.link && n.link.lag_records ? ` · ${n.link.lag_records} ${t("lag")}` : "";
    const badge = `<span class="badge ${off ? "off" : "on"}">${t(off ? "offline" : "online")}</span>` +
      (offBelow[code] ? `<span class="badge below">${t("offlineBelow")} ${offBelow[code]}</span>` : "");
    if (within(code))
      rows.push(`<tr data-code="${esc(code)}" class="${off ? "offline" : ""}${offBelow[code] ? " offline-below" : ""}">` +
              `<td style="padding-left:${5 + depth * 16}px">${who(code)}${badge}</td>` +
              `<td class="d${off ? " red" : ""}" title="${esc(n.heard_via || "")}">${heard}${lag}</td>${num(c.open)}${num(c.yellow, "yellow")}` +
              `${num(c.red, "red")}${num(c.past_legal, "red")}${num(c.closed_late, "red")}${num(c.late_reports, "red")}` +
              `${num(c.halted)}${num(c.open_complaints)}</tr>`);
    for (const k of (children[code] || []).sort()) walk(k, depth + 1);
  };
  walk(board.root, 0);
  document.getElementById("tree").innerHTML = rows.join("");
  const keep = (c) => within(c.handler) && (!filter.item || c.item === filter.item) && (!filter.card || (c.deadline && c.deadline.card === filter.card));
  const caseLink = (c) => `<a class="case" data-case="${esc(c.case_id)}">${esc(c.case_id)}</a>`;
  const itemText = (c) => `${esc(c.item_name || c.item)} <span class="code">${esc(c.item)}</span>`;
  const cardCell = (d) => d ? `<td class="${esc(d.card)}">${esc(t(d.card))}</td>` : "<td></td>";
  const empty = (n) => `<tr><td colspan="${n}" class="zero">${t("none")}</td></tr>`;
  const cards = [...board.overdue, ...(board.yellow || [])].filter(keep);
  document.getElementById("cards").innerHTML = cards.length
    ? cards.slice(0, 300).map((o) => {
        const d = o.deadline;
        const late = d.due_at_ms && now > d.due_at_ms ? Math.ceil((now - d.due_at_ms) / 86400000) : 0;
        return `<tr data-card="${esc(d.card)}"><td>${caseLink(o)}</td><td>${itemText(o)}</td><td>${who(o.handler)}</td>` +
          `<td class="d">${esc(due(d))}</td><td class="n">${Number(d.used_days).toFixed(1)}/${d.promised_days}</td>` +
          `${num(late, "red")}${cardCell(d)}</tr>`;
      }).join("")
    : empty(7);
  const orders = (board.orders || []).filter(keep);
  document.getElementById("orders").innerHTML = orders.length
    ? orders.map((o) => `<tr><td>${caseLink(o)}</td><td>${itemText(o)}</td><td>${who(o.handler)}</td>${num(o.urges, "red")}` +
        `<td class="d">${esc(due(o.deadline))}</td>${cardCell(o.deadline)}</tr>`).join("")
    : empty(6);
  const denials = board.denials.filter((c) => within(c.handler) && (!filter.item || c.item === filter.item) && !filter.card);
  document.getElementById("denials").innerHTML = denials.length
    ? denials.map((c) => `<tr><td>${caseLink(c)}</td><td>${itemText(c)}</td><td>${who(c.handler)}</td><td>${esc(c.denial_reason)}</td></tr>`).join("")
    : empty(4);
  const complaints = board.open_complaints.filter((c) => within(c.against) || within(c.routed_to));
  document.getElementById("complaints").innerHTML = complaints.length
    ? complaints.map((c) => `<tr><td>${esc(c.complaint_id)}${c.case_id ? `<br>${caseLink(c)}` : ""}</td><td>${who(c.against)}</td>` +
        `<td>${c.routed_to ? who(c.routed_to) : "—"}</td><td class="n">${age(c.age_ms)}</td></tr>`).join("")
    : empty(4);
  const delegations = dels.delegations.filter((d) => (within(d.grantee) || within(d.author)) && (!filter.item || d.item === filter.item));
  document.getElementById("delegations").innerHTML = delegations.length
    ? delegations.map((d) => `<tr><td>${esc(d.item_name || d.item)} <span class="code">${esc(d.item)}</span></td>` +
        `<td>${who(d.author)}</td><td>${who(d.grantee)}${d.scope === "subtree" ? " · " + t("subtree") : ""}</td>` +
        `<td>${t(d.mode)}</td><td class="d">${day(d.valid_until_ms)}</td></tr>`).join("")
    : empty(5);
  if (openCase) renderDetail();
}

// Case detail: GET /v1/cases/{id} needs the read token, sent as the login cookie.
let openCase = null, detail = null;
function renderDetail() {
  const box = document.getElementById("detail");
  box.hidden = !openCase;
  if (!openCase) return;
  const head = `<h3><span>${t("timeline")} · ${esc(openCase)}</span><button type="button" id="detail-close">${t("close")}</button></h3>`;
  if (!detail) { box.innerHTML = head + `<p>${t("loading")}</p>`; }
  else if (detail.status === 401) { box.innerHTML = head + `<p class="red" id="detail-login">${t("needLogin")} <a href="/login">${t("login")}</a></p>`; }
  else if (detail.error) { box.innerHTML = head + `<p class="red">${esc(detail.error)}</p>`; }
  else {
    const c = detail.body, d = c.deadline || {};
    const names = {};
    if (last) for (const n of last[1].nodes) names[n.code] = n.name;
    const who = (x) => `${esc(names[x] || "")} <span class="code">${esc(x)}</span>`;
    const itemNames = {};
    if (last) for (const l of [last[0].overdue, last[0].yellow || [], last[0].orders || [], last[0].denials]) for (const x of l) itemNames[x.item] = x.item_name;
    const recs = [...c.records].sort((a, b) => a.wall_time_ms - b.wall_time_ms);
    box.innerHTML = head +
      `<table><tbody><tr><th>${t("item")}</th><td>${esc(itemNames[c.item] || "")} <span class="code">${esc(c.item)}</span></td></tr><tr><th>${t("handler")}</th><td>${who(c.handler)}</td></tr>` +
      `<tr><th>${t("receiver")}</th><td>${who(c.receiver)}</td></tr><tr><th>${t("status")}</th><td>${zhName(c.status)}</td></tr>` +
      `<tr><th>${t("due")}</th><td>${esc(due(d))} · <span class="${esc(d.card)}">${esc(t(d.card))}</span> · ${Number(d.used_days).toFixed(1)}/${d.promised_days}</td></tr>` +
      `<tr><th>${t("legalDue")}</th><td>${d.legal_due_at_ms ? dateText(d.legal_due_at_ms - 1) : "—"}</td></tr></tbody></table>` +
      `<h4>${t("timeline")}</h4><ol class="timeline">` + recs.map((r) =>
        `<li class="${r.verdict !== "valid" ? "void" : ""}${r.reported_late ? " late" : ""}"><b>${r.kind === "case_event" ? zhName(r.type) : esc(t(r.kind)) + " " + zhName(r.order || "")}</b> ` +
        `${timeText(r.wall_time_ms)} · ${who(r.record.author)}` +
        `${r.reported_late ? ` · ${t("lateReports")} (${t("witnessed")} ${timeText(r.witnessed_at_ms)})` : ""}` +
        `${r.verdict !== "valid" ? ` · ${esc(r.verdict)}` : ""}${r.reason || r.note ? `<br>${esc(r.reason || r.note)}` : ""}</li>`).join("") + `</ol>` +
      (c.pauses.length ? `<h4>${t("pauses")}</h4><ul>` + c.pauses.map((p) => `<li>${timeText(p.from_ms)} – ${p.until_ms ? timeText(p.until_ms) : "…"}</li>`).join("") + "</ul>" : "") +
      (c.flagged_times.length ? `<h4>${t("flagged")}</h4><ul>` + c.flagged_times.map((f) =>
        `<li class="late">${who(f.record.author)}#${f.record.seq}: ${timeText(f.claimed_ms)} → ${t("witnessed")} ${timeText(f.witnessed_ms)}</li>`).join("") + "</ul>" : "");
  }
  document.getElementById("detail-close").onclick = () => { openCase = null; renderDetail(); };
}
async function showCase(id) {
  openCase = id; detail = null; renderDetail();
  try {
    const r = await fetch(`/v1/cases/${encodeURIComponent(id)}`, { credentials: "same-origin" });
    detail = r.ok ? { body: await r.json() } : r.status === 401 ? { status: 401 } : { error: `HTTP ${r.status}: ${(await r.json()).error}` };
  } catch (e) { detail = { error: e.message }; }
  if (openCase === id) renderDetail();
}
document.addEventListener("click", (e) => { const a = e.target.closest("a.case"); if (a) showCase(a.dataset.case); });

async function refresh() {
  try {
    const get = async (p) => { const r = await fetch(p, { credentials: "same-origin" }); if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`); return r.json(); };
    last = await Promise.all([get("/v1/supervision"), get("/v1/tree"), get("/v1/delegations")]);
    document.getElementById("error").hidden = true;
  } catch (e) {
    const box = document.getElementById("error");
    box.textContent = t("unreachable") + e.message;
    box.hidden = false;
  }
  render();
  document.body.dataset.loaded = "1";
}

for (const k of ["region", "item", "card"])
  document.getElementById("f-" + k).onchange = (e) => { filter[k] = e.target.value; render(); };
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

// The login page: the read token, once, into an HttpOnly cookie.
constexpr std::string_view kLoginHead = R"HTML(<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>GovBus 电子监察 · 登录</title>
<style>
  body { font: 14px/1.5 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; }
  header { background: #8b1a1a; color: #fff; padding: 10px 16px; font-size: 18px; }
  form { margin: 40px auto; max-width: 420px; display: grid; gap: 10px; }
  input { font: inherit; padding: 6px; }
  button { font: inherit; padding: 6px; background: #8b1a1a; color: #fff; border: 0; border-radius: 3px; }
  .error { color: #c00; }
</style>
</head>
<body>
<header>电子监察看板 · Supervision board</header>
<form method="post" action="/login">
  <label for="token">读取令牌（api_read_token_file）· Read token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
)HTML";
constexpr std::string_view kLoginFailed =
    R"HTML(  <p class="error" id="login-error">令牌不正确 · Wrong token</p>
)HTML";
constexpr std::string_view kLoginTail = R"HTML(  <button type="submit">登录 · Log in</button>
</form>
</body>
</html>
)HTML";

}  // namespace

std::string_view boardPageHtml() { return kPage; }

std::string loginPageHtml(bool failed) {
  std::string page(kLoginHead);
  if (failed) page += kLoginFailed;
  page += kLoginTail;
  return page;
}

}  // namespace govbus
