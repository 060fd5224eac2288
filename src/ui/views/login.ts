/** The login form: the UI token, or the admin access key id and secret key. Posts to /ui/login. */
import { escapeHtml } from '../html.js'
import { UI_BASE } from '../links.js'

export function renderLogin(o: { next: string; error?: string; tokenEnabled: boolean }): string {
  return `<div class="login">
<h1>Sign in to the irsa dashboard</h1>
<p class="muted">Read-only views of identities, trust, decisions and findings.</p>
${o.error === undefined ? '' : `<p class="error" role="alert" id="login-error">${escapeHtml(o.error)}</p>`}
<form method="post" action="${UI_BASE}/login">
<input type="hidden" name="next" value="${escapeHtml(o.next)}">
${
  o.tokenEnabled
    ? `<fieldset><legend>With the dashboard token</legend>
<label for="token">UI token</label><input id="token" name="token" type="password" autocomplete="current-password"></fieldset>
<p>or</p>`
    : ''
}
<fieldset><legend>With the admin credentials</legend>
<label for="access-key-id">Access key id</label><input id="access-key-id" name="accessKeyId" type="text" autocomplete="username" spellcheck="false">
<label for="secret-access-key">Secret access key</label><input id="secret-access-key" name="secretAccessKey" type="password" autocomplete="current-password"></fieldset>
<button class="primary" type="submit">Sign in</button>
</form>
</div>`
}
