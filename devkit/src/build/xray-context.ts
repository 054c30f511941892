// What aws-xray-sdk-core keeps the current segment in, on Node's AsyncLocalStorage. The SDK uses
// cls-hooked, whose async hooks run on every promise the process makes (the AWS SDK makes hundreds per
// call); scripts/build.mjs puts this module in its place in the handler bundles. Same API as
// cls-hooked/context (the part of it the X-Ray SDK and its users call), same behaviour: a context
// entered outside any other (as the SDK does at init in Lambda) stays the current one until exited.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

type Context = Record<string, unknown>;

export const ERROR_SYMBOL = 'error@context';

const namespaces = new Map<string, Namespace>();

export class Namespace {
  readonly name: string;
  private readonly storage = new AsyncLocalStorage<Context>();
  /** The context entered outside any run() or bind(): current wherever no other is. */
  private outermost: Context | null = null;
  private readonly entered: (Context | null)[] = [];

  constructor(name: string) {
    this.name = name;
  }

  get active(): Context | null {
    return this.storage.getStore() ?? this.outermost;
  }

  set<T>(key: string, value: T): T {
    const active = this.active;
    if (!active) throw new Error('No context available. ns.run() or ns.bind() must be called first.');
    active[key] = value;
    return value;
  }

  get(key: string): unknown {
    return this.active?.[key];
  }

  createContext(): Context {
    const context = Object.create(this.active ?? Object.prototype) as Context;
    context._ns_name = this.name;
    return context;
  }

  run(fn: (context: Context) => void): Context {
    const context = this.createContext();
    this.call(context, fn, undefined, [context]);
    return context;
  }

  runAndReturn<T>(fn: (context: Context) => T): T {
    const context = this.createContext();
    return this.call(context, fn, undefined, [context]);
  }

  runPromise<T>(fn: (context: Context) => Promise<T>): Promise<T> {
    const context = this.createContext();
    const promise = this.call(context, fn, undefined, [context]);
    if (!promise || typeof promise.then !== 'function' || typeof promise.catch !== 'function') throw new Error('fn must return a promise.');
    return promise.catch((error: unknown) => {
      mark(error, context);
      throw error;
    });
  }

  bind<F extends (...args: any[]) => any>(fn: F, context?: Context): F {
    const bound = context ?? this.active ?? this.createContext();
    const namespace = this;
    return function clsBind(this: unknown, ...args: unknown[]) {
      return namespace.call(bound, fn, this, args);
    } as F;
  }

  enter(context: Context): void {
    if (!context) throw new Error('context must be provided for entering');
    this.entered.push(this.active);
    // Outside any run() the context is simply the current one everywhere: no AsyncLocalStorage store,
    // so a process that never nests contexts (Lambda's facade segment, a captured client) never turns
    // on the async hooks that then cost something on every promise.
    if (this.storage.getStore() === undefined) {
      this.outermost = context;
      return;
    }
    this.storage.enterWith(context);
  }

  exit(context: Context): void {
    if (!context) throw new Error('context must be provided for exiting');
    if (this.active === context) {
      const previous = this.entered.pop() ?? null;
      if (this.storage.getStore() === undefined) {
        this.outermost = previous;
        return;
      }
      if (this.outermost === context) this.outermost = previous;
      this.storage.enterWith(previous ?? (undefined as unknown as Context));
      return;
    }
    const index = this.entered.lastIndexOf(context);
    if (index < 0) throw new Error("context not currently entered; can't exit");
    this.entered.splice(index, 1);
  }

  /** Listeners added to `emitter` from now on run in the context current when they were added. */
  bindEmitter(emitter: EventEmitter): void {
    const namespace = this;
    for (const method of ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const) {
      const add = emitter[method] as (event: string | symbol, listener: (...args: any[]) => void) => EventEmitter;
      emitter[method] = function (this: EventEmitter, event: string | symbol, listener: (...args: any[]) => void) {
        const context = namespace.active;
        if (!context || typeof listener !== 'function') return add.call(this, event, listener);
        // removeListener(listener) finds the bound one by its `listener`, as it does for once().
        return add.call(this, event, Object.assign(namespace.bind(listener, context), { listener }));
      } as typeof add;
    }
  }

  fromException(error: unknown): Context | undefined {
    return error !== null && typeof error === 'object' ? ((error as Record<string, unknown>)[ERROR_SYMBOL] as Context | undefined) : undefined;
  }

  private call<T>(context: Context, fn: (...args: any[]) => T, self: unknown, args: unknown[]): T {
    try {
      return this.storage.run(context, () => fn.apply(self, args));
    } catch (error) {
      mark(error, context);
      throw error;
    }
  }
}

function mark(error: unknown, context: Context): void {
  if (error !== null && (typeof error === 'object' || typeof error === 'function')) (error as Record<string, unknown>)[ERROR_SYMBOL] = context;
}

export function getNamespace(name: string): Namespace | undefined {
  return namespaces.get(name);
}

export function createNamespace(name: string): Namespace {
  if (!name) throw new Error('namespace must be given a name.');
  const namespace = new Namespace(name);
  namespaces.set(name, namespace);
  return namespace;
}

export function destroyNamespace(name: string): void {
  namespaces.delete(name);
}

export function reset(): void {
  namespaces.clear();
}
