// planner-embed.d.ts: the public API of the host SDK (planner-embed.js) for
// TypeScript integrators. planner-embed.js and the modules it imports
// (guards.js, pending.js, limits.js, options.js, report.js, tokens.js) take
// their public types from here, so `tsc` checks the implementation against
// this file.

/** PROTOCOL_VERSION is the iframe protocol version this SDK speaks; a Ready with another version is refused. */
export declare const PROTOCOL_VERSION: 1;

/** TokenKind is who a token speaks for: an anonymous visitor of the retailer, or one of its users. */
export type TokenKind = 'legal-entity' | 'user';

/**
 * TokenResponse is what the host's getToken() returns, typically the JSON of
 * its BFF's POST /bff/token. Only token and kind are read; token is never
 * passed to onEvent.
 */
export interface TokenResponse {
  token: string;
  kind: TokenKind;
  expiresAt?: string;
  [key: string]: unknown;
}

/** PlannerToHostEvent names the events the planner posts to the host. */
export type PlannerToHostEvent =
  | 'Ready'
  | 'AuthenticationRequired'
  | 'AuthenticationSucceeded'
  | 'AuthenticationFailed'
  | 'LoginSucceeded'
  | 'LoginFailed'
  | 'TokenExpired'
  | 'LoginRequired'
  | 'ProjectSavingSucceeded'
  | 'ProjectSavingFailed'
  | 'AddToBasket'
  | 'ProjectLoadingSucceeded'
  | 'ProjectLoadingFailed';

/** HostToPlannerEvent names the events the SDK posts to the planner. */
export type HostToPlannerEvent = 'Hello' | 'Authentication' | 'Login' | 'TokenRefreshed' | 'Logout' | 'LoadProject' | 'SetUpSettings';

/**
 * PlannerErrorCode says why the SDK reported an error event or rejected a promise.
 * - handshake_timeout: no Ready within handshakeTimeoutMs (wrong URL, or the host origin is not registered)
 * - protocol_mismatch: Ready announced a protocol version this SDK does not speak
 * - token_unavailable: getToken() threw or returned something unusable (retried with backoff when the planner waits)
 * - wrong_token_kind: login() got a legal-entity token, or logout() a user token, from getToken()
 * - login_failed / authentication_failed: the planner answered LoginFailed / AuthenticationFailed
 * - project_loading_failed: the planner answered ProjectLoadingFailed for the requested project
 * - superseded: a later login() or logout() replaced this one before it posted its token
 * - timeout: no answer within requestTimeoutMs
 * - post_failed: postMessage to the iframe failed (e.g. the iframe was removed from the page)
 * - destroyed: destroy() was called
 */
export type PlannerErrorCode =
  | 'handshake_timeout'
  | 'protocol_mismatch'
  | 'token_unavailable'
  | 'wrong_token_kind'
  | 'login_failed'
  | 'authentication_failed'
  | 'project_loading_failed'
  | 'superseded'
  | 'timeout'
  | 'post_failed'
  | 'destroyed';

/** PlannerError is how the SDK rejects its promises; code is stable, message is for people. */
export declare class PlannerError extends Error {
  constructor(code: PlannerErrorCode, message: string, options?: { cause?: unknown });
  readonly code: PlannerErrorCode;
}

/**
 * ProtocolEventRecord reports one protocol message: received from the planner
 * ('in', after the source, shape and origin checks) or posted to it ('out',
 * with any token replaced by a redacted marker such as "eyJ…(redacted)").
 */
export interface ProtocolEventRecord {
  direction: 'in' | 'out';
  event: PlannerToHostEvent | HostToPlannerEvent | (string & {});
  content: Record<string, unknown> | undefined;
}

/** ErrorEventRecord reports a problem of the SDK itself; it has no direction. */
export interface ErrorEventRecord {
  direction?: undefined;
  event: 'error';
  content: { code: PlannerErrorCode; message: string };
}

/** PlannerEventRecord is what onEvent receives; tell the two kinds apart by `direction`. */
export type PlannerEventRecord = ProtocolEventRecord | ErrorEventRecord;

/** ReadyContent is the content of the planner's Ready. */
export interface ReadyContent {
  protocol: number;
  capabilities: string[];
}

/** ProjectLoaded is the content of ProjectLoadingSucceeded. */
export interface ProjectLoaded {
  projectId: string;
  [key: string]: unknown;
}

/** Settings are sent with SetUpSettings; give at least one. */
export interface Settings {
  /** BCP 47 tag, e.g. "fr-FR". */
  locale?: string;
  /** ISO 4217 code, e.g. "EUR". */
  currency?: string;
  /** Lengths and areas in the room editor: cm and m², or feet, inches and ft². The visitor may still switch. */
  units?: 'metric' | 'imperial';
  /** The retailer's look, overriding the one registered with the retailer (theme.js checks it). */
  theme?: Theme;
}

