export { HttpClient, type HttpClientOptions, USER_AGENT } from "./client";
export { DispatcherPool, type DispatcherOptions } from "./dispatcher";
export {
  PrincipalLimiter,
  Semaphore,
  SlidingWindow,
  LimiterPool,
  DEFAULT_LIMITER_OPTIONS,
  type LimiterOptions,
} from "./limiter";
export { DEFAULT_RETRY_OPTIONS, backoffDelay, parseRetryAfter, retryPolicy, type RetryOptions } from "./retry";
export { sendOnce } from "./reconcile";
export type { FileBody, HttpRequest, HttpResponse, Method } from "./types";
export { isFileBody, isIdempotent } from "./types";
export { fileBody } from "./transport";
