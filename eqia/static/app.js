// The only script on every page: it marks the page as JavaScript-capable (the
// stock template does this inline, which our Content-Security-Policy forbids)
// and starts the GOV.UK Frontend components.
import { initAll } from '/govuk-frontend/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
  initAll()
}
