// Progressive enhancement only: every page works without this file.
//
// Loaded as <script type="module">, so browsers too old for GOV.UK Frontend's
// JavaScript never run it and keep the no-JS experience (all navigation links
// visible, no collapsing menu).
import { initAll } from './govuk-frontend.min.js'

// GOV.UK Frontend's components (and its CSS) look for these classes on <body>.
// Its own page template adds them with an inline script; this site allows no
// inline script, so they are added here, before the components start.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