/** Theme is a white-label look: colours "#rrggbb", radius 0-24 px, font by name. */
export interface Theme {
  accent?: string;
  accentText?: string;
  text?: string;
  muted?: string;
  surface?: string;
  background?: string;
  border?: string;
  radius?: number;
  font?: 'system' | 'humanist' | 'geometric' | 'classic' | 'rounded';
}

/** PlannerWindow is the part of the host's window the SDK listens on. */
export interface PlannerWindow {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** PlannerTimers lets tests run the SDK on a fake clock. */
export interface PlannerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: any): void;
}

/** PlannerOptions configures createPlanner. */
export interface PlannerOptions {
  /** Element the iframe is appended to; the iframe fills it (width and height 100%). Required unless `iframe` is given. */
  container?: HTMLElement;
  /**
   * The page's own planner iframe, written in its HTML so the planner's page loads with the host page instead of
   * after this script. Its src must be the URL the SDK would use (plannerUrl's origin, /planner, the same `d` and
   * `locale`), else createPlanner throws a TypeError naming it. It is adopted as it is (give it the attributes
   * the SDK would: `referrerpolicy="origin"`, a title); the SDK posts `Hello` so a Ready posted before it listened
   * is sent again. Default: none (the SDK creates the iframe in `container`).
   */
  iframe?: HTMLIFrameElement;
  /** Absolute http(s) URL of the planner service; its origin is the only one messages are accepted from and posted to. */
  plannerUrl: string | URL;
  /** The retailer's distribution id (sent as /planner?d=...). */
  distribution: string;
  /** Fetches a token from the host's own backend (never from the planner API directly); may throw. */
  getToken: () => Promise<TokenResponse> | TokenResponse;
  /** Receives every protocol message in and out (tokens redacted) and the SDK's error events. Default: none. */
  onEvent?: (record: PlannerEventRecord) => void;
  /** BCP 47 locale passed to the planner page as ?locale=. Default: none (the planner's default). */
  locale?: string;
  /** How long to wait for Ready before an error event handshake_timeout. Default 15000. */
  handshakeTimeoutMs?: number;
  /** Window to listen for messages on. Default globalThis.window. */
  window?: PlannerWindow;
  /** The iframe's title, read by screen readers. Default "Room planner". */
  frameTitle?: string;
  /** Document that creates the iframe. Default container.ownerDocument. */
  document?: Document;
  /** How long login(), logout(), loadProject() and setSettings() wait before rejecting with timeout. Default 30000. */
  requestTimeoutMs?: number;
  /** First delay before re-calling a failed getToken(); doubles on each failure. Default 1000. */
  retryDelayMs?: number;
  /** Largest delay between getToken() retries. Default 30000. */
  maxRetryDelayMs?: number;
  /** Timer functions. Default the global setTimeout/clearTimeout. */
  timers?: PlannerTimers;
}

/** PlannerStats counts messages; dropped = droppedBy.source + droppedBy.shape + droppedBy.origin. */
export interface PlannerStats {
  received: number;
  accepted: number;
  dropped: number;
  droppedBy: { source: number; shape: number; origin: number };
  posted: number;
  postErrors: number;
  handlerErrors: number;
}

/** Planner is one embedded planner iframe and its side of the protocol. */
export interface Planner {
  /** The planner iframe (data-testid="planner-iframe"). */
  readonly iframe: HTMLIFrameElement;
  /** The planner's exact origin, e.g. "https://planner.example". */
  readonly origin: string;
  /** Resolves on the planner's Ready; rejects on handshake timeout, protocol mismatch or destroy(). */
  readonly ready: Promise<ReadyContent>;
  /** Live message counters. */
  readonly stats: PlannerStats;
  /** The capabilities announced in Ready, or null before Ready. */
  readonly capabilities: readonly string[] | null;
  /** The kind of the last token posted to the planner, or null when it holds none from this SDK. */
  readonly tokenKind: TokenKind | null;
  /** True once destroy() was called. */
  readonly destroyed: boolean;
  /** Gets a user token from getToken() and posts Login; resolves on LoginSucceeded, rejects on LoginFailed. */
  login(): Promise<void>;
  /** Posts Logout, then a legal-entity Authentication; resolves on AuthenticationSucceeded. */
  logout(): Promise<void>;
  /** Posts LoadProject; resolves on ProjectLoadingSucceeded for that id, rejects on ProjectLoadingFailed for it. */
  loadProject(projectId: string): Promise<ProjectLoaded>;
  /** Posts SetUpSettings; resolves once posted (after Ready). */
  setSettings(settings: Settings): Promise<void>;
  /** Removes the listener and the iframe, clears timers, rejects pending promises. Idempotent. */
  destroy(): void;
}

/** createPlanner embeds the planner iframe in options.container (or adopts options.iframe) and starts the handshake. */
export declare function createPlanner(options: PlannerOptions): Planner;
