/**
 * src/random.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in): session ids from
 * crypto.getRandomValues, as the web entry's randomId (same alphabet and length as on Node).
 */

export { randomId, timingSafeEqual } from '../index'
