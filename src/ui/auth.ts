/**
 * Dashboard authentication. Credentials: the UI token (`--ui-token`, IRSA_UI_TOKEN) as a bearer token
 * or typed into the login form, or the admin access key id and secret key in the form; every
 * comparison is constant-time over SHA-256 digests (so lengths leak nothing either). A successful
 * login gets a session cookie: an expiry and a nonce MAC'd with a key derived from the admin secret
 * and the UI token — never the secret itself — so every replica sharing the admin credentials
 * accepts it, and changing either credential ends all sessions.
 */
import { createHmac } from 'node:crypto'
import { safeEqual } from '../core/safe-equal.js'
import type { AdminCredentials } from '../core/runtime.js'

export const SESSION_COOKIE = 'irsa_ui'
export const SESSION_SECONDS = 12 * 3600

export interface UiAuthConfig {
  /** The UI token, when one is configured. */
  readonly token: string | undefined
  readonly admin: AdminCredentials
}

export type UiPrincipal = 'token' | 'admin'


export function checkToken(cfg: UiAuthConfig, presented: string | undefined): boolean {
  if (cfg.token === undefined || cfg.token === '' || presented === undefined) return false
  return safeEqual(presented, cfg.token)
}

/** Both halves are always compared, so a wrong key id takes as long as a wrong secret. */
export function checkAdmin(cfg: UiAuthConfig, accessKeyId: string | undefined, secretAccessKey: string | undefined): boolean {
  const id = safeEqual(accessKeyId ?? '', cfg.admin.accessKeyId)
  const secret = safeEqual(secretAccessKey ?? '', cfg.admin.secretAccessKey)
  return id && secret && accessKeyId !== undefined && secretAccessKey !== undefined
}

function sessionKey(cfg: UiAuthConfig): Buffer {
  return createHmac('sha256', cfg.admin.secretAccessKey).update(`irsa-ui-session-v1\u0000${cfg.admin.accessKeyId}\u0000${cfg.token ?? ''}`).digest()
}

function mac(cfg: UiAuthConfig, payload: string): string {
  return createHmac('sha256', sessionKey(cfg)).update(payload).digest('base64url')
}

/** A session value: `v1.<expiry epoch s>.<token|admin>.<nonce>.<hmac>`. */
export function makeSession(cfg: UiAuthConfig, via: UiPrincipal, nowSeconds: number, nonce: string): string {
  const payload = `v1.${nowSeconds + SESSION_SECONDS}.${via}.${nonce}`
  return `${payload}.${mac(cfg, payload)}`
}

export function verifySession(cfg: UiAuthConfig, value: string | undefined, nowSeconds: number): UiPrincipal | undefined {
  if (value === undefined || value.length > 512) return undefined
  const parts = value.split('.')
  if (parts.length !== 5 || parts[0] !== 'v1') return undefined
  const [, exp, via, nonce, sig] = parts as [string, string, string, string, string]
  if (!safeEqual(sig, mac(cfg, `v1.${exp}.${via}.${nonce}`))) return undefined
  if (!/^\d{1,12}$/.test(exp) || Number(exp) <= nowSeconds) return undefined
  if (via !== 'token' && via !== 'admin') return undefined
  // A token session ends when the token is removed; the key already changes when it is replaced.
  if (via === 'token' && (cfg.token === undefined || cfg.token === '')) return undefined
  return via
}

/** The cookies of a request, by name (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const k = part.slice(0, i).trim()
    if (k !== '' && !out.has(k)) out.set(k, part.slice(i + 1).trim())
  }
  return out
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}${secure ? '; Secure' : ''}`
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`
}

/** Who the request is: a valid bearer UI token, or a valid session cookie. */
export function requestPrincipal(cfg: UiAuthConfig, headers: { authorization?: string | undefined; cookie?: string | undefined }, nowSeconds: number): UiPrincipal | undefined {
  const auth = headers.authorization
  if (auth !== undefined && /^bearer /i.test(auth)) return checkToken(cfg, auth.slice(7).trim()) ? 'token' : undefined
  return verifySession(cfg, parseCookies(headers.cookie).get(SESSION_COOKIE), nowSeconds)
}

/** A same-site path under /ui to return to after login (anything else: the dashboard's home). */
export function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/ui(\/[^\\]*)?$/.test(next) && !next.startsWith('//') && !/[\r\n]/.test(next) ? next : '/ui/'
}
