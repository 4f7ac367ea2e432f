/**
 * The one undici dispatcher per (extra CA, proxy) pair, shared by the token client and the API client so both
 * trust the same CAs and go through the same proxy, and sockets are pooled across every connection of a runtime
 * (provider/runtime.ts owns the pool).
 */
import { createHash } from "node:crypto";
import { rootCertificates } from "node:tls";
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from "undici";

export interface DispatcherOptions {
  /** Extra CA certificates (PEM) to trust in addition to Node's bundled roots. */
  caCertPem?: string;
  /** Explicit proxy URL; without it `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment apply. */
  proxy?: string;
  env?: NodeJS.ProcessEnv;
}

export class DispatcherPool {
  private readonly dispatchers = new Map<string, Dispatcher>();

  /** The dispatcher for these options, created on first use. */
  get(options: DispatcherOptions = {}): Dispatcher {
    const env = options.env ?? process.env;
    const envProxy = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
    const key = createHash("sha256")
      .update(
        `${options.caCertPem ?? ""}\u0000${options.proxy ?? ""}\u0000${envProxy ?? ""}\u0000${env.NO_PROXY ?? env.no_proxy ?? ""}`,
      )
      .digest("hex");
    let dispatcher = this.dispatchers.get(key);
    if (!dispatcher) {
      dispatcher = createDispatcher(options, env, envProxy);
      this.dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  /** Closes every dispatcher of the pool (the CLI before exit, tests); later `get`s create new ones. */
  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.allSettled(all.map((d) => d.close()));
  }
}

function createDispatcher(
  options: DispatcherOptions,
  env: NodeJS.ProcessEnv,
  envProxy: string | undefined,
): Dispatcher {
  // Giving `ca` replaces Node's roots, so add them back: a custom CA must not break Microsoft's hosts.
  const tls = options.caCertPem ? { ca: [...rootCertificates, options.caCertPem] } : undefined;
  const common = { keepAliveTimeout: 10_000, connections: 32 };
  if (options.proxy) {
    return new ProxyAgent({ uri: options.proxy, requestTls: tls, proxyTls: tls, ...common });
  }
  if (envProxy) {
    // Honours NO_PROXY (loopback hosts such as the emulator are usually listed there).
    return new EnvHttpProxyAgent({
      httpProxy: env.HTTP_PROXY || env.http_proxy,
      httpsProxy: env.HTTPS_PROXY || env.https_proxy,
      noProxy: env.NO_PROXY || env.no_proxy,
      requestTls: tls,
      proxyTls: tls,
      connect: tls,
      ...common,
    });
  }
  return new Agent({ connect: tls, ...common });
}
