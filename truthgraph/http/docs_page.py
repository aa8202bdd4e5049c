"""A self-contained HTML page that fetches ``/openapi.json`` and renders it; it loads nothing from elsewhere."""

from __future__ import annotations

#: The page's Content-Security-Policy: its own inline script and style, and requests to this server only.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TruthGraph API</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2125; background: #f6f7f9; }
  header, main { max-width: 980px; margin: 0 auto; padding: 0 20px; }
  header { padding-top: 24px; }
  h1 { margin: 0 0 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ccd; }
  .op { background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; margin: 12px 0; }
  .op > summary { cursor: pointer; padding: 10px 12px; list-style: none; }
  .op[open] > summary { border-bottom: 1px solid #e3e6ea; }
  .op .body { padding: 4px 14px 12px; }
  .method { display: inline-block; min-width: 56px; text-align: center; font-weight: 700; color: #fff;
            border-radius: 4px; padding: 1px 6px; margin-right: 8px; font-size: 13px; }
  .get { background: #2f7bd8; } .post { background: #2b9a56; } .put { background: #c9862b; }
  .delete { background: #c8443a; } .patch { background: #7a5bc8; }
  .path { font-family: ui-monospace, monospace; font-weight: 600; }
  .summary { color: #555; margin-left: 8px; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0; }
  th, td { text-align: left; border-bottom: 1px solid #eee; padding: 4px 6px; vertical-align: top; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f1f3f5; padding: 8px; border-radius: 4px; overflow-x: auto; }
  ul.schema { list-style: none; padding-left: 18px; margin: 2px 0; border-left: 1px dotted #bbb; }
  .name { font-family: ui-monospace, monospace; font-weight: 600; }
  .type { color: #6a3fb0; font-family: ui-monospace, monospace; }
  .rule { color: #8a5a00; font-size: 13px; margin-left: 6px; }
  .req { color: #c8443a; font-size: 12px; margin-left: 4px; }
  .desc { color: #444; margin-left: 6px; }
  .status { font-weight: 700; font-family: ui-monospace, monospace; }
  .error { color: #c8443a; }
</style>
</head>
<body>
<header><h1 id="title">TruthGraph API</h1><div id="meta"></div><p id="description"></p></header>
<main id="content"><p>Loading <code>openapi.json</code>&hellip;</p></main>
<script>
"use strict";
let spec = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function resolve(ref) {
  let node = spec;
  for (const part of ref.replace(/^#\\//, "").split("/")) node = node ? node[part] : undefined;
  return node || {};
}

function deref(item) { return item && item.$ref ? resolve(item.$ref) : item; }
function refName(ref) { return ref.split("/").pop(); }

function typeText(schema) {
  if (!schema) return "any";
  if (schema.$ref) return refName(schema.$ref);
  let type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
  if (schema.type === "array" && schema.items) type = "array of " + typeText(schema.items);
  if (schema.format) type += " (" + schema.format + ")";
  return type;
}

function rules(schema) {
  const out = [];
  const names = { minLength: "min length", maxLength: "max length", minimum: "min", maximum: "max",
                  minItems: "min items", maxItems: "max items", pattern: "pattern" };
  for (const [key, label] of Object.entries(names)) if (key in schema) out.push(label + " " + schema[key]);
  if (schema.enum) out.push("one of " + schema.enum.join(", "));
  if (schema.additionalProperties === false) out.push("no other keys");
  if (schema.items && !schema.items.$ref && rules(schema.items)) out.push("each item: " + rules(schema.items));
  return out.join("; ");
}

function schemaView(schema, depth, seen) {
  const list = el("ul", { class: "schema" });
  if (!schema) return list;
  let target = schema;
  if (schema.$ref) {
    if (seen.has(schema.$ref) || depth > 6) return list;
    seen = new Set(seen).add(schema.$ref);
    target = resolve(schema.$ref);
  }
  if (target.type === "array" && target.items) return schemaView(target.items, depth + 1, seen);
  const required = new Set(target.required || []);
  for (const [name, prop] of Object.entries(target.properties || {})) {
    const shown = deref(prop);
    const row = el("li", {}, el("span", { class: "name" }, name),
      required.has(name) ? el("span", { class: "req" }, "required") : null,
      " ", el("span", { class: "type" }, typeText(prop)),
      rules(shown) ? el("span", { class: "rule" }, rules(shown)) : null,
      shown.description ? el("span", { class: "desc" }, "\\u2014 " + shown.description) : null);
    if (shown.properties || (shown.items && (deref(shown.items).properties)) || prop.$ref)
      row.append(schemaView(prop, depth + 1, seen));
    list.append(row);
  }
  const extra = target.additionalProperties;
  if (extra && typeof extra === "object")
    list.append(el("li", {}, el("span", { class: "name" }, "{any key}"), " ",
      el("span", { class: "type" }, typeText(extra)), extra.properties ? schemaView(extra, depth + 1, seen) : null));
  return list;
}

function contentView(content) {
  const box = el("div");
  for (const [mediaType, media] of Object.entries(content || {})) {
    box.append(el("div", {}, el("code", {}, mediaType), " ", el("span", { class: "type" }, typeText(media.schema))));
    box.append(schemaView(media.schema, 0, new Set()));
    if (media.example !== undefined) box.append(el("pre", {}, JSON.stringify(media.example, null, 2)));
  }
  return box;
}

function parametersView(parameters) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"),
    el("th", {}, "type"), el("th", {}, "rules"), el("th", {}, "description")));
  for (const raw of parameters) {
    const p = deref(raw);
    const schema = p.schema || {};
    table.append(el("tr", {}, el("td", {}, el("span", { class: "name" }, p.name),
        p.required ? el("span", { class: "req" }, "required") : null),
      el("td", {}, p.in), el("td", {}, el("span", { class: "type" }, typeText(schema))),
      el("td", {}, rules(schema)), el("td", {}, p.description || "",
        p.example !== undefined ? el("div", {}, "e.g. ", el("code", {}, p.example)) : null)));
  }
  return table;
}

function operationView(path, method, op) {
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  if (op.parameters && op.parameters.length) body.append(el("h4", {}, "Parameters"), parametersView(op.parameters));
  if (op.requestBody) {
    const request = deref(op.requestBody);
    body.append(el("h4", {}, "Request body" + (request.required ? " (required)" : "")), contentView(request.content));
  }
  body.append(el("h4", {}, "Responses"));
  for (const [status, raw] of Object.entries(op.responses || {})) {
    const response = deref(raw);
    const block = el("div", {}, el("span", { class: "status" }, status), " ", response.description || "");
    const headers = Object.keys(response.headers || {});
    if (headers.length) block.append(el("div", {}, "Headers: ", el("code", {}, headers.join(", "))));
    if (response.content) block.append(contentView(response.content));
    body.append(block);
  }
  return el("details", { class: "op" },
    el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
      el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || "")),
    body);
}

function render() {
  document.getElementById("title").textContent = spec.info.title;
  document.getElementById("meta").textContent = "version " + spec.info.version + " \\u00b7 OpenAPI " + spec.openapi;
  document.getElementById("description").textContent = spec.info.description || "";
  const content = document.getElementById("content");
  content.replaceChildren();
  const groups = new Map((spec.tags || []).map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operationView(path, method, op));
    }
  }
  const described = new Map((spec.tags || []).map((tag) => [tag.name, tag.description]));
  for (const [tag, views] of groups) {
    if (!views.length) continue;
    content.append(el("h2", {}, tag), described.get(tag) ? el("p", {}, described.get(tag)) : null, ...views);
  }
  content.append(el("h2", {}, "Schemas"));
  for (const name of Object.keys((spec.components || {}).schemas || {})) {
    const ref = "#/components/schemas/" + name;
    content.append(el("details", { class: "op" }, el("summary", {}, el("span", { class: "path" }, name)),
      el("div", { class: "body" }, schemaView({ $ref: ref }, 0, new Set()))));
  }
}

fetch("openapi.json", { headers: { Accept: "application/json" } })
  .then((response) => { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
  .then((document_) => { spec = document_; render(); })
  .catch((error) => {
    document.getElementById("content").replaceChildren(
      el("p", { class: "error" }, "Could not load openapi.json: " + error.message));
  });
</script>
</body>
</html>
"""
