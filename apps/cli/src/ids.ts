import { ClientError, type Engine, type Project, type Repository } from '@selftracker/client';
import type { EntityName } from '@selftracker/core';
import { UsageError } from './args.ts';

/** The shortest id prefix lists show (git-like); prefixes grow past it until unique. */
export const MIN_SHOWN = 6;
/** The shortest prefix accepted as an ID (`Repository.resolveId`). */
export const MIN_ACCEPTED = 4;

const commonPrefix = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};

/**
 * The shortest prefix of each id, at least `min` characters, that no other id in `ids` starts with (ids of one
 * entity; UUIDv7 ids made in the same millisecond share 13 characters or more, so prefixes can grow past `min`).
 * A prefix never ends on a `-`: it takes the next character too.
 */
export function shortIds(ids: Iterable<string>, min = MIN_SHOWN): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const out = new Map<string, string>();
  for (const [i, id] of sorted.entries()) {
    const shared = Math.max(commonPrefix(id, sorted[i - 1] ?? ''), commonPrefix(id, sorted[i + 1] ?? ''));
    let k = Math.max(min, shared + 1);
    if (id[k - 1] === '-') k++;
    out.set(id, id.slice(0, k));
  }
  return out;
}

/** The short ids of every live row of an entity (what lists show and `resolveId` accepts). */
export async function shortIdsOf(engine: Engine, entity: EntityName): Promise<Map<string, string>> {
  return shortIds((await engine[entity].list()).map((r) => r.id));
}

/** An ID argument resolved to the full id of a live row; an argument that is no id at all is a usage error. */
export async function resolveRef(repo: Repository, ref: string): Promise<string> {
  try {
    return await repo.resolveId(ref);
  } catch (e: unknown) {
    if (ClientError.is(e, 'invalid_input')) throw new UsageError(e.message);
    throw e;
  }
}

const looksLikeId = (s: string) => new RegExp(`^[0-9a-f-]{${MIN_ACCEPTED},36}$`, 'i').test(s.trim());

/**
 * A PROJECT argument: the live project whose name is `ref` (ignoring case), else the one whose id starts with
 * it. Several projects of that name, or an id prefix several share, is `ambiguous_id`; no match `not_found`.
 */
export async function findProject(engine: Engine, ref: string): Promise<Project> {
  const projects = await engine.projects.list();
  const key = ref.trim().toLowerCase();
  const named = projects.filter((p) => p.name.toLowerCase() === key);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    const short = shortIds(projects.map((p) => p.id));
    throw new ClientError(
      'ambiguous_id',
      `${named.length} projects are named "${ref}": give the id (${named.map((p) => short.get(p.id)).join(', ')})`,
    );
  }
  if (!looksLikeId(ref)) throw new ClientError('not_found', `no project named "${ref}"`);
  try {
    const id = await engine.projects.resolveId(ref);
    return projects.find((p) => p.id === id)!;
  } catch (e: unknown) {
    if (ClientError.is(e, 'not_found'))
      throw new ClientError('not_found', `no project named "${ref}" or with id ${ref}`);
    throw e;
  }
}

/** `--project`: undefined when not given, `null` for `none` (or empty: no project), else the project's id. */
export async function projectOption(
  engine: Engine,
  ref: string | undefined,
): Promise<string | null | undefined> {
  if (ref === undefined) return undefined;
  if (ref === '' || ref.toLowerCase() === 'none') return null;
  return (await findProject(engine, ref)).id;
}
