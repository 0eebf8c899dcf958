/** HTML of the sandbox's web pages: only roles, labels, names and texts matter to clients, so no styling beyond layout. */

/** Escapes text for HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What every page shows around its content. */
export interface PageFrame {
  title: string;
  /** The signed-in username, for the header greeting and avatar. */
  user?: string;
  /** Show the cookie banner (the behaviour is on and consent was not given yet). */
  cookieBanner?: boolean;
}

const COOKIE_BANNER = `
<div id="cookie-banner" role="dialog" aria-modal="true" aria-label="Cookie consent"
  style="position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.45);display:flex;align-items:flex-end;justify-content:center">
  <div style="background:#fff;padding:16px;margin:16px;max-width:640px">
    <p>Kaggle uses cookies from Google to deliver and enhance the quality of its services and to analyze traffic.</p>
    <button type="button" id="cookie-accept">Accept</button>
  </div>
</div>
<script>
document.getElementById('cookie-accept').addEventListener('click', () => {
  document.cookie = 'CookieConsent=accepted; path=/; max-age=31536000; samesite=lax';
  document.getElementById('cookie-banner').remove();
});
</script>`;

/** Wraps page content with the header (greeting when signed in) and, when asked, the cookie banner. */
export function page(frame: PageFrame, content: string): string {
  const header = frame.user
    ? `<span>Welcome, ${esc(frame.user)}!</span>
       <img alt="Your profile picture" width="24" height="24"
         src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==">`
    : `<a href="/account/login">Sign In</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(frame.title)} | Kaggle</title></head>
<body>
<header><nav aria-label="Account"><a href="/">kaggle</a> ${header}</nav></header>
<main id="site-content">${content}</main>
${frame.cookieBanner ? COOKIE_BANNER : ''}
</body></html>`;
}

/** The sign-in method chooser at `/account/login`. */
export function chooserPage(frame: PageFrame, returnUrl: string): string {
  const emailUrl = `/account/login?phase=emailSignIn&returnUrl=${encodeURIComponent(returnUrl)}`;
  return page(
    frame,
    `<h1>Welcome!</h1>
<button type="button" disabled><span>Sign in with Google</span></button>
<button type="button" id="email-sign-in" data-href="${esc(emailUrl)}"><span>Sign in with Email</span></button>
<script>
document.getElementById('email-sign-in').addEventListener('click', (e) => { location.href = e.currentTarget.dataset.href; });
</script>`,
  );
}

/** Reads the XSRF cookie and posts JSON with it in `X-XSRF-TOKEN`, as Kaggle's web client does. */
const POST_JSON = `
function xsrf() {
  const match = document.cookie.split('; ').find((c) => c.startsWith('XSRF-TOKEN='));
  return match ? decodeURIComponent(match.slice('XSRF-TOKEN='.length)) : '';
}
async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-xsrf-token': xsrf() },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch {}
  return { ok: response.ok, data };
}
function showError(message) {
  const box = document.getElementById('form-error');
  box.textContent = message;
  box.hidden = false;
}`;

/** The email/password form at `/account/login?phase=emailSignIn`; submits by XHR to `EmailSignIn`. */
export function emailSignInPage(frame: PageFrame, returnUrl: string): string {
  return page(
    frame,
    `<h1>Sign in</h1>
<form id="email-form" novalidate>
  <label for="email">Email / Username</label>
  <input id="email" name="email" type="text" autocomplete="username" placeholder="Enter your email address or username">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" placeholder="Enter password">
  <div id="form-error" role="alert" hidden></div>
  <button type="submit">Sign In</button>
</form>
<script>
${POST_JSON}
const returnUrl = ${JSON.stringify(returnUrl).replace(/</g, '\\u003c')};
document.getElementById('email-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const { ok, data } = await postJson('/api/i/users.LegacyUsersService/EmailSignIn', {
    email: form.email.value, password: form.password.value, returnUrl,
  });
  if (ok && data.redirectUrl) location.href = data.redirectUrl;
  else showError(data.message || 'Sign-in failed. Please try again.');
});
</script>`,
  );
}

