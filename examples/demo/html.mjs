// HTML for the demo: every value interpolated into html`` is escaped, unless it is html`` itself.
// There is no other way to put text into a page, so user input (names, notes, mottos) and cookie
// values can only ever show as text, never as markup.

/**
 * Text that is already HTML (what html`` returns); everything else is escaped when interpolated.
 * @example
 * html`<p>${new Html('<b>trusted</b>')}</p>`
 */
export class Html {
  constructor(text) {
    this.text = text
  }
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

const part = (value) => {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(part).join('')
  if (value === undefined || value === null || value === false) return ''
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/**
 * The template tag: `html\`<b>${name}</b>\`` escapes `name`; nested html`` and arrays of it pass through.
 * @example
 * html`<p>${'<script>'}</p>`.text // '<p>&lt;script&gt;</p>'
 */
export const html = (strings, ...values) => new Html(strings.reduce((out, s, i) => out + part(values[i - 1]) + s))
