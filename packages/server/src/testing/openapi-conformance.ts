import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenApiDocument } from '../openapi.ts';

/** A response as the tests read it: status, headers and the body (parsed JSON, text, or null). */
export interface SeenResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

const BASE = 'https://selftracker.invalid/openapi.json';
type Obj = Record<string, unknown>;

/** Follows a local `$ref` (`#/a/b`) through the document; undefined when it leads nowhere. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Obj)[key];
  }
  return at;
}

/** Every `$ref` string anywhere in the document, with where it stands. */
export function collectRefs(node: unknown, path = '#'): { at: string; ref: string }[] {
  if (typeof node !== 'object' || node === null) return [];
  const out: { at: string; ref: string }[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.push({ at: path, ref: v });
    else out.push(...collectRefs(v, `${path}/${k}`));
  }
  return out;
}

/**
 * Holds responses to the OpenAPI document: the status must be documented for the operation, the content type
 * must be one it lists, the required headers must be there, and the body must validate (Ajv, JSON Schema
 * 2020-12, strict) against the schema of that status. `check` throws with what differs.
 */
export function createConformance(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // The component schemas live in the document; only `components` is read from it here.
  ajv.addVocabulary(['components']);
  ajv.addSchema({ $id: BASE, components: { schemas: doc.components.schemas } });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (schema: unknown): ValidateFunction => {
    const key = JSON.stringify(schema);
    let v = compiled.get(key);
    if (!v) {
      // Local refs of an operation's own schema point into the document too.
      const rebased = JSON.parse(key.replaceAll('"$ref":"#/', `"$ref":"${BASE}#/`));
      v = ajv.compile(rebased);
      compiled.set(key, v);
    }
    return v;
  };
  const deref = (o: unknown): Obj => {
    let at = o as Obj;
    while (typeof at?.$ref === 'string') at = resolvePointer(doc, at.$ref) as Obj;
    return at;
  };

  return {
    /** Compiles every component schema (an invalid keyword or pattern throws). */
    compileAll(): string[] {
      const ids = Object.keys(doc.components.schemas);
      for (const id of ids) validator({ $ref: `#/components/schemas/${id}` });
      return ids;
    },

    /** The schema of `method path` for `status`, or throws when that status is not documented. */
    check(method: string, path: string, res: SeenResponse): void {
      const where = `${method.toUpperCase()} ${path} → ${res.status}`;
      const op = doc.paths[path]?.[method.toLowerCase()];
      if (!op) throw new Error(`${where}: the operation is not documented`);
      const documented = op.responses[String(res.status)];
      if (!documented)
        throw new Error(
          `${where}: status not documented (has ${Object.keys(op.responses).join(', ')}); body ${JSON.stringify(res.body)}`,
        );
      const response = deref(documented);
      for (const [name, h] of Object.entries((response.headers ?? {}) as Record<string, Obj>)) {
        const value = res.headers.get(name);
        if (h.required && value === null) throw new Error(`${where}: required header ${name} missing`);
        if (value !== null && h.schema && !validator(h.schema)(value))
          throw new Error(`${where}: header ${name}: ${value} does not conform`);
      }
      const content = response.content as Record<string, { schema?: unknown }> | undefined;
      if (!content) {
        if (res.body !== null && res.body !== '')
          throw new Error(`${where}: documented without a body, got ${JSON.stringify(res.body)}`);
        return;
      }
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const media = content[type];
      if (!media)
        throw new Error(`${where}: content type ${type || '(none)'} is not one of ${Object.keys(content)}`);
      if (media.schema === undefined) return;
      const validate = validator(media.schema);
      if (!validate(res.body))
        throw new Error(
          `${where}: body does not conform: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`,
        );
    },

    /** The component schema `id` validates `value` (for bodies not tied to one operation, like the 404). */
    conforms(id: string, value: unknown): boolean {
      return validator({ $ref: `#/components/schemas/${id}` })(value) as boolean;
    },
  };
}
