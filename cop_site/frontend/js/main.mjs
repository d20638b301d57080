// Progressive enhancement only: every page works without this file.
//
// Loaded as <script type="module">, so browsers too old for GOV.UK Frontend's
// JavaScript never run it and keep the no-JS experience (all navigation links
// visible, no collapsing menu).
// The build (cop_site/frontend/build.mjs) inlines GOV.UK Frontend here, so the
// file served is one module whose hashed name production can cache for ever.
import { initAll } from './govuk-frontend.min.js'

// GOV.UK Frontend's components (and its CSS) look for these classes on <body>.
// Its own page template adds them with an inline script; this site allows no
// inline script, so they are added here, before the components start.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()

// Search suggestions as you type: fill the search box's <datalist> with
// matching titles from /api/search/suggest/. The browser's own list UI is
// keyboard and screen-reader accessible; without JavaScript the box is a
// plain search field.
function initSearchSuggestions (form) {
  const input = form.querySelector('input[type="search"][list]')
  const list = input && document.getElementById(input.getAttribute('list'))
  if (!list) return
  let timer = null
  let controller = null
  input.addEventListener('input', () => {
    clearTimeout(timer)
    const value = input.value.trim()
    if (value.length < 2) {
      list.replaceChildren()
      return
    }
    timer = setTimeout(async () => {
      if (controller) controller.abort()
      controller = new AbortController()
      try {
        const response = await fetch(
          '/api/search/suggest/?q=' + encodeURIComponent(value),
          { signal: controller.signal, headers: { Accept: 'application/json' } }
        )
        if (!response.ok) return
        const data = await response.json()
        list.replaceChildren(...data.suggestions.map((item) => {
          const option = document.createElement('option')
          option.value = item.title
          option.label = item.type_label
          return option
        }))
      } catch (error) {
        if (error.name !== 'AbortError') list.replaceChildren()
      }
    }, 150)
  })
}

document.querySelectorAll('[data-module="app-search-suggest"]').forEach(initSearchSuggestions)
