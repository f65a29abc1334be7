/**
 * A tiny stand-in for `vitest` in the browser test page: the page build aliases `vitest` to this file, so the
 * unchanged driver contract (../../contract.ts) registers its cases here, and the Node test runs each case in
 * Chromium by name. `expect` is Vitest's own (`@vitest/expect` on chai), so assertions mean the same thing.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  chai,
  customMatchers,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

type Fn = () => unknown;
interface Suite {
  beforeEach: Fn[];
  afterEach: Fn[];
  parent: Suite | undefined;
}
export interface Case {
  name: string;
  fn: Fn;
  suite: Suite;
  skipped: boolean;
}

export const cases: Case[] = [];
let current: Suite = { beforeEach: [], afterEach: [], parent: undefined };

export const expect = Object.assign(
  (value: unknown, message?: string) => chai.expect(value, message),
  chai.expect,
  (globalThis as unknown as Record<symbol, object>)[ASYMMETRIC_MATCHERS_OBJECT],
);
// As Vitest's own createExpect does: state for matcher contexts, then the extra matchers (toSatisfy, ...).
setState(
  { assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null },
  expect as never,
);
(chai.expect as unknown as { extend(e: unknown, m: typeof customMatchers): void }).extend(
  expect,
  customMatchers,
);

export function describe(_name: string, body: () => void): void {
  const parent = current;
  current = { beforeEach: [], afterEach: [], parent };
  try {
    body();
  } finally {
    current = parent;
  }
}

function register(name: string, fn: Fn, skipped: boolean) {
  cases.push({ name, fn, suite: current, skipped });
}

export const it = Object.assign((name: string, fn: Fn) => register(name, fn, false), {
  skip: (name: string, fn: Fn) => register(name, fn, true),
  skipIf: (cond: unknown) => (name: string, fn: Fn) => register(name, fn, Boolean(cond)),
  runIf: (cond: unknown) => (name: string, fn: Fn) => register(name, fn, !cond),
});
export const test = it;

export function beforeEach(fn: Fn): void {
  current.beforeEach.push(fn);
}
export function afterEach(fn: Fn): void {
  current.afterEach.push(fn);
}

export type CaseResult =
  | { status: 'passed' | 'skipped' }
  | { status: 'failed'; message: string; stack?: string };

/** Runs one case with its suites' hooks (outermost first; afterEach always, innermost first). */
export async function runCase(c: Case): Promise<CaseResult> {
  if (c.skipped) return { status: 'skipped' };
  const chain: Suite[] = [];
  for (let s: Suite | undefined = c.suite; s; s = s.parent) chain.unshift(s);
  let failure: unknown;
  let ran = 0;
  try {
    for (const s of chain) for (const h of s.beforeEach) await h();
    ran = chain.length;
    await c.fn();
  } catch (e: unknown) {
    failure = e;
  }
  for (const s of chain.slice(0, ran || chain.length).reverse()) {
    for (const h of s.afterEach) {
      try {
        await h();
      } catch (e: unknown) {
        failure ??= e;
      }
    }
  }
  if (failure === undefined) return { status: 'passed' };
  const err = failure instanceof Error ? failure : new Error(String(failure));
  return {
    status: 'failed',
    message: `${err.name}: ${err.message}`,
    ...(err.stack ? { stack: err.stack } : {}),
  };
}
