import type { OpenApiDocument, OperationObject } from './openapi.ts';

/**
 * A readable rendering of the OpenAPI document as one static HTML page (the runnable serves it at `/docs`):
 * every operation with its parameters, body, responses and links, then every schema. No script and no inline
 * style, so it works offline and under the web app's Content-Security-Policy; its stylesheet is
 * `API_DOCS_CSS`, served beside it as `/docs/docs.css`.
 */
export function renderApiDocs(doc: OpenApiDocument): string {
  const info = doc.info as { title: string; version: string; description: string };
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)}</title>
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<header>
<h1>${esc(info.title)} <small>protocol ${esc(info.version)}</small></h1>
<p>${md(info.description)}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI ${esc(String(doc.openapi))}).</p>
<nav><ul>${ops.map(({ path, method, op }) => `<li><a href="#${op.operationId}"><code>${method.toUpperCase()} ${esc(path)}</code></a> ${esc(op.summary)}</li>`).join('')}</ul></nav>
</header>
<main>
${ops.map(({ path, method, op }) => operation(doc, path, method, op)).join('\n')}
<section id="schemas"><h2>Schemas</h2>
${Object.entries(doc.components.schemas)
  .map(
    ([id, s]) =>
      `<h3 id="schema-${esc(id)}">${esc(id)}</h3>\n<pre>${linkRefs(esc(JSON.stringify(s, null, 2)))}</pre>`,
  )
  .join('\n')}
</section>
</main>
</body>
</html>
`;
}

function operation(doc: OpenApiDocument, path: string, method: string, op: OperationObject): string {
  const auth = op.security?.length ? 'Bearer access token' : 'none';
  const params = (op.parameters ?? []).map((p) => deref(doc, p) as Record<string, unknown>);
  const body = op.requestBody as
    | { content?: Record<string, { schema: unknown }>; description?: string }
    | undefined;
  return `<section id="${esc(op.operationId)}">
<h2><code>${method.toUpperCase()} ${esc(path)}</code> ${esc(op.summary)}</h2>
${op.description ? `<p>${md(op.description)}</p>` : ''}
<p>Auth: ${auth}. Operation id <code>${esc(op.operationId)}</code>.</p>
${
  params.length
    ? `<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th></th></tr>${params
        .map(
          (p) =>
            `<tr><td><code>${esc(String(p.name))}</code></td><td>${esc(String(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${schemaText(p.schema)}</td><td>${md(String(p.description ?? ''))}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
${
  body?.content
    ? `<h3>Request body</h3>${body.description ? `<p>${md(body.description)}</p>` : ''}${Object.entries(
        body.content,
      )
        .map(([type, m]) => `<p><code>${esc(type)}</code>: ${schemaText(m.schema)}</p>`)
        .join('')}`
    : ''
}
<h3>Responses</h3><table><tr><th>status</th><th>meaning</th><th>body</th><th>headers</th></tr>${Object.entries(
    op.responses,
  )
    .map(([status, r]) => response(doc, status, r))
    .join('')}</table>
${links(op)}
</section>`;
}

function response(doc: OpenApiDocument, status: string, r: unknown): string {
  const res = deref(doc, r) as {
    description: string;
    content?: Record<string, { schema: unknown }>;
    headers?: Record<string, { required?: boolean }>;
  };
  const content = Object.entries(res.content ?? {})
    .map(([type, m]) => `<code>${esc(type)}</code> ${schemaText(m.schema)}`)
    .join('<br>');
  const headers = Object.entries(res.headers ?? {})
    .map(([h, v]) => `<code>${esc(h)}</code>${v.required ? ' (always)' : ''}`)
    .join(', ');
  return `<tr><td>${esc(status)}</td><td>${md(res.description)}</td><td>${content || '—'}</td><td>${headers}</td></tr>`;
}

function links(op: OperationObject): string {
  const all = Object.entries(op.responses).flatMap(([status, r]) =>
    Object.entries((r as { links?: Record<string, { operationId: string }> }).links ?? {}).map(
      ([name, l]) =>
        `<li>${esc(status)} → <a href="#${esc(l.operationId)}">${esc(l.operationId)}</a> (${esc(name)})</li>`,
    ),
  );
  return all.length ? `<h3>Links</h3><ul>${all.join('')}</ul>` : '';
}

function deref(doc: OpenApiDocument, o: unknown): unknown {
  let at = o as { $ref?: string };
  while (typeof at?.$ref === 'string') {
    at = at.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((x, k) => (x as Record<string, unknown>)?.[k], doc) as { $ref?: string };
  }
  return at;
}

/** A schema in one line: a link for a `$ref`, compact JSON otherwise. */
function schemaText(schema: unknown): string {
  const ref = (schema as { $ref?: string })?.$ref;
  if (ref?.startsWith('#/components/schemas/')) {
    const id = ref.slice('#/components/schemas/'.length);
    return `<a href="#schema-${esc(id)}">${esc(id)}</a>`;
  }
  return `<code>${esc(JSON.stringify(schema))}</code>`;
}

/** `$ref`s to component schemas inside escaped JSON become links. */
function linkRefs(escapedJson: string): string {
  return escapedJson.replace(
    /&quot;#\/components\/schemas\/(\w+)&quot;/g,
    (_m, id: string) => `<a href="#schema-${id}">&quot;#/components/schemas/${id}&quot;</a>`,
  );
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The little Markdown the descriptions use: `code`. */
function md(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The page's stylesheet (served as `/docs/docs.css`). */
export const API_DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:1rem 1.5rem;color:#1b1f23}
h1 small{font-size:.55em;color:#57606a;font-weight:normal}
h2{border-top:1px solid #d0d7de;padding-top:1rem;margin-top:2rem;font-size:1.2rem}
h3{font-size:1rem;margin-bottom:.3rem}
code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f6f8fa;padding:.7rem;overflow:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
nav ul{columns:2;padding-left:1.2rem}
a{color:#0969da}
`;
