/// The one page `rmae serve` shows: HTML with its CSS and JavaScript inline, nothing fetched from elsewhere.
///
/// The page shows the model's square view of the chosen image with the patch grid over it. A click marks a
/// patch as object (green), a shift-click as background (blue), a second click clears it; each change asks
/// the server for the region and lays the returned PNG over the image. A slider asks for the reconstruction
/// grid at a mask ratio.
///
/// For scripted use (the browser test) the query `?demo=<name>&click=<x>,<y>[;<x>,<y>…]` loads a demo image
/// and clicks at those fractions of its width and height; `&background=` does the same as shift-clicks.
/// When an overlay has been drawn, `<body>` carries `data-overlay="ready"`.
enum ServePage {
    /// The page, with the upload limit written into its checks and messages.
    static func html(maxUploadBytes: Int) -> String {
        template.replacingOccurrences(of: "__MAX_UPLOAD__", with: String(maxUploadBytes))
    }

    private static let template = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>R-MAE interactive segmentation</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  .bar { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin-bottom: 10px; }
  .panes { display: flex; gap: 24px; align-items: flex-start; }
  .panes > div:last-child { flex: 1 1 320px; min-width: 0; }
  #stage { position: relative; width: 448px; height: 448px; background: #ddd; cursor: crosshair; user-select: none; }
  #stage img, #stage canvas { position: absolute; left: 0; top: 0; width: 448px; height: 448px; }
  #overlay { pointer-events: none; }
  #status { min-height: 1.4em; }
  #status.error { color: #b00020; font-weight: 600; }
  #recon { width: 100%; image-rendering: pixelated; border: 1px solid #ccc; background: #fff; }
  .hint { color: #666; font-size: 13px; }
</style>
</head>
<body data-overlay="none">
<h1>R-MAE: interactive segmentation</h1>
<div class="bar">
  <label>Demo image <select id="demo"><option value="">(choose)</option></select></label>
  <label>or upload <input type="file" id="file" accept="image/jpeg,image/png"></label>
  <button id="clear">Clear clicks</button>
  <label>Threshold <input type="range" id="threshold" min="0.05" max="0.95" step="0.05" value="0.5"> <span id="thresholdValue">0.50</span></label>
</div>
<div id="status">Choose a demo image or upload a JPEG or PNG.</div>
<div class="panes">
  <div>
    <div id="stage"><img id="view" alt=""><img id="overlay" alt=""><canvas id="grid" width="448" height="448"></canvas></div>
    <div class="hint">Click a patch: object (green). Shift-click: background (blue). Click again to clear.</div>
  </div>
  <div>
    <label>Mask ratio <input type="range" id="ratio" min="0" max="0.95" step="0.05" value="0.75"> <span id="ratioValue">0.75</span></label>
    <div><img id="recon" alt=""></div>
  </div>
</div>
<script>
"use strict";
const MAX_UPLOAD = __MAX_UPLOAD__;
const $ = (id) => document.getElementById(id);
let image = null;                 // { id, size, grid, ... } from POST /images
let marks = new Map();            // patch index -> "object" | "background"
let segmentSeq = 0, reconSeq = 0, reconTimer = null;

function say(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function failure(response) {
  const text = (await response.text()).trim();
  return `Error ${response.status}: ${text || response.statusText}`;
}

async function send(blob) {
  if (blob.size > MAX_UPLOAD) {
    say(`That file is ${(blob.size / 1048576).toFixed(1)} MB; the limit is ${(MAX_UPLOAD / 1048576).toFixed(1)} MB.`, true);
    return false;
  }
  say("Uploading…");
  let response;
  try { response = await fetch("/images", { method: "POST", body: blob }); }
  catch (e) { say("The server cannot be reached: " + e, true); return false; }
  if (!response.ok) { say(await failure(response), true); return false; }
  image = await response.json();
  marks = new Map();
  $("overlay").removeAttribute("src");
  document.body.dataset.overlay = "none";
  await new Promise((resolve) => { $("view").onload = resolve; $("view").onerror = resolve; $("view").src = `/images/${image.id}/view`; });
  drawGrid();
  say(`${image.width}×${image.height} image; the model sees it at ${image.size}×${image.size} in ${image.grid}×${image.grid} patches. Click the object.`);
  reconstruct();
  return true;
}

function drawGrid() {
  const canvas = $("grid"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!image) return;
  const cell = canvas.width / image.grid;
  ctx.strokeStyle = "rgba(255,255,255,0.35)";
  ctx.lineWidth = 1;
  for (let i = 1; i < image.grid; i++) {
    ctx.beginPath(); ctx.moveTo(i * cell, 0); ctx.lineTo(i * cell, canvas.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, i * cell); ctx.lineTo(canvas.width, i * cell); ctx.stroke();
  }
  for (const [patch, kind] of marks) {
    const x = (patch % image.grid) * cell, y = Math.floor(patch / image.grid) * cell;
    ctx.lineWidth = 3;
    ctx.strokeStyle = kind === "object" ? "#00e000" : "#2a6cff";
    ctx.strokeRect(x + 1.5, y + 1.5, cell - 3, cell - 3);
  }
}

function patchAt(fx, fy) {
  const g = image.grid;
  const col = Math.min(g - 1, Math.max(0, Math.floor(fx * g))), row = Math.min(g - 1, Math.max(0, Math.floor(fy * g)));
  return row * g + col;
}

function mark(patch, kind) {
  if (marks.get(patch) === kind) marks.delete(patch); else marks.set(patch, kind);
  drawGrid();
  segment();
}

async function segment() {
  if (!image) return;
  const seq = ++segmentSeq;
  if (marks.size === 0) { $("overlay").removeAttribute("src"); document.body.dataset.overlay = "none"; say("No clicks: click the object."); return; }
  const object = [...marks].filter(([, k]) => k === "object").map(([p]) => p).join(",");
  const background = [...marks].filter(([, k]) => k === "background").map(([p]) => p).join(",");
  const started = performance.now();
  let response;
  try {
    response = await fetch(`/images/${image.id}/segment?object=${object}&background=${background}&threshold=${$("threshold").value}`);
  } catch (e) { say("The server cannot be reached: " + e, true); return; }
  if (seq !== segmentSeq) return;
  if (!response.ok) { say(await failure(response), true); return; }
  const coverage = parseFloat(response.headers.get("X-Mask-Coverage") || "0");
  const url = URL.createObjectURL(await response.blob());
  $("overlay").onload = () => {
    document.body.dataset.overlay = "ready";
    say(`Region covers ${(coverage * 100).toFixed(1)} % of the image (${marks.size} patch${marks.size === 1 ? "" : "es"} known; ${Math.round(performance.now() - started)} ms).`);
  };
  $("overlay").src = url;
}

function reconstruct() {
  if (!image) return;
  clearTimeout(reconTimer);
  reconTimer = setTimeout(async () => {
    const seq = ++reconSeq;
    let response;
    try { response = await fetch(`/images/${image.id}/reconstruct?ratio=${$("ratio").value}`); }
    catch (e) { say("The server cannot be reached: " + e, true); return; }
    if (seq !== reconSeq) return;
    if (!response.ok) { say(await failure(response), true); return; }
    $("recon").src = URL.createObjectURL(await response.blob());
  }, 120);
}

async function loadDemo(name) {
  if (!name) return false;
  say("Loading " + name + "…");
  const response = await fetch("/demo/" + encodeURIComponent(name));
  if (!response.ok) { say(await failure(response), true); return false; }
  return send(await response.blob());
}

$("grid").addEventListener("click", (event) => {
  if (!image) { say("Choose an image first.", true); return; }
  const rect = event.target.getBoundingClientRect();
  mark(patchAt((event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height), event.shiftKey ? "background" : "object");
});
$("demo").addEventListener("change", (e) => loadDemo(e.target.value));
$("file").addEventListener("change", (e) => { if (e.target.files.length) send(e.target.files[0]); });
$("clear").addEventListener("click", () => { marks = new Map(); drawGrid(); segment(); });
$("threshold").addEventListener("input", (e) => { $("thresholdValue").textContent = Number(e.target.value).toFixed(2); segment(); });
$("ratio").addEventListener("input", (e) => { $("ratioValue").textContent = Number(e.target.value).toFixed(2); reconstruct(); });

function points(text) {
  return (text || "").split(";").filter((s) => s.trim()).map((s) => s.split(",").map(Number)).filter((p) => p.length === 2 && p.every(isFinite));
}

(async () => {
  const names = await (await fetch("/demo")).json();
  for (const name of names) { const o = document.createElement("option"); o.value = o.textContent = name; $("demo").appendChild(o); }
  const query = new URLSearchParams(location.search);
  const demo = query.get("demo");
  if (demo && await loadDemo(demo)) {
    $("demo").value = demo;
    for (const [x, y] of points(query.get("click"))) marks.set(patchAt(x, y), "object");
    for (const [x, y] of points(query.get("background"))) marks.set(patchAt(x, y), "background");
    drawGrid();
    if (marks.size) segment();
  }
})();
</script>
</body>
</html>
"""#
}
