"""The animated hub as one self-contained HTML page (inline SVG and script, no external files).

The page plays :class:`~mashsim.app.hub_frames.HubFrames` hour by hour: each stage of the front
door a box in flow order (logging → screening → the agency desks → decision) whose bar and number
are the queue that hour, dots moving in (contacts arriving), through (screened) and out
(decided), a banner naming the injected events under way, and under it the whole run's open
contacts with the events shaded. Play/Pause, a time slider and a speed choice drive it; the
drawing scales to its frame's width (a 1366×768 projector shows it whole). The dashboard puts it
in a frame of its own (``streamlit.components.v1.html``); nothing here imports Streamlit.

Elements a test reads: ``#hub-play`` (its text "Play" or "Pause"), ``#hub-time`` (the slider: the
frame's number), ``#hub-clock`` (the frame's date and time) and ``#hub-banner`` (the events).
"""

from __future__ import annotations

import html
import json

from mashsim.app.charts import INJECT_COLOURS
from mashsim.app.hub_frames import HubFrames

HEIGHT = 590  # px: the frame the dashboard gives the page (the drawing, its controls, its caption)
SPEEDS = (1, 3, 6, 12, 24)  # hours a second
DEFAULT_SPEED = 6  # a week in 28 seconds

_STYLE = """
body { margin: 0; font-family: "Source Sans Pro", sans-serif; color: #262730; }
#hub-bar { display: flex; gap: 12px; align-items: center; padding: 4px 0 6px; font-size: 16px; }
#hub-bar button { font-size: 18px; min-width: 96px; padding: 4px 12px; cursor: pointer; border-radius: 6px;
  border: 1px solid #aaa; background: #ff4b4b; color: white; }
#hub-time { flex: 1; }
#hub-clock { font-size: 22px; font-weight: 600; min-width: 190px; text-align: right; }
svg { width: 100%; height: 470px; display: block; }  /* the drawing fits, centred */
.note { font-size: 13px; color: #666; margin-top: 2px; }
"""

