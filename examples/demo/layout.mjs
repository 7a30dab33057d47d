// The page around every view: navigation, the account line, flash messages, the "try it" forms
// (tamper, log out everywhere, switch store) and the inspector panel. Plain forms: all of it works
// without JavaScript; demo.js only runs the countdown and notices another tab's "log out everywhere".
import { html } from './html.mjs'

const LINKS = [
  ['/', 'Home'],
  ['/signup', 'Sign up'],
  ['/login', 'Log in'],
  ['/csrf', 'CSRF form'],
  ['/note', 'Big note'],
  ['/bench', 'Benchmarks'],
]

const csrfField = (token) => html`<input type="hidden" name="_csrf" value="${token}">`

function tryIt({ csrf, user, store, path }) {
  const back = html`<input type="hidden" name="back" value="${path}">`
  const other = store === 'cookie' ? 'memory' : 'cookie'
  return html`<section class="try" aria-labelledby="try-title">
<h2 id="try-title">Try what keycard guards against</h2>
<form method="post" action="/tamper" id="tamper-form">${csrfField(csrf)}${back}
<button>Tamper with my cookie</button>
<p>Your session cookie is <code>HttpOnly</code>: no script can read or change it, ours included (that is what keeps it from an XSS
payload). So this button asks the server: <code>POST /tamper</code> answers with a <code>Set-Cookie</code> that hands your browser its
own cookie back with one bit flipped, and sends you back here. The next request shows keycard refusing it.</p></form>
${
  user
    ? html`<form method="post" action="/logout-everywhere" id="revoke-form">${csrfField(csrf)}
<button>Log out everywhere</button>
<p>Log in as the same user in a second browser or a private window first. This bumps the user's generation
(<code>revokeUser</code>, the <code>revocation</code> option): every session saved before is refused, even sealed cookies
nobody can delete from here. The other window notices within seconds (or on its next load).</p></form>`
    : ''
}
<form method="post" action="/store" id="store-form">${csrfField(csrf)}${back}<input type="hidden" name="to" value="${other}">
<button>Switch to the ${other} store</button>
<p>The same app on keycard's ${other === 'memory' ? html`memory store: the cookie then only carries a signed id, and the data stays in this process` : html`cookie store (the default): the whole session sealed into the cookie, no server state`}.
Your session moves along (a new id, the same data).</p></form>
</section>`
}

/**
 * The whole page. `view` = { title, body, user, flashes, csrf, store, path, panel (Html) }.
 * @example
 * res.send(layout({ title: 'Home', body: html`<p>hi</p>`, user, flashes: [], csrf, store: 'cookie', path: '/', panel }))
 */
export function layout(view) {
  const { title, body, user, flashes, csrf, path } = view
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · keycard demo</title><link rel="stylesheet" href="/demo/style.css"><script src="/demo/demo.js" defer></script></head>
<body${user ? html` data-user="${user}"` : ''}>
<header class="top"><a class="brand" href="/">keycard demo</a><nav aria-label="Main">${LINKS.map(
    ([href, label]) => html`<a href="${href}"${href === path ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav></header>
<div class="layout"><main>
<div id="account">${user ? html`Logged in as <b id="user">${user}</b> <form method="post" action="/logout" class="inline">${csrfField(csrf)}<button>Log out</button></form>` : 'Not logged in.'}</div>
<p id="live" role="status" aria-live="polite"></p>
${flashes.map((message) => html`<p class="flash">${message}</p>`)}
<h1>${title}</h1>${body}
${tryIt(view)}
</main>
${view.panel}</div></body></html>`.text
}
