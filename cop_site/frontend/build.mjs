#!/usr/bin/env node
// Front-end build: `npm run build` from the repository root.
//
// 1. Compiles cop_site/frontend/scss/main.scss (GOV.UK Frontend + the site's
//    `app-` components) to cop_site/static/dist/css/main.css, compressed,
//    with node_modules on the Sass load path.
// 2. Writes js/*.mjs: the site's own modules (cop_site/frontend/js/), each
//    one self-contained file. A module that imports GOV.UK Frontend
//    (`import { initAll } from './govuk-frontend.min.js'`) gets GOV.UK
//    Frontend's ES module build inlined in place of the import (see
//    bundleModule): in production Django's manifest storage gives every
//    static file a hashed name with a far-future cache header, and a relative
//    import inside a module would still name the unhashed file.
// 3. Copies into cop_site/static/dist/images/ every GOV.UK Frontend image the
//    compiled CSS asks for (the crest is never asked for: see
//    scss/_url-handlers.scss), plus the site's own images
//    (cop_site/frontend/images/, e.g. its favicon).
//
// cop_site/static/dist/ is generated and git-ignored: it is emptied first.
// Plain Node (>= 20), no bundler: GOV.UK Frontend is one ES module file with
// one export list, so inlining it is a few checked string operations.
import { cp, mkdir, readdir, readFile, rm, writeFile, copyFile, access } from 'node:fs/promises'
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

const GOVUK_SPECIFIER = './govuk-frontend.min.js'

// GOV.UK Frontend's ES module build: its code without the closing export list
// (and without the sourceMappingURL comment, whose map would not match the
// bundle), and the names that list exports.
async function govukLibrary () {
  const code = await readFile(join(govukDist, 'govuk-frontend.min.js'), 'utf8')
  const tail = /export\s*\{([^}]*)\}\s*;?\s*(\/\/# sourceMappingURL=\S+\s*)?$/.exec(code)
  if (!tail) throw new Error('govuk-frontend.min.js no longer ends with one export list: update bundleModule')
  const exported = new Set()
  for (const item of tail[1].split(',').map((part) => part.trim()).filter(Boolean)) {
    // `export { a as b }` would need renaming; GOV.UK Frontend exports its names as they are.
    if (!/^[A-Za-z_$][\w$]*$/.test(item)) throw new Error(`Unexpected GOV.UK Frontend export: ${item}`)
    exported.add(item)
  }
  const body = code.slice(0, tail.index)
  if (/(^|[;}])\s*import\s*[{*"']/.test(body)) throw new Error('govuk-frontend.min.js imports other files: update bundleModule')
  const { version } = JSON.parse(await readFile(join(nodeModules, 'govuk-frontend', 'package.json'), 'utf8'))
  return { body, exported, version }
}

// One of the site's modules as a self-contained file. The import of GOV.UK
// Frontend is replaced by the library's code; the module's own code goes in a
// block after it, so its top-level names can never collide with the
// library's minified ones, while the imported names resolve to the library's
// top-level declarations. Any other import is refused: it would break under
// hashed static file names.
function bundleModule (name, source, library) {
  const importPattern = /^import\s*\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2\s*;?[ \t]*$/m
  const match = importPattern.exec(source)
  const rest = match ? source.slice(0, match.index) + source.slice(match.index + match[0].length) : source
  if (/^\s*(import|export)\b/m.test(rest)) {
    throw new Error(`${name}: only one \`import { ... } from '${GOVUK_SPECIFIER}'\` is supported (a relative import breaks under hashed static names)`)
  }
  if (!match) return source
  if (match[3] !== GOVUK_SPECIFIER) throw new Error(`${name}: cannot import ${match[3]}; only ${GOVUK_SPECIFIER}`)
  for (const item of match[1].split(',').map((part) => part.trim()).filter(Boolean)) {
    if (!library.exported.has(item)) throw new Error(`${name}: GOV.UK Frontend does not export ${item} under that name`)
  }
  return [
    `// ${name}, with GOV.UK Frontend ${library.version} (MIT licence, https://github.com/alphagov/govuk-frontend) inlined.`,
    library.body.trimEnd(),
    '{',
    rest.trim(),
    '}',
    ''
  ].join('\n')
}

async function buildJs () {
  await mkdir(join(out, 'js'), { recursive: true })
  const library = await govukLibrary()
  const own = (await readdir(join(here, 'js'))).filter((name) => name.endsWith('.mjs'))
  for (const name of own) {
    const source = await readFile(join(here, 'js', name), 'utf8')
    await writeFile(join(out, 'js', name), bundleModule(name, source, library))
  }
  return own
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
  const js = await buildJs()
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