_SCRIPT = r"""
const D = JSON.parse(document.getElementById("hub-data").textContent);
const COLOURS = JSON.parse(document.getElementById("hub-colours").textContent);
const NS = "http://www.w3.org/2000/svg", svg = document.getElementById("hub-svg");
const slider = document.getElementById("hub-time"), play = document.getElementById("hub-play");
const clock = document.getElementById("hub-clock"), speed = document.getElementById("hub-speed");
const W = 1200, TOP = 70, BOTTOM = 420, STRIP = 450, STRIP_H = 90;
const el = (name, attrs, parent) => { const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]); (parent || svg).appendChild(e); return e; };
const text = (s, attrs, parent) => { const t = el("text", attrs, parent); t.textContent = s; return t; };

// columns in flow order; the desks stacked in theirs
const COLS = {log: 200, screen: 410, desks: 630, decide: 870};
const BOX_W = 170, hubBoxes = D.boxes.filter(b => b.column !== "desks"), desks = D.boxes.filter(b => b.column === "desks");
const pos = {};
for (const b of hubBoxes) pos[b.key] = {x: COLS[b.column] - BOX_W / 2, y: TOP + 90, w: BOX_W, h: 170};
const deskH = Math.min(56, (BOTTOM - TOP - 10) / Math.max(desks.length, 1) - 6);
desks.forEach((b, i) => { pos[b.key] = {x: COLS.desks - BOX_W / 2, y: TOP + 10 + i * (deskH + 6), w: BOX_W, h: deskH}; });
let peak = 1;
for (const k in D.queues) for (const v of D.queues[k]) peak = Math.max(peak, v);

// the banner: the clock's events, or the warm-up
const banner = el("g", {id: "hub-banner-g"});
const bannerRect = el("rect", {x: 0, y: 0, width: W, height: 44, rx: 8, fill: "#f0f2f6"}, banner);
const bannerText = text("", {id: "hub-banner", x: W / 2, y: 30, "text-anchor": "middle", "font-size": 24,
  "font-weight": 600}, banner);

// arrows between the columns, and the "in"/"out" ends
const mid = TOP + 175;
text("contacts in", {x: 10, y: mid - 14, "font-size": 15, fill: "#555"});
text("decided", {x: W - 110, y: mid - 14, "font-size": 15, fill: "#555"});
const line = (x1, y1, x2, y2) => el("line", {x1, y1, x2, y2, stroke: "#bbb", "stroke-width": 2});
line(10, mid, COLS.log - BOX_W / 2, mid);
line(COLS.log + BOX_W / 2, mid, COLS.screen - BOX_W / 2, mid);
line(COLS.decide + BOX_W / 2, mid, W - 10, mid);
for (const b of desks) { const p = pos[b.key];
  line(COLS.screen + BOX_W / 2, mid, p.x, p.y + p.h / 2); line(p.x + p.w, p.y + p.h / 2, COLS.decide - BOX_W / 2, mid); }
if (!desks.length) line(COLS.screen + BOX_W / 2, mid, COLS.decide - BOX_W / 2, mid);

// the boxes: outline, queue bar, label, number
const parts = {};
for (const b of D.boxes) { const p = pos[b.key], big = b.column !== "desks";
  el("rect", {x: p.x, y: p.y, width: p.w, height: p.h, rx: 6, fill: "white", stroke: "#888"});
  const bar = el("rect", {x: p.x + 1, y: p.y + 1, width: 0, height: p.h - 2, rx: 5, fill: "#ff4b4b", opacity: 0.35});
  text(b.label, {x: p.x + 8, y: p.y + (big ? 24 : p.h / 2 - 2), "font-size": big ? 17 : 14, "font-weight": 600});
  const n = text("", {x: p.x + (big ? 8 : p.w - 8), y: p.y + (big ? p.h - 16 : p.h / 2 + 16),
    "font-size": big ? 40 : 20, "text-anchor": big ? "start" : "end"});
  if (big) text("waiting", {x: p.x + 8, y: p.y + 46, "font-size": 14, fill: "#666"});
  parts[b.key] = {bar, n, p};
}

// the strip: open contacts over the whole run, events shaded, the clock's cursor; a click seeks
const N = D.hours.length, sx = i => 10 + (W - 20) * i / Math.max(N - 1, 1);
let openPeak = 1; for (const v of D.open_contacts) openPeak = Math.max(openPeak, v);
if (D.warmup_frames > 0) el("rect", {x: sx(0), y: STRIP, width: sx(D.warmup_frames) - sx(0), height: STRIP_H, fill: "#eee"});
for (const e of D.events) el("rect", {x: sx(e.start), y: STRIP, width: Math.max(sx(e.end) - sx(e.start), 2),
  height: STRIP_H, fill: COLOURS[e.kind] || "#999", opacity: 0.25});
el("polyline", {fill: "none", stroke: "#3b6fb6", "stroke-width": 1.5, points: D.open_contacts.map((v, i) =>
  `${sx(i).toFixed(1)},${(STRIP + STRIP_H - (STRIP_H - 4) * v / openPeak).toFixed(1)}`).join(" ")});
text("contacts open over the run (shaded: warm-up and events); click to go there",
  {x: 12, y: STRIP + 14, "font-size": 13, fill: "#555"});
const cursor = el("line", {y1: STRIP - 4, y2: STRIP + STRIP_H + 4, stroke: "#ff4b4b", "stroke-width": 3});
const strip = el("rect", {x: 0, y: STRIP, width: W, height: STRIP_H, fill: "transparent", style: "cursor:pointer"});
strip.addEventListener("click", ev => { const box = svg.getBoundingClientRect();
  const x = (ev.clientX - box.left) * W / box.width; show(Math.round((x - 10) / (W - 20) * (N - 1))); });

// the moving dots: each flow's contacts of the hour, one dot each (at most 40 a flow and hour)
const dotLayer = el("g", {});
const PATHS = {
  arrived: () => [[10, mid], [COLS.log - BOX_W / 2, mid]],
  screened: () => { const d = desks.length ? pos[pickDesk().key] : null;
    return d ? [[COLS.screen + BOX_W / 2, mid], [d.x, d.y + d.h / 2], [d.x + d.w, d.y + d.h / 2], [COLS.decide - BOX_W / 2, mid]]
             : [[COLS.screen + BOX_W / 2, mid], [COLS.decide - BOX_W / 2, mid]]; },
  decided: () => [[COLS.decide + BOX_W / 2, mid], [W - 10, mid]],
};
// a screened dot passes a desk in proportion to its queue now and over the run (a desk never
// asked has neither, and no dot); the records do not say which desks each contact was sent to
const deskMean = {};
for (const b of desks) deskMean[b.key] = D.queues[b.key].reduce((s, v) => s + v, 0) / Math.max(D.queues[b.key].length, 1);
function pickDesk() {
  const w = desks.map(b => D.queues[b.key][frame] + deskMean[b.key]), total = w.reduce((s, v) => s + v, 0);
  if (!(total > 0)) return desks[Math.floor(Math.random() * desks.length)];
  let r = Math.random() * total;
  for (let i = 0; i < desks.length; i++) { r -= w[i]; if (r <= 0) return desks[i]; }
  return desks[desks.length - 1];
}
const DOT = {arrived: "#3b6fb6", screened: "#e69f00", decided: "#2e8b57"};
let dots = [];
function spawn(frame) {
  dots = []; dotLayer.replaceChildren();
  for (const flow in PATHS) { const n = Math.min(40, Math.round(D.flows[flow][frame] || 0));
    for (let i = 0; i < n; i++) dots.push({path: PATHS[flow](), phase: Math.random(), jitter: (Math.random() - 0.5) * 14,
      c: el("circle", {r: 6, fill: DOT[flow], opacity: 0.85}, dotLayer)}); }
}
function along(path, t) {  // a point ``t`` (0..1) along a polyline
  const lens = [], total = path.slice(1).reduce((s, p, i) => { const l = Math.hypot(p[0] - path[i][0], p[1] - path[i][1]);
    lens.push(l); return s + l; }, 0);
  let d = t * total;
  for (let i = 0; i < lens.length; i++) { if (d <= lens[i] || i === lens.length - 1) { const f = lens[i] ? d / lens[i] : 0;
    return [path[i][0] + f * (path[i + 1][0] - path[i][0]), path[i][1] + f * (path[i + 1][1] - path[i][1])]; } d -= lens[i]; }
}
function moveDots(progress) {
  for (const d of dots) { const t = (d.phase + progress) % 1, [x, y] = along(d.path, t);
    d.c.setAttribute("cx", x.toFixed(1)); d.c.setAttribute("cy", (y + d.jitter).toFixed(1)); }
}

let frame = 0, playing = false, last = 0, progress = 0;
function show(f) {
  frame = Math.max(0, Math.min(N - 1, f)); slider.value = frame; clock.textContent = D.clock[frame];
  for (const b of D.boxes) { const q = D.queues[b.key][frame], part = parts[b.key];
    part.bar.setAttribute("width", Math.max(0, (part.p.w - 2) * q / peak).toFixed(1));
    part.n.textContent = q >= 10 || Number.isInteger(q) ? Math.round(q) : q.toFixed(1); }
  const on = D.events.filter(e => e.start <= frame && frame < e.end);
  if (on.length) { bannerText.textContent = on.map(e => e.label).join("  ·  ");
    bannerRect.setAttribute("fill", COLOURS[on[0].kind] || "#c0392b"); bannerRect.setAttribute("opacity", 0.3); }
  else { bannerText.textContent = frame < D.warmup_frames ? "warm-up (not measured)" : "no event under way";
    bannerRect.setAttribute("fill", "#f0f2f6"); bannerRect.setAttribute("opacity", 1); }
  cursor.setAttribute("x1", sx(frame)); cursor.setAttribute("x2", sx(frame));
  spawn(frame); moveDots(progress);
}
function tick(now) {
  if (!playing) return;
  const perFrame = 1000 / Number(speed.value);
  progress += (now - last) / perFrame; last = now;
  if (progress >= 1) { progress %= 1; if (frame >= N - 1) { setPlaying(false); return; } show(frame + 1); }
  else moveDots(progress);
  requestAnimationFrame(tick);
}
function setPlaying(on) {
  playing = on; play.textContent = on ? "Pause" : "Play";
  if (on) { if (frame >= N - 1) show(0); last = performance.now(); requestAnimationFrame(tick); }
}
play.addEventListener("click", () => setPlaying(!playing));
slider.addEventListener("input", () => show(Number(slider.value)));
document.addEventListener("keydown", ev => { if (ev.key === " ") { ev.preventDefault(); setPlaying(!playing); } });
slider.max = N - 1;
show(Math.min(D.warmup_frames, N - 1));
"""