/** The two-factor step at `/account/login?phase=twoFactor`. */
export function twoFactorPage(frame: PageFrame): string {
  return page(
    frame,
    `<h1>Two-factor verification</h1>
<p>Enter the two-factor verification code from your authenticator app.</p>
<form id="two-factor-form" novalidate>
  <label for="code">Two-factor verification code</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" placeholder="6-digit code">
  <div id="form-error" role="alert" hidden></div>
  <button type="submit">Verify</button>
</form>
<script>
${POST_JSON}
document.getElementById('two-factor-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const { ok, data } = await postJson('/api/i/users.LegacyUsersService/VerifyTwoFactor', { code: event.currentTarget.code.value });
  if (ok && data.redirectUrl) location.href = data.redirectUrl;
  else showError(data.message || 'Verification failed.');
});
</script>`,
  );
}

/** What the dataset page shows. */
export interface DatasetPageModel {
  ref: string;
  title: string;
  version: number;
  files: Array<{ name: string; size: number }>;
  /** The file named by `?select=`, shown as selected. */
  selected?: string;
  archiveSize: number;
}

/** Kaggle shows sizes like "21 kB" and "9 MB" on its download menu. */
export function humanSize(bytes: number): string {
  if (bytes < 1_000_000) return `${Math.max(1, Math.round(bytes / 1000))} kB`;
  return `${Math.round(bytes / 1_000_000)} MB`;
}

/**
 * `/datasets/<owner>/<slug>`: a Download button opening a menu, and the file list with a per-file download icon
 * (the Material `get_app` ligature, which is how public scripts find it).
 */
export function datasetPage(frame: PageFrame, model: DatasetPageModel): string {
  const selected = model.selected ?? model.files[0]?.name;
  const files = model.files
    .map(
      (file) => `<li aria-selected="${file.name === selected}">
  <h2>${esc(file.name)}</h2> <span>(${esc(humanSize(file.size))})</span>
  <i role="button" tabindex="0" title="Download ${esc(file.name)}" class="material-icons" data-href="/datasets/${esc(model.ref)}/download?datasetVersionNumber=${model.version}&amp;fileName=${encodeURIComponent(file.name)}">get_app</i>
</li>`,
    )
    .join('\n');
  const zipUrl = `/datasets/${model.ref}/download?datasetVersionNumber=${model.version}`;
  return page(
    frame,
    `<h1>${esc(model.title)}</h1>
<button type="button" id="download-button" aria-label="Download" aria-haspopup="menu" aria-expanded="false">Download</button>
<div id="download-menu" role="menu" aria-label="Download options" hidden>
  <button type="button" role="menuitem" id="kagglehub-item">Download via kagglehub</button>
  <a role="menuitem" href="${esc(zipUrl)}">Download dataset as zip (${esc(humanSize(model.archiveSize))})</a>
  <a role="menuitem" href="/datasets/${esc(model.ref)}/croissant/download">Export metadata as Croissant</a>
</div>
<pre id="kagglehub-code" hidden>import kagglehub
path = kagglehub.dataset_download("${esc(model.ref)}")</pre>
<section aria-label="Data Explorer"><h2>Data Explorer</h2><p>Version ${model.version}</p><ul>${files}</ul></section>
<script>
const button = document.getElementById('download-button');
const menu = document.getElementById('download-menu');
button.addEventListener('click', () => {
  menu.hidden = !menu.hidden;
  button.setAttribute('aria-expanded', String(!menu.hidden));
});
for (const icon of document.querySelectorAll('i[data-href]')) {
  icon.addEventListener('click', () => { location.href = icon.dataset.href; });
}
document.getElementById('kagglehub-item').addEventListener('click', () => {
  document.getElementById('kagglehub-code').hidden = false;
});
</script>`,
  );
}

/** A plain error page (404 "backend NotFound", 403). */
export function errorPage(frame: PageFrame, heading: string, text: string): string {
  return page(frame, `<h1>${esc(heading)}</h1><p>${esc(text)}</p>`);
}
