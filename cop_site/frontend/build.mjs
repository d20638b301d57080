#!/usr/bin/env node
// Front-end build: `npm run build` from the repository root.
//
// 1. Compiles cop_site/frontend/scss/main.scss (GOV.UK Frontend + the site's
//    `app-` components) to cop_site/static/dist/css/main.css, compressed,
//    with node_modules on the Sass load path.
// 2. Copies into cop_site/static/dist/:
//    - js/govuk-frontend.min.js (+ .map): GOV.UK Frontend's ES module build;
//    - js/*.mjs: the site's own modules (cop_site/frontend/js/);
//    - images/: every GOV.UK Frontend image the compiled CSS asks for (the
//      crest is never asked for: see scss/_url-handlers.scss), plus the
//      site's own images (cop_site/frontend/images/, e.g. its favicon).
//
// cop_site/static/dist/ is generated and git-ignored: it is emptied first.
// Plain Node (>= 20), no bundler.
import { cp, mkdir, readdir, rm, writeFile, copyFile, access } from 'node:fs/promises'
import { dirname, join, resolve, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const nodeModules = join(root, 'node_modules')
const govukDist = join(nodeModules, 'govuk-frontend', 'dist', 'govuk')
const out = join(root, 'cop_site', 'static', 'dist')

async function exists (path) {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

async function buildCss () {
  const result = sass.compile(join(here, 'scss', 'main.scss'), {
    loadPaths: [nodeModules],
    style: 'compressed',
    sourceMap: false,
    // GOV.UK Frontend's own deprecation notices are its business, not ours.
    quietDeps: true
  })
  await mkdir(join(out, 'css'), { recursive: true })
  await writeFile(join(out, 'css', 'main.css'), result.css + '\n')
  return result.css
}

// Relative url(...) references in the compiled CSS, resolved from dist/css/.
function assetUrls (css) {
  const urls = new Set()
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
    const url = match[2].trim()
    if (/^(data:|[a-z]+:|\/\/|#)/i.test(url)) continue
    if (url.startsWith('/')) {
      throw new Error(`main.css has an absolute asset URL, which breaks under STATIC_URL: ${url}`)
    }
    urls.add(posix.normalize(posix.join('css', url.split(/[?#]/)[0])))
  }
  return [...urls]
}

async function copyCssAssets (css) {
  const copied = []
  for (const rel of assetUrls(css)) {
    // rel is e.g. "images/foo.svg" relative to dist/.
    if (rel.startsWith('..')) throw new Error(`Asset outside dist/: ${rel}`)
    if (/crest|crown/i.test(rel)) throw new Error(`The crown must not be used: ${rel}`)
    const own = join(here, rel)
    const govuk = join(govukDist, 'assets', rel)
    const source = (await exists(own)) ? own : govuk
    if (!(await exists(source))) throw new Error(`main.css asks for ${rel}, found in neither ${own} nor ${govuk}`)
    await mkdir(dirname(join(out, rel)), { recursive: true })
    await copyFile(source, join(out, rel))
    copied.push(rel)
  }
  return copied
}

async function copyJs () {
  await mkdir(join(out, 'js'), { recursive: true })
  // The map keeps browser dev tools quiet, and Django's ManifestStaticFilesStorage
  // requires the file a sourceMappingURL comment names to exist.
  for (const name of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
    await copyFile(join(govukDist, name), join(out, 'js', name))
  }
  const own = (await readdir(join(here, 'js'))).filter((name) => name.endsWith('.mjs'))
  for (const name of own) {
    await copyFile(join(here, 'js', name), join(out, 'js', name))
  }
  return ['govuk-frontend.min.js', ...own]
}

async function copyOwnImages () {
  const dir = join(here, 'images')
  if (!(await exists(dir))) return []
  await cp(dir, join(out, 'images'), { recursive: true })
  return readdir(dir)
}

async function main () {
  const started = Date.now()
  await rm(out, { recursive: true, force: true })
  const css = await buildCss()
  const cssAssets = await copyCssAssets(css)
  const js = await copyJs()
  const images = await copyOwnImages()
  const kb = (Buffer.byteLength(css) / 1024).toFixed(1)
  console.log(`css/main.css (${kb} KiB)`)
  console.log(`js/: ${js.join(', ')}`)
  console.log(`images/: ${[...new Set([...cssAssets.map((p) => posix.basename(p)), ...images])].join(', ') || '(none)'}`)
  console.log(`Built ${posix.relative(root, out) || out} in ${Date.now() - started} ms`)
}

main().catch((error) => {
  console.error(error.message || error)
  process.exitCode = 1
})