def page(frames: HubFrames) -> str:
    """The animation of ``frames`` as one HTML page (see the module's docstring)."""
    def data(value) -> str:  # JSON inside <script> (raw text): no "<", ">" or "&" that could end the element
        return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    speeds = "".join(f"<option value='{s}'{' selected' if s == DEFAULT_SPEED else ''}>{s} h a second</option>"
                     for s in SPEEDS)
    note = (f"{html.escape(frames.scenario)} · seed {frames.seed} · mean of {frames.replications} replications · "
            f"mashsim {html.escape(frames.version)}. Bars and numbers: tasks waiting at each stage on the hour. "
            "Dots: contacts arriving (blue), screened (orange) and decided (green) in the hour, one a contact "
            "(at most 40), counted in the measured window only; a screened dot passes the desks in proportion to their "
            "queues. Space bar: play or pause.")
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{_STYLE}</style></head><body>
<div id="hub-bar"><button id="hub-play" type="button">Play</button>
<input id="hub-time" type="range" min="0" max="0" step="1" value="0" aria-label="hour of the run">
<select id="hub-speed" aria-label="speed">{speeds}</select><span id="hub-clock"></span></div>
<svg id="hub-svg" viewBox="0 0 1200 545" role="img" aria-label="the hub's queues hour by hour"></svg>
<div class="note">{note}</div>
<script type="application/json" id="hub-data">{data(frames.to_json())}</script>
<script type="application/json" id="hub-colours">{data(INJECT_COLOURS)}</script>
<script>{_SCRIPT}</script></body></html>"""
