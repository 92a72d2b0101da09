import { initAll } from '/static/vendor/govuk/govuk-frontend.min.js'
initAll()

// On a narrow screen or at 400% zoom a wide table or chart scrolls sideways in its own box, not the whole
// page (WCAG 1.4.10, reflow). Tables are wrapped in a box here; charts draw into one (.tc-chart). A box
// takes keyboard focus only while it scrolls, so a keyboard user can scroll it and nobody meets an empty
// tab stop; a box with no role of its own becomes a region named after its table's caption. Without
// JavaScript the page scrolls instead, as before.
const boxes = [...document.querySelectorAll('.tc-chart')]
for (const table of document.querySelectorAll('table.govuk-table')) {
  const box = document.createElement('div')
  box.className = 'tc-table-scroll'
  const caption = table.querySelector('caption')
  box.dataset.label = caption && caption.textContent.trim() ? caption.textContent.trim() : 'Table'
  table.before(box)
  box.append(table)
  boxes.push(box)
}
function markScrollable (box) {
  const scrolls = box.scrollWidth > box.clientWidth + 1
  if (scrolls) box.setAttribute('tabindex', '0')
  else box.removeAttribute('tabindex')
  if (box.dataset.label) { // a table's box: a region only while it scrolls
    if (scrolls) {
      box.setAttribute('role', 'region')
      box.setAttribute('aria-label', `${box.dataset.label} (scrolls sideways)`)
    } else {
      box.removeAttribute('role')
      box.removeAttribute('aria-label')
    }
  }
}
if (boxes.length) {
  // Charts are drawn after this runs, and a resize or zoom changes what fits: look again whenever a box or
  // what is in it changes size.
  const observer = new ResizeObserver(() => boxes.forEach(markScrollable))
  for (const box of boxes) {
    observer.observe(box)
    if (box.firstElementChild) observer.observe(box.firstElementChild)
  }
  for (const chart of document.querySelectorAll('.tc-chart')) { // drawn into later: watch what is drawn
    new MutationObserver(() => {
      if (chart.firstElementChild) observer.observe(chart.firstElementChild)
    }).observe(chart, { childList: true })
  }
  boxes.forEach(markScrollable)
}
