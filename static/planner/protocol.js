// protocol.js: the names and shapes of the iframe protocol (window.postMessage).
//
// The envelope is {"event": NAME, "content": {...}} with the event names of the
// HomeByMe planner that integrators already know. parseEnvelope is the shape
// guard the bridge runs on every inbound message after checking event.source
// and before checking event.origin; it copies only the fields it validated, so
// nothing else a host (or an attacker) sends ever reaches the app.

// The rules of the envelope's content (version, token, projectId, locale,
// currency, units) are shared with the host SDK, which checks them before posting,
// and so are the shape checks isRecord and ownValue.
import { isCurrency, isLocale, isProjectId, isRecord, isToken, isUnits, ownValue } from '../embed/limits.js';
import { parseTheme } from '../embed/theme.js';

export { MAX_PROJECT_ID_LENGTH, MAX_TOKEN_LENGTH, PROTOCOL_VERSION } from '../embed/limits.js';

/**
 * @typedef {'Hello' | 'Authentication' | 'Login' | 'TokenRefreshed' | 'Logout' | 'LoadProject' | 'SetUpSettings'} HostEvent
 * @typedef {'Ready' | 'AuthenticationRequired' | 'AuthenticationSucceeded' | 'AuthenticationFailed' |
 *   'LoginSucceeded' | 'LoginFailed' | 'TokenExpired' | 'LoginRequired' | 'ProjectSavingSucceeded' |
 *   'ProjectSavingFailed' | 'ProjectLoadingSucceeded' | 'ProjectLoadingFailed' | 'AddToBasket'} PlannerEvent
 */

/**
 * HostMessage is a validated host → planner message.
 * @typedef {{event: 'Authentication' | 'Login' | 'TokenRefreshed', content: {token: string}}
 *   | {event: 'Logout', content: {}}
 *   | {event: 'LoadProject', content: {projectId: string}}
 *   | {event: 'SetUpSettings', content: SettingsContent}} HostMessage
 * @typedef {{locale?: string, currency?: string, units?: 'metric' | 'imperial',
 *   theme?: import('../embed/theme.js').Theme}} SettingsContent what SetUpSettings may change
 */

/**
 * Envelope is what parseEnvelope accepts: a HostMessage for the app, or Hello,
 * which the bridge answers itself (a host whose page made the iframe in its
 * HTML may have started listening after our Ready: it asks for it again).
 * @typedef {HostMessage | {event: 'Hello', content: {}}} Envelope
 */

/** HOST_EVENTS are the events the planner accepts from its host. */
export const HOST_EVENTS = /** @type {ReadonlySet<string>} */ (
  new Set(['Authentication', 'Login', 'TokenRefreshed', 'Logout', 'LoadProject', 'SetUpSettings', 'Hello'])
);

/** PLANNER_EVENTS are the events the planner posts to its host. */
export const PLANNER_EVENTS = /** @type {ReadonlySet<string>} */ (
  new Set([
    'Ready', 'AuthenticationRequired', 'AuthenticationSucceeded', 'AuthenticationFailed', 'LoginSucceeded',
    'LoginFailed', 'TokenExpired', 'LoginRequired', 'ProjectSavingSucceeded', 'ProjectSavingFailed',
    'ProjectLoadingSucceeded', 'ProjectLoadingFailed', 'AddToBasket',
  ])
);

/** CAPABILITIES are announced in Ready: the host events this planner understands. */
export const CAPABILITIES = Object.freeze([...HOST_EVENTS]);

/**
 * parseEnvelope validates a host → planner message and returns a fresh copy
 * holding only the validated fields, or null when the data is not a known
 * host event with well-formed content. It never throws.
 * @param {unknown} data the MessageEvent's data
 * @returns {Envelope | null}
 */
export function parseEnvelope(data) {
  if (!isRecord(data)) return null;
  const event = ownValue(data, 'event');
  if (typeof event !== 'string' || !HOST_EVENTS.has(event)) return null;
  const content = ownValue(data, 'content');
  switch (event) {
    case 'Authentication':
    case 'Login':
    case 'TokenRefreshed': {
      if (!isRecord(content)) return null;
      const token = ownValue(content, 'token');
      if (!isToken(token)) return null;
      return { event, content: { token } };
    }
    case 'Hello':
    case 'Logout':
      if (content !== undefined && content !== null && !isRecord(content)) return null;
      return { event, content: {} };
    case 'LoadProject': {
      if (!isRecord(content)) return null;
      const projectId = ownValue(content, 'projectId');
      if (!isProjectId(projectId)) return null;
      return { event, content: { projectId } };
    }
    case 'SetUpSettings': {
      if (!isRecord(content)) return null;
      const locale = ownValue(content, 'locale');
      const currency = ownValue(content, 'currency');
      const theme = ownValue(content, 'theme');
      const units = ownValue(content, 'units');
      /** @type {SettingsContent} */
      const out = {};
      if (theme !== undefined) {
        // A theme with any value out of bounds is refused whole (theme.js).
        const parsed = parseTheme(theme);
        if (!parsed.theme) return null;
        out.theme = parsed.theme;
      }
      if (locale !== undefined) {
        if (!isLocale(locale)) return null;
        out.locale = locale;
      }
      if (currency !== undefined) {
        if (!isCurrency(currency)) return null;
        out.currency = currency;
      }
      if (units !== undefined) {
        if (!isUnits(units)) return null;
        out.units = units;
      }
      if (Object.keys(out).length === 0) return null;
      return { event, content: out };
    }
  }
  return null;
}
