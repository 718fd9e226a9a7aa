/* provscan reviewer report. Draws the asset list from the JSON data block, a page at a time.
   Every string in the data came from a media file: it only ever reaches the page through
   textContent or an attribute set by property, never as markup. Every string put on the page
   sits in its own <bdi>, so a bidi override in it cannot reorder the text around it, and its
   invisible format characters (in paths also its control characters) show as marked escapes,
   as in the terminal: a reviewer sees that "evil\u202egpj.exe" is not "evilexe.jpg". Our own
   labels go through the same door: it costs nothing, and no untrusted string can miss it. */
(function () {
  "use strict";

  var PAGE = 200;
  var FIX_PAGE = 100;
  var PRINT_MAX = 2000;
  var THUMBNAIL = /^data:image\/(?:jpeg|png|webp);base64,[A-Za-z0-9+\/]+={0,2}$/;
  var COLUMNS = 9;

  var data = JSON.parse(document.getElementById("provscan-data").textContent);
  var assets = Array.isArray(data.assets) ? data.assets : [];
  var labels = data.labels || {};
  var SEVERITY = {};
  (data.statuses || []).forEach(function (s, i) { SEVERITY[s] = i; });
  /* what counts as a problem comes with the data: these statuses, any status this page does
     not know, and every reason whose status is one of these (or that the page does not know) */
  var PROBLEM_RANK = {};
  list(data.problem_statuses).forEach(function (s, i) { PROBLEM_RANK[s] = i; });
  var REASONS = data.reasons && typeof data.reasons === "object" ? data.reasons : {};
  var AI_ORDER = { generated: 0, composite: 1, none: 2 };
  var CREDENTIAL_ORDER = { invalid: 0, remote: 1, valid: 2, trusted: 3, absent: 4 };
  var ARCHIVAL_OUTCOMES = { verified: true, altered: true, unverified: true };
  var TILE_GRID = 4;  /* archival checks locate a change on a 4 x 4 grid of tiles */

  var table = document.getElementById("assets");
  var fixList = document.getElementById("fix-list");
  var fixShown = document.getElementById("fix-shown");
  var fixMore = document.getElementById("fix-more");
  var shownLine = document.getElementById("shown");
  var moreButton = document.getElementById("more");
  var printNote = document.getElementById("print-note");
  var form = document.getElementById("filters");
  var search = document.getElementById("f-q");
  var controls = {
    status: document.getElementById("f-status"),
    ai: document.getElementById("f-ai"),
    credentials: document.getElementById("f-credentials"),
    tool: document.getElementById("f-tool"),
    folder: document.getElementById("f-folder"),
    reason: document.getElementById("f-reason"),
    sort: document.getElementById("f-sort")
  };

  var state = { status: "", ai: "", credentials: "", tool: "", folder: "", reason: "", terms: [], sort: "severity" };
  var order = [];
  var rendered = 0;
  var haystacks = null;

  /* ---- small DOM helpers: text only, each string isolated ---- */
  var INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]/gu;
  var INVISIBLE_OR_CONTROL = /[\p{Cf}\p{Zl}\p{Zp}\u0000-\u001f\u007f-\u009f]/gu;
  function str(v) { return v === null || v === undefined ? "" : String(v); }
  function list(v) { return Array.isArray(v) ? v : []; }
  function hex(n, width) { var s = n.toString(16); while (s.length < width) { s = "0" + s; } return s; }
  function escapeOf(ch) {  /* the escape scanner.common.safetext shows in the terminal */
    var code = ch.codePointAt(0);
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) { return "\\x" + hex(code, 2); }
    return code > 0xffff ? "\\U" + hex(code, 8) : "\\u" + hex(code, 4);
  }
  /* `text` into `parent`: ordinary runs as text, each escaped character as a marked span */
  function appendVisible(parent, text, controls) {
    var pattern = controls ? INVISIBLE_OR_CONTROL : INVISIBLE;
    var last = 0, found;
    pattern.lastIndex = 0;
    while ((found = pattern.exec(text)) !== null) {
      if (found.index > last) { parent.appendChild(document.createTextNode(text.slice(last, found.index))); }
      var mark = document.createElement("span");
      mark.className = "esc";
      mark.textContent = escapeOf(found[0]);
      parent.appendChild(mark);
      last = found.index + found[0].length;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
    return parent;
  }
  function iso(text, controls) { return appendVisible(document.createElement("bdi"), String(text), controls); }
  /* for attributes (title, alt, aria-label), where no element can go */
  function visibleText(text, controls) {
    return str(text).replace(controls ? INVISIBLE_OR_CONTROL : INVISIBLE, escapeOf);
  }
  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null && text !== "") { e.appendChild(iso(text, false)); }
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === "") { continue; }
      parent.appendChild(typeof c === "string" ? iso(c, false) : c);
    }
    return parent;
  }
  /* values joined by `separator`, each isolated */
  function listOf(values, separator) {
    var span = h("span");
    values.forEach(function (v, k) { add(span, k ? separator : "", str(v)); });
    return span;
  }
  function codes(values, cls) {
    var box = h("span", "codes");
    list(values).forEach(function (v) { box.appendChild(h("span", "code" + (cls ? " " + cls : ""), v)); });
    return box;
  }
  function kv(pairs) {
    var dl = h("dl", "kv");
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === "") { return; }
      add(dl, h("dt", "", p[0]), add(h("dd"), typeof p[1] === "object" ? p[1] : String(p[1])));
    });
    return dl;
  }
  function grid(headers, rows) {
    var t = h("table", "t");
    var head = h("tr");
    headers.forEach(function (name) { var th = h("th", "", name); th.scope = "col"; head.appendChild(th); });
    add(t, add(h("thead"), head));
    var body = h("tbody");
    rows.forEach(function (cells) {
      var tr = h("tr");
      cells.forEach(function (c) { tr.appendChild(add(h("td"), typeof c === "object" && c !== null ? c : str(c))); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function statusClass(status) { return SEVERITY.hasOwnProperty(status) ? status : "other"; }
  function isProblemStatus(status) {
    return PROBLEM_RANK.hasOwnProperty(status) || !SEVERITY.hasOwnProperty(status);
  }
  function problemRank(status) { return PROBLEM_RANK.hasOwnProperty(status) ? PROBLEM_RANK[status] : 1; }
  function isProblemReason(code) {
    var entry = REASONS.hasOwnProperty(code) ? REASONS[code] : null;
    return !Array.isArray(entry) || PROBLEM_RANK.hasOwnProperty(entry[0]);
  }
  function reasonsOf(a) { return list(a.reasons).filter(function (r) { return r && typeof r === "object"; }); }
  /* the reasons a reviewer's line shows: the problems, or all when none is one */
  function problemReasons(a) {
    var all = reasonsOf(a);
    var problems = all.filter(function (r) { return isProblemReason(str(r.code)); });
    return problems.length ? problems : all;
  }
  function hasReason(a, code) {
    return reasonsOf(a).some(function (r) { return str(r.code) === code; });
  }
  /* a detail sentence, isolated, its timecodes ("at 00:00:01.0") marked */
  var TIMECODE = /\b\d{1,2}:\d{2}:\d{2}(?:[.:;]\d+)?\b/g;
  function detailText(text) {
    var bdi = document.createElement("bdi");
    var last = 0, found;
    text = str(text);
    TIMECODE.lastIndex = 0;
    while ((found = TIMECODE.exec(text)) !== null) {
      if (found.index > last) { appendVisible(bdi, text.slice(last, found.index), false); }
      var tc = document.createElement("span");
      tc.className = "tc";
      tc.textContent = found[0];
      bdi.appendChild(tc);
      last = found.index + found[0].length;
    }
    if (last < text.length) { appendVisible(bdi, text.slice(last), false); }
    return bdi;
  }
  function aiLabel(ai) { return (labels.ai && labels.ai.hasOwnProperty(ai)) ? labels.ai[ai] : str(ai); }
  function credentialLabel(c) {
    return (labels.credentials && labels.credentials.hasOwnProperty(c)) ? labels.credentials[c] : str(c);
  }
  function archivalLabel(outcome) {
    var names = labels.archival || {};
    return names.hasOwnProperty(outcome) ? names[outcome] : str(outcome);
  }
  function archivalClass(outcome) { return "arch arch-" + (ARCHIVAL_OUTCOMES.hasOwnProperty(outcome) ? outcome : "other"); }
  function shortCredential(c) {
    var short = labels.credentials_short || {};
    return short.hasOwnProperty(c) ? short[c] : str(c);
  }
  /* a path, isolated, its invisible and control characters shown, wrapping after its slashes
     rather than inside a name */
  function pathText(path, cls) {
    var whole = document.createElement("bdi");
    str(path).split("/").forEach(function (part, k, parts) {
      appendVisible(whole, part + (k < parts.length - 1 ? "/" : ""), true);
      if (k < parts.length - 1) { whole.appendChild(document.createElement("wbr")); }
    });
    return add(h("span", cls), whole);
  }
  function humanSize(n) {
    if (typeof n !== "number" || !isFinite(n)) { return ""; }
    var units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
  }
  function lastSegment(uri) {
    var s = str(uri);
    var cut = Math.max(s.lastIndexOf("/"), s.lastIndexOf("#"));
    return cut >= 0 && cut < s.length - 1 ? s.slice(cut + 1) : s;
  }

  /* ---- filtering and sorting: on the data, not the DOM ---- */
  function haystack(i) {
    if (!haystacks) {
      haystacks = assets.map(function (a) {
        var parts = [a.path, a.status, a.approval, a.ai, aiLabel(a.ai), a.credentials, a.sha256, a.format, a.area];
        list(a.reasons).forEach(function (r) { parts.push(r.code, r.detail); });
        list(a.generators).forEach(function (g) { parts.push(g); });
        list(a.signals).forEach(function (s) { parts.push(s.rule_id, s.meaning, s.field, s.value, s.generator); });
        list(a.evidence).forEach(function (e) { parts.push(e.field, e.value); });
        list(a.problems).forEach(function (p) { parts.push(p.message); });
        list(a.notes).forEach(function (n) { parts.push(n); });
        if (a.archival) { parts.push("archival " + str(a.archival.outcome), a.archival.source); }
        var c = a.c2pa;
        if (c) {
          list(c.manifests).forEach(function (m) {
            parts.push(m.label, m.title, m.claim_generator, m.signer_name, m.signer_issuer);
            list(m.actions).forEach(function (x) { parts.push(x.action, x.software_agent, x.digital_source_type); });
            list(m.ingredients).forEach(function (g) { parts.push(g.title); });
          });
          list(c.failure_codes).forEach(function (f) { parts.push(f); });
        }
        return parts.map(str).join("\n").toLowerCase();
      });
    }
    return haystacks[i];
  }

  function matches(a, i) {
    if (state.status && a.status !== state.status) { return false; }
    if (state.reason && !hasReason(a, state.reason)) { return false; }
    if (state.ai && a.ai !== state.ai) { return false; }
    if (state.credentials && a.credentials !== state.credentials) { return false; }
    if (state.tool) {
      var tools = list(a.generators);
      if (state.tool === "none") {
        if (tools.length) { return false; }
      } else if (tools.indexOf(state.tool.slice(2)) < 0) {
        return false;
      }
    }
    if (state.folder && str(a.path).lastIndexOf(state.folder.slice(2) + "/", 0) !== 0) { return false; }
    if (state.terms.length) {
      var text = haystack(i);
      for (var t = 0; t < state.terms.length; t++) {
        if (text.indexOf(state.terms[t]) < 0) { return false; }
      }
    }
    return true;
  }

  function rank(table, value) { return table.hasOwnProperty(value) ? table[value] : 99; }
  function byPath(x, y) {
    var p = str(assets[x].path), q = str(assets[y].path);
    return p < q ? -1 : p > q ? 1 : x - y;
  }
  var SORTS = {
    severity: function (x, y) { return rank(SEVERITY, assets[x].status) - rank(SEVERITY, assets[y].status) || byPath(x, y); },
    path: byPath,
    size: function (x, y) { return (Number(assets[y].size) || 0) - (Number(assets[x].size) || 0) || byPath(x, y); },
    ai: function (x, y) { return rank(AI_ORDER, assets[x].ai) - rank(AI_ORDER, assets[y].ai) || SORTS.severity(x, y); },
    credentials: function (x, y) {
      return rank(CREDENTIAL_ORDER, assets[x].credentials) - rank(CREDENTIAL_ORDER, assets[y].credentials) || SORTS.severity(x, y);
    }
  };

  function readControls() {
    Object.keys(controls).forEach(function (k) { state[k] = controls[k].value; });
    state.terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!SORTS.hasOwnProperty(state.sort)) { state.sort = "severity"; }
  }

  function apply() {
    readControls();
    order = [];
    for (var i = 0; i < assets.length; i++) {
      if (matches(assets[i], i)) { order.push(i); }
    }
    order.sort(SORTS[state.sort]);
    var old = table.tBodies;
    while (old.length) { table.removeChild(old[0]); }
    rendered = 0;
    renderMore(PAGE);
    syncCards();
    drawFixes();
  }

  function syncCards() {
    document.querySelectorAll(".card[data-status]").forEach(function (card) {
      card.setAttribute("aria-pressed", String(card.dataset.status === state.status));
    });
    document.querySelectorAll(".card[data-ai]").forEach(function (card) {
      card.setAttribute("aria-pressed", String(card.dataset.ai === state.ai));
    });
    document.querySelectorAll(".chip[data-reason]").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(chip.dataset.reason === state.reason));
    });
  }

  /* ---- what must be fixed: every problem asset, worst status first, one line each ---- */
  var fixOrder = [];
  var fixDrawn = 0;
  var problemIndices = [];
  for (var p = 0; p < assets.length; p++) {
    if (isProblemStatus(assets[p].status)) { problemIndices.push(p); }
  }
  problemIndices.sort(function (x, y) { return problemRank(assets[x].status) - problemRank(assets[y].status) || x - y; });

  function fixLine(i) {
    var a = assets[i];
    var li = h("li", "fix-item s-" + statusClass(a.status));
    li.dataset.index = String(i);
    var link = h("a", "fix-path");
    link.href = "#asset-" + i;
    link.appendChild(pathText(a.path, "p"));
    var why = h("span", "fix-why");
    problemReasons(a).forEach(function (r) {
      var line = add(h("span", "why"), h("span", "code" + (isProblemReason(str(r.code)) ? "" : " harmless"), r.code));
      if (r.detail) { line.appendChild(document.createTextNode(" ")); line.appendChild(detailText(r.detail)); }
      why.appendChild(line);
    });
    if (a.approval) {
      why.appendChild(add(h("span", "fix-approval"), "approval ", h("code", "", a.approval)));
    } else if (a.status === "violation") {
      why.appendChild(h("span", "fix-approval lacking", "no approval"));
    }
    add(li, h("span", "badge st-" + statusClass(a.status), a.status), link, why);
    return li;
  }

  var fixReason = null;  /* the reason the list was drawn for: only a new one redraws it */
  function drawFixes() {
    if (!fixList || fixReason === state.reason) { return; }
    fixReason = state.reason;
    fixOrder = state.reason
      ? problemIndices.filter(function (i) { return hasReason(assets[i], state.reason); })
      : problemIndices;
    while (fixList.firstChild) { fixList.removeChild(fixList.firstChild); }
    fixDrawn = 0;
    drawMoreFixes(FIX_PAGE);
  }

  function drawMoreFixes(count) {
    var end = Math.min(fixOrder.length, fixDrawn + count);
    var fragment = document.createDocumentFragment();
    for (var k = fixDrawn; k < end; k++) { fragment.appendChild(fixLine(fixOrder[k])); }
    fixList.appendChild(fragment);
    fixDrawn = end;
    var text = state.reason
      ? fixOrder.length + " of " + problemIndices.length + " with reason " + state.reason
      : "";
    if (fixDrawn < fixOrder.length) {
      text += (text ? "; " : "") + "showing " + fixDrawn + " of " + fixOrder.length;
    }
    if (!fixOrder.length) { text = "None with reason " + state.reason + "."; }
    fixShown.textContent = text;
    fixMore.hidden = fixDrawn >= fixOrder.length;
    fixMore.textContent = "Show " + Math.min(FIX_PAGE, fixOrder.length - fixDrawn) + " more";
  }

  /* one asset, from a line above or the address: drawn, opened and scrolled to */
  function openAsset(i) {
    if (!(i >= 0 && i < assets.length)) { return; }
    if (order.indexOf(i) < 0) {
      Object.keys(controls).forEach(function (k) { if (k !== "sort") { controls[k].value = ""; } });
      search.value = "";
      apply();
    }
    var k = order.indexOf(i);
    if (k >= rendered) { renderMore(k - rendered + 1); }
    var button = document.getElementById("x-" + i);
    if (!button) { return; }
    if (button.getAttribute("aria-expanded") !== "true") { toggle(button); }
    button.closest("tbody").scrollIntoView({ block: "start" });
    button.focus({ preventScroll: true });
  }

  function updateShown() {
    var total = assets.length;
    var text = order.length === total
      ? "Showing " + rendered + " of " + total + " assets."
      : "Showing " + rendered + " of " + order.length + " matching assets (" + total + " in the delivery).";
    if (!order.length) { text = "No asset matches these filters (" + total + " in the delivery)."; }
    shownLine.textContent = text;
    moreButton.hidden = rendered >= order.length;
    moreButton.textContent = "Show " + Math.min(PAGE, order.length - rendered) + " more";
  }

  /* ---- rows ---- */
  function picture(uri, cls, alt) {
    uri = str(uri);
    if (!uri || !THUMBNAIL.test(uri)) { return null; }
    var img = h("img", cls);
    img.alt = alt;
    img.loading = "lazy";
    img.decoding = "async";
    img.src = uri;
    return img;
  }

  function thumbnail(a) {
    return picture(a.thumbnail, "thumb", "") || h("span", "nothumb", a.kind === "audio" ? "audio" : "no preview");
  }

  function reasonsCell(a) {
    var box = h("span", "codes");
    reasonsOf(a).forEach(function (r) {
      var chip = h("span", "code" + (isProblemReason(str(r.code)) ? "" : " harmless"), r.code);
      if (r.detail) { chip.title = visibleText(r.detail, false); }
      box.appendChild(chip);
    });
    var cell = add(h("td", "c-reasons"), box);
    if (a.archival && typeof a.archival === "object") {
      var chip = add(h("span", archivalClass(str(a.archival.outcome)) + " arch-chip"), "archive: ", str(a.archival.outcome));
      chip.title = visibleText(archivalLabel(str(a.archival.outcome)), false) +
        (a.archival.source ? " (" + visibleText(a.archival.source, true) + ")" : "");
      cell.appendChild(chip);
    }
    return cell;
  }

  function assetBody(i) {
    var a = assets[i];
    var body = h("tbody", "s-" + statusClass(a.status));
    body.id = "asset-" + i;
    body.dataset.index = String(i);
    body.dataset.path = str(a.path);
    body.dataset.status = str(a.status);
    var tr = h("tr", "row");
    var button = h("button", "expand", "\u25B8");
    button.type = "button";
    button.id = "x-" + i;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "d-" + i);
    button.setAttribute("aria-label", "Details of " + visibleText(a.path, true));
    var meta = listOf([str(a.format), humanSize(a.size)].filter(Boolean), " \u00B7 ");
    var tools = list(a.generators);
    add(tr,
      add(h("td"), button),
      add(h("td"), thumbnail(a)),
      add(h("td", "path"), pathText(a.path, "p"), add(h("span", "sub"), meta)),
      add(h("td"), h("span", "badge st-" + statusClass(a.status), a.status)),
      reasonsCell(a),
      add(h("td", "c-ai"), h("span", "ai-" + (AI_ORDER.hasOwnProperty(a.ai) ? a.ai : "other"), aiLabel(a.ai))),
      add(h("td"), h("span", "cred-" + (CREDENTIAL_ORDER.hasOwnProperty(a.credentials) ? a.credentials : "other"), shortCredential(a.credentials))),
      add(h("td", "c-tools"), tools.length ? listOf(tools, ", ") : h("span", "muted", "\u2014")),
      add(h("td", "c-approval"), a.approval ? h("code", "", a.approval) : h("span", "muted", "\u2014"))
    );
    body.appendChild(tr);
    return body;
  }

  function renderMore(count) {
    var end = Math.min(order.length, rendered + count);
    var fragment = document.createDocumentFragment();
    for (var k = rendered; k < end; k++) { fragment.appendChild(assetBody(order[k])); }
    table.appendChild(fragment);
    rendered = end;
    updateShown();
  }

  function toggle(button) {
    var body = button.closest("tbody");
    var i = Number(body.dataset.index);
    var open = button.getAttribute("aria-expanded") !== "true";
    var row = document.getElementById("d-" + i);
    if (!row) {
      row = details(assets[i], i);
      body.appendChild(row);
    }
    row.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = "";
    button.appendChild(iso(open ? "\u25BE" : "\u25B8", false));
  }

  /* ---- details of one asset, built on first expand ---- */
  function section(title, content, cls) {
    var box = h("div", cls || "");
    add(box, h("h4", "", title), content);
    return box;
  }

  function waiverList(a) {
    var waivers = list(a.waivers);
    if (!waivers.length) { return ""; }
    var ul = h("ul", "plain");
    waivers.forEach(function (w) {
      add(ul, add(h("li"), h("span", "code", w.reason), " by ", str(w.reviewer), " on ",
        str(w.reviewed_on), w.expires_on ? ", until " + str(w.expires_on) : "", ": ", str(w.why),
        " (waiver row ", str(w.row), ")"));
    });
    return ul;
  }

  function decision(a) {
    var reasons = list(a.reasons);
    var reasonList = h("ul", "plain");
    reasons.forEach(function (r) {
      add(reasonList, add(h("li"), h("span", "code", r.code), r.detail ? " " : "", str(r.detail)));
    });
    if (!reasons.length) { reasonList.appendChild(h("li", "muted", "no reason recorded")); }
    var matchList = h("ul", "plain");
    list(a.matches).forEach(function (m) {
      add(matchList, add(h("li"), h("code", "", m.request_id), " matched by ", str(m.matched_by), m.detail ? ": " : "", str(m.detail)));
    });
    var archivalCheck = a.archival && typeof a.archival === "object"
      ? h("span", archivalClass(str(a.archival.outcome)), archivalLabel(str(a.archival.outcome)))
      : "";
    return section("Decision", kv([
      ["Status", h("span", "badge st-" + statusClass(a.status), a.status)],
      ["Reasons", reasonList],
      ["Approval used", a.approval ? h("code", "", a.approval) : "none"],
      ["Register matches", list(a.matches).length ? matchList : "none"],
      ["Waived", waiverList(a)],
      ["Area", a.area],
      ["Archival check", archivalCheck],
      ["AI assessment", aiLabel(a.ai)],
      ["Credentials", credentialLabel(a.credentials)],
      ["Tools named", list(a.generators).length ? listOf(list(a.generators), ", ") : ""]
    ]));
  }

  /* ---- archival verification: the delivery still beside the nearest archive source ---- */
  function changedTiles(check) {
    var seen = {};
    return list(check.changed_tiles).filter(function (t) {
      var ok = typeof t === "number" && t % 1 === 0 && t >= 0 && t < TILE_GRID * TILE_GRID && !seen[t];
      seen[t] = true;
      return ok;
    }).sort(function (x, y) { return x - y; });
  }

  function tileName(t) {
    return "row " + (Math.floor(t / TILE_GRID) + 1) + ", column " + (t % TILE_GRID + 1);
  }

  function archivalFigure(role, path, uri, tiles, missing) {
    var fig = h("figure", "arch-fig");
    fig.dataset.role = role === "Delivery still" ? "delivery" : "source";
    var img = picture(uri, "arch-img", role + " " + visibleText(path, true));
    var frame = h("div", "arch-frame");
    if (img) {
      frame.appendChild(img);
      if (tiles.length) {
        var overlay = h("div", "arch-grid");
        overlay.setAttribute("aria-hidden", "true");
        for (var t = 0; t < TILE_GRID * TILE_GRID; t++) {
          overlay.appendChild(h("div", tiles.indexOf(t) >= 0 ? "tile changed" : "tile"));
        }
        frame.appendChild(overlay);
      }
    } else {
      frame.appendChild(h("span", "nothumb arch-none", missing));
    }
    fig.appendChild(frame);
    add(fig, add(h("figcaption"), h("strong", "", role), path ? pathText(path, "path") : ""));
    return fig;
  }

  function archivalSection(a) {
    var check = a.archival;
    if (!check || typeof check !== "object") { return null; }
    var outcome = str(check.outcome);
    var tiles = changedTiles(check);
    var distance = typeof check.distance === "number" && check.distance >= 0 ? check.distance : null;
    var tileList = null;
    if (tiles.length) {
      tileList = add(h("span"), tiles.length + " of " + TILE_GRID * TILE_GRID + " tiles differ (outlined on a " + TILE_GRID + " \u00D7 " + TILE_GRID + " grid): ",
        tiles.map(tileName).join("; "));
    }
    var facts = kv([
      ["Outcome", h("span", archivalClass(outcome), archivalLabel(outcome))],
      ["Nearest source", check.source ? pathText(check.source, "path") : h("span", "muted", "none near enough to compare")],
      ["Distance", distance === null ? "" : distance + " (pHash + dHash bits; 0 is the same picture)"],
      ["Changed tiles", tileList],
      ["Source picture", check.source_thumbnail_note || (check.source && !check.source_thumbnail ? "no preview of the source" : "")]
    ]);
    var pictures = add(h("div", "arch-pics"),
      archivalFigure("Delivery still", a.path, a.thumbnail, tiles, "no preview"),
      archivalFigure("Archive source", check.source, check.source_thumbnail, tiles,
        check.source ? "no preview" : "no archive source near"));
    return section("Archival check", add(h("div", "arch-body"), facts, pictures), "wide archival");
  }

  function fileFacts(a) {
    return section("File", kv([
      ["Path", pathText(a.path, "path")],
      ["Size", typeof a.size === "number" ? humanSize(a.size) + " (" + a.size + " bytes)" : ""],
      ["SHA-256", h("span", "mono", a.sha256)],
      ["Type", listOf([str(a.media_type), str(a.format), str(a.kind)].filter(Boolean), " \u00B7 ")]
    ].concat(sequenceFacts(a.sequence), [
      ["Frames fingerprinted", a.frames ? String(a.frames) : ""],
      ["Thumbnail", a.thumbnail_note || ""]
    ])));
  }

  /* a frame sequence: its frames, the ones missing between its first and last, the AI ones */
  function frameRuns(numbers) {
    var shown = numbers.slice(0, 20).join(", ");
    return numbers.length > 20 ? shown + ", \u2026 (" + numbers.length + " in all)" : shown;
  }
  function sequenceFacts(s) {
    if (!s || typeof s !== "object") { return []; }
    var gaps = list(s.gaps).map(function (g) {
      return g && g.first === g.last ? str(g && g.first) : str(g && g.first) + "\u2013" + str(g && g.last);
    });
    var ai = list(s.ai_frames).map(str);
    return [
      ["Frames", str(s.count) + " frames, " + str(s.first) + "\u2013" + str(s.last)],
      ["Missing frames", gaps.length ? frameRuns(gaps) : "none"],
      ["AI frames", ai.length ? frameRuns(ai) : "none"]
    ];
  }

  function signalsTable(a) {
    var signals = list(a.signals);
    if (!signals.length) { return h("p", "muted", "No signal: no rule of the catalog matched this file's metadata."); }
    return grid(["Rule id", "Meaning", "Strength", "Source", "Field", "Value", "Tool"], signals.map(function (s) {
      return [h("span", "code", s.rule_id), s.meaning, s.strength, s.source, h("span", "mono", s.field),
        h("span", "value", s.value), s.generator];
    }));
  }

  function actionsTable(actions) {
    return grid(["Action", "Digital source type", "Software agent", "When", "Description"], actions.map(function (x) {
      var dst = h("span", "", lastSegment(x.digital_source_type));
      if (x.digital_source_type) { dst.title = visibleText(x.digital_source_type, false); }
      return [h("span", "mono", x.action), dst, x.software_agent, x.when, x.description];
    }));
  }

  /* each manifest a <details>: only the active one open, so a long history is one line per
     manifest until a reviewer opens it */
  function manifestBox(m, byLabel, seen, active, depth) {
    seen[m.label] = true;
    var box = h("details", "manifest" + (m.label === active ? " active" : ""));
    box.open = m.label === active && depth === 0;
    var counts = [list(m.actions).length + " action" + (list(m.actions).length === 1 ? "" : "s"),
      list(m.ingredients).length + " ingredient" + (list(m.ingredients).length === 1 ? "" : "s")];
    add(box, add(h("summary", "manifest-h"), str(m.title) || "(untitled)", " ",
      h("span", "code", m.label), m.label === active ? h("span", "muted", " active manifest") : "",
      m.claim_generator ? h("span", "muted", " \u00B7 ") : "", m.claim_generator ? h("span", "muted", m.claim_generator) : "",
      h("span", "muted", " \u00B7 "), h("span", "muted", counts.join(", "))));
    var signer = m.signer_name || m.signer_issuer
      ? add(h("span"), str(m.signer_name), m.signer_issuer ? (m.signer_name ? ", issued by " : "issued by ") : "", str(m.signer_issuer))
      : "";
    box.appendChild(kv([["Claim generator", m.claim_generator], ["Signer", signer], ["Signed", m.signed_at], ["Instance", m.instance_id]]));
    var actions = list(m.actions);
    box.appendChild(actions.length ? actionsTable(actions) : h("p", "muted", "No actions recorded."));
    if (list(m.assertion_labels).length) { add(box, h("span", "muted", "Assertions: "), codes(m.assertion_labels)); }
    var ingredients = list(m.ingredients);
    if (ingredients.length) {
      var ul = h("ul", "ingredients");
      ul.setAttribute("aria-label", "Ingredients");
      ingredients.forEach(function (g) {
        var li = h("li");
        var detail = [str(g.relationship), str(g.format)].filter(Boolean);
        add(li, add(h("div", "ingredient-h"), h("strong", "", str(g.title) || "(untitled ingredient)"),
          detail.length ? " (" : "", detail.length ? listOf(detail, ", ") : "", detail.length ? ")" : ""));
        if (list(g.validation_codes).length) { li.appendChild(codes(g.validation_codes, "bad")); }
        var own = g.manifest_label ? byLabel[g.manifest_label] : null;
        if (own && !seen[own.label] && depth < 32) {
          li.appendChild(manifestBox(own, byLabel, seen, active, depth + 1));
        } else if (own) {
          li.appendChild(add(h("span", "muted"), "its manifest ", str(g.manifest_label), " is shown above"));
        } else if (g.manifest_label) {
          li.appendChild(add(h("span", "bad"), "its manifest ", str(g.manifest_label), " is not in the store"));
        } else {
          li.appendChild(h("span", "muted", "no content credentials of its own"));
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    return box;
  }

  function c2paHistory(a) {
    var c = a.c2pa;
    if (!c) { return h("p", "muted", "No C2PA manifest in this file."); }
    var box = h("div", "c2pa");
    box.appendChild(kv([
      ["Credentials", credentialLabel(c.credentials)],
      ["Validation state", c.state],
      ["Failure codes", list(c.failure_codes).length ? codes(c.failure_codes, "bad") : ""],
      ["Informational codes", list(c.informational_codes).length ? codes(c.informational_codes) : ""],
      ["Remote manifest (not fetched)", c.remote_url ? h("span", "mono", c.remote_url) : ""],
      ["Reader error", c.error]
    ]));
    var manifests = list(c.manifests);
    var byLabel = {};
    manifests.forEach(function (m) { byLabel[m.label] = m; });
    var seen = {};
    var active = str(c.active_manifest);
    if (active && byLabel.hasOwnProperty(active)) { box.appendChild(manifestBox(byLabel[active], byLabel, seen, active, 0)); }
    var rest = manifests.filter(function (m) { return !seen[m.label]; });
    if (rest.length) {
      box.appendChild(h("p", "muted", active ? "Other manifests in the store:" : "Manifests in the store:"));
      rest.forEach(function (m) { if (!seen[m.label]) { box.appendChild(manifestBox(m, byLabel, seen, active, 0)); } });
    }
    return box;
  }

  function evidenceTable(a) {
    var evidence = list(a.evidence);
    if (!evidence.length) { return h("p", "muted", "No provenance metadata was read from this file."); }
    return grid(["Source", "Field", "Value"], evidence.map(function (e) {
      return [e.source, h("span", "mono", e.field), h("span", "value", e.value)];
    }));
  }

  function problemsList(a) {
    var items = list(a.problems).map(function (p) {
      return add(h("li", p.fatal ? "bad" : ""), str(p.source), ": ", str(p.message), p.fatal ? " (file unreadable)" : "");
    }).concat(list(a.notes).map(function (n) { return h("li", "", n); }));
    if (!items.length) { return null; }
    var ul = h("ul", "plain");
    items.forEach(function (li) { ul.appendChild(li); });
    return section("Problems and notes", ul, "wide");
  }

  function details(a, i) {
    var tr = h("tr", "details");
    tr.id = "d-" + i;
    var td = h("td");
    td.colSpan = COLUMNS;
    add(td,
      add(h("div", "grid"), decision(a), fileFacts(a), archivalSection(a), problemsList(a)),
      section("Signals", signalsTable(a)),
      section("C2PA history", c2paHistory(a), "c2pa-section"),
      section("Metadata read", evidenceTable(a)));
    tr.appendChild(td);
    return tr;
  }

  /* ---- printing: every matching asset (up to a cap), details included ---- */
  function preparePrint() {
    if (fixList && fixDrawn < fixOrder.length) { drawMoreFixes(Math.min(fixOrder.length, PRINT_MAX) - fixDrawn); }
    var target = Math.min(order.length, PRINT_MAX);
    if (rendered < target) { renderMore(target - rendered); }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var i = Number(body.dataset.index);
      if (!document.getElementById("d-" + i)) {
        var row = details(assets[i], i);
        row.hidden = true;
        body.appendChild(row);
      }
    });
    document.querySelectorAll("details.manifest").forEach(function (d) { d.open = true; });
    printNote.hidden = order.length <= PRINT_MAX;
    printNote.textContent = order.length > PRINT_MAX
      ? "Printed the first " + PRINT_MAX + " of " + order.length + " matching assets; filter to print the rest."
      : "";
  }

  /* ---- wiring ---- */
  table.addEventListener("click", function (event) {
    var button = event.target.closest("button.expand");
    if (button) { toggle(button); }
  });
  Object.keys(controls).forEach(function (k) { controls[k].addEventListener("change", apply); });
  var typing = null;
  search.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(apply, 120);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && search.value) { search.value = ""; apply(); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  document.querySelectorAll(".card[data-status]").forEach(function (card) {
    card.addEventListener("click", function () {
      controls.status.value = state.status === card.dataset.status ? "" : card.dataset.status;
      apply();
    });
  });
  document.querySelectorAll(".card[data-ai]").forEach(function (card) {
    card.addEventListener("click", function () {
      controls.ai.value = state.ai === card.dataset.ai ? "" : card.dataset.ai;
      apply();
    });
  });
  moreButton.addEventListener("click", function () { renderMore(PAGE); });
  document.querySelectorAll(".chip[data-reason]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      controls.reason.value = state.reason === chip.dataset.reason ? "" : chip.dataset.reason;
      apply();
    });
  });
  if (fixList) {
    fixMore.addEventListener("click", function () { drawMoreFixes(FIX_PAGE); });
    fixList.addEventListener("click", function (event) {
      var link = event.target.closest("a.fix-path");
      if (!link) { return; }
      event.preventDefault();
      openAsset(Number(link.closest("li").dataset.index));
      if (history.replaceState) { history.replaceState(null, "", link.getAttribute("href")); }
    });
  }
  function openFromAddress() {
    var found = /^#asset-(\d+)$/.exec(location.hash);
    if (found) { openAsset(Number(found[1])); }
  }
  window.addEventListener("hashchange", openFromAddress);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries[0].isIntersecting && rendered < order.length) { renderMore(PAGE); }
    }, { rootMargin: "600px" }).observe(moreButton.parentNode);
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (event.key === "/" && !/^(INPUT|SELECT|TEXTAREA)$/.test(tag)) {
      event.preventDefault();
      search.focus();
    }
  });
  window.addEventListener("beforeprint", preparePrint);
  window.provscanPreparePrint = preparePrint;

  apply();
  openFromAddress();
  document.documentElement.dataset.ready = "true";
  if (window.performance && performance.mark) { performance.mark("provscan-ready"); }
})();

/* The cut's strips and tables (templates/timelines.html.j2): a link to an asset shows that
   asset in the list (searched by its path, details open). Additive: only reads the list. */
(function () {
  var search = document.getElementById("f-q");
  var form = document.getElementById("filters");
  var table = document.getElementById("assets");
  if (!search || !form || !table) { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.to-asset") : null;
    if (!link) { return; }
    var path = link.getAttribute("data-path") || "";
    if (!path) { return; }
    event.preventDefault();
    search.value = path;
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    var bodies = table.tBodies;
    for (var k = 0; k < bodies.length; k++) {
      if (bodies[k].dataset.path === path) {
        var button = bodies[k].querySelector("button.expand");
        if (button && button.getAttribute("aria-expanded") !== "true") { button.click(); }
        bodies[k].scrollIntoView({ block: "start" });
        if (button) { button.focus({ preventScroll: true }); }
        return;
      }
    }
  });
})();
